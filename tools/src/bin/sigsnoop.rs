fn main() {
    bpftk::mains::sigsnoop()
}
