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
    // Numbers by default, as libbpf-tools prints them without -n.
    let sent = [
        Cell::Time,
        is(spid),
        is("kill"),
        is(10),
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
            "10".into(),
            tpid.to_string(),
            "sleep".into(),
            "0".into()
        ]
    );
    // SIGCHLD goes to the thread that started the child: this test's.
    let me = nix::unistd::gettid().as_raw().to_string();
    let chld = row_from(&rows, tpid);
    assert_eq!(chld[2..5], ["sleep".to_string(), "17".into(), me.clone()]);
    let comm = std::fs::read_to_string("/proc/thread-self/comm").unwrap();
    let chld = [
        Cell::Time,
        is(tpid),
        is("sleep"),
        is(17),
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
    assert_eq!(e["sig"], 9, "JSON's sig is the number: {e}");
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
fn names_with_n_and_kill_only_filters() {
    let mut target = sleeper();
    let tpid = target.id();
    let usr1 = sender("USR1", tpid);
    let upid = usr1.pid();
    // upstream's `sigsnoop -n -k`: -n is a switch (names), -k no kernel
    // signals; -s TERM leaves the SIGUSR1 out, --comm other senders.
    let t = Tracer::start(BIN, &["-n", "-k", "-s", "TERM,SIGHUP", "--comm", "kill"]);
    assert!(usr1.release());
    target.wait().unwrap();
    let mut target = sleeper();
    let ttpid = target.id();
    let term = sender("TERM", ttpid);
    let termpid = term.pid();
    assert!(term.release());
    target.wait().unwrap();
    assert!(t.wait_for(from(termpid), EVENT_TIMEOUT));
    let f = t.stop();
    f.assert_success();
    let layout = Printf::new("%-8s %-7d %-16s %-12s %-7d %-16s %d");
    layout.assert_header(
        &f.stdout[0],
        &["TIME", "PID", "COMM", "SIG", "TPID", "TCOMM", "RESULT"],
    );
    let row = [
        Cell::Time,
        is(termpid),
        is("kill"),
        is("SIGTERM"),
        is(ttpid),
        is("sleep"),
        is(0),
    ];
    layout.find(&f.stdout, &row);
    let rows = f.rows();
    assert!(
        rows.iter().all(|r| r[3] == "SIGTERM" && r[2] == "kill"),
        "{rows:?}"
    );
    assert!(!rows
        .iter()
        .any(|r| r[1] == upid.to_string() || r[1] == tpid.to_string()));
}

/// Signal 0 checks that the target exists: 0 by default, N/A with -n (as
/// upstream's table of names has it); no signal is generated, so no TCOMM.
#[test]
fn signal_zero_is_0_or_n_a() {
    let target = sleeper();
    let tpid = target.id();
    let layout = Printf::new("%-8s %-7d %-16s %-12s %-7d %-16s %d");
    for (args, sig) in [(&[][..], "0"), (&["-n"][..], "N/A")] {
        let s = sender("0", tpid);
        let spid = s.pid();
        let (f, _) = trace(BIN, args, |t| {
            assert!(s.release());
            t.expect("the kill -0", from(spid));
        });
        let row = [
            Cell::Time,
            is(spid),
            is("kill"),
            is(sig),
            is(tpid),
            is("N/A"),
            is(0),
        ];
        layout.find(&f.stdout, &row);
    }
    let (f, _) = trace(BIN, &["--json", "-n"], |t| {
        let s = sender("0", tpid);
        let spid = s.pid();
        assert!(s.release());
        t.expect("the kill -0", from(spid));
    });
    let events = f.json();
    let e = events.iter().find(|e| e["tpid"] == tpid).unwrap();
    assert_eq!(
        (&e["sig"], &e["sig_name"], &e["tcomm"]),
        (
            &0.into(),
            &serde_json::Value::Null,
            &serde_json::Value::Null
        ),
        "{e}"
    );
    drop(target);
}

/// tkill(2) and tgkill(2), each from a process whose pid is known, to its
/// own thread: a python3 that catches SIGUSR1 and SIGUSR2.
fn thread_signaller() -> GatedChild {
    let script = format!(
        "import ctypes, os, signal, threading\n\
         signal.signal(signal.SIGUSR1, lambda *a: None)\n\
         signal.signal(signal.SIGUSR2, lambda *a: None)\n\
         ctypes.CDLL(None).syscall({}, threading.get_native_id(), signal.SIGUSR1)\n\
         signal.pthread_kill(threading.get_ident(), signal.SIGUSR2)\n",
        libc::SYS_tkill
    );
    GatedChild::spawn(&format!("python3 -c '{script}'"))
}

#[test]
fn killsnoop_is_sigsnoop_k_with_tkill_and_tgkill() {
    let mut target = sleeper();
    let tpid = target.id();
    let s = sender("USR1", tpid);
    let spid = s.pid();
    let py = thread_signaller();
    let pypid = py.pid();
    let t = Tracer::start(KILLSNOOP, &[]);
    assert!(s.release());
    assert!(py.release(), "the python3 signaller failed");
    target.wait().unwrap();
    assert!(t.wait_for(from(spid), EVENT_TIMEOUT));
    let tgkill = |l: &str| from(pypid)(l) && l.split_whitespace().nth(3) == Some("12");
    assert!(t.wait_for(tgkill, EVENT_TIMEOUT));
    let f = t.stop();
    f.assert_success();
    // libbpf-tools' killsnoop is its sigsnoop -k: the same layout.
    let layout = Printf::new("%-8s %-7d %-16s %-12d %-7d %-16s %d");
    layout.assert_header(
        &f.stdout[0],
        &["TIME", "PID", "COMM", "SIG", "TPID", "TCOMM", "RESULT"],
    );
    let kill = [
        Cell::Time,
        is(spid),
        is("kill"),
        is(10),
        is(tpid),
        is("sleep"),
        is(0),
    ];
    layout.find(&f.stdout, &kill);
    // tkill(2) with SIGUSR1, then tgkill(2) with SIGUSR2, each to the
    // sender's own (main) thread, whose tid is its pid.
    let mine: Vec<String> = f
        .stdout
        .iter()
        .filter(|l| from(pypid)(l))
        .cloned()
        .collect();
    assert_eq!(mine.len(), 2, "{mine:?}");
    let from_py = |sig: i32| {
        [
            Cell::Time,
            is(pypid),
            is("python3"),
            is(sig),
            is(pypid),
            is("python3"),
            is(0),
        ]
    };
    layout.find(&mine[..1], &from_py(10));
    layout.find(&mine[1..], &from_py(12));
    let rows = f.rows();
    assert!(
        rows.iter().all(|r| r[3] != "17"),
        "no SIGCHLD in killsnoop: {rows:?}"
    );
    // And with --json, which call sent each.
    let py = thread_signaller();
    let pypid = py.pid();
    let (f, _) = trace(KILLSNOOP, &["--json"], |t| {
        assert!(py.release());
        t.expect("the tgkill", |l| {
            l.contains(&format!("\"pid\":{pypid},")) && l.contains("tgkill")
        });
    });
    let via: Vec<(String, i64)> = f
        .json()
        .iter()
        .filter(|e| e["pid"] == pypid)
        .map(|e| {
            (
                e["via"].as_str().unwrap().to_string(),
                e["sig"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(via, [("tkill".to_string(), 10), ("tgkill".to_string(), 12)]);
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
    // -n is a switch, as upstream's: a word after it is no comm filter.
    assert_usage_error(BIN, &["-n", "bash"]);
    assert_usage_error(KILLSNOOP, &["-n", "bash"]);
    assert_runtime_error(BIN, &["-p", "999999999"], &[], "no such process: 999999999");
    assert_needs_privileges(BIN, &[]);
    assert_needs_privileges(KILLSNOOP, &[]);
}
