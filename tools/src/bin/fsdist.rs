fn main() {
    bpftk::mains::fsdist()
}
