fn main() {
    bpftk::mains::execsnoop()
}
