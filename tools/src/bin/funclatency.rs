fn main() {
    bpftk::mains::funclatency()
}
