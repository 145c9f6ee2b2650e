fn main() {
    bpftk::mains::fuseslower()
}
