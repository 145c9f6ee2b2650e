fn main() {
    bpftk::syscount::main()
}
