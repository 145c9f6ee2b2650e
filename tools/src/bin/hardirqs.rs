fn main() {
    bpftk::irqs::hardirqs_main()
}
