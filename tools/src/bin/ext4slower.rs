fn main() {
    bpftk::mains::ext4slower()
}
