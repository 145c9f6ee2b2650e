fn main() {
    bpftk::statsnoop::main()
}
