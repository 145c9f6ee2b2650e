fn main() {
    bpftk::cpudist::main()
}
