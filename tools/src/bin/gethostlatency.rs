fn main() {
    bpftk::mains::gethostlatency()
}
