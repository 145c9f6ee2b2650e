fn main() {
    bpftk::mains::opensnoop()
}
