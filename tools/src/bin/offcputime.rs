fn main() {
    bpftk::offcputime::main()
}
