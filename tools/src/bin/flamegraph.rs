fn main() {
    bpftk::flamegraph::main()
}
