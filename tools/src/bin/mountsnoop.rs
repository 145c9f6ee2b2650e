fn main() {
    bpftk::mains::mountsnoop()
}
