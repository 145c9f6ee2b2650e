fn main() {
    bpftk::mains::syscount()
}
