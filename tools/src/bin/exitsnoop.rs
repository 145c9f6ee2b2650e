fn main() {
    bpftk::exitsnoop::main()
}
