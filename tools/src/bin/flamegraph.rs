fn main() {
    bpftk::mains::flamegraph()
}
