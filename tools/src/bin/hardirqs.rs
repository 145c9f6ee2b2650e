fn main() {
    bpftk::mains::hardirqs()
}
