fn main() {
    bpftk::mains::stackcount()
}
