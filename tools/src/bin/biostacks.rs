fn main() {
    bpftk::mains::biostacks()
}
