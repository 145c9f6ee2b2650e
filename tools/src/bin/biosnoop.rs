fn main() {
    bpftk::mains::biosnoop()
}
