fn main() {
    bpftk::mains::bcachefsdist()
}
