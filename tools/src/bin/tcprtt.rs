fn main() {
    bpftk::tcprtt::main()
}
