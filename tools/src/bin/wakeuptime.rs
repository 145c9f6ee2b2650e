fn main() {
    bpftk::wakeuptime::main()
}
