//! exitsnoop end to end, on the running kernel.

use std::process::{Child, Command, Stdio};

use crate::common::*;

const BIN: &str = env!("CARGO_BIN_EXE_exitsnoop");

/// `sh -c 'exit N'` from a child whose pid we know; returns the pid.
fn sh_exit(n: u32) -> u32 {
    let mut c = Command::new("sh")
        .args(["-c", &format!("exit {n}")])
        .spawn()
        .unwrap();
    let pid = c.id();
    c.wait().unwrap();
    pid
}

fn sleeper() -> Child {
    Command::new("sleep")
        .arg("100")
        .stdout(Stdio::null())
        .spawn()
        .unwrap()
}

/// `sleep 100`, killed with SIGKILL; returns its pid.
fn killed_sleep() -> u32 {
    let mut c = sleeper();
    let pid = c.id();
    c.kill().unwrap();
    c.wait().unwrap();
    pid
}

/// The table row whose PID column is `pid`.
fn row_for(rows: &[Vec<String>], pid: u32) -> Vec<String> {
    rows.iter()
        .find(|r| r.get(1) == Some(&pid.to_string()))
        .cloned()
        .unwrap_or_else(|| panic!("no row for pid {pid} in {rows:?}"))
}

fn has_pid(pid: u32) -> impl Fn(&str) -> bool {
    let p = pid.to_string();
    move |l: &str| l.split_whitespace().nth(1) == Some(p.as_str())
}

fn has_json_pid(pid: u32) -> impl Fn(&str) -> bool {
    let p = format!("\"pid\":{pid},");
    move |l: &str| l.contains(&p)
}

#[test]
fn sees_exits_with_codes_and_signals() {
    let me = std::process::id().to_string();
    let t = Tracer::start(BIN, &[]);
    let ok = sh_exit(0);
    let three = sh_exit(3);
    let killed = killed_sleep();
    for pid in [ok, three, killed] {
        assert!(
            t.wait_for(has_pid(pid), EVENT_TIMEOUT),
            "exit of {pid} not reported"
        );
    }
    let f = t.stop();
    f.assert_success();
    // libbpf-tools' layout.
    let layout = Printf::new("%-16s %-7d %-7d %-7d %-7s %s");
    layout.assert_header(
        &f.stdout[0],
        &["PCOMM", "PID", "PPID", "TID", "AGE(s)", "EXIT_CODE"],
    );
    let rows = f.rows();
    for (pid, comm, exit) in [
        (ok, "sh", "0"),
        (three, "sh", "code 3"),
        (killed, "sleep", "signal 9 (Killed)"),
    ] {
        let cells = [is(comm), is(pid), is(&me), is(pid), Cell::Num, is(exit)];
        layout.find(&f.stdout, &cells);
        let r = row_for(&rows, pid);
        assert_eq!(r[0], comm, "{r:?}");
        assert_eq!(r[2], me, "PPID {r:?}");
        assert_eq!(r[3], pid.to_string(), "TID {r:?}");
        let age: f64 = r[4].parse().unwrap();
        assert!((0.0..60.0).contains(&age), "age {r:?}");
        assert_eq!(r[5..].join(" "), exit, "{r:?}");
    }
}

#[test]
fn json_has_the_same_events() {
    let me = std::process::id();
    let t = Tracer::start(BIN, &["--json", "-t"]);
    let ok = sh_exit(0);
    let three = sh_exit(3);
    let killed = killed_sleep();
    for pid in [ok, three, killed] {
        assert!(t.wait_for(has_json_pid(pid), EVENT_TIMEOUT), "{pid}");
    }
    let f = t.stop();
    f.assert_success();
    let events = f.json();
    for (pid, comm, exit) in [
        (ok, "sh", "0"),
        (three, "sh", "code 3"),
        (killed, "sleep", "signal 9 (Killed)"),
    ] {
        let e = events
            .iter()
            .find(|e| e["pid"] == pid)
            .unwrap_or_else(|| panic!("no event for {pid}: {events:?}"));
        assert_eq!(e["pcomm"], comm);
        assert_eq!(e["ppid"], me);
        assert_eq!(e["tid"], pid);
        assert_eq!(e["exit_code"], exit);
        assert!(
            e["age_s"]
                .as_f64()
                .is_some_and(|a| (0.0..60.0).contains(&a)),
            "{e}"
        );
        assert!(chrono::DateTime::parse_from_rfc3339(e["time"].as_str().unwrap()).is_ok());
    }
}

#[test]
fn failed_only_hides_clean_exits() {
    let t = Tracer::start(BIN, &["-x"]);
    let ok = sh_exit(0);
    let three = sh_exit(3);
    assert!(t.wait_for(has_pid(three), EVENT_TIMEOUT));
    let f = t.stop();
    f.assert_success();
    let rows = f.rows();
    assert_eq!(row_for(&rows, three)[5..].join(" "), "code 3");
    assert!(
        !rows.iter().any(|r| r.get(1) == Some(&ok.to_string())),
        "-x showed the clean exit of {ok}: {rows:?}"
    );
    assert!(rows.iter().all(|r| r[5] != "0"), "{rows:?}");
}

#[test]
fn pid_filter_keeps_only_that_process() {
    let mut target = sleeper();
    let pid = target.id();
    let t = Tracer::start(BIN, &["-p", &pid.to_string()]);
    let other = sh_exit(3);
    target.kill().unwrap();
    target.wait().unwrap();
    assert!(t.wait_for(has_pid(pid), EVENT_TIMEOUT));
    let f = t.stop();
    f.assert_success();
    let rows = f.rows();
    assert_eq!(row_for(&rows, pid)[5..].join(" "), "signal 9 (Killed)");
    assert!(
        rows.iter().all(|r| r[1] == pid.to_string()),
        "-p {pid} printed other processes (e.g. {other}): {rows:?}"
    );
}

#[test]
fn cgroup_filter_keeps_only_tasks_inside() {
    let cg = TestCgroup::new("exitsnoop");
    let t = Tracer::start(BIN, &["-c", cg.arg()]);
    let outside = sh_exit(5);
    let inside = cg.run("sh", &["-c", "exit 4"]);
    assert!(t.wait_for(has_pid(inside), EVENT_TIMEOUT));
    let f = t.stop();
    f.assert_success();
    let rows = f.rows();
    assert_eq!(row_for(&rows, inside)[5..].join(" "), "code 4");
    assert!(
        rows.iter().all(|r| r[1] == inside.to_string()),
        "-c showed exits outside the cgroup (e.g. {outside}): {rows:?}"
    );
}

#[test]
fn duration_ends_the_trace_with_status_0() {
    let t = Tracer::start(BIN, &["-d", "1"]);
    t.finish().assert_success();
}

#[test]
fn tracepoint_alternative_attaches_and_sees_events() {
    let t = Tracer::start_env(BIN, &["-v"], &[("BPFTK_HOOK", "tracepoint")]);
    let pid = sh_exit(3);
    assert!(t.wait_for(has_pid(pid), EVENT_TIMEOUT));
    let f = t.stop();
    f.assert_success();
    assert!(
        f.stderr
            .iter()
            .any(|l| l.contains("process exit: tracepoint sched:sched_process_exit")),
        "{:?}",
        f.stderr
    );
    assert_eq!(row_for(&f.rows(), pid)[5..].join(" "), "code 3");
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
    assert_runtime_error(
        BIN,
        &["-c", "/nonexistent"],
        &[],
        "cgroup /nonexistent: No such file",
    );
    assert_runtime_error(BIN, &["-c", "/tmp"], &[], "not a cgroup v2 directory");
    assert_runtime_error(BIN, &["-d", "-1"], &[], "invalid duration -1");
    assert_needs_privileges(BIN, &[]);
}
