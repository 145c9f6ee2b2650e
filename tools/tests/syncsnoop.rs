//! syncsnoop end to end, on the running kernel.

use std::process::{Command, Stdio};

use crate::common::*;

const BIN: &str = env!("CARGO_BIN_EXE_syncsnoop");

/// Run a child to completion; returns its pid.
fn child(prog: &str, args: &[&str]) -> u32 {
    let mut c = Command::new(prog)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let pid = c.id();
    assert!(c.wait().unwrap().success(), "{prog} {args:?} failed");
    pid
}

/// `sync` (coreutils, no arguments: sync(2)).
fn sync() -> u32 {
    child("sync", &[])
}

/// `dd conv=fsync` writes a file and fsync(2)s it.
fn fsync_file(path: &str) -> u32 {
    child(
        "dd",
        &[
            "if=/dev/zero",
            &format!("of={path}"),
            "bs=512",
            "count=1",
            "conv=fsync",
        ],
    )
}

/// libbpf-tools' layout.
fn layout() -> Printf {
    Printf::new("%-18.9f %-16s %s")
}

/// A row of `comm` calling `call`, seconds since boot in the first column.
fn row(comm: &str, call: &str) -> [Cell; 3] {
    [Cell::Num, is(comm), is(call)]
}

/// Seconds since boot by CLOCK_MONOTONIC, bpf_ktime_get_ns()'s clock.
fn uptime() -> f64 {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `t` is a valid timespec for clock_gettime to fill.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut t) };
    assert_eq!(rc, 0);
    t.tv_sec as f64 + t.tv_nsec as f64 / 1e9
}

#[test]
fn sees_sync_and_fsync_from_children() {
    let file = unique_path("fsync").to_string_lossy().into_owned();
    let before = uptime();
    let t = Tracer::start(BIN, &[]);
    sync();
    fsync_file(&file);
    t.expect("the fsync", |l| layout().matches(l, &row("dd", "fsync")));
    let f = t.stop();
    f.assert_success();
    let layout = layout();
    layout.assert_header(&f.stdout[0], &["TIME(s)", "COMM", "CALL"]);
    let line = layout.find(&f.stdout, &row("sync", "sync"));
    layout.find(&f.stdout, &row("dd", "fsync"));
    // Seconds since boot, with nine decimals, as upstream prints them.
    let secs = line.split_whitespace().next().unwrap();
    assert_eq!(secs.split('.').nth(1).map(str::len), Some(9), "{line:?}");
    let secs: f64 = secs.parse().unwrap();
    assert!(
        (before..uptime()).contains(&secs),
        "{line:?}: not since boot"
    );
    std::fs::remove_file(&file).unwrap();
}

#[test]
fn wall_clock_with_t() {
    let (f, _) = trace(BIN, &["-T"], |t| {
        sync();
        t.expect_text(" sync");
    });
    let layout = Printf::new("%-8s %-16s %s");
    layout.assert_header(&f.stdout[0], &["TIME", "COMM", "CALL"]);
    layout.find(&f.stdout, &[Cell::Time, is("sync"), is("sync")]);
}

#[test]
fn json_has_the_same_events() {
    let file = unique_path("fsync-json").to_string_lossy().into_owned();
    let t = Tracer::start(BIN, &["--json", "-T"]);
    let sync_pid = sync();
    let dd_pid = fsync_file(&file);
    assert!(t.wait_for(|l| l.contains(&format!("\"pid\":{dd_pid},")), EVENT_TIMEOUT));
    let f = t.stop();
    f.assert_success();
    let events = f.json();
    let find = |pid: u32, call: &str| {
        events
            .iter()
            .find(|e| e["pid"] == pid && e["call"] == call)
            .unwrap_or_else(|| panic!("no {call} event for {pid}: {events:?}"))
    };
    let e = find(sync_pid, "sync");
    assert_eq!(e["comm"], "sync");
    assert_eq!(e["tid"], sync_pid);
    assert!(chrono::DateTime::parse_from_rfc3339(e["time"].as_str().unwrap()).is_ok());
    assert!(e["time_s"].as_f64().unwrap() > 0.0, "{e}");
    let e = find(dd_pid, "fsync");
    assert_eq!(e["comm"], "dd");
    std::fs::remove_file(&file).unwrap();
}

#[test]
fn pid_filter_keeps_only_that_process() {
    let sh = GatedChild::spawn("sync");
    let pid = sh.pid();
    let t = Tracer::start(BIN, &["-p", &pid.to_string(), "--json"]);
    let other = sync();
    assert!(sh.release());
    assert!(t.wait_for(|l| l.contains(&format!("\"pid\":{pid},")), EVENT_TIMEOUT));
    let f = t.stop();
    f.assert_success();
    let events = f.json();
    assert!(
        events
            .iter()
            .all(|e| e["pid"] == pid && e["call"] == "sync"),
        "-p {pid} printed other processes (e.g. {other}): {events:?}"
    );
}

#[test]
fn duration_ends_the_trace_with_status_0() {
    let t = Tracer::start(BIN, &["-d", "1"]);
    let f = t.finish();
    f.assert_success();
}

#[test]
fn every_alternative_passes_the_verifier() {
    assert_all_hooks_load(BIN, &[]);
}

#[test]
fn bad_input_is_one_clear_line() {
    assert_usage_error(BIN, &["-p", "abc"]);
    assert_usage_error(BIN, &["extra"]);
    assert_runtime_error(BIN, &["-p", "999999999"], &[], "no such process: 999999999");
    assert_runtime_error(BIN, &["-d", "-1"], &[], "invalid duration -1");
    assert_needs_privileges(BIN, &[]);
}
