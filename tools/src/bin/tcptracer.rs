fn main() {
    bpftk::tcptracer::main()
}
