fn main() {
    bpftk::mains::tcpretrans()
}
