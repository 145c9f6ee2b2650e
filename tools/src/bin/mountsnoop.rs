fn main() {
    bpftk::mountsnoop::main()
}
