fn main() {
    bpftk::mains::cachestat()
}
