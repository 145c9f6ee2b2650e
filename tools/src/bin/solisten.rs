fn main() {
    bpftk::mains::solisten()
}
