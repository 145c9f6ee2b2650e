fn main() {
    bpftk::mains::profile()
}
