fn main() {
    bpftk::mains::fsslower()
}
