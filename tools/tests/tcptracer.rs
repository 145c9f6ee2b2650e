//! tcptracer end to end: one loopback connection made, accepted and closed
//! by the test itself shows as C, A and X rows with the right tuples.

use std::io::Write;

use crate::common::*;
use crate::net::*;

const BIN: &str = env!("CARGO_BIN_EXE_tcptracer");

fn row(t: &str, comm: &str, ip: &str, addr: &str, sport: u16, dport: u16) -> Vec<String> {
    [
        t,
        &pid().to_string(),
        comm,
        ip,
        addr,
        addr,
        &sport.to_string(),
        &dport.to_string(),
    ]
    .map(String::from)
    .to_vec()
}

fn count(rows: &[Vec<String>], want: &[String]) -> usize {
    rows.iter().filter(|r| *r == want).count()
}

#[test]
fn connect_accept_and_close_of_one_connection() {
    let comm = cut(&thread_comm(), 12);
    let t = Tracer::start(BIN, &[]);
    let l = listen(V4);
    let c = connect(&l);
    let (sport, dport) = (c.sport, c.dport);
    c.close();
    let server_close = row("X", &comm, "4", "127.0.0.1", dport, sport);
    assert!(t.wait_for(
        |l| l.split_whitespace().collect::<Vec<_>>() == server_close,
        EVENT_TIMEOUT
    ));
    let f = t.stop();
    f.assert_success();
    // libbpf-tools' layout.
    let layout = Printf::new("%c %-6d %-12.12s %-2d %-16s %-16s %-4d %-4d");
    layout.assert_header(
        &f.stdout[0],
        &["T", "PID", "COMM", "IP", "SADDR", "DADDR", "SPORT", "DPORT"],
    );
    let lo = "127.0.0.1";
    for (t, s, d) in [
        ("C", sport, dport),
        ("A", dport, sport),
        ("X", sport, dport),
    ] {
        let cells = [
            is(t),
            is(pid()),
            is(&comm),
            is(4),
            is(lo),
            is(lo),
            is(s),
            is(d),
        ];
        layout.find(&f.stdout, &cells);
    }
    let rows = f.rows();
    for want in [
        row("C", &comm, "4", "127.0.0.1", sport, dport),
        row("A", &comm, "4", "127.0.0.1", dport, sport),
        row("X", &comm, "4", "127.0.0.1", sport, dport),
        server_close,
    ] {
        assert_eq!(count(&rows, &want), 1, "{want:?} in {rows:?}");
    }
}

#[test]
fn json_for_ipv6() {
    let comm = thread_comm();
    let t = Tracer::start(BIN, &["--json", "-t"]);
    let l = listen(V6);
    let c = connect(&l);
    let (sport, dport) = (c.sport, c.dport);
    c.close();
    assert!(t.wait_for(
        |l| l.contains("\"close\"") && l.contains(&format!("\"sport\":{dport},")),
        EVENT_TIMEOUT
    ));
    let f = t.stop();
    f.assert_success();
    let events = f.json();
    for (kind, s, d) in [
        ("connect", sport, dport),
        ("accept", dport, sport),
        ("close", sport, dport),
        ("close", dport, sport),
    ] {
        let e = events
            .iter()
            .find(|e| e["type"] == kind && e["sport"] == s && e["dport"] == d)
            .unwrap_or_else(|| panic!("no {kind} {s}->{d}: {events:?}"));
        assert_eq!(e["pid"], pid());
        assert_eq!(e["comm"], comm.as_str());
        assert_eq!(e["ip"], 6);
        assert_eq!(e["saddr"], "::1");
        assert_eq!(e["daddr"], "::1");
        assert!(e["time_s"].as_f64().unwrap() >= 0.0);
    }
}

/// Closing with unread data resets the connection (ESTABLISHED -> CLOSE in
/// close(2)): that is the closer's X. The peer's socket is reset in softirq
/// context: no X for it, as it never closed before its socket did.
#[test]
fn close_with_unread_data_is_one_close() {
    let comm = cut(&thread_comm(), 12);
    let t = Tracer::start(BIN, &[]);
    let l = listen(V4);
    let mut c = connect(&l);
    let (sport, dport) = (c.sport, c.dport);
    c.client.write_all(b"unread").unwrap();
    std::thread::sleep(std::time::Duration::from_millis(50));
    drop(c.server);
    let closed = row("X", &comm, "4", "127.0.0.1", dport, sport);
    assert!(t.wait_for(
        |l| l.split_whitespace().collect::<Vec<_>>() == closed,
        EVENT_TIMEOUT
    ));
    std::thread::sleep(std::time::Duration::from_millis(200));
    drop(c.client);
    std::thread::sleep(std::time::Duration::from_millis(200));
    let f = t.stop();
    f.assert_success();
    let rows = f.rows();
    assert_eq!(count(&rows, &closed), 1, "{rows:?}");
    let peer = row("X", &comm, "4", "127.0.0.1", sport, dport);
    assert_eq!(count(&rows, &peer), 0, "{rows:?}");
}

#[test]
fn pid_and_family_filters() {
    let l4 = listen(V4);
    let l6 = listen(V6);
    let p = port(&l4);
    let child = GatedChild::spawn(&format!(
        "python3 -c \"import socket; socket.create_connection(('127.0.0.1', {p})).close()\""
    ));
    let child_pid = child.pid();
    let by_pid = Tracer::start(BIN, &["-p", &child_pid.to_string()]);
    let v6 = Tracer::start(BIN, &["-6"]);
    let own = connect(&l6);
    assert!(child.release());
    let accepted = l4.accept().unwrap();
    drop(accepted);
    assert!(by_pid.wait_for(
        |l| l.starts_with("X ") && l.contains(&format!(" {child_pid} ")),
        EVENT_TIMEOUT
    ));
    assert!(v6.wait_for(
        |l| l.starts_with("A ") && l.contains(&format!(" {} ", own.dport)),
        EVENT_TIMEOUT
    ));
    let f = by_pid.stop();
    f.assert_success();
    let rows = f.rows();
    assert!(
        rows.iter().all(|r| r[1] == child_pid.to_string()),
        "{rows:?}"
    );
    let types: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(types, ["C", "X"], "{rows:?}");
    assert_eq!(rows[0][2], "python3");
    let f = v6.stop();
    f.assert_success();
    let rows = f.rows();
    assert!(rows.iter().all(|r| r[3] == "6"), "{rows:?}");
}

#[test]
fn netns_filter() {
    let ns = std::fs::read_link("/proc/self/ns/net").unwrap();
    let inum: u32 = ns
        .to_string_lossy()
        .trim_start_matches("net:[")
        .trim_end_matches(']')
        .parse()
        .unwrap();
    let ours = Tracer::start(BIN, &["-N", &inum.to_string()]);
    let other = Tracer::start(BIN, &["-N", &(inum + 1).to_string()]);
    let l = listen(V4);
    let c = connect(&l);
    let dport = c.dport;
    assert!(ours.wait_for(
        |l| l.starts_with("A ") && l.contains(&format!(" {dport} ")),
        EVENT_TIMEOUT
    ));
    let f = ours.stop();
    f.assert_success();
    let f = other.stop();
    f.assert_success();
    assert!(f.rows().is_empty(), "{:?}", f.rows());
}

#[test]
fn every_alternative_passes_the_verifier() {
    assert_all_hooks_load(BIN, &[]);
}

/// -U adds upstream's UID column in front of T; -u keeps one user's
/// connects and closes, in the kernel.
#[test]
fn uid_column_and_filter() {
    let l = listen(V4);
    let p = port(&l);
    let nobody = python_connect("setpriv --reuid=65534 --regid=65534 --clear-groups", p);
    let all = Tracer::start(BIN, &["-U"]);
    let by_uid = Tracer::start(BIN, &["-U", "-u", "65534"]);
    let own = connect(&l);
    let (sport, dport) = (own.sport, own.dport);
    own.close();
    let nobody_pid = nobody.pid().to_string();
    assert!(nobody.release());
    let closed_by = |uid: &'static str, pid: String| {
        move |l: &str| {
            let r: Vec<_> = l.split_whitespace().collect();
            r.len() > 2 && r[..3] == [uid, "X", pid.as_str()]
        }
    };
    assert!(by_uid.wait_for(closed_by("65534", nobody_pid.clone()), EVENT_TIMEOUT));
    assert!(all.wait_for(closed_by("0", pid().to_string()), EVENT_TIMEOUT));

    let lo = "127.0.0.1";
    let layout = Printf::new("%-6d%c %-6d %-12.12s %-2d %-16s %-16s %-4d %-4d");
    let f = by_uid.stop();
    f.assert_success();
    layout.assert_header(
        &f.stdout[0],
        &[
            "UID", "T", "PID", "COMM", "IP", "SADDR", "DADDR", "SPORT", "DPORT",
        ],
    );
    for t in ["C", "X"] {
        let cells = [
            is(65534),
            is(t),
            is(&nobody_pid),
            is("python3"),
            is(4),
            is(lo),
            is(lo),
            Cell::Num,
            is(p),
        ];
        layout.find(&f.stdout, &cells);
    }
    let rows = f.rows();
    assert_eq!(rows.len(), 2, "-u 65534: only python3's C and X: {rows:?}");

    let f = all.stop();
    f.assert_success();
    let comm = cut(&thread_comm(), 12);
    for (t, s, d) in [("C", sport, dport), ("A", dport, sport)] {
        let cells = [
            is(0),
            is(t),
            is(pid()),
            is(&comm),
            is(4),
            is(lo),
            is(lo),
            is(s),
            is(d),
        ];
        layout.find(&f.stdout, &cells);
    }
}

#[test]
fn bad_input_is_one_clear_line() {
    assert_usage_error(BIN, &["-p", "abc"]);
    assert_usage_error(BIN, &["-N", "net"]);
    assert_usage_error(BIN, &["-4", "-6"]);
    assert_usage_error(BIN, &["extra"]);
    assert_usage_error(BIN, &["-u", "root"]);
    assert_usage_error(BIN, &["-u", "4294967295"]);
    assert_runtime_error(BIN, &["-p", "999999999"], &[], "no such process: 999999999");
    assert_runtime_error(BIN, &["-d", "0"], &[], "invalid duration 0");
    assert_needs_privileges(BIN, &[]);
}
