//! cpufreq end to end, on the running kernel. Most virtual machines (this
//! one too) have no cpufreq driver: there the tool must say so in one line.
//! Where a driver exists, a spinning child of a known name must show up in
//! a histogram of its own; the kernel matrix's guests have one (ACPI
//! P-states from kernels/acpi/cpufreq.asl) and check a frequency change.

use crate::common::*;

const BIN: &str = env!("CARGO_BIN_EXE_cpufreq");

fn has_cpufreq() -> bool {
    std::path::Path::new("/sys/devices/system/cpu/cpu0/cpufreq/scaling_cur_freq").exists()
}

/// The tool run with `args` while the spin helper (comm `spin`) runs.
fn trace_spinning(args: &[&str]) -> Finished {
    let t = Tracer::start(BIN, args);
    let child = spin(false, false);
    let f = t.finish();
    drop(child);
    f.assert_success();
    f
}

/// The buckets (low, count) of the histogram headed `label : count`.
fn buckets_under(lines: &[String], label: &str) -> Vec<(u64, u64)> {
    lines
        .iter()
        .skip_while(|l| {
            l.split_whitespace().collect::<Vec<_>>()[..] != [label, ":", "count", "distribution"]
        })
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            assert_eq!(f[1], ":", "{l:?}");
            (f[0].parse().unwrap(), f[2].parse().unwrap())
        })
        .collect()
}

#[test]
fn no_cpufreq_driver_is_one_line() {
    if has_cpufreq() {
        eprintln!("NOTE: cpufreq: this machine has a cpufreq driver; see a_spinning_child_has_its_histogram");
        return;
    }
    let what = "no cpufreq driver: /sys/devices/system/cpu/cpu0/cpufreq does not exist";
    assert_runtime_error(BIN, &["-d", "1"], &[], what);
    assert_runtime_error(BIN, &["--json", "-d", "1"], &[], "no cpufreq driver");
}

#[test]
fn a_spinning_child_has_its_histogram() {
    if !has_cpufreq() {
        eprintln!("NOTE: cpufreq: no cpufreq driver on this machine; the one-line error is tested instead");
        return;
    }
    let _cpus = cpu_hog();
    let f = trace_spinning(&["-d", "2", "-f", "199"]);
    assert_eq!(
        f.stdout[0],
        "Sampling CPU freq system-wide & by process. Ctrl-C to end."
    );
    let mine = buckets_under(&f.stdout, "spin");
    let all = buckets_under(&f.stdout, "syswide");
    assert!(!mine.is_empty(), "no histogram for spin: {:?}", f.stdout);
    // Two seconds at 199 Hz on a busy CPU: hundreds of samples, each in a
    // 200 MHz bucket the whole system's histogram has too.
    assert!(
        mine.iter().map(|b| b.1).sum::<u64>() > 100,
        "{:?}",
        f.stdout
    );
    for (low, n) in &mine {
        assert_eq!(low % 200, 0, "{:?}", f.stdout);
        assert!(
            all.iter().any(|(l, c)| l == low && c >= n),
            "{:?}",
            f.stdout
        );
    }
}

#[test]
fn json_histograms() {
    if !has_cpufreq() {
        return;
    }
    let f = trace_spinning(&["--json", "-d", "1"]);
    let rows = f.json();
    let last = rows.last().expect("a system-wide histogram");
    assert_eq!(last["scope"], "system", "{last}");
    assert_eq!(last["unit"], "MHz", "{last}");
    let spin = rows
        .iter()
        .find(|r| r["comm"] == "spin")
        .expect("spin's histogram");
    assert_eq!(spin["scope"], "process", "{spin}");
    let b = &spin["buckets"][0];
    assert_eq!(
        b["high"].as_u64().unwrap(),
        b["low"].as_u64().unwrap() + 199,
        "{b}"
    );
}

#[test]
fn every_alternative_passes_the_verifier() {
    assert_all_hooks_load(BIN, &["-d", "1"]);
}

#[test]
fn bad_input_is_one_clear_line() {
    assert_usage_error(BIN, &["-f", "0"]);
    assert_usage_error(BIN, &["-f", "x"]);
    assert_usage_error(BIN, &["5"]);
    assert_runtime_error(BIN, &["-d", "0"], &[], "invalid duration 0");
    assert_runtime_error(BIN, &["-d", "-3"], &[], "invalid duration -3");
    assert_needs_privileges(BIN, &["-d", "1"]);
}
