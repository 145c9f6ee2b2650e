fn main() {
    bpftk::mains::btrfsslower()
}
