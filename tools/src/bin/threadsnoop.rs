fn main() {
    bpftk::threadsnoop::main()
}
