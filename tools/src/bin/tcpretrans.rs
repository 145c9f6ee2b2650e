fn main() {
    bpftk::tcpretrans::main()
}
