//! biolatency end to end: direct reads from a loop device.

use crate::common::*;

const BIN: &str = env!("CARGO_BIN_EXE_biolatency");

/// The total count of the histogram under `heading` (a section heading or
/// the histogram's own header line).
fn count_under(lines: &[String], heading: &str) -> u64 {
    let at = lines
        .iter()
        .position(|l| l == heading)
        .unwrap_or_else(|| panic!("no {heading}: {lines:?}"));
    lines[at + 1..]
        .iter()
        .skip_while(|l| !l.contains("->"))
        .take_while(|l| l.contains("->"))
        .map(|l| {
            let count = l.split(':').nth(1).unwrap().split_whitespace().next();
            count.unwrap().parse::<u64>().unwrap()
        })
        .sum()
}

#[test]
fn per_disk_histogram_counts_the_reads() {
    let lo = LoopDevice::new();
    // Upstream's --disk is -D (its -d's long name is shadowed by it).
    let t = Tracer::start(BIN, &["--disk", "--disk-name", lo.name(), "-e", "3", "1"]);
    lo.read_direct("4k", 100, 0);
    let f = t.finish();
    f.assert_success();
    assert_eq!(
        f.stdout[0],
        "Tracing block device I/O... Hit Ctrl-C to end."
    );
    let n = count_under(&f.stdout, &format!("disk = {}", lo.name()));
    assert!(n >= 100, "100 direct reads, {n} counted: {:?}", f.stdout);
    assert_eq!(
        f.stdout.iter().filter(|l| l.starts_with("disk = ")).count(),
        1,
        "-d {}: {:?}",
        lo.name(),
        f.stdout
    );
    let ext = f
        .stdout
        .iter()
        .find(|l| l.starts_with("Average: "))
        .unwrap();
    assert!(ext.ends_with(&format!("Count: {n}")), "{ext}");
}

#[test]
fn flags_and_json() {
    let lo = LoopDevice::new();
    let t = Tracer::start(BIN, &["--json", "-F", "-d", lo.name(), "-Q", "3", "1"]);
    lo.read_direct("4k", 50, 0);
    let f = t.finish();
    f.assert_success();
    let objects = f.json();
    let read = objects
        .iter()
        .find(|o| o["flags"].as_str().is_some_and(|s| s.ends_with("Read")))
        .unwrap_or_else(|| panic!("{objects:?}"));
    let n: u64 = read["buckets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["count"].as_u64().unwrap())
        .sum();
    assert!(n >= 50, "{read}");
    assert_eq!(read["unit"], "usecs");
}

#[test]
fn raw_tp_alternative() {
    let lo = LoopDevice::new();
    let t = Tracer::start_env(
        BIN,
        &["-v", "-d", lo.name(), "-m", "3", "1"],
        &[("BPFTK_HOOK", "raw_tp")],
    );
    lo.read_direct("4k", 30, 0);
    let f = t.finish();
    f.assert_success();
    assert!(f
        .stderr
        .iter()
        .any(|l| l.contains("request completion: raw_tp block_rq_complete")));
    let n = count_under(
        &f.stdout,
        "     msecs               : count    distribution",
    );
    assert!(n >= 30, "{:?}", f.stdout);
}

#[test]
fn every_alternative_passes_the_verifier() {
    assert_all_hooks_load(BIN, &[]);
    assert_all_hooks_load(BIN, &["-Q", "-D", "-F"]);
}

#[test]
fn bad_input_is_one_clear_line() {
    assert_usage_error(BIN, &["0"]);
    assert_runtime_error(BIN, &["-d", "nosuchdisk"], &[], "no such disk: nosuchdisk");
    // --disk is the flag -D, as upstream: it takes no value.
    assert_usage_error(BIN, &["--disk=vda"]);
    assert_runtime_error(BIN, &["-c", "/tmp"], &[], "not a cgroup v2 directory");
    assert_needs_privileges(BIN, &[]);
}
