fn main() {
    bpftk::mains::syncsnoop()
}
