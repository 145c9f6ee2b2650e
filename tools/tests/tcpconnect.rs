//! tcpconnect end to end: loopback connects made by the test itself (and by
//! children with known pids), on IPv4 and IPv6.

use crate::common::*;
use crate::net::*;

const BIN: &str = env!("CARGO_BIN_EXE_tcpconnect");

/// A table line whose last field is `port`.
fn ends_with_port(l: &str, port: u16) -> bool {
    l.split_whitespace().last() == Some(&port.to_string())
}

fn row_to(rows: &[Vec<String>], dport: u16) -> &Vec<String> {
    rows.iter()
        .find(|r| r.last() == Some(&dport.to_string()))
        .unwrap_or_else(|| panic!("no row for port {dport}: {rows:?}"))
}

#[test]
fn sees_ipv4_ipv6_and_refused_connects() {
    let comm = cut(&thread_comm(), 12);
    let t = Tracer::start(BIN, &[]);
    let l4 = listen(V4);
    let c4 = connect(&l4);
    let l6 = listen(V6);
    let c6 = connect(&l6);
    let refused_port = refused(V4);
    assert!(t.wait_for(|l| ends_with_port(l, refused_port), EVENT_TIMEOUT));
    let f = t.stop();
    f.assert_success();
    // libbpf-tools' layout (COMM as %-12.12s).
    let layout = Printf::new("%-6d %-12.12s %-2d %-16s %-16s %-5d");
    layout.assert_header(
        &f.stdout[0],
        &["PID", "COMM", "IP", "SADDR", "DADDR", "DPORT"],
    );
    for (ip, addr, port) in [
        (4, "127.0.0.1", c4.dport),
        (6, "::1", c6.dport),
        (4, "127.0.0.1", refused_port),
    ] {
        let cells = [is(pid()), is(&comm), is(ip), is(addr), is(addr), is(port)];
        layout.find(&f.stdout, &cells);
    }
    let rows = f.rows();
    let pid = pid().to_string();
    let want = |ip: &str, addr: &str, port: u16| {
        vec![
            pid.clone(),
            comm.clone(),
            ip.into(),
            addr.into(),
            addr.into(),
            port.to_string(),
        ]
    };
    assert_eq!(*row_to(&rows, c4.dport), want("4", "127.0.0.1", c4.dport));
    assert_eq!(*row_to(&rows, c6.dport), want("6", "::1", c6.dport));
    // Refused (a reset answered the SYN): still an attempt.
    assert_eq!(
        *row_to(&rows, refused_port),
        want("4", "127.0.0.1", refused_port)
    );
    // One line per connect.
    let n = rows
        .iter()
        .filter(|r| r.last() == Some(&c4.dport.to_string()))
        .count();
    assert_eq!(n, 1, "{rows:?}");
}

#[test]
fn local_port_uid_and_timestamp_columns() {
    let comm = cut(&thread_comm(), 12);
    let t = Tracer::start(BIN, &["-t", "-U", "-L"]);
    let l = listen(V6);
    let c = connect(&l);
    assert!(t.wait_for(|l| ends_with_port(l, c.dport), EVENT_TIMEOUT));
    let f = t.stop();
    f.assert_success();
    let layout = Printf::new("%-8s %-5d %-6d %-12.12s %-2d %-16s %-6d %-16s %-5d");
    layout.assert_header(
        &f.stdout[0],
        &[
            "TIME(s)", "UID", "PID", "COMM", "IP", "SADDR", "LPORT", "DADDR", "DPORT",
        ],
    );
    let cells = [
        Cell::Num,
        is(0),
        is(pid()),
        is(&comm),
        is(6),
        is("::1"),
        is(c.sport),
        is("::1"),
        is(c.dport),
    ];
    layout.find(&f.stdout, &cells);
    let rows = f.rows();
    let r = row_to(&rows, c.dport);
    assert!(r[0].parse::<f64>().unwrap() >= 0.0, "{r:?}");
    let sport = c.sport.to_string();
    assert_eq!(
        r[1..],
        [
            "0",
            &pid().to_string(),
            &comm,
            "6",
            "::1",
            &sport,
            "::1",
            &c.dport.to_string()
        ]
    );
}

#[test]
fn json_has_the_same_fields() {
    let comm = thread_comm();
    let t = Tracer::start(BIN, &["--json", "-L", "-U"]);
    let l = listen(V4);
    let c = connect(&l);
    assert!(t.wait_for(
        |l| l.contains(&format!("\"dport\":{}", c.dport)),
        EVENT_TIMEOUT
    ));
    let f = t.stop();
    f.assert_success();
    let events = f.json();
    let e = events
        .iter()
        .find(|e| e["dport"] == c.dport)
        .unwrap_or_else(|| panic!("no event for port {}: {events:?}", c.dport));
    assert_eq!(e["pid"], pid());
    assert_eq!(e["comm"], comm.as_str()); // whole, not cut to 12
    assert_eq!(e["uid"], 0);
    assert_eq!(e["ip"], 4);
    assert_eq!(e["saddr"], "127.0.0.1");
    assert_eq!(e["daddr"], "127.0.0.1");
    assert_eq!(e["lport"], c.sport);
}

#[test]
fn count_per_destination() {
    let t = Tracer::start(BIN, &["-c"]);
    let l4 = listen(V4);
    let l6 = listen(V6);
    let conns: Vec<Conn> = (0..3)
        .map(|_| connect(&l4))
        .chain((0..2).map(|_| connect(&l6)))
        .collect();
    // Counting prints nothing until the end: give the events time to arrive.
    std::thread::sleep(std::time::Duration::from_millis(500));
    let f = t.stop();
    f.assert_success();
    drop(conns);
    assert!(f.stdout[0].starts_with("Tracing connect"), "{:?}", f.stdout);
    let header = f
        .stdout
        .iter()
        .position(|l| l.starts_with("LADDR"))
        .unwrap_or_else(|| panic!("no header: {:?}", f.stdout));
    assert_eq!(f.stdout[header - 1], "");
    assert_eq!(
        f.stdout[header].split_whitespace().collect::<Vec<_>>(),
        ["LADDR", "RADDR", "RPORT", "CONNECTS"]
    );
    let rows: Vec<Vec<&str>> = f.stdout[header + 1..]
        .iter()
        .map(|l| l.split_whitespace().collect())
        .collect();
    let p4 = port(&l4).to_string();
    let p6 = port(&l6).to_string();
    assert!(
        rows.contains(&vec!["127.0.0.1", "127.0.0.1", &p4, "3"]),
        "{rows:?}"
    );
    assert!(rows.contains(&vec!["::1", "::1", &p6, "2"]), "{rows:?}");
}

#[test]
fn count_in_json() {
    let t = Tracer::start(BIN, &["-c", "--json"]);
    let l = listen(V4);
    let _a = connect(&l);
    let _b = connect(&l);
    std::thread::sleep(std::time::Duration::from_millis(500));
    let f = t.stop();
    f.assert_success();
    let rows = f.json();
    let r = rows
        .iter()
        .find(|r| r["rport"] == port(&l))
        .unwrap_or_else(|| panic!("{rows:?}"));
    assert_eq!(r["laddr"], "127.0.0.1");
    assert_eq!(r["raddr"], "127.0.0.1");
    assert_eq!(r["connects"], 2);
}

#[test]
fn port_filter_keeps_only_those_ports() {
    let wanted = listen(V4);
    let other = listen(V4);
    let (pw, po) = (port(&wanted), port(&other));
    let t = Tracer::start(BIN, &["-P", &format!("{pw},1")]);
    let _o = connect(&other);
    let _w = connect(&wanted);
    assert!(t.wait_for(|l| ends_with_port(l, pw), EVENT_TIMEOUT));
    let f = t.stop();
    f.assert_success();
    let rows = f.rows();
    assert!(
        rows.iter().all(|r| r.last() == Some(&pw.to_string())),
        "-P {pw} printed other ports (e.g. {po}): {rows:?}"
    );
}

#[test]
fn pid_and_uid_filters_keep_only_that_process() {
    let l = listen(V4);
    let p = port(&l);
    let child = python_connect("", p);
    let child_pid = child.pid();
    let nobody = python_connect("setpriv --reuid=65534 --regid=65534 --clear-groups", p);
    let by_pid = Tracer::start(BIN, &["-p", &child_pid.to_string()]);
    let by_uid = Tracer::start(BIN, &["-u", "65534", "-U"]);
    let _own = connect(&l);
    assert!(child.release());
    let nobody_pid = nobody.pid();
    assert!(nobody.release());
    assert!(by_pid.wait_for(|l| l.starts_with(&format!("{child_pid} ")), EVENT_TIMEOUT));
    assert!(by_uid.wait_for(|l| l.contains(&format!(" {nobody_pid} ")), EVENT_TIMEOUT));
    let f = by_pid.stop();
    f.assert_success();
    let rows = f.rows();
    assert_eq!(rows.len(), 1, "-p {child_pid}: {rows:?}");
    assert_eq!(
        rows[0],
        [
            child_pid.to_string().as_str(),
            "python3",
            "4",
            "127.0.0.1",
            "127.0.0.1",
            &p.to_string()
        ]
    );
    let f = by_uid.stop();
    f.assert_success();
    let rows = f.rows();
    assert_eq!(rows.len(), 1, "-u 65534: {rows:?}");
    assert_eq!(rows[0][..3], ["65534", &nobody_pid.to_string(), "python3"]);
}

#[test]
fn family_filter() {
    let t = Tracer::start(BIN, &["-6"]);
    let l4 = listen(V4);
    let l6 = listen(V6);
    let _a = connect(&l4);
    let b = connect(&l6);
    assert!(t.wait_for(|l| ends_with_port(l, b.dport), EVENT_TIMEOUT));
    let f = t.stop();
    f.assert_success();
    let rows = f.rows();
    assert!(rows.iter().all(|r| r[2] == "6"), "{rows:?}");
}

#[test]
fn every_alternative_passes_the_verifier() {
    assert_all_hooks_load(BIN, &[]);
}

#[test]
fn bad_input_is_one_clear_line() {
    assert_usage_error(BIN, &["-p", "abc"]);
    assert_usage_error(BIN, &["-P", "80,http"]);
    assert_usage_error(BIN, &["-P", "65536"]);
    assert_usage_error(BIN, &["-4", "-6"]);
    assert_usage_error(BIN, &["-L", "-s"]);
    assert_usage_error(BIN, &["extra"]);
    assert_runtime_error(BIN, &["-p", "999999999"], &[], "no such process: 999999999");
    assert_runtime_error(BIN, &["-P", "0"], &[], "-P: port 0 is not a port");
    let many: Vec<String> = (1..=65).map(|p| p.to_string()).collect();
    assert_runtime_error(
        BIN,
        &["-P", &many.join(",")],
        &[],
        "-P: at most 64 ports, got 65",
    );
    assert_runtime_error(BIN, &["--duration", "0"], &[], "invalid duration 0");
    assert_needs_privileges(BIN, &[]);
}
