fn main() {
    bpftk::tcpconnlat::main()
}
