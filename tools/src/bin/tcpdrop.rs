fn main() {
    bpftk::tcpdrop::main()
}
