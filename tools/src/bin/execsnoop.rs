fn main() {
    bpftk::execsnoop::main()
}
