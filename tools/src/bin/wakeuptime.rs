fn main() {
    bpftk::mains::wakeuptime()
}
