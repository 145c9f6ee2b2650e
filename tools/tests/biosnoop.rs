//! biosnoop end to end: O_DIRECT reads and writes of a loop device by dd,
//! each request asserted with its process, disk, sector and size.

use crate::common::*;

const BIN: &str = env!("CARGO_BIN_EXE_biosnoop");

/// libbpf-tools' biosnoop: `"%-11.6f %-14.14s %-7d %-7s %-4s %-10lld %-7d "`,
/// then with -Q `"%7.3f "`, then `"%7.3f\n"`.
const LAYOUT: &str = "%-11s %-14s %-7s %-7s %-4s %-10s %-7s %7s";
const LAYOUT_Q: &str = "%-11s %-14s %-7s %-7s %-4s %-10s %-7s %7s %7s";

#[test]
fn reads_are_shown_with_their_process_sector_and_size() {
    let lo = LoopDevice::new();
    let (f, pid) = trace(BIN, &["-d", lo.name()], |_| lo.read_direct("4k", 3, 10));
    f.assert_success();
    let layout = Printf::new(LAYOUT);
    let header = [
        "TIME(s)", "COMM", "PID", "DISK", "T", "SECTOR", "BYTES", "LAT(ms)",
    ];
    layout.assert_header(&f.stdout[0], &header);
    // Three 4 KiB reads from block 10 on: sectors 80, 88 and 96.
    for sector in [80, 88, 96] {
        let row = [
            Cell::Num,
            is("dd"),
            is(pid),
            is(lo.name()),
            Cell::Word,
            is(sector),
            is(4096),
            Cell::Num,
        ];
        layout.find(&f.stdout, &row);
    }
    let rows = f.rows();
    assert!(
        rows.iter().all(|r| r[3] == lo.name()),
        "-d {}: {rows:?}",
        lo.name()
    );
    let reads: Vec<_> = rows.iter().filter(|r| r[2] == pid.to_string()).collect();
    assert_eq!(reads.len(), 3, "{rows:?}");
    assert!(reads.iter().all(|r| r[4].starts_with('R')), "{reads:?}");
}

#[test]
fn queued_time_and_json() {
    let lo = LoopDevice::new();
    let (f, pid) = trace(BIN, &["-Q", "-d", lo.name()], |_| {
        run_child(
            "dd",
            &[
                "if=/dev/zero",
                &format!("of={}", lo.dev),
                "bs=8k",
                "count=2",
                "seek=100",
                "oflag=direct",
            ],
        )
    });
    f.assert_success();
    let layout = Printf::new(LAYOUT_Q);
    let header = [
        "TIME(s)", "COMM", "PID", "DISK", "T", "SECTOR", "BYTES", "QUE(ms)", "LAT(ms)",
    ];
    layout.assert_header(&f.stdout[0], &header);
    for sector in [1600, 1616] {
        let row = [
            Cell::Num,
            is("dd"),
            is(pid),
            is(lo.name()),
            Cell::Word,
            is(sector),
            is(8192),
            Cell::Num,
            Cell::Num,
        ];
        layout.find(&f.stdout, &row);
    }
    let rows = f.rows();
    let writes: Vec<_> = rows.iter().filter(|r| r[2] == pid.to_string()).collect();
    assert!(writes.iter().all(|r| r[4].starts_with('W')), "{writes:?}");

    let (f, pid) = trace(BIN, &["--json", "-d", lo.name()], |_| {
        lo.read_direct("4k", 1, 5)
    });
    f.assert_success();
    let o = f
        .json()
        .into_iter()
        .find(|o| o["pid"] == pid)
        .unwrap_or_else(|| panic!("{:?}", f.stdout));
    assert_eq!(o["comm"], "dd");
    assert_eq!(o["disk"], lo.name());
    assert_eq!(o["sector"], 40);
    assert_eq!(o["bytes"], 4096);
    assert!(o["t"].as_str().unwrap().starts_with('R'), "{o}");
    assert!(o["lat_ms"].as_f64().unwrap() >= 0.0, "{o}");
    assert!(o.get("que_ms").is_none(), "no -Q: {o}");
    assert!(o["time_s"].is_number(), "{o}");
}

#[test]
fn every_hook_alternative_loads() {
    assert_all_hooks_load(BIN, &[]);
    assert_all_hooks_load(BIN, &["-Q"]);
}

#[test]
fn bad_input_is_one_clear_line() {
    assert_usage_error(BIN, &["0"]);
    assert_usage_error(BIN, &["abc"]);
    assert_usage_error(BIN, &["1", "2"]);
    assert_runtime_error(
        BIN,
        &["-d", "bpftk-no-disk"],
        &[],
        "no such disk: bpftk-no-disk",
    );
    assert_needs_privileges(BIN, &["1"]);
}
