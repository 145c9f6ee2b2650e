fn main() {
    bpftk::mains::tcpsynbl()
}
