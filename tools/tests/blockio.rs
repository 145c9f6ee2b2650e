//! bitesize and biopattern end to end: direct reads from a loop device.

use crate::common::*;

const BITESIZE: &str = env!("CARGO_BIN_EXE_bitesize");
const BIOPATTERN: &str = env!("CARGO_BIN_EXE_biopattern");

/// 20 single-block reads that jump around the device.
fn random_reads(lo: &LoopDevice) {
    for i in 0..20u32 {
        lo.read_direct("4k", 1, (i * 7919) % 4000);
    }
}

#[test]
fn bitesize_puts_4k_reads_in_their_bucket() {
    let lo = LoopDevice::new();
    let t = Tracer::start(BITESIZE, &["-c", "dd", "-d", lo.name(), "3", "1"]);
    lo.read_direct("4k", 100, 0);
    let f = t.finish();
    f.assert_success();
    assert_eq!(
        f.stdout[0],
        "Tracing block device I/O... Hit Ctrl-C to end."
    );
    let at = f
        .stdout
        .iter()
        .position(|l| l == "Process Name = dd")
        .unwrap_or_else(|| panic!("{:?}", f.stdout));
    assert_eq!(
        f.stdout[at + 1],
        "     Kbytes              : count    distribution"
    );
    let bucket = f.stdout[at..]
        .iter()
        .find(|l| l.trim_start().starts_with("4 -> 7"))
        .unwrap();
    let n: u64 = bucket
        .split(':')
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(n >= 100, "{bucket}");
    assert_eq!(
        f.stdout
            .iter()
            .filter(|l| l.starts_with("Process Name"))
            .count(),
        1,
        "-c dd"
    );
}

#[test]
fn bitesize_json_buckets() {
    let lo = LoopDevice::new();
    let t = Tracer::start(BITESIZE, &["--json", "-d", lo.name(), "3", "1"]);
    lo.read_direct("64k", 20, 0);
    let f = t.finish();
    f.assert_success();
    let o = f.json().into_iter().find(|o| o["comm"] == "dd").unwrap();
    assert_eq!(o["unit"], "Kbytes");
    let b = o["buckets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["low"] == 64)
        .unwrap()
        .clone();
    assert!(b["count"].as_u64().unwrap() >= 20, "{o}");
}

#[test]
fn biopattern_tells_sequential_from_random() {
    let lo = LoopDevice::new();
    let t = Tracer::start(BIOPATTERN, &["-d", lo.name(), "3", "1"]);
    lo.read_direct("4k", 100, 0);
    let f = t.finish();
    f.assert_success();
    assert_eq!(
        f.stdout[0],
        "Tracing block device I/O requested seeks... Hit Ctrl-C to end."
    );
    assert_eq!(f.stdout[1], "DISK     %RND  %SEQ    COUNT     KBYTES");
    let row: Vec<&str> = f.stdout[2].split_whitespace().collect();
    assert_eq!(row[0], lo.name());
    let (rnd, seq, count): (u64, u64, u64) = (
        row[1].parse().unwrap(),
        row[2].parse().unwrap(),
        row[3].parse().unwrap(),
    );
    assert!(seq >= 90 && rnd + seq >= 99, "{row:?}");
    assert!(count >= 99, "{row:?}");

    let t = Tracer::start(BIOPATTERN, &["--json", "-T", "-d", lo.name(), "3", "1"]);
    random_reads(&lo);
    let f = t.finish();
    f.assert_success();
    let o = f
        .json()
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("{:?}", f.stdout));
    assert_eq!(o["disk"], lo.name());
    assert!(o["rnd_pct"].as_u64().unwrap() >= 80, "{o}");
    assert!(o["count"].as_u64().unwrap() >= 19, "{o}");
    assert!(o["time"].is_string());
}

#[test]
fn biopattern_judges_each_intervals_first_request_too() {
    // 120 sequential reads in three runs a second apart, so that they fall
    // in different intervals: every one but the very first is judged, and
    // sequential, wherever the interval boundaries fall.
    let lo = LoopDevice::new();
    let t = Tracer::start(BIOPATTERN, &["--json", "-d", lo.name(), "1", "5"]);
    for run in 0..3 {
        lo.read_direct("4k", 40, run * 40);
        std::thread::sleep(std::time::Duration::from_millis(1100));
    }
    let f = t.finish();
    f.assert_success();
    let rows = f.json();
    assert!(rows.len() >= 2, "{:?}", f.stdout);
    let count: u64 = rows.iter().map(|o| o["count"].as_u64().unwrap()).sum();
    assert_eq!(count, 119, "{:?}", f.stdout);
    for o in &rows {
        assert_eq!(o["seq_pct"], 100, "{o}");
    }
}

#[test]
fn every_alternative_passes_the_verifier() {
    assert_all_hooks_load(BITESIZE, &[]);
    assert_all_hooks_load(BITESIZE, &["-c", "dd"]);
    assert_all_hooks_load(BIOPATTERN, &[]);
}

#[test]
fn bad_input_is_one_clear_line() {
    for bin in [BITESIZE, BIOPATTERN] {
        assert_usage_error(bin, &["0"]);
        assert_runtime_error(bin, &["-d", "nosuchdisk"], &[], "no such disk: nosuchdisk");
        assert_needs_privileges(bin, &[]);
    }
    assert_runtime_error(
        BITESIZE,
        &["-c", "a-very-long-command-name"],
        &[],
        "at most 15 bytes",
    );
}
