fn main() {
    bpftk::biopattern::main()
}
