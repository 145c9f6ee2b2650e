fn main() {
    bpftk::mains::offcputime()
}
