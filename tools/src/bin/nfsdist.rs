fn main() {
    bpftk::mains::nfsdist()
}
