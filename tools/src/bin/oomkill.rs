fn main() {
    bpftk::oomkill::main()
}
