fn main() {
    bpftk::mains::oomkill()
}
