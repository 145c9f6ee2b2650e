//! tcppktlat end to end: a python3 child connects over loopback, waits
//! until the test's data has arrived (select, which reads nothing), sleeps
//! SLEEP_MS, then reads it: its read must show a wait of at least that.

use std::io::{Read, Write};
use std::net::{IpAddr, TcpListener};
use std::thread;

use crate::common::*;
use crate::net::*;

const BIN: &str = env!("CARGO_BIN_EXE_tcppktlat");
const SLEEP_MS: u64 = 300;

/// libbpf-tools' layout, addresses `width` wide (15, or 26 with -w).
fn layout(timestamp: bool, width: usize) -> Printf {
    let time = if timestamp { "%-8s " } else { "" };
    Printf::new(&format!(
        "{time}%-7d %-7d %-16s %-{width}s %-5d %-{width}s %-5d %-.2f"
    ))
}

/// A reader, held until `serve` lets it run, and its listener.
struct Reader {
    child: GatedChild,
    listener: TcpListener,
}

impl Reader {
    fn new(ip: IpAddr) -> Reader {
        let listener = listen(ip);
        let script = format!(
            "import socket, select, sys, time; \
             s = socket.create_connection(('{ip}', {port})); \
             select.select([s], [], []); \
             time.sleep({secs}); \
             sys.exit(s.recv(64) != b'hello')",
            port = port(&listener),
            secs = SLEEP_MS as f64 / 1000.0,
        );
        let child = GatedChild::spawn(&format!("/usr/bin/python3 -c \"{script}\""));
        Reader { child, listener }
    }

    fn pid(&self) -> u32 {
        self.child.pid()
    }

    /// The server's port: the reader's remote port.
    fn rport(&self) -> u16 {
        port(&self.listener)
    }

    /// Let it run: accept, send "hello", wait for its close. Returns the
    /// reader's local port.
    fn serve(self) -> u16 {
        let listener = self.listener;
        let server = thread::spawn(move || {
            let (mut s, peer) = listener.accept().unwrap();
            s.write_all(b"hello").unwrap();
            let mut rest = Vec::new();
            s.read_to_end(&mut rest).unwrap();
            peer.port()
        });
        assert!(self.child.release(), "the reader did not read hello");
        server.join().unwrap()
    }
}

fn addr(ip: IpAddr) -> String {
    ip.to_string()
}

/// The reader's line: its pid twice (one thread), python3, the ends.
fn cells(pid: u32, ip: IpAddr, lport: u16, rport: u16) -> Vec<Cell> {
    vec![
        is(pid),
        is(pid),
        is("python3"),
        is(addr(ip)),
        is(lport),
        is(addr(ip)),
        is(rport),
        Cell::Num,
    ]
}

fn latency_ms(line: &str) -> f64 {
    line.split_whitespace().last().unwrap().parse().unwrap()
}

#[test]
fn a_slow_reader_waited_at_least_its_sleep() {
    let t = Tracer::start(BIN, &[]);
    let mut want = Vec::new();
    for ip in [V4, V6] {
        let r = Reader::new(ip);
        let (pid, rport) = (r.pid(), r.rport());
        let lport = r.serve();
        want.push(cells(pid, ip, lport, rport));
    }
    let layout = layout(false, 15);
    for c in &want {
        t.expect("the reader's line", |l| layout.matches(l, c));
    }
    let f = t.stop();
    f.assert_success();
    layout.assert_header(
        &f.stdout[0],
        &[
            "PID", "TID", "COMM", "LADDR", "LPORT", "RADDR", "RPORT", "MS",
        ],
    );
    for c in &want {
        let l = layout.find(&f.stdout, c);
        let ms = latency_ms(l);
        assert!(
            (SLEEP_MS as f64..SLEEP_MS as f64 + 5000.0).contains(&ms),
            "{l}"
        );
        assert_eq!(
            l.rsplit(' ')
                .next()
                .unwrap()
                .split('.')
                .nth(1)
                .map(str::len),
            Some(2),
            "{l}"
        );
    }
}

#[test]
fn json_and_wide_with_time() {
    let r = Reader::new(V6);
    let (pid, rport) = (r.pid(), r.rport());
    let t = Tracer::start(
        BIN,
        &["--json", "-p", &pid.to_string(), "-t", &pid.to_string()],
    );
    let lport = r.serve();
    assert!(t.wait_for(|l| l.contains(&format!("\"pid\":{pid},")), EVENT_TIMEOUT));
    let f = t.stop();
    f.assert_success();
    let events = f.json();
    assert_eq!(events.len(), 1, "{events:?}");
    let e = &events[0];
    assert_eq!(e["pid"], pid);
    assert_eq!(e["tid"], pid);
    assert_eq!(e["comm"], "python3");
    assert_eq!(e["laddr"], "::1");
    assert_eq!(e["lport"], lport);
    assert_eq!(e["raddr"], "::1");
    assert_eq!(e["rport"], rport);
    assert!(e["lat_ms"].as_f64().unwrap() >= SLEEP_MS as f64, "{e}");
    assert!(chrono::DateTime::parse_from_rfc3339(e["time"].as_str().unwrap()).is_ok());

    // -T -w: the time first (headed TIME(s), as upstream), 26-wide addresses.
    let r = Reader::new(V4);
    let (pid, rport) = (r.pid(), r.rport());
    let t = Tracer::start(BIN, &["-T", "-w", "-r", &rport.to_string()]);
    let lport = r.serve();
    let layout = layout(true, 26);
    let mut row = vec![Cell::Time];
    row.extend(cells(pid, V4, lport, rport));
    t.expect("the reader's line", |l| layout.matches(l, &row));
    let f = t.stop();
    f.assert_success();
    layout.assert_header(
        &f.stdout[0],
        &[
            "TIME(s)", "PID", "TID", "COMM", "LADDR", "LPORT", "RADDR", "RPORT", "MS",
        ],
    );
    // Only the one connection's remote port.
    for l in &f.stdout[1..] {
        assert!(layout.matches(l, &row), "{l:?}: not of {rport}");
    }
}

/// Filters checked against an unfiltered tracer that saw the same read.
#[test]
fn port_pid_and_minimum_filters_exclude() {
    let r = Reader::new(V4);
    let (pid, rport) = (r.pid(), r.rport());
    let all = Tracer::start(BIN, &[]);
    // The server's end has the listener's port as its local port; the reader's
    // end has it as its remote port.
    let by_lport = Tracer::start(BIN, &["-l", &rport.to_string()]);
    let by_other_pid = Tracer::start(BIN, &["-p", &std::process::id().to_string()]);
    let by_other_tid = Tracer::start(BIN, &["-t", &std::process::id().to_string()]);
    let slow = Tracer::start(BIN, &["10000000"]);
    let fast = Tracer::start(BIN, &["100000", "-r", &rport.to_string()]);
    let lport = r.serve();
    let layout = layout(false, 15);
    let row = cells(pid, V4, lport, rport);
    all.expect("the reader's line", |l| layout.matches(l, &row));
    fast.expect("the reader's line, above 100 ms", |l| {
        layout.matches(l, &row)
    });
    for t in [all, fast] {
        t.stop().assert_success();
    }
    // Had the others let the read through, its event would be out by now.
    thread::sleep(std::time::Duration::from_millis(300));
    for (what, t) in [
        ("-l LISTENER_PORT", by_lport),
        ("-p OWN_PID", by_other_pid),
        ("-t OWN_PID", by_other_tid),
        ("10 s minimum", slow),
    ] {
        let f = t.stop();
        f.assert_success();
        assert!(
            !f.stdout.iter().any(|l| layout.matches(l, &row)),
            "{what}: {:?}",
            f.stdout
        );
    }
}

/// Each kind of hook, forced, sees the same read: the tracepoint kind reads
/// the recorded fields and keys by socket cookie, the others by socket.
#[test]
fn each_hook_kind_sees_the_read() {
    for kind in ["tp_btf", "raw_tp", "tracepoint"] {
        let r = Reader::new(V4);
        let (pid, rport) = (r.pid(), r.rport());
        let t = Tracer::start_env(BIN, &["-r", &rport.to_string()], &[("BPFTK_HOOK", kind)]);
        let lport = r.serve();
        let layout = layout(false, 15);
        let row = cells(pid, V4, lport, rport);
        t.expect(kind, |l| layout.matches(l, &row));
        let f = t.stop();
        f.assert_success();
        let ms = latency_ms(layout.find(&f.stdout, &row));
        assert!(ms >= SLEEP_MS as f64, "{kind}: {ms}");
    }
}

#[test]
fn every_alternative_passes_the_verifier() {
    assert_all_hooks_load(BIN, &[]);
}

#[test]
fn bad_input_is_one_clear_line() {
    assert_usage_error(BIN, &["-p", "abc"]);
    assert_usage_error(BIN, &["-l", "0"]);
    assert_usage_error(BIN, &["-r", "65536"]);
    assert_usage_error(BIN, &["0"]);
    assert_usage_error(BIN, &["-5"]);
    assert_usage_error(BIN, &["1", "2"]);
    assert_runtime_error(
        BIN,
        &["-p", "999999999", "-d", "1"],
        &[],
        "no such process: 999999999",
    );
    assert_runtime_error(
        BIN,
        &["-t", "999999999", "-d", "1"],
        &[],
        "no such thread: 999999999",
    );
    assert_runtime_error(BIN, &["-d", "0"], &[], "invalid duration 0");
    assert_needs_privileges(BIN, &[]);
}
