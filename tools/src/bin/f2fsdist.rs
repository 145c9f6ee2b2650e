fn main() {
    bpftk::mains::f2fsdist()
}
