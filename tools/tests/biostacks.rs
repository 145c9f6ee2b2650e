//! biostacks end to end: dd's O_DIRECT reads of a loop device, as a
//! histogram under dd's pid, the disk and the stack that submitted them.

use crate::common::*;

const BIN: &str = env!("CARGO_BIN_EXE_biostacks");

#[test]
fn reads_are_counted_under_their_stack() {
    let lo = LoopDevice::new();
    let (f, pid) = trace(BIN, &["-d", lo.name()], |_| lo.read_direct("4k", 30, 0));
    f.assert_success();
    assert_eq!(
        f.stdout[0],
        "Tracing block I/O with init stacks. Hit Ctrl-C to end."
    );
    // libbpf-tools' heading: "%-14.14s %-6d %-7s".
    let heading = format!("{:<14} {:<6} {:<7}", "dd", pid, lo.name());
    let at = f
        .stdout
        .iter()
        .position(|l| *l == heading)
        .unwrap_or_else(|| panic!("no {heading:?} in {:?}", f.stdout));
    let hist_at = at
        + f.stdout[at..]
            .iter()
            .position(|l| l.trim_start().starts_with("usecs"))
            .unwrap();
    let frames = &f.stdout[at + 1..hist_at];
    assert!(
        frames.iter().any(|l| l.contains("submit_bio")),
        "{frames:?}"
    );
    assert!(frames.iter().all(|l| !l.starts_with("bpf_")), "{frames:?}");
    assert_eq!(
        f.stdout[hist_at],
        "     usecs               : count    distribution"
    );
    let counted = bucket_total(&f.stdout[hist_at + 1..]);
    assert_eq!(counted, 30, "{:?}", &f.stdout[hist_at..]);
}

#[test]
fn pprof_counts_requests_by_stack() {
    let lo = LoopDevice::new();
    let file = unique_path("biostacks.pb.gz");
    let args = [
        "--format",
        "pprof",
        "-o",
        file.to_str().unwrap(),
        "-d",
        lo.name(),
    ];
    let (f, pid) = trace(BIN, &args, |_| lo.read_direct("4k", 30, 0));
    assert!(f.stdout.is_empty(), "{:?}", f.stdout);
    let traces = traces(&go_pprof(&["-traces"], &file));
    let dd: Vec<&Trace> = traces
        .iter()
        .filter(|t| t.label("pid") == Some(pid.to_string().as_str()))
        .collect();
    let requests: u64 = dd.iter().map(|t| t.value.parse::<u64>().unwrap()).sum();
    assert_eq!(requests, 30, "{dd:?}");
    for t in &dd {
        assert_eq!(
            (t.label("comm"), t.label("disk")),
            (Some("dd"), Some(lo.name()))
        );
        assert!(t.frames.iter().any(|f| f.contains("submit_bio")), "{t:?}");
        assert!(t.frames.iter().all(|f| !f.starts_with("bpf_")), "{t:?}");
    }
    let top = go_pprof(&["-top"], &file);
    assert!(top.contains("\nType: requests\n"), "{top}");
    let _ = std::fs::remove_file(&file);
}

#[test]
fn json_has_the_stack_and_buckets() {
    let lo = LoopDevice::new();
    let (f, pid) = trace(BIN, &["--json", "-m", "-d", lo.name()], |_| {
        lo.read_direct("4k", 12, 0)
    });
    f.assert_success();
    let objs = f.json();
    let o = objs
        .iter()
        .find(|o| o["pid"] == pid)
        .unwrap_or_else(|| panic!("{objs:?}"));
    assert_eq!(o["comm"], "dd");
    assert_eq!(o["disk"], lo.name());
    assert_eq!(o["unit"], "msecs");
    let stack = o["stack"].as_array().unwrap();
    assert!(
        stack
            .iter()
            .any(|f| f.as_str().unwrap().contains("submit_bio")),
        "{o}"
    );
    let n: u64 = o["buckets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["count"].as_u64().unwrap())
        .sum();
    assert_eq!(n, 12, "{o}");
}

#[test]
fn every_hook_alternative_loads() {
    assert_all_hooks_load(BIN, &["1"]);
}

#[test]
fn bad_input_is_one_clear_line() {
    assert_usage_error(BIN, &["0"]);
    assert_usage_error(BIN, &["1", "2"]);
    assert_usage_error(BIN, &["--stack-storage-size", "0"]);
    assert_runtime_error(
        BIN,
        &["-d", "bpftk-no-disk"],
        &[],
        "no such disk: bpftk-no-disk",
    );
    assert_needs_privileges(BIN, &["1"]);
}
