fn main() {
    bpftk::mains::filetop()
}
