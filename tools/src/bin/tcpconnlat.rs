fn main() {
    bpftk::mains::tcpconnlat()
}
