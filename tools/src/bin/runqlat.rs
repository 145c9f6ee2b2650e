fn main() {
    bpftk::runqlat::main()
}
