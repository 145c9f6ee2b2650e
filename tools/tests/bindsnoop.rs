//! bindsnoop end to end, on the running kernel: TCP and UDP sockets bound
//! on 127.0.0.1 and ::1 to known ports, SO_REUSEADDR on some, and a bind
//! that fails with EADDRINUSE.

use crate::common::*;
use crate::net::{free_ports, sockets};

const BIN: &str = env!("CARGO_BIN_EXE_bindsnoop");

struct Binds {
    ran: sockets::Ran,
    /// tcp 127.0.0.1 (SO_REUSEADDR), udp 127.0.0.1, tcp ::1, udp ::1 (SO_REUSEADDR)
    ports: [u16; 4],
}

/// Four binds that work, then one that fails: the first port again,
/// without SO_REUSEADDR.
fn binds() -> Binds {
    let ports = free_ports::<4>();
    let p: Vec<String> = ports.iter().map(u16::to_string).collect();
    let ran = sockets::run(&[
        "bind",
        "tcp",
        "127.0.0.1",
        &p[0],
        "reuse",
        "bind",
        "udp",
        "127.0.0.1",
        &p[1],
        "-",
        "bind",
        "tcp",
        "::1",
        &p[2],
        "-",
        "bind",
        "udp",
        "::1",
        &p[3],
        "reuse",
        "bind",
        "tcp",
        "127.0.0.1",
        &p[0],
        "-",
    ]);
    assert_eq!(
        ran.results,
        [
            "bind 0",
            "bind 0",
            "bind 0",
            "bind 0",
            "bind Address already in use"
        ]
    );
    Binds { ran, ports }
}

fn row(b: &Binds, ret: &str, proto: &str, opts: &str, port: u16, addr: &str) -> Vec<String> {
    let (pid, port) = (b.ran.pid.to_string(), port.to_string());
    [
        pid.as_str(),
        b.ran.comm.as_str(),
        ret,
        proto,
        opts,
        "0",
        port.as_str(),
        addr,
    ]
    .map(String::from)
    .to_vec()
}

#[test]
fn sees_successful_binds_with_options() {
    let t = Tracer::start(BIN, &[]);
    let b = binds();
    let last = b.ports[3];
    assert!(t.wait_for(|l| l.contains(&format!(" {last} ")), EVENT_TIMEOUT));
    let f = t.stop();
    f.assert_success();
    // libbpf-tools' layout.
    let layout = Printf::new("%-7d %-16s %-3d %-5s %-5s %-4d %-5d %-48s");
    layout.assert_header(
        &f.stdout[0],
        &["PID", "COMM", "RET", "PROTO", "OPTS", "IF", "PORT", "ADDR"],
    );
    for (proto, opts, port, addr) in [
        ("TCP", "...R.", b.ports[0], "127.0.0.1"),
        ("UDP", ".....", b.ports[1], "127.0.0.1"),
        ("TCP", ".....", b.ports[2], "::1"),
        ("UDP", "...R.", b.ports[3], "::1"),
    ] {
        let cells = [
            is(b.ran.pid),
            is(&b.ran.comm),
            is(0),
            is(proto),
            is(opts),
            is(0),
            is(port),
            is(addr),
        ];
        layout.find(&f.stdout, &cells);
    }
    let rows = f.rows();
    let mine: Vec<&Vec<String>> = rows
        .iter()
        .filter(|r| r[0] == b.ran.pid.to_string())
        .collect();
    let want = [
        row(&b, "0", "TCP", "...R.", b.ports[0], "127.0.0.1"),
        row(&b, "0", "UDP", ".....", b.ports[1], "127.0.0.1"),
        row(&b, "0", "TCP", ".....", b.ports[2], "::1"),
        row(&b, "0", "UDP", "...R.", b.ports[3], "::1"),
    ];
    assert_eq!(
        mine,
        want.iter().collect::<Vec<_>>(),
        "without -x, failed binds are left out"
    );
}

#[test]
fn failed_binds_with_x_and_json() {
    let t = Tracer::start(BIN, &["-x", "--json", "-t", "-U"]);
    let b = binds();
    assert!(t.wait_for(|l| l.contains("\"ret\":-98"), EVENT_TIMEOUT));
    let f = t.stop();
    f.assert_success();
    let events = f.json();
    let mine: Vec<_> = events.iter().filter(|e| e["pid"] == b.ran.pid).collect();
    assert_eq!(mine.len(), 5, "{mine:?}");
    let e = mine[4];
    assert_eq!(e["ret"], -98, "EADDRINUSE: {e}");
    assert_eq!(e["proto"], "TCP");
    assert_eq!(e["opts"], ".....");
    assert_eq!(e["port"], b.ports[0]);
    assert_eq!(e["addr"], "127.0.0.1");
    assert_eq!(e["comm"], b.ran.comm.as_str());
    assert_eq!(e["uid"], 0);
    assert!(chrono::DateTime::parse_from_rfc3339(e["time"].as_str().unwrap()).is_ok());
    let e = mine[2];
    assert_eq!(
        (e["ret"].as_i64(), e["addr"].as_str()),
        (Some(0), Some("::1"))
    );
    assert_eq!(
        (e["port"].as_u64(), e["if"].as_u64()),
        (Some(b.ports[2].into()), Some(0))
    );
}

#[test]
fn port_filter_keeps_only_those_ports() {
    let ports = free_ports::<2>();
    let p: Vec<String> = ports.iter().map(u16::to_string).collect();
    let t = Tracer::start(BIN, &["-P", &format!("{},1", p[1])]);
    let ran = sockets::run(&[
        "bind",
        "udp",
        "127.0.0.1",
        &p[0],
        "-",
        "bind",
        "udp",
        "::1",
        &p[1],
        "-",
    ]);
    assert!(t.wait_for(|l| l.contains(&format!(" {} ", p[1])), EVENT_TIMEOUT));
    let f = t.stop();
    f.assert_success();
    let rows = f.rows();
    assert!(rows.iter().all(|r| r[6] == p[1] || r[6] == "1"), "{rows:?}");
    assert!(
        rows.iter()
            .any(|r| r[0] == ran.pid.to_string() && r[7] == "::1"),
        "{rows:?}"
    );
}

#[test]
fn every_alternative_passes_the_verifier() {
    assert_all_hooks_load(BIN, &[]);
}

#[test]
fn bad_input_is_one_clear_line() {
    assert_usage_error(BIN, &["-p", "abc"]);
    assert_usage_error(BIN, &["-P", "80,http"]);
    assert_usage_error(BIN, &["-P", "70000"]);
    assert_runtime_error(BIN, &["-P", "0"], &[], "-P: port 0 is not a port");
    assert_runtime_error(BIN, &["-p", "999999999"], &[], "no such process: 999999999");
    assert_runtime_error(
        BIN,
        &["-c", "/nonexistent-cg"],
        &[],
        "cgroup /nonexistent-cg",
    );
    assert_needs_privileges(BIN, &[]);
}
