fn main() {
    bpftk::mains::exitsnoop()
}
