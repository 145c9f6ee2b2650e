fn main() {
    bpftk::mains::tcptop()
}
