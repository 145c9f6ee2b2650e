fn main() {
    bpftk::mains::softirqs()
}
