//! tcpsynbl end to end, on the running kernel: loopback connections to a
//! listener nobody accepts from, whose backlog limit is this test's own.

use std::net::{TcpListener, TcpStream};
use std::os::fd::AsRawFd;

use crate::common::*;

const BIN: &str = env!("CARGO_BIN_EXE_tcpsynbl");

/// A listener at `addr` whose backlog limit is `backlog` (a number no other
/// test uses, to find its histogram among the system's listeners').
fn listener(addr: &str, backlog: i32) -> TcpListener {
    let l = TcpListener::bind(addr).unwrap();
    // listen(2) again on a listening socket sets its backlog.
    // SAFETY: the descriptor is the listener's own, open while `l` lives.
    assert_eq!(unsafe { libc::listen(l.as_raw_fd(), backlog) }, 0);
    l
}

/// `n` connections to `l`, left in its accept queue.
fn queue(l: &TcpListener, to: &str, n: usize) -> Vec<TcpStream> {
    let port = l.local_addr().unwrap().port();
    (0..n)
        .map(|_| TcpStream::connect(format!("{to}:{port}")).unwrap())
        .collect()
}

/// The table's section for `backlog_max`, heading to its last bucket.
fn section(lines: &[String], backlog_max: u64) -> Vec<String> {
    let heading = format!("backlog_max = {backlog_max}");
    let Some(at) = lines.iter().position(|l| *l == heading) else {
        return Vec::new();
    };
    let rest = lines[at + 1..]
        .iter()
        .take_while(|l| !l.starts_with("backlog_max = ") && !l.is_empty());
    std::iter::once(&lines[at]).chain(rest).cloned().collect()
}

/// Three handshakes into an empty queue find 0, 1 and 2 waiting.
const THREE_QUEUED: [&str; 3] = [
    "     backlog             : count    distribution",
    "         0 -> 1          : 2        |****************************************|",
    "         2 -> 3          : 1        |********************                    |",
];

fn assert_three_queued(what: &str, lines: &[String], backlog_max: u64) {
    let got = section(lines, backlog_max);
    let mut want = vec![format!("backlog_max = {backlog_max}")];
    want.extend(THREE_QUEUED.iter().map(|s| s.to_string()));
    assert_eq!(got, want, "{what}: {lines:#?}");
}

#[test]
fn queue_lengths_under_the_listeners_limit() {
    let l = listener("127.0.0.1:0", 37);
    let t = Tracer::start(BIN, &["-T"]);
    let _conns = queue(&l, "127.0.0.1", 3);
    let f = t.stop();
    f.assert_success();
    assert_eq!(f.stdout[0], "Tracing SYN backlog size. Ctrl-C to end.");
    assert_eq!(f.stdout[1], "");
    assert!(is_hh_mm_ss(&f.stdout[2]), "{:?}", f.stdout);
    assert_three_queued("default hook", &f.stdout, 37);
}

fn is_hh_mm_ss(s: &str) -> bool {
    let b = s.trim_end().as_bytes();
    b.len() == 8 && b[2] == b':' && b[5] == b':'
}

/// A dual-stack IPv6 listener's IPv4 connections count once, as IPv6.
#[test]
fn json_by_the_listeners_family() {
    let l = listener("[::]:0", 41);
    let t = Tracer::start(BIN, &["--json", "-6"]);
    let _conns = queue(&l, "127.0.0.1", 2);
    let f = t.stop();
    f.assert_success();
    let ours: Vec<_> = f
        .json()
        .into_iter()
        .filter(|h| h["backlog_max"] == 41)
        .collect();
    assert_eq!(ours.len(), 1, "{:?}", f.stdout);
    assert_eq!(ours[0]["unit"], "backlog");
    let buckets = ours[0]["buckets"].as_array().unwrap();
    let counted: Vec<(u64, u64)> = buckets
        .iter()
        .filter(|b| b["count"].as_u64().unwrap() > 0)
        .map(|b| (b["low"].as_u64().unwrap(), b["count"].as_u64().unwrap()))
        .collect();
    assert_eq!(counted, [(0, 2)], "{}", ours[0]);

    let t = Tracer::start(BIN, &["-4", "1", "2"]);
    let _more = queue(&l, "127.0.0.1", 2);
    let f = t.finish();
    f.assert_success();
    assert!(section(&f.stdout, 41).is_empty(), "{:?}", f.stdout);
}

/// -P: two listeners of one limit, a histogram each under its port.
#[test]
fn per_port_histograms() {
    let (a, b) = (listener("127.0.0.1:0", 59), listener("127.0.0.1:0", 59));
    let t = Tracer::start(BIN, &["-P"]);
    let _conns = (queue(&a, "127.0.0.1", 3), queue(&b, "127.0.0.1", 1));
    let f = t.stop();
    f.assert_success();
    let port = |l: &TcpListener| l.local_addr().unwrap().port();
    let heading = |l: &TcpListener| format!("port = {} backlog_max = 59", port(l));
    let at = |l: &TcpListener| f.stdout.iter().position(|x| *x == heading(l));
    let (Some(ia), Some(ib)) = (at(&a), at(&b)) else {
        panic!("{:#?}", f.stdout);
    };
    assert_eq!(f.stdout[ia + 1..ia + 4], THREE_QUEUED, "{:#?}", f.stdout);
    assert_eq!(
        f.stdout[ib + 1..ib + 3],
        [
            THREE_QUEUED[0],
            "         0 -> 1          : 1        |****************************************|"
        ],
        "{:#?}",
        f.stdout
    );
}

/// Each kind of hook, forced, counts the same three handshakes.
#[test]
fn each_hook_kind_sees_the_queue() {
    for (kind, backlog) in [("tp_btf", 43), ("raw_tp", 47), ("tracepoint", 53)] {
        let l = listener("127.0.0.1:0", backlog);
        let t = Tracer::start_env(BIN, &[], &[("BPFTK_HOOK", kind)]);
        let _conns = queue(&l, "127.0.0.1", 3);
        let f = t.stop();
        f.assert_success();
        assert_three_queued(kind, &f.stdout, backlog as u64);
    }
}

#[test]
fn every_alternative_passes_the_verifier() {
    assert_all_hooks_load(BIN, &[]);
}

#[test]
fn bad_input_is_one_clear_line() {
    assert_usage_error(BIN, &["0"]);
    assert_usage_error(BIN, &["x"]);
    assert_usage_error(BIN, &["1", "0"]);
    assert_usage_error(BIN, &["1", "2", "3"]);
    assert_usage_error(BIN, &["-4", "-6"]);
    assert_needs_privileges(BIN, &[]);
}
