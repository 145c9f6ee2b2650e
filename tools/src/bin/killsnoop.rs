fn main() {
    bpftk::sigsnoop::killsnoop_main()
}
