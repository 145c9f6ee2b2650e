fn main() {
    bpftk::mains::cpudist()
}
