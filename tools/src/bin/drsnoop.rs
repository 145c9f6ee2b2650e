fn main() {
    bpftk::mains::drsnoop()
}
