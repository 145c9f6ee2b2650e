fn main() {
    bpftk::mains::statsnoop()
}
