fn main() {
    bpftk::mains::readahead()
}
