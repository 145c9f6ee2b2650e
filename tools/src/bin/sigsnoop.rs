fn main() {
    bpftk::sigsnoop::main()
}
