//! tcpconnlat end to end: loopback connects made by the test itself, on
//! IPv4 and IPv6; the latency is attributed to the connecting process.

use crate::common::*;
use crate::net::*;

const BIN: &str = env!("CARGO_BIN_EXE_tcpconnlat");

/// The table row to `dport` (DPORT is the next to last column).
fn row_to(rows: &[Vec<String>], dport: u16) -> Option<&Vec<String>> {
    rows.iter()
        .find(|r| r.len() >= 2 && r[r.len() - 2] == dport.to_string())
}

fn has_port(l: &str, dport: u16) -> bool {
    let f: Vec<&str> = l.split_whitespace().collect();
    f.len() >= 2 && f[f.len() - 2] == dport.to_string()
}

#[test]
fn latency_of_ipv4_and_ipv6_connects() {
    let comm = cut(&thread_comm(), 12);
    let t = Tracer::start(BIN, &["-L"]);
    let l4 = listen(V4);
    let c4 = connect(&l4);
    let l6 = listen(V6);
    let c6 = connect(&l6);
    // A refused connect has no latency to show.
    let refused_port = refused(V4);
    assert!(t.wait_for(|l| has_port(l, c6.dport), EVENT_TIMEOUT));
    let f = t.stop();
    f.assert_success();
    // libbpf-tools' layout with -L (COMM as %-12.12s).
    let layout = Printf::new("%-6d %-12.12s %-2d %-16s %-6d %-16s %-5d %s");
    layout.assert_header(
        &f.stdout[0],
        &[
            "PID", "COMM", "IP", "SADDR", "LPORT", "DADDR", "DPORT", "LAT(ms)",
        ],
    );
    for (c, ip, addr) in [(&c4, 4, "127.0.0.1"), (&c6, 6, "::1")] {
        let cells = [
            is(pid()),
            is(&comm),
            is(ip),
            is(addr),
            is(c.sport),
            is(addr),
            is(c.dport),
            Cell::Num,
        ];
        layout.find(&f.stdout, &cells);
    }
    let rows = f.rows();
    for (c, ip, addr) in [(&c4, "4", "127.0.0.1"), (&c6, "6", "::1")] {
        let r =
            row_to(&rows, c.dport).unwrap_or_else(|| panic!("no row for {}: {rows:?}", c.dport));
        assert_eq!(
            r[..7],
            [
                pid().to_string().as_str(),
                &comm,
                ip,
                addr,
                &c.sport.to_string(),
                addr,
                &c.dport.to_string()
            ]
        );
        let lat: f64 = r[7].parse().unwrap();
        assert!((0.0..1000.0).contains(&lat), "{r:?}");
    }
    assert!(row_to(&rows, refused_port).is_none(), "{rows:?}");
}

/// bcc's -4 and -6: one family only, filtered in the kernel.
#[test]
fn one_family_with_4_or_6() {
    let comm = cut(&thread_comm(), 12);
    let layout = Printf::new("%-6d %-12.12s %-2d %-16s %-16s %-5d %s");
    for (flag, ip, addr, other) in [("-4", 4, "127.0.0.1", V6), ("-6", 6, "::1", V4)] {
        let t = Tracer::start(BIN, &[flag]);
        let hidden = connect(&listen(other));
        let shown = connect(&listen(if ip == 4 { V4 } else { V6 }));
        assert!(t.wait_for(|l| has_port(l, shown.dport), EVENT_TIMEOUT));
        // The other family's connect came first: had it been traced, its
        // line would be out by now.
        let f = t.stop();
        f.assert_success();
        layout.assert_header(
            &f.stdout[0],
            &["PID", "COMM", "IP", "SADDR", "DADDR", "DPORT", "LAT(ms)"],
        );
        let cells = [
            is(pid()),
            is(&comm),
            is(ip),
            is(addr),
            is(addr),
            is(shown.dport),
            Cell::Num,
        ];
        layout.find(&f.stdout, &cells);
        let rows = f.rows();
        assert!(row_to(&rows, hidden.dport).is_none(), "{flag}: {rows:?}");
        assert!(
            rows[1..].iter().all(|r| r[2] == ip.to_string()),
            "{flag}: {rows:?}"
        );
    }
}

#[test]
fn json_latency_is_not_zero() {
    let comm = thread_comm();
    let t = Tracer::start(BIN, &["--json", "-t"]);
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
        .unwrap_or_else(|| panic!("{events:?}"));
    assert_eq!(e["pid"], pid());
    assert_eq!(e["comm"], comm.as_str());
    assert_eq!(e["ip"], 4);
    assert_eq!(e["saddr"], "127.0.0.1");
    assert_eq!(e["daddr"], "127.0.0.1");
    let lat = e["lat_ms"].as_f64().unwrap();
    assert!(lat > 0.0 && lat < 1000.0, "{e}");
    assert!(e["time_s"].as_f64().unwrap() >= 0.0, "{e}");
}

/// Filters checked against an unfiltered tracer that saw the same connects.
#[test]
fn pid_and_minimum_latency_filters() {
    let l = listen(V4);
    let p = port(&l);
    let child = GatedChild::spawn(&format!(
        "python3 -c \"import socket; socket.create_connection(('127.0.0.1', {p})).close()\""
    ));
    let child_pid = child.pid();
    let all = Tracer::start(BIN, &[]);
    let by_pid = Tracer::start(BIN, &["-p", &child_pid.to_string()]);
    let slow = Tracer::start(BIN, &["5000"]);
    let own = connect(&l);
    assert!(child.release());
    assert!(all.wait_for(|l| l.starts_with(&format!("{child_pid} ")), EVENT_TIMEOUT));
    assert!(by_pid.wait_for(|l| l.starts_with(&format!("{child_pid} ")), EVENT_TIMEOUT));
    let all = all.stop();
    all.assert_success();
    assert!(row_to(&all.rows(), own.dport).is_some());
    let f = by_pid.stop();
    f.assert_success();
    let rows = f.rows();
    assert!(
        rows.iter().all(|r| r[0] == child_pid.to_string()),
        "{rows:?}"
    );
    assert_eq!(rows[0][1], "python3");
    let f = slow.stop();
    f.assert_success();
    assert!(
        row_to(&f.rows(), p).is_none(),
        "loopback connects are not 5 s: {:?}",
        f.rows()
    );
}

#[test]
fn every_alternative_passes_the_verifier() {
    assert_all_hooks_load(BIN, &[]);
}

#[test]
fn bad_input_is_one_clear_line() {
    assert_usage_error(BIN, &["-p", "abc"]);
    assert_usage_error(BIN, &["-4", "-6"]);
    assert_usage_error(BIN, &["abc"]);
    assert_usage_error(BIN, &["0"]);
    assert_usage_error(BIN, &["1", "2"]);
    assert_runtime_error(BIN, &["-p", "999999999"], &[], "no such process: 999999999");
    assert_runtime_error(BIN, &["-d", "-1"], &[], "invalid duration -1");
    assert_needs_privileges(BIN, &[]);
}
