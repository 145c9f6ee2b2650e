fn main() {
    bpftk::mains::capable()
}
