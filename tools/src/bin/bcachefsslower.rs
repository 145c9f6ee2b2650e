fn main() {
    bpftk::mains::bcachefsslower()
}
