fn main() {
    bpftk::stackcount::main()
}
