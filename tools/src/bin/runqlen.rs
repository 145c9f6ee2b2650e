fn main() {
    bpftk::runqlen::main()
}
