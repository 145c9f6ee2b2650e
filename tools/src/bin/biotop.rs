fn main() {
    bpftk::mains::biotop()
}
