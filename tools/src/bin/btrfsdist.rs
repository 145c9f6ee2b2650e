fn main() {
    bpftk::mains::btrfsdist()
}
