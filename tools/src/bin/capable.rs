fn main() {
    bpftk::capable::main()
}
