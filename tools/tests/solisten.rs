//! solisten end to end, on the running kernel: listeners on 127.0.0.1 and
//! ::1 with known backlogs and ports.

use crate::common::*;
use crate::net::{free_ports, sockets};

const BIN: &str = env!("CARGO_BIN_EXE_solisten");

fn listeners() -> (sockets::Ran, u16, u16) {
    let [p4, p6] = free_ports();
    let ran = sockets::run(&[
        "listen",
        "127.0.0.1",
        &p4.to_string(),
        "7",
        "listen",
        "::1",
        &p6.to_string(),
        "12",
    ]);
    assert_eq!(ran.results, ["listen 0", "listen 0"]);
    (ran, p4, p6)
}

#[test]
fn sees_listens_on_both_families() {
    let t = Tracer::start(BIN, &[]);
    let (ran, p4, p6) = listeners();
    assert!(t.wait_for(|l| l.contains(&format!(" {p6} ")), EVENT_TIMEOUT));
    let f = t.stop();
    f.assert_success();
    // libbpf-tools' layout.
    let layout = Printf::new("%-7d %-16s %-3d %-7d %-5s %-5d %-32s");
    layout.assert_header(
        &f.stdout[0],
        &["PID", "COMM", "RET", "BACKLOG", "PROTO", "PORT", "ADDR"],
    );
    for (backlog, proto, port, addr) in [(7, "TCPv4", p4, "127.0.0.1"), (12, "TCPv6", p6, "::1")] {
        let cells = [
            is(ran.pid),
            is(&ran.comm),
            is(0),
            is(backlog),
            is(proto),
            is(port),
            is(addr),
        ];
        layout.find(&f.stdout, &cells);
    }
    let rows = f.rows();
    let pid = ran.pid.to_string();
    let (comm, s4, s6) = (ran.comm.as_str(), p4.to_string(), p6.to_string());
    for want in [
        [
            pid.as_str(),
            comm,
            "0",
            "7",
            "TCPv4",
            s4.as_str(),
            "127.0.0.1",
        ],
        [pid.as_str(), comm, "0", "12", "TCPv6", s6.as_str(), "::1"],
    ] {
        assert!(
            rows.iter().any(|r| r == &want),
            "no row {want:?} in {rows:?}"
        );
    }
}

#[test]
fn json_and_pid_filter() {
    let sh = GatedChild::spawn("true");
    let other = sh.pid();
    let t = Tracer::start(BIN, &["--json", "-t"]);
    let (ran, p4, p6) = listeners();
    assert!(t.wait_for(|l| l.contains(&format!("\"port\":{p6}")), EVENT_TIMEOUT));
    let f = t.stop();
    f.assert_success();
    let events = f.json();
    let e = events
        .iter()
        .find(|e| e["pid"] == ran.pid && e["port"] == p4)
        .unwrap_or_else(|| panic!("no event for port {p4}: {events:?}"));
    assert_eq!(e["comm"], ran.comm.as_str());
    assert_eq!(e["ret"], 0);
    assert_eq!(e["backlog"], 7);
    assert_eq!(e["proto"], "TCPv4");
    assert_eq!(e["addr"], "127.0.0.1");
    assert!(chrono::DateTime::parse_from_rfc3339(e["time"].as_str().unwrap()).is_ok());
    let e = events
        .iter()
        .find(|e| e["pid"] == ran.pid && e["port"] == p6)
        .unwrap();
    assert_eq!(
        (e["addr"].as_str(), e["proto"].as_str()),
        (Some("::1"), Some("TCPv6"))
    );

    // -p: a listen by another process is left out.
    let t = Tracer::start(BIN, &["-p", &other.to_string()]);
    let (_, _, p6) = listeners();
    std::thread::sleep(std::time::Duration::from_millis(300));
    let f = t.stop();
    f.assert_success();
    assert!(sh.release());
    assert!(
        !f.stdout.iter().any(|l| l.contains(&format!(" {p6} "))),
        "-p {other} printed another process: {:?}",
        f.stdout
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
    assert_runtime_error(BIN, &["-d", "0"], &[], "invalid duration 0");
    assert_needs_privileges(BIN, &[]);
}
