fn main() {
    bpftk::tcplife::main()
}
