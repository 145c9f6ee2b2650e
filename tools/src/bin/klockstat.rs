fn main() {
    bpftk::mains::klockstat()
}
