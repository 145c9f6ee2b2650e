fn main() {
    bpftk::bindsnoop::main()
}
