fn main() {
    bpftk::mains::bindsnoop()
}
