fn main() {
    bpftk::mains::bashreadline()
}
