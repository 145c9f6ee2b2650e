fn main() {
    bpftk::mains::bitesize()
}
