fn main() {
    bpftk::mains::tcprtt()
}
