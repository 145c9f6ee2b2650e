fn main() {
    bpftk::mains::xfsdist()
}
