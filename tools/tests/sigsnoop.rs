//! sigsnoop and killsnoop end to end, on the running kernel.

use std::process::{Child, Command, Stdio};

use crate::common::*;

const BIN: &str = env!("CARGO_BIN_EXE_sigsnoop");
const KILLSNOOP: &str = env!("CARGO_BIN_EXE_killsnoop");

fn sleeper() -> Child {
    Command::new("sleep")
        .arg("100")
        .stdout(Stdio::null())
        .spawn()
        .unwrap()
}

/// `kill -SIG TARGET` from a child whose pid is known before it runs.
fn sender(sig: &str, target: u32) -> GatedChild {
    GatedChild::spawn(&format!("/bin/kill -{sig} {target} 2>/dev/null"))
}

fn row_from(rows: &[Vec<String>], pid: u32) -> Vec<String> {
    rows.iter()
        .find(|r| r.get(1) == Some(&pid.to_string()))
        .cloned()
        .unwrap_or_else(|| panic!("no row from {pid}: {rows:?}"))
}

fn from(pid: u32) -> impl Fn(&str) -> bool {
    let p = pid.to_string();
    move |l: &str| {
        l.split_whitespace().nth(1) == Some(p.as_str()) || l.contains(&format!("\"pid\":{p},"))
    }
}

#[test]
fn kill_with_target_name_and_kernel_signals() {
    let mut target = sleeper();
    let tpid = target.id();
    let s = sender("USR1", tpid);
    let spid = s.pid();
    let t = Tracer::start(BIN, &[]);
    assert!(s.release());
    target.wait().unwrap(); // SIGUSR1 ends sleep: the kernel sends us SIGCHLD
    assert!(t.wait_for(from(spid), EVENT_TIMEOUT));
    assert!(t.wait_for(from(tpid), EVENT_TIMEOUT), "SIGCHLD from {tpid}");
    let f = t.stop();
    f.assert_success();
    let layout = Printf::new("%-8s %-7d %-16s %-12s %-7d %-16s %d");
    layout.assert_header(
        &f.stdout[0],
        &["TIME", "PID", "COMM", "SIG", "TPID", "TCOMM", "RESULT"],
    );
    let sent = [
        Cell::Time,
        is(spid),
        is("kill"),
        is("SIGUSR1"),
        is(tpid),
        is("sleep"),
        is(0),
    ];
    layout.find(&f.stdout, &sent);
    let rows = f.rows();
    assert_eq!(
        row_from(&rows, spid)[1..],
        [
            spid.to_string(),
            "kill".into(),
            "SIGUSR1".into(),
            tpid.to_string(),
            "sleep".into(),
            "0".into()
        ]
    );
    // SIGCHLD goes to the thread that started the child: this test's.
    let me = nix::unistd::gettid().as_raw().to_string();
    let chld = row_from(&rows, tpid);
    assert_eq!(
        chld[2..5],
        ["sleep".to_string(), "SIGCHLD".into(), me.clone()]
    );
    let comm = std::fs::read_to_string("/proc/thread-self/comm").unwrap();
    let chld = [
        Cell::Time,
        is(tpid),
        is("sleep"),
        is("SIGCHLD"),
        is(me),
        is(comm.trim_end()),
        is(0),
    ];
    layout.find(&f.stdout, &chld);
}

#[test]
fn failed_only_and_json() {
    let s = sender("9", 999_999_999);
    let spid = s.pid();
    // A process group that does not exist: kill(2) gets a negative target.
    let g = GatedChild::spawn("/bin/kill -9 -- -999999 2>/dev/null");
    let gpid = g.pid();
    let mut target = sleeper();
    let ok = sender("TERM", target.id());
    let okpid = ok.pid();
    let t = Tracer::start(BIN, &["-x", "--json"]);
    s.release();
    g.release();
    assert!(ok.release());
    target.wait().unwrap();
    assert!(t.wait_for(from(spid), EVENT_TIMEOUT));
    assert!(t.wait_for(from(gpid), EVENT_TIMEOUT));
    let f = t.stop();
    f.assert_success();
    let events = f.json();
    let e = events.iter().find(|e| e["pid"] == spid).unwrap();
    assert_eq!(e["sig"], "SIGKILL");
    assert_eq!(e["sig_name"], "SIGKILL");
    assert_eq!(e["tpid"], 999_999_999u32);
    assert!(e["tcomm"].is_null(), "no target: {e}");
    assert_eq!(e["result"], -3, "ESRCH");
    assert_eq!(e["via"], "kill");
    let e = events.iter().find(|e| e["pid"] == gpid).unwrap();
    assert_eq!(
        (e["tpid"].as_i64(), e["result"].as_i64()),
        (Some(-999_999), Some(-3)),
        "{e}"
    );
    assert!(
        events.iter().all(|e| e["result"].as_i64().unwrap() < 0),
        "-x: {events:?}"
    );
    assert!(!events.iter().any(|e| e["pid"] == okpid));
}

#[test]
fn signal_name_and_kill_only_filters() {
    let mut target = sleeper();
    let tpid = target.id();
    let usr1 = sender("USR1", tpid);
    let upid = usr1.pid();
    // -s TERM: the SIGUSR1 is not shown; -k: nor the kernel's SIGCHLD.
    let t = Tracer::start(BIN, &["-k", "-s", "TERM,SIGHUP", "-n", "kill"]);
    assert!(usr1.release());
    target.wait().unwrap();
    let mut target = sleeper();
    let term = sender("TERM", target.id());
    let termpid = term.pid();
    assert!(term.release());
    target.wait().unwrap();
    assert!(t.wait_for(from(termpid), EVENT_TIMEOUT));
    let f = t.stop();
    let rows = f.rows();
    assert_eq!(row_from(&rows, termpid)[3], "SIGTERM");
    assert!(
        rows.iter().all(|r| r[3] == "SIGTERM" && r[2] == "kill"),
        "{rows:?}"
    );
    assert!(!rows
        .iter()
        .any(|r| r[1] == upid.to_string() || r[1] == tpid.to_string()));
}

#[test]
fn killsnoop_has_bcc_columns() {
    let mut target = sleeper();
    let tpid = target.id();
    let s = sender("USR1", tpid);
    let spid = s.pid();
    let t = Tracer::start(KILLSNOOP, &[]);
    assert!(s.release());
    target.wait().unwrap();
    assert!(t.wait_for(from(spid), EVENT_TIMEOUT));
    let f = t.stop();
    f.assert_success();
    // bcc's layout.
    let layout = Printf::new("%-9s %-7d %-16s %-4d %-7d %d");
    layout.assert_header(
        &f.stdout[0],
        &["TIME", "PID", "COMM", "SIG", "TPID", "RESULT"],
    );
    let sent = [Cell::Time, is(spid), is("kill"), is(10), is(tpid), is(0)];
    layout.find(&f.stdout, &sent);
    let rows = f.rows();
    assert_eq!(
        row_from(&rows, spid)[1..],
        [
            spid.to_string(),
            "kill".into(),
            "10".into(),
            tpid.to_string(),
            "0".into()
        ]
    );
    assert!(
        rows.iter().all(|r| r[3] != "17"),
        "no SIGCHLD in killsnoop: {rows:?}"
    );
}

#[test]
fn every_alternative_passes_the_verifier() {
    assert_all_hooks_load(BIN, &[]);
    assert_all_hooks_load(KILLSNOOP, &[]);
}

#[test]
fn bad_input_is_one_clear_line() {
    assert_usage_error(BIN, &["-s", "BOGUS"]);
    assert_usage_error(BIN, &["-s", "0"]);
    assert_usage_error(BIN, &["-p", "abc"]);
    assert_usage_error(KILLSNOOP, &["-k"]);
    assert_runtime_error(BIN, &["-p", "999999999"], &[], "no such process: 999999999");
    assert_needs_privileges(BIN, &[]);
    assert_needs_privileges(KILLSNOOP, &[]);
}
