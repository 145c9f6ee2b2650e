fn main() {
    bpftk::mains::zfsslower()
}
