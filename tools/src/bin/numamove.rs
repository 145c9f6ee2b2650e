fn main() {
    bpftk::mains::numamove()
}
