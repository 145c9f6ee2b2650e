fn main() {
    bpftk::mains::vfsstat()
}
