fn main() {
    bpftk::syncsnoop::main()
}
