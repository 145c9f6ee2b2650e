fn main() {
    bpftk::bitesize::main()
}
