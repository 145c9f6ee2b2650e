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

fn has_row(rows: &[Vec<String>], pid: u32, comm: &str, syscall: &str) -> bool {
    rows.iter()
        .any(|r| r.len() == 3 && r[0] == pid.to_string() && r[1] == comm && r[2] == syscall)
}

#[test]
fn sees_sync_and_fsync_from_children() {
    let file = unique_path("fsync").to_string_lossy().into_owned();
    let t = Tracer::start(BIN, &[]);
    let sync_pid = sync();
    let dd_pid = fsync_file(&file);
    assert!(t.wait_for(
        |l| l.starts_with(&format!("{dd_pid} ")) && l.contains("fsync"),
        EVENT_TIMEOUT
    ));
    let f = t.stop();
    f.assert_success();
    let layout = Printf::new("%-7d %-16s %s");
    layout.assert_header(&f.stdout[0], &["PID", "COMM", "SYSCALL"]);
    layout.find(&f.stdout, &[is(sync_pid), is("sync"), is("sync")]);
    layout.find(&f.stdout, &[is(dd_pid), is("dd"), is("fsync")]);
    let rows = f.rows();
    assert!(
        has_row(&rows, sync_pid, "sync", "sync"),
        "no sync row for {sync_pid}: {rows:?}"
    );
    assert!(
        has_row(&rows, dd_pid, "dd", "fsync"),
        "no fsync row for {dd_pid}: {rows:?}"
    );
    std::fs::remove_file(&file).unwrap();
}

#[test]
fn json_has_the_same_events() {
    let file = unique_path("fsync-json").to_string_lossy().into_owned();
    let t = Tracer::start(BIN, &["--json", "-T"]);
    let sync_pid = sync();
    let dd_pid = fsync_file(&file);
    assert!(t.wait_for(
        |l| l.contains(&format!("\"pid\":{dd_pid},")) || l.contains(&format!("\"pid\":{dd_pid}}}")),
        EVENT_TIMEOUT
    ));
    let f = t.stop();
    f.assert_success();
    let events = f.json();
    let find = |pid: u32, syscall: &str| {
        events
            .iter()
            .find(|e| e["pid"] == pid && e["syscall"] == syscall)
            .unwrap_or_else(|| panic!("no {syscall} event for {pid}: {events:?}"))
    };
    let e = find(sync_pid, "sync");
    assert_eq!(e["comm"], "sync");
    assert!(chrono::DateTime::parse_from_rfc3339(e["time"].as_str().unwrap()).is_ok());
    let e = find(dd_pid, "fsync");
    assert_eq!(e["comm"], "dd");
    std::fs::remove_file(&file).unwrap();
}

#[test]
fn pid_filter_keeps_only_that_process() {
    let sh = GatedChild::spawn("sync");
    let pid = sh.pid();
    let t = Tracer::start(BIN, &["-p", &pid.to_string()]);
    let other = sync();
    assert!(sh.release());
    assert!(t.wait_for(|l| l.starts_with(&format!("{pid} ")), EVENT_TIMEOUT));
    let f = t.stop();
    f.assert_success();
    let rows = f.rows();
    assert!(has_row(&rows, pid, "sync", "sync"), "{rows:?}");
    assert!(
        rows.iter().all(|r| r[0] == pid.to_string()),
        "-p {pid} printed other processes (e.g. {other}): {rows:?}"
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
