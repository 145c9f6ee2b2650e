fn main() {
    bpftk::irqs::softirqs_main()
}
