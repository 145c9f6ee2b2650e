//! capable end to end, on the running kernel.

use crate::common::*;

const BIN: &str = env!("CARGO_BIN_EXE_capable");
const NICE: &str = "nice -n -5 true";
const NICE_AS_NOBODY: &str = "setpriv --reuid 65534 --regid 65534 --clear-groups nice -n -5 true";

/// Rows of `pid` checking CAP_SYS_NICE (23).
fn nice_rows(rows: &[Vec<String>], pid: u32) -> Vec<Vec<String>> {
    rows.iter()
        .filter(|r| r.get(2) == Some(&pid.to_string()) && r.get(4) == Some(&"23".to_string()))
        .cloned()
        .collect()
}

fn has_nice_check(pid: u32) -> impl Fn(&str) -> bool {
    let p = pid.to_string();
    move |l: &str| {
        let c: Vec<&str> = l.split_whitespace().collect();
        c.get(2) == Some(&p.as_str()) && c.get(5) == Some(&"CAP_SYS_NICE")
    }
}

#[test]
fn allowed_and_denied_checks() {
    let root = GatedChild::spawn(NICE);
    let nobody = GatedChild::spawn(NICE_AS_NOBODY);
    let (rpid, npid) = (root.pid(), nobody.pid());
    let t = Tracer::start(BIN, &[]);
    assert!(root.release());
    nobody.release(); // nice still runs true when it may not renice
    assert!(t.wait_for(has_nice_check(rpid), EVENT_TIMEOUT));
    assert!(t.wait_for(has_nice_check(npid), EVENT_TIMEOUT));
    let f = t.stop();
    f.assert_success();
    // libbpf-tools' layout.
    let layout = Printf::new("%-8s %-5d %-7d %-16s %-7d %-20s %-7s %s");
    layout.assert_header(
        &f.stdout[0],
        &[
            "TIME", "UID", "PID", "COMM", "CAP", "NAME", "AUDIT", "VERDICT",
        ],
    );
    for (uid, pid, verdict) in [(0, rpid, "allow"), (65534, npid, "deny")] {
        let cells = [
            Cell::Time,
            is(uid),
            is(pid),
            is("nice"),
            is(23),
            is("CAP_SYS_NICE"),
            is("-"),
            is(verdict),
        ];
        layout.find(&f.stdout, &cells);
    }
    let rows = f.rows();
    let r = &nice_rows(&rows, rpid)[0];
    assert_eq!(
        r[1..],
        [
            "0",
            &rpid.to_string(),
            "nice",
            "23",
            "CAP_SYS_NICE",
            "-",
            "allow"
        ]
    );
    let r = &nice_rows(&rows, npid)[0];
    assert_eq!(
        r[1..],
        [
            "65534",
            &npid.to_string(),
            "nice",
            "23",
            "CAP_SYS_NICE",
            "-",
            "deny"
        ]
    );
}

#[test]
fn json_with_extra_fields_and_kernel_stacks() {
    let child = GatedChild::spawn(NICE);
    let pid = child.pid();
    let t = Tracer::start(BIN, &["--json", "-x", "-K", "-p", &pid.to_string()]);
    assert!(child.release());
    assert!(t.wait_for(|l| l.contains("\"cap\":23"), EVENT_TIMEOUT));
    let f = t.stop();
    f.assert_success();
    let events = f.json();
    assert!(
        events.iter().all(|e| e["pid"] == pid),
        "-p {pid}: {events:?}"
    );
    let e = events.iter().find(|e| e["cap"] == 23).unwrap();
    assert_eq!(e["name"], "CAP_SYS_NICE");
    assert_eq!(e["verdict"], "allow");
    assert_eq!(e["tid"], pid);
    assert_eq!(e["comm"], "nice");
    assert!(
        e["audit"].is_null() && e["insetid"].is_null(),
        "the tracepoint has no options: {e}"
    );
    let stack: Vec<&str> = e["kernel_stack"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect();
    assert_eq!(stack[0], "cap_capable", "{stack:?}");
    assert!(stack.contains(&"can_nice"), "{stack:?}");
    assert!(
        stack.iter().any(|f| f.ends_with("sys_setpriority")),
        "{stack:?}"
    );
}

#[test]
fn unique_per_pid_reports_a_capability_once() {
    // nice execs nice in the same process: two CAP_SYS_NICE checks.
    let twice = "nice -n -5 nice -n -5 true";
    let child = GatedChild::spawn(twice);
    let pid = child.pid();
    let t = Tracer::start(BIN, &["-p", &pid.to_string()]);
    assert!(child.release());
    assert!(t.wait_for(has_nice_check(pid), EVENT_TIMEOUT));
    let f = t.stop();
    assert_eq!(nice_rows(&f.rows(), pid).len(), 2, "{:?}", f.stdout);

    let child = GatedChild::spawn(twice);
    let pid = child.pid();
    let t = Tracer::start(BIN, &["-u", "pid", "-p", &pid.to_string()]);
    assert!(child.release());
    assert!(t.wait_for(has_nice_check(pid), EVENT_TIMEOUT));
    let f = t.stop();
    assert_eq!(nice_rows(&f.rows(), pid).len(), 1, "{:?}", f.stdout);
}

#[test]
fn tracepoint_alternative_and_cgroup_filter() {
    let cg = TestCgroup::new("capable");
    let outside = GatedChild::spawn(NICE);
    let opid = outside.pid();
    let t = Tracer::start_env(
        BIN,
        &["-v", "-c", cg.arg()],
        &[("BPFTK_HOOK", "tracepoint")],
    );
    assert!(outside.release());
    let pid = cg.run("nice", &["-n", "-5", "true"]);
    assert!(t.wait_for(has_nice_check(pid), EVENT_TIMEOUT));
    let f = t.stop();
    f.assert_success();
    assert!(
        f.stderr
            .iter()
            .any(|l| l.contains("capability check: tracepoint capability:cap_capable")),
        "{:?}",
        f.stderr
    );
    let rows = f.rows();
    assert_eq!(nice_rows(&rows, pid)[0][7], "allow");
    assert!(
        nice_rows(&rows, opid).is_empty(),
        "outside the cgroup: {rows:?}"
    );
}

#[test]
fn every_alternative_passes_the_verifier() {
    assert_all_hooks_load(BIN, &[]);
    assert_all_hooks_load(BIN, &["-K", "-U", "-u", "cgroup"]);
}

#[test]
fn bad_input_is_one_clear_line() {
    assert_usage_error(BIN, &["-u", "thread"]);
    assert_usage_error(BIN, &["-p", "abc"]);
    assert_usage_error(BIN, &["extra"]);
    assert_runtime_error(BIN, &["-p", "999999999"], &[], "no such process: 999999999");
    assert_runtime_error(BIN, &["-c", "/tmp"], &[], "not a cgroup v2 directory");
    assert_needs_privileges(BIN, &[]);
}
