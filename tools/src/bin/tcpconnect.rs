fn main() {
    bpftk::mains::tcpconnect()
}
