//! biotop end to end: dd's O_DIRECT reads and writes of a loop device,
//! counted by process, disk and direction.

use crate::common::*;

const BIN: &str = env!("CARGO_BIN_EXE_biotop");

/// libbpf-tools' biotop: `"%-7s %-16s %1s %-3s %-3s %-8s %5s %7s %6s"`.
const LAYOUT: &str = "%-7s %-16s %1s %-3s %-3s %-8s %5s %7s %6s";

/// (major, minor) of a disk, from sysfs.
fn dev_numbers(disk: &str) -> (String, String) {
    let dev = std::fs::read_to_string(format!("/sys/class/block/{disk}/dev")).unwrap();
    let (maj, min) = dev.trim().split_once(':').unwrap();
    (maj.to_string(), min.to_string())
}

#[test]
fn reads_and_writes_are_counted_by_process() {
    let lo = LoopDevice::new();
    let (maj, min) = dev_numbers(lo.name());
    let (f, (reader, writer)) = trace(BIN, &["-C", "1"], |_| {
        let reader = lo.read_direct("4k", 30, 0);
        let writer = run_child(
            "dd",
            &[
                "if=/dev/zero",
                &format!("of={}", lo.dev),
                "bs=8k",
                "count=5",
                "oflag=direct",
            ],
        );
        (reader, writer)
    });
    f.assert_success();
    let layout = Printf::new(LAYOUT);
    let header = [
        "PID", "COMM", "D", "MAJ", "MIN", "DISK", "I/O", "Kbytes", "AVGms",
    ];
    let at = f
        .stdout
        .iter()
        .position(|l| l.starts_with("PID"))
        .expect("a header");
    layout.assert_header(&f.stdout[at], &header);
    assert!(f.stdout[at - 2].contains(" loadavg: "), "{:?}", f.stdout);
    // Each process's I/O, summed over the intervals it fell in.
    let mut totals = Vec::new();
    for (pid, d) in [(reader, "R"), (writer, "W")] {
        let (mut io, mut kb) = (0u64, 0u64);
        for line in &f.stdout {
            let row = [
                is(pid),
                is("dd"),
                is(d),
                is(&maj),
                is(&min),
                is(lo.name()),
                Cell::Num,
                Cell::Num,
                Cell::Num,
            ];
            if layout.matches(line, &row) {
                let f: Vec<&str> = line.split_whitespace().collect();
                io += f[6].parse::<u64>().unwrap();
                kb += f[7].parse::<u64>().unwrap();
            }
        }
        totals.push((io, kb));
    }
    assert_eq!(totals, [(30, 120), (5, 40)], "{:?}", f.stdout);
}

#[test]
fn json_rows_and_the_pid_filter() {
    let lo = LoopDevice::new();
    let gate = GatedChild::spawn(&format!(
        "dd if={} of=/dev/null bs=4k count=10 iflag=direct status=none",
        lo.dev
    ));
    let pid = gate.pid();
    let (f, ()) = trace(BIN, &["--json", "-p", &pid.to_string(), "1"], |_| {
        assert!(gate.release());
        lo.read_direct("4k", 10, 0); // another process: filtered out
    });
    f.assert_success();
    let rows = f.json();
    assert!(!rows.is_empty(), "{:?}", f.stdout);
    assert!(rows.iter().all(|o| o["pid"] == pid), "{rows:?}");
    let io: u64 = rows.iter().map(|o| o["io"].as_u64().unwrap()).sum();
    assert_eq!(io, 10, "{rows:?}");
    let o = &rows[0];
    assert_eq!(
        (o["comm"].as_str(), o["d"].as_str(), o["disk"].as_str()),
        (Some("dd"), Some("R"), Some(lo.name()))
    );
    assert!(
        o["avg_ms"].is_number() && o["kbytes"].is_u64() && o["time"].is_string(),
        "{o}"
    );
}

#[test]
fn every_hook_alternative_loads() {
    assert_all_hooks_load(BIN, &["1", "1"]);
}

#[test]
fn bad_input_is_one_clear_line() {
    assert_usage_error(BIN, &["0"]);
    assert_usage_error(BIN, &["1", "0"]);
    assert_usage_error(BIN, &["-r", "0"]);
    assert_usage_error(BIN, &["-s", "name"]);
    assert_runtime_error(BIN, &["-p", "999999999"], &[], "no such process: 999999999");
    assert_needs_privileges(BIN, &["1", "1"]);
}
