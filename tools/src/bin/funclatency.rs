fn main() {
    bpftk::funclatency::main()
}
