fn main() {
    bpftk::tcpstates::main()
}
