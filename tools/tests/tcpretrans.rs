//! tcpretrans end to end, on the running kernel. A retransmission without
//! netem: a listener with backlog 0 takes one connection into its accept
//! queue and never accepts it; the queue is then full, so the listener
//! drops the next client's SYN, and that client sends it again after the
//! initial retransmission timeout (1 s), in state SYN_SENT.

use std::time::Duration;

use crate::common::*;
use crate::net::{free_ports, sockets};

const BIN: &str = env!("CARGO_BIN_EXE_tcpretrans");

/// (listener port, second client's port): the flow that retransmits is
/// ADDR:client > ADDR:listener.
fn retransmit_syn(addr: &str) -> (u16, u16) {
    retransmit_syn_on(addr, free_ports())
}

fn retransmit_syn_on(addr: &str, [port, first, second]: [u16; 3]) -> (u16, u16) {
    let ran = sockets::run(&[
        "listen",
        addr,
        &port.to_string(),
        "0",
        "connect",
        addr,
        &port.to_string(),
        &first.to_string(),
        "connectnb",
        addr,
        &port.to_string(),
        &second.to_string(),
        "sleep",
        "1600",
    ]);
    assert_eq!(
        ran.results,
        [
            "listen 0",
            "connect 0",
            "connectnb Operation now in progress"
        ]
    );
    (port, second)
}

#[test]
fn sees_a_syn_retransmitted_to_a_full_listener() {
    let t = Tracer::start(BIN, &[]);
    let (port, client) = retransmit_syn("127.0.0.1");
    let local = format!("127.0.0.1:{client}");
    assert!(t.wait_for(|l| l.contains(&local), EVENT_TIMEOUT));
    let f = t.stop();
    f.assert_success();
    // bcc's layout (the PID is whoever runs when the timer fires).
    let layout = Printf::new("%-8s %-6d %-2d %-20s %1s> %-20s %s");
    layout.assert_header(
        &f.stdout[0],
        &[
            "TIME",
            "PID",
            "IP",
            "LADDR:LPORT",
            "T",
            "RADDR:RPORT",
            "STATE",
        ],
    );
    let remote = format!("127.0.0.1:{port}");
    let cells = [
        Cell::Time,
        Cell::Num,
        is(4),
        is(&local),
        is("R"),
        is(&remote),
        is("SYN_SENT"),
    ];
    layout.find(&f.stdout, &cells);
    let line = f.stdout.iter().find(|l| l.contains(&local)).unwrap();
    let r: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(
        r[2..],
        ["4", local.as_str(), "R>", remote.as_str(), "SYN_SENT"],
        "{line}"
    );
    // bcc's layout: %-8s %-6d %-2d %-20s %1s> %-20s %s.
    assert_eq!(
        &line[9..],
        format!("{:<6} 4  {:<20} R> {:<20} SYN_SENT", r[1], local, remote)
    );
}

/// The sequence numbers of the SYNs sent to 127.0.0.1:`port` from `sport`
/// on lo, as seen by a packet socket for `secs` seconds.
fn sniff_syns(port: u16, sport: u16, secs: u32) -> std::process::Child {
    let code = "import socket, struct, sys, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
s.bind((\"lo\", 0))
s.settimeout(0.1)
port, sport, end = int(sys.argv[1]), int(sys.argv[2]), time.time() + float(sys.argv[3])
print(\"ready\", flush=True)
while time.time() < end:
    try:
        p = s.recv(65535)
    except socket.timeout:
        continue
    ip = p[14:]
    if p[12:14] != b\"\\x08\\x00\" or ip[9] != 6:
        continue
    t = ip[(ip[0] & 15) * 4:]
    sp, dp, seq = struct.unpack(\"!HHI\", t[:8])
    if sp == sport and dp == port and t[13] & 0x12 == 0x02:
        print(seq, flush=True)
";
    let mut c = std::process::Command::new("/usr/bin/python3")
        .args([
            "-c",
            code,
            &port.to_string(),
            &sport.to_string(),
            &secs.to_string(),
        ])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    let mut out = std::io::BufReader::new(c.stdout.take().unwrap());
    std::io::BufRead::read_line(&mut out, &mut line).unwrap();
    assert_eq!(line, "ready\n");
    c.stdout = Some(out.into_inner());
    c
}

/// bcc's -s: the retransmitted segment's sequence number, after a wider
/// STATE. A SYN sent again carries the first one's sequence number, read
/// off the wire here by a packet socket on lo.
#[test]
fn sequence_numbers_with_s() {
    let ports: [u16; 3] = free_ports();
    let sniffer = sniff_syns(ports[0], ports[2], 4);
    let t = Tracer::start(BIN, &["-s"]);
    let (port, client) = retransmit_syn_on("127.0.0.1", ports);
    let local = format!("127.0.0.1:{client}");
    assert!(t.wait_for(|l| l.contains(&local), EVENT_TIMEOUT));
    let f = t.stop();
    f.assert_success();
    let wire = sniffer.wait_with_output().unwrap();
    let seqs: Vec<u64> = String::from_utf8(wire.stdout)
        .unwrap()
        .lines()
        .map(|l| l.parse().unwrap())
        .collect();
    assert!(
        seqs.len() >= 2,
        "the SYN and its retransmission on lo: {seqs:?}"
    );
    assert!(seqs.iter().all(|&s| s == seqs[0]), "{seqs:?}");
    // bcc's layout with -s.
    let layout = Printf::new("%-8s %-6d %-2d %-20s %1s> %-20s %-12s %s");
    layout.assert_header(
        &f.stdout[0],
        &[
            "TIME",
            "PID",
            "IP",
            "LADDR:LPORT",
            "T",
            "RADDR:RPORT",
            "STATE",
            "SEQ",
        ],
    );
    let cells = [
        Cell::Time,
        Cell::Num,
        is(4),
        is(&local),
        is("R"),
        is(format!("127.0.0.1:{port}")),
        is("SYN_SENT"),
        is(seqs[0]),
    ];
    layout.find(&f.stdout, &cells);

    let t = Tracer::start(BIN, &["-s", "--json", "-4"]);
    let (_, client) = retransmit_syn("127.0.0.1");
    assert!(t.wait_for(
        |l| l.contains(&format!("\"lport\":{client}")),
        EVENT_TIMEOUT
    ));
    let f = t.stop();
    f.assert_success();
    let events = f.json();
    let e = events.iter().find(|e| e["lport"] == client).unwrap();
    assert!(e["seq"].is_u64(), "{e}");
    assert_eq!(e["state"], "SYN_SENT");
}

#[test]
fn json_on_ipv6() {
    let t = Tracer::start(BIN, &["--json", "-6"]);
    let (port, client) = retransmit_syn("::1");
    assert!(t.wait_for(
        |l| l.contains(&format!("\"lport\":{client}")),
        EVENT_TIMEOUT
    ));
    let f = t.stop();
    f.assert_success();
    let events = f.json();
    let e = events.iter().find(|e| e["lport"] == client).unwrap();
    assert_eq!(e["ip"], 6);
    assert_eq!(e["laddr"], "::1");
    assert_eq!(e["raddr"], "::1");
    assert_eq!(e["rport"], port);
    assert_eq!(e["type"], "R");
    assert_eq!(e["state"], "SYN_SENT");
    assert!(e["pid"].is_u64());
    assert!(chrono::DateTime::parse_from_rfc3339(e["time"].as_str().unwrap()).is_ok());
    assert!(
        events.iter().all(|e| e["ip"] == 6),
        "-6 printed IPv4: {events:?}"
    );
}

#[test]
fn count_mode_counts_per_flow_at_exit() {
    let t = Tracer::start(BIN, &["-c", "-4"]);
    let (port, client) = retransmit_syn("127.0.0.1");
    std::thread::sleep(Duration::from_millis(200));
    let f = t.stop();
    f.assert_success();
    let at = f
        .stdout
        .iter()
        .position(|l| l.starts_with("LADDR:LPORT"))
        .unwrap_or_else(|| panic!("no header: {:?}", f.stdout));
    assert_eq!(
        f.stdout[at].split_whitespace().collect::<Vec<_>>(),
        ["LADDR:LPORT", "RADDR:RPORT", "RETRANSMITS"]
    );
    let local = format!("127.0.0.1:{client}");
    let row = f.stdout[at + 1..]
        .iter()
        .find(|l| l.starts_with(&local))
        .unwrap_or_else(|| panic!("no count for {local}: {:?}", f.stdout));
    let r: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(r[1], format!("127.0.0.1:{port}"));
    assert!(r[2].parse::<u64>().unwrap() >= 1, "{row}");
}

#[test]
fn every_alternative_passes_the_verifier() {
    assert_all_hooks_load(BIN, &[]);
    assert_all_hooks_load(BIN, &["-c"]);
    assert_all_hooks_load(BIN, &["-s"]);
    // Tail loss probes have only kprobe and fentry alternatives.
    let f = run(
        BIN,
        &["-l"],
        &[("BPFTK_HOOK", "kprobe"), ("BPFTK_LOAD_ONLY", "1")],
    );
    assert!(f.status.success(), "-l with kprobes: {:?}", f.stderr);
}

#[test]
fn bad_input_is_one_clear_line() {
    assert_usage_error(BIN, &["-4", "-6"]);
    assert_usage_error(BIN, &["extra"]);
    assert_usage_error(BIN, &["-s", "-c"]);
    assert_runtime_error(BIN, &["-d", "-1"], &[], "invalid duration -1");
    // Without kprobes (and fentry) -l and -k say what is missing in one line.
    let kprobes = std::path::Path::new("/sys/bus/event_source/devices/kprobe/type").exists();
    if !kprobes {
        assert_runtime_error(BIN, &["-k"], &[], "kprobe tcp_retransmit_skb");
        if !kernel_loads_fentry() {
            assert_runtime_error(BIN, &["-l"], &[], "-l (tail loss probes) is unavailable");
        }
    }
    assert_needs_privileges(BIN, &[]);
}
