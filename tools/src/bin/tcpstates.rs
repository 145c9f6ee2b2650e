fn main() {
    bpftk::mains::tcpstates()
}
