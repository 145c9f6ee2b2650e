//! stackcount end to end: a child calls getppid(2) a known number of times.

use std::io::Write;
use std::process::{Child, Command, Stdio};

use crate::common::*;

const BIN: &str = env!("CARGO_BIN_EXE_stackcount");
const CALLS: u64 = 500;

/// python3 that calls os.getppid() CALLS times once a line arrives on its
/// stdin (no shell in between, whose own getppid calls would count), then
/// lingers a moment so that its memory map is remembered for its frames.
struct Caller(Child);

impl Caller {
    fn spawn() -> Caller {
        let script = format!(
            "import os, sys, time; sys.stdin.readline(); [os.getppid() for _ in range({CALLS})]; time.sleep(0.5)"
        );
        Caller(
            // The system's python3 itself: a python3 found on PATH may be a
            // shell script (pyenv) with getppid calls of its own.
            Command::new("/usr/bin/python3")
                .args(["-c", &script])
                .stdin(Stdio::piped())
                .spawn()
                .unwrap(),
        )
    }
    fn pid(&self) -> u32 {
        self.0.id()
    }
    fn release(mut self) -> bool {
        self.0.stdin.take().unwrap().write_all(b"go\n").unwrap();
        self.0.wait().unwrap().success()
    }
}

fn caller() -> Caller {
    Caller::spawn()
}

/// Sum of the counts of folded lines starting with `comm`.
fn total(lines: &[String], comm: &str) -> u64 {
    lines
        .iter()
        .filter(|l| l.starts_with(&format!("{comm};")))
        .map(|l| l.rsplit_once(' ').unwrap().1.parse::<u64>().unwrap())
        .sum()
}

#[test]
fn counts_a_tracepoint_fired_a_known_number_of_times() {
    let child = caller();
    let pid = child.pid().to_string();
    let t = Tracer::start(
        BIN,
        &["-P", "-f", "-p", &pid, "t:syscalls:sys_enter_getppid"],
    );
    assert!(child.release());
    let f = t.stop();
    f.assert_success();
    assert_eq!(total(&f.stdout, "python3"), CALLS, "{:?}", f.stdout);
    let hot = f.stdout.iter().find(|l| l.starts_with("python3;")).unwrap();
    assert!(
        hot.contains(";getppid;") || hot.contains("getppid;"),
        "libc's getppid: {hot}"
    );
    assert!(hot.contains("do_syscall_64"), "kernel frames: {hot}");
}

#[test]
fn user_function_through_a_uprobe_in_json() {
    let child = caller();
    let pid = child.pid();
    let t = Tracer::start(
        BIN,
        &["--json", "-U", "-p", &pid.to_string(), "u:c:getppid"],
    );
    assert!(child.release());
    let f = t.stop();
    f.assert_success();
    let events = f.json();
    let n: u64 = events.iter().map(|e| e["count"].as_u64().unwrap()).sum();
    assert_eq!(n, CALLS, "{events:?}");
    assert!(
        events
            .iter()
            .all(|e| e["pid"] == pid && e["comm"] == "python3"),
        "{events:?}"
    );
    assert!(events.iter().all(|e| e.get("kernel_stack").is_none()), "-U");
    assert!(events
        .iter()
        .any(|e| e["user_stack"][0].as_str().unwrap().contains("getppid")));
}

#[test]
fn kernel_stacks_across_processes_in_intervals() {
    let child = caller();
    let pid = child.pid().to_string();
    let t = Tracer::start(
        BIN,
        &[
            "-K",
            "-T",
            "-i",
            "1",
            "-D",
            "3",
            "-p",
            &pid,
            "t:syscalls:sys_enter_getppid",
        ],
    );
    assert!(child.release());
    let f = t.finish();
    f.assert_success();
    assert_eq!(
        f.stdout[0],
        "Tracing \"t:syscalls:sys_enter_getppid\"... Hit Ctrl-C to end."
    );
    // -T: a time line per interval; three intervals of a second.
    let times = f
        .stdout
        .iter()
        .filter(|l| l.len() == 8 && l.matches(':').count() == 2)
        .count();
    assert_eq!(times, 3, "{:?}", f.stdout);
    assert!(
        f.stdout.iter().any(|l| l == "    do_syscall_64"),
        "{:?}",
        f.stdout
    );
    // Without -P (and with kernel stacks only) no comm line is printed.
    assert!(
        !f.stdout.iter().any(|l| l.starts_with("    -   ")),
        "{:?}",
        f.stdout
    );
    let counts: u64 = f
        .stdout
        .iter()
        .filter_map(|l| l.strip_prefix("        ")?.parse::<u64>().ok())
        .sum();
    // python3 itself may call getppid(2) a few times besides the loop.
    assert!((CALLS..CALLS + 10).contains(&counts), "{:?}", f.stdout);
}

#[test]
fn pprof_call_counts_read_in_go_tool_pprof() {
    let child = caller();
    let pid = child.pid();
    let file = unique_path("stackcount.pb.gz");
    let path = file.to_str().unwrap();
    let args = [
        "--format",
        "pprof",
        "-o",
        path,
        "-P",
        "-p",
        &pid.to_string(),
        "t:syscalls:sys_enter_getppid",
    ];
    let t = Tracer::start(BIN, &args);
    assert!(child.release());
    let f = t.stop();
    f.assert_success();

    let raw = go_pprof(&["-raw"], &file);
    let calls: u64 = raw_values(&raw).iter().map(|v| v[0]).sum();
    assert_eq!(calls, CALLS, "{raw}");
    let top = go_pprof(&["-top"], &file);
    assert!(top.contains("\nType: calls\n"), "{top}");
    let rows = top_rows(&top);
    assert_eq!(
        top_row(&rows, "do_syscall_64").cum,
        CALLS.to_string(),
        "{top}"
    );
    assert!(
        rows.iter()
            .any(|r| r.name.contains("getppid") && r.cum == CALLS.to_string()),
        "libc's getppid: {top}"
    );
    for t in traces(&go_pprof(&["-traces"], &file)) {
        assert_eq!(t.label("pid"), Some(pid.to_string().as_str()), "{t:?}");
        assert_eq!(t.label("comm"), Some("python3"), "{t:?}");
    }
    let _ = std::fs::remove_file(&file);
}

#[test]
fn every_alternative_passes_the_verifier() {
    assert_all_hooks_load(BIN, &["t:sched:sched_switch"]);
    assert_all_hooks_load(BIN, &["u:c:malloc"]);
    // A kernel function has two alternatives; this kernel offers neither to
    // attach, so each is loaded forced (fentry is refused here: lockdown).
    let f = run(
        BIN,
        &["k:vfs_read"],
        &[("BPFTK_HOOK", "kprobe"), ("BPFTK_LOAD_ONLY", "1")],
    );
    assert!(f.status.success(), "{:?}", f.stderr);
    let f = run(
        BIN,
        &["k:vfs_read"],
        &[("BPFTK_HOOK", "fentry"), ("BPFTK_LOAD_ONLY", "1")],
    );
    assert!(
        f.status.success() || !kernel_loads_fentry(),
        "{:?}",
        f.stderr
    );
    assert_runtime_error(
        BIN,
        &["k:vfs_read"],
        &[],
        "this kernel offers no hook for counted event: tried fentry vfs_read (fentry refused), kprobe vfs_read (no kprobes)",
    );
}

#[test]
fn bad_input_is_one_clear_line() {
    assert_usage_error(BIN, &[]);
    assert_usage_error(BIN, &["-U", "-K", "t:sched:sched_switch"]);
    assert_usage_error(
        BIN,
        &["-i", "1", "--format", "pprof", "t:sched:sched_switch"],
    );
    assert_runtime_error(BIN, &["u:c:mal*"], &[], "wildcards are not supported");
    assert_runtime_error(
        BIN,
        &["-c", "999", "t:sched:sched_switch"],
        &[],
        "CPU 999 is not online",
    );
    assert_runtime_error(
        BIN,
        &["x:a:b"],
        &[],
        "not t:CATEGORY:EVENT, u:LIB:FUNC, k:FUNC or FUNC",
    );
    assert_runtime_error(
        BIN,
        &["u:c:bpftk_no_such_fn"],
        &[],
        "does not define bpftk_no_such_fn",
    );
    assert_runtime_error(
        BIN,
        &["u:nosuchlib:f"],
        &[],
        "no library libnosuchlib.so found",
    );
    assert_runtime_error(BIN, &["t:bogus:event"], &[], "this kernel offers no hook");
    assert_needs_privileges(BIN, &["t:sched:sched_switch"]);
}
