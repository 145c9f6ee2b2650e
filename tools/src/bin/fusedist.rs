fn main() {
    bpftk::mains::fusedist()
}
