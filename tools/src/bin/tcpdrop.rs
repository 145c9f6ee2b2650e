fn main() {
    bpftk::mains::tcpdrop()
}
