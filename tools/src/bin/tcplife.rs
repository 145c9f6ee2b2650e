fn main() {
    bpftk::mains::tcplife()
}
