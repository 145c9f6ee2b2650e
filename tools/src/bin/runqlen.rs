fn main() {
    bpftk::mains::runqlen()
}
