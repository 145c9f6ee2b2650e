fn main() {
    bpftk::mains::ext4dist()
}
