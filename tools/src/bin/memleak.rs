fn main() {
    bpftk::mains::memleak()
}
