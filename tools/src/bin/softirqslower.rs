fn main() {
    bpftk::mains::softirqslower()
}
