fn main() {
    bpftk::biolatency::main()
}
