fn main() {
    bpftk::tcptop::main()
}
