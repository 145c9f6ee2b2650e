//! gethostlatency end to end: a helper program looks names up with libc.

use std::path::PathBuf;

use crate::common::*;

const BIN: &str = env!("CARGO_BIN_EXE_gethostlatency");

/// The resolve helper, and the name its processes run under (their comm).
fn helper() -> (PathBuf, String) {
    let path = c_helper("resolve", false);
    let name = path.file_name().unwrap().to_string_lossy();
    let comm = name.chars().take(15).collect();
    (path, comm)
}

/// Look `names` up with libc's `function` from a child; returns its pid.
fn resolve(function: &str, names: &[&str]) -> u32 {
    let (path, _) = helper();
    let mut c = std::process::Command::new(&path)
        .arg(function)
        .args(names)
        .spawn()
        .unwrap();
    let pid = c.id();
    assert!(c.wait().unwrap().success(), "resolve {function} {names:?}");
    pid
}

/// A numeric IPv4 address no other test looks up: libc resolves it
/// without /etc/hosts or DNS, and it is the HOST of the row.
fn unique_address(n: u8) -> String {
    let p = std::process::id();
    format!("127.{}.{}.{n}", (p >> 8) & 0xff, p & 0xff)
}

/// libbpf-tools' layout.
fn layout() -> Printf {
    Printf::new("%-8s %-7d %-16s %-10.3f %s")
}

#[test]
fn a_getaddrinfo_of_localhost_is_one_row() {
    let (_, comm) = helper();
    let (f, pid) = trace(BIN, &[], |t| {
        let pid = resolve("getaddrinfo", &["localhost"]);
        t.expect_text(&format!(" {pid} "));
        pid
    });
    let layout = layout();
    layout.assert_header(&f.stdout[0], &["TIME", "PID", "COMM", "LATms", "HOST"]);
    let line = layout.find(
        &f.stdout,
        &[Cell::Time, is(pid), is(&comm), Cell::Num, is("localhost")],
    );
    let ms: f64 = line.split_whitespace().nth(3).unwrap().parse().unwrap();
    assert!(ms > 0.0 && ms < 5000.0, "{line:?}");
    assert_eq!(
        line.split_whitespace()
            .nth(3)
            .unwrap()
            .split('.')
            .nth(1)
            .map(str::len),
        Some(3)
    );
}

#[test]
fn json_gethostbyname_and_gethostbyname2_from_an_explicit_libc() {
    let (_, comm) = helper();
    let libc = std::fs::canonicalize("/lib/x86_64-linux-gnu/libc.so.6")
        .or_else(|_| std::fs::canonicalize("/lib/aarch64-linux-gnu/libc.so.6"))
        .unwrap();
    let (one, two) = (unique_address(1), unique_address(2));
    let (f, pids) = trace(BIN, &["--json", "-l", libc.to_str().unwrap()], |t| {
        let a = resolve("gethostbyname", &[&one]);
        let b = resolve("gethostbyname2", &[&two]);
        t.expect_text(&two);
        (a, b)
    });
    let events = f.json();
    for (pid, host) in [(pids.0, &one), (pids.1, &two)] {
        let e = events
            .iter()
            .find(|e| e["host"] == host.as_str())
            .unwrap_or_else(|| panic!("no lookup of {host}: {events:?}"));
        assert_eq!(e["pid"], pid, "{e}");
        assert_eq!(e["tid"], pid, "{e}");
        assert_eq!(e["comm"], comm.as_str(), "{e}");
        assert!(e["lat_ms"].as_f64().unwrap() > 0.0, "{e}");
        assert!(e["time"].is_string(), "{e}");
    }
}

#[test]
fn pid_filter_keeps_only_that_process() {
    let (path, _) = helper();
    let mine = unique_address(3);
    let child = GatedChild::spawn(&format!("{} getaddrinfo {mine}", path.display()));
    let pid = child.pid();
    let (f, other) = trace(BIN, &["-p", &pid.to_string(), "--json"], |t| {
        let other = resolve("getaddrinfo", &[&unique_address(4)]);
        assert!(child.release());
        t.expect_text(&mine);
        other
    });
    let events = f.json();
    assert!(events
        .iter()
        .any(|e| e["pid"] == pid && e["host"] == mine.as_str()));
    assert!(
        events.iter().all(|e| e["pid"] == pid),
        "-p {pid} printed other processes (e.g. {other}): {events:?}"
    );
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
        &["-l", "/nonexistent/libc.so.6"],
        &[],
        "/nonexistent/libc.so.6: no such file",
    );
    assert_runtime_error(
        BIN,
        &["-l", "/bin/true"],
        &[],
        "/bin/true defines none of getaddrinfo, gethostbyname, gethostbyname2",
    );
    assert_needs_privileges(BIN, &[]);
}
