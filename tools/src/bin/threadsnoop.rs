fn main() {
    bpftk::mains::threadsnoop()
}
