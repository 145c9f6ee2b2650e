fn main() {
    bpftk::mains::runqlat()
}
