fn main() {
    bpftk::mains::nfsslower()
}
