fn main() {
    bpftk::mains::f2fsslower()
}
