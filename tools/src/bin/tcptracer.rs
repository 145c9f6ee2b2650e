fn main() {
    bpftk::mains::tcptracer()
}
