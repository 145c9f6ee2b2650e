fn main() {
    bpftk::mains::filelife()
}
