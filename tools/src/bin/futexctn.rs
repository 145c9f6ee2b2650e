fn main() {
    bpftk::mains::futexctn()
}
