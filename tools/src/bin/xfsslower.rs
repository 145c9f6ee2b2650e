fn main() {
    bpftk::mains::xfsslower()
}
