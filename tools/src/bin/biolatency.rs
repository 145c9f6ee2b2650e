fn main() {
    bpftk::mains::biolatency()
}
