fn main() {
    bpftk::mains::runqslower()
}
