fn main() {
    bpftk::mains::biopattern()
}
