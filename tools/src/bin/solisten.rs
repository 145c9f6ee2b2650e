fn main() {
    bpftk::solisten::main()
}
