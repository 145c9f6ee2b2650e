fn main() {
    bpftk::runqslower::main()
}
