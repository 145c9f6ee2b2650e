fn main() {
    bpftk::mains::llcstat()
}
