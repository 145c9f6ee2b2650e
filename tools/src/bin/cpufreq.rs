fn main() {
    bpftk::mains::cpufreq()
}
