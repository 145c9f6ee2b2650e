fn main() {
    bpftk::mains::zfsdist()
}
