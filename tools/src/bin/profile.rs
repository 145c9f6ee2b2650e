fn main() {
    bpftk::profile::main()
}
