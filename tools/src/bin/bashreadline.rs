fn main() {
    bpftk::bashreadline::main()
}
