fn main() {
    bpftk::tcpconnect::main()
}
