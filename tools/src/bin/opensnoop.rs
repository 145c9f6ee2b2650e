fn main() {
    bpftk::opensnoop::main()
}
