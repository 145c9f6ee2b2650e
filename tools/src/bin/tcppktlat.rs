fn main() {
    bpftk::mains::tcppktlat()
}
