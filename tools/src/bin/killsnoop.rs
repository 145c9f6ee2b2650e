fn main() {
    bpftk::mains::killsnoop()
}
