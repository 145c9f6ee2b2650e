fn main() {
    bpftk::mains::mdflush()
}
