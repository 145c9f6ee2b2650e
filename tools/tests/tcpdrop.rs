//! tcpdrop end to end, on the running kernel: a SYN to a closed port on
//! loopback is dropped by the kernel with reason NO_SOCKET (and answered
//! with a reset), in tcp_v4_rcv or tcp_v6_rcv.

use crate::common::*;
use crate::net::{free_ports, sockets};

const BIN: &str = env!("CARGO_BIN_EXE_tcpdrop");

/// Connect from a known port to a closed one; returns (closed, client).
fn refused(addr: &str) -> (u16, u16) {
    let [closed, client] = free_ports();
    let ran = sockets::run(&["connect", addr, &closed.to_string(), &client.to_string()]);
    assert_eq!(ran.results, ["connect Connection refused"]);
    (closed, client)
}

#[test]
fn sees_a_syn_to_a_closed_port_with_reason_and_stack() {
    let t = Tracer::start(BIN, &[]);
    let (closed, client) = refused("127.0.0.1");
    let src = format!("127.0.0.1:{client}");
    assert!(t.wait_for(
        |l| l.contains(&src) && l.contains("NO_SOCKET"),
        EVENT_TIMEOUT
    ));
    let f = t.stop();
    f.assert_success();
    // libbpf-tools' layout (the PID is whoever ran the softirq).
    let layout = Printf::new("%-8s %-7d %-2d %-20s > %-20s %-12s %-9s %s");
    layout.assert_header(
        &f.stdout[0],
        &[
            "TIME",
            "PID",
            "IP",
            "SADDR:SPORT",
            "DADDR:DPORT",
            "STATE",
            "(FLAGS)",
            "REASON",
        ],
    );
    let at = f
        .stdout
        .iter()
        .position(|l| l.contains(&src) && l.contains("NO_SOCKET"))
        .unwrap();
    let line = &f.stdout[at];
    let r: Vec<&str> = line.split_whitespace().collect();
    let dst = format!("127.0.0.1:{closed}");
    let cells = [
        Cell::Time,
        Cell::Num,
        is(4),
        is(&src),
        is(&dst),
        is("-"),
        is("(SYN)"),
        is("NO_SOCKET"),
    ];
    assert!(layout.matches(line, &cells), "{line:?}");
    assert_eq!(
        r[2..],
        [
            "4",
            src.as_str(),
            ">",
            dst.as_str(),
            "-",
            "(SYN)",
            "NO_SOCKET"
        ],
        "{line}"
    );
    // The kernel stack follows, one tab-indented frame a line, then an
    // empty line; the drop happened in tcp_v4_rcv.
    let frames: Vec<&String> = f.stdout[at + 1..]
        .iter()
        .take_while(|l| !l.is_empty())
        .collect();
    assert!(
        !frames.is_empty() && frames.iter().all(|l| l.starts_with('\t')),
        "{frames:?}"
    );
    assert!(
        frames.iter().any(|l| l.trim() == "tcp_v4_rcv"),
        "{frames:?}"
    );
}

#[test]
fn json_on_ipv6_with_stack() {
    let t = Tracer::start(BIN, &["--json", "-6"]);
    let (closed, client) = refused("::1");
    assert!(t.wait_for(
        |l| l.contains(&format!("\"sport\":{client}")),
        EVENT_TIMEOUT
    ));
    let f = t.stop();
    f.assert_success();
    let events = f.json();
    let e = events
        .iter()
        .find(|e| e["sport"] == client && e["reason"] == "NO_SOCKET")
        .unwrap_or_else(|| panic!("no NO_SOCKET drop from {client}: {events:?}"));
    assert_eq!(e["ip"], 6);
    assert_eq!(e["saddr"], "::1");
    assert_eq!(e["daddr"], "::1");
    assert_eq!(e["dport"], closed);
    assert!(e["state"].is_null(), "no socket, no state: {e}");
    assert_eq!(e["flags"], "SYN");
    let stack: Vec<&str> = e["kernel_stack"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect();
    assert!(stack.contains(&"tcp_v6_rcv"), "{stack:?}");
    assert!(
        events.iter().all(|e| e["ip"] == 6),
        "-6 printed IPv4: {events:?}"
    );
}

#[test]
fn no_stack_prints_one_line_per_drop() {
    let t = Tracer::start(BIN, &["--no-stack", "-4"]);
    let (closed, client) = refused("127.0.0.1");
    let src = format!("127.0.0.1:{client}");
    assert!(t.wait_for(|l| l.contains(&src), EVENT_TIMEOUT));
    let f = t.stop();
    f.assert_success();
    assert!(
        f.stdout
            .iter()
            .all(|l| !l.is_empty() && !l.starts_with('\t')),
        "{:?}",
        f.stdout
    );
    let line = f.stdout.iter().find(|l| l.contains(&src)).unwrap();
    assert!(line.contains(&format!("> 127.0.0.1:{closed} ")), "{line}");
}

#[test]
fn every_alternative_passes_the_verifier() {
    assert_all_hooks_load(BIN, &[]);
    assert_all_hooks_load(BIN, &["--no-stack"]);
}

#[test]
fn bad_input_is_one_clear_line() {
    assert_usage_error(BIN, &["-4", "-6"]);
    assert_usage_error(BIN, &["--perf-max-stack-depth", "0"]);
    assert_usage_error(BIN, &["extra"]);
    assert_runtime_error(BIN, &["-d", "-1"], &[], "invalid duration -1");
    assert_needs_privileges(BIN, &[]);
}
