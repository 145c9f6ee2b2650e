fn main() {
    bpftk::mains::slabratetop()
}
