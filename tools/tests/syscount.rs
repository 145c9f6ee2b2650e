//! syscount end to end: a child makes known numbers of system calls.

use crate::common::*;

const BIN: &str = env!("CARGO_BIN_EXE_syscount");

/// The system's python3 (a PATH python3 may be a shell-script shim with
/// system calls of its own), running `code` once released.
fn python(code: &str) -> GatedChild {
    GatedChild::spawn(&format!("/usr/bin/python3 -c '{code}'"))
}

fn getppids() -> GatedChild {
    python("import os\nfor _ in range(500): os.getppid()")
}

/// `NAME  COUNT` rows of the table (after the `[HH:MM:SS]` line).
fn counts(lines: &[String]) -> Vec<(String, u64)> {
    lines
        .iter()
        .filter_map(|l| {
            let (name, count) = l.trim_end().rsplit_once(' ')?;
            Some((name.trim().to_string(), count.parse().ok()?))
        })
        .collect()
}

#[test]
fn counts_a_childs_getppid_calls() {
    let child = getppids();
    let pid = child.pid().to_string();
    let t = Tracer::start(BIN, &["-p", &pid]);
    assert!(child.release());
    let f = t.stop();
    f.assert_success();
    assert_eq!(
        f.stdout[0],
        "Tracing syscalls, printing top 10... Ctrl+C to quit."
    );
    assert!(
        f.stdout[1].starts_with('[') && f.stdout[1].ends_with(']'),
        "{:?}",
        f.stdout
    );
    assert_eq!(f.stdout[2], "SYSCALL                   COUNT");
    let c = counts(&f.stdout[3..]);
    let getppid = c
        .iter()
        .find(|(n, _)| n == "getppid")
        .unwrap_or_else(|| panic!("{:?}", f.stdout));
    assert!((500..510).contains(&getppid.1), "{getppid:?}");
    assert_eq!(c[0].0, "getppid", "the most frequent: {c:?}");
}

/// bcc's -t TID: only the calls of that thread. The main thread (its
/// TID is the PID, known before it runs) calls getppid(2) 500 times; a
/// second thread getsid(2) 700 times, which -t leaves out.
#[test]
fn one_thread_with_t() {
    let child = python(
        "import os, threading\nt = threading.Thread(target=lambda: [os.getsid(0) for _ in range(700)])\nt.start(); t.join()\nfor _ in range(500): os.getppid()",
    );
    let tid = child.pid().to_string();
    let t = Tracer::start(BIN, &["-t", &tid]);
    assert!(child.release());
    let f = t.stop();
    f.assert_success();
    let c = counts(&f.stdout[3..]);
    let getppid = c
        .iter()
        .find(|(n, _)| n == "getppid")
        .unwrap_or_else(|| panic!("{:?}", f.stdout));
    assert!((500..510).contains(&getppid.1), "{getppid:?}");
    assert!(
        !c.iter().any(|(n, _)| n == "getsid"),
        "-t counted another thread's calls: {c:?}"
    );

    // Without -t, with -p, the other thread's calls are there.
    let child = python(
        "import os, threading\nt = threading.Thread(target=lambda: [os.getsid(0) for _ in range(700)])\nt.start(); t.join()",
    );
    let pid = child.pid().to_string();
    let t = Tracer::start(BIN, &["-p", &pid]);
    assert!(child.release());
    let f = t.stop();
    f.assert_success();
    let c = counts(&f.stdout[3..]);
    let getsid = c.iter().find(|(n, _)| n == "getsid");
    assert!(
        matches!(getsid, Some((_, n)) if (700..710).contains(n)),
        "{c:?}"
    );
}

#[test]
fn failed_with_an_errno() {
    let child =
        python("for _ in range(300):\n try: open(\"/nonexistent/bpftk\")\n except OSError: pass");
    let pid = child.pid().to_string();
    let t = Tracer::start(BIN, &["-x", "-e", "ENOENT", "-p", &pid]);
    assert!(child.release());
    let f = t.stop();
    f.assert_success();
    let c = counts(&f.stdout[3..]);
    let openat = c
        .iter()
        .find(|(n, _)| n == "openat")
        .unwrap_or_else(|| panic!("{:?}", f.stdout));
    // python3's own start-up looks for files that are not there too.
    assert!((300..600).contains(&openat.1), "{openat:?}");
}

#[test]
fn per_process_with_latency_in_json() {
    let child = getppids();
    let pid = child.pid();
    let t = Tracer::start(BIN, &["--json", "-P", "-L", "-p", &pid.to_string()]);
    assert!(child.release());
    let f = t.stop();
    f.assert_success();
    let rows = f.json();
    assert_eq!(rows.len(), 1, "-P -p: one process: {rows:?}");
    assert_eq!(rows[0]["pid"], pid);
    assert_eq!(rows[0]["comm"], "python3");
    assert!(rows[0]["count"].as_u64().unwrap() >= 500);
    assert!(rows[0]["time_us"].as_f64().unwrap() > 0.0);

    let child = getppids();
    let pid = child.pid();
    let t = Tracer::start_env(
        BIN,
        &["-v", "--json", "-L", "-p", &pid.to_string()],
        &[("BPFTK_HOOK", "tracepoint")],
    );
    assert!(child.release());
    let f = t.stop();
    f.assert_success();
    assert!(f
        .stderr
        .iter()
        .any(|l| l.contains("syscall exit: tracepoint raw_syscalls:sys_exit")));
    let rows = f.json();
    let g = rows
        .iter()
        .find(|r| r["syscall"] == "getppid")
        .unwrap_or_else(|| panic!("{rows:?}"));
    assert!(g["count"].as_u64().unwrap() >= 500);
    assert_eq!(
        g["nr"],
        if cfg!(target_arch = "aarch64") {
            173
        } else {
            110
        }
    );
}

#[test]
fn list_needs_no_privileges() {
    let f = run(BIN, &["-l"], &[]);
    assert!(f.status.success());
    assert!(f.stdout.iter().any(|l| l.ends_with(": getppid")));
}

#[test]
fn every_alternative_passes_the_verifier() {
    assert_all_hooks_load(BIN, &[]);
    assert_all_hooks_load(BIN, &["-L", "-P"]);
}

#[test]
fn bad_input_is_one_clear_line() {
    assert_usage_error(BIN, &["-e", "EBOGUS"]);
    assert_usage_error(BIN, &["-T", "0"]);
    assert_usage_error(BIN, &["-p", "abc"]);
    assert_usage_error(BIN, &["-t", "abc"]);
    assert_usage_error(BIN, &["-p", "1", "-t", "1"]);
    assert_runtime_error(BIN, &["-t", "999999999"], &[], "no such thread: 999999999");
    assert_runtime_error(BIN, &["-p", "999999999"], &[], "no such process: 999999999");
    assert_runtime_error(BIN, &["-c", "/tmp"], &[], "not a cgroup v2 directory");
    assert_needs_privileges(BIN, &[]);
}
