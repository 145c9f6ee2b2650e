//! tcpstates end to end, on the running kernel, with loopback traffic.

use crate::common::*;
use crate::net::*;

const BIN: &str = env!("CARGO_BIN_EXE_tcpstates");

/// (old, new) state pairs of the table rows of one socket, in order.
fn changes(rows: &[Vec<String>], skaddr: &str) -> Vec<(String, String)> {
    rows.iter()
        .filter(|r| r[0] == skaddr)
        .map(|r| (r[7].clone(), r[9].clone()))
        .collect()
}

fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
    v.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

#[test]
fn a_client_socket_from_connect_to_close() {
    let l = Listener::new("127.0.0.1");
    let port = l.port.to_string();
    // The client's end: the server's port is its remote port.
    let t = Tracer::start(BIN, &["-D", &port]);
    let x = l.transfer(1000, 1000);
    assert!(t.wait_for(|l| l.contains(" -> CLOSE "), EVENT_TIMEOUT));
    let f = t.stop();
    f.assert_success();
    // libbpf-tools' layout.
    let layout = Printf::new("%-16s %-7d %-10.10s %-15s %-5d %-15s %-5d %-11s -> %-11s %s");
    layout.assert_header(
        &f.stdout[0],
        &[
            "SKADDR", "PID", "COMM", "LADDR", "LPORT", "RADDR", "RPORT", "OLDSTATE", "NEWSTATE",
            "MS",
        ],
    );
    let rows = f.rows();
    assert!(
        rows.iter()
            .all(|r| r.len() == 11 && r[8] == "->" && r[6] == port),
        "{rows:?}"
    );
    let sk = rows[0][0].clone();
    assert!(u64::from_str_radix(&sk, 16).is_ok(), "{sk}");
    assert_eq!(
        changes(&rows, &sk),
        pairs(&[
            ("CLOSE", "SYN_SENT"),
            ("SYN_SENT", "ESTABLISHED"),
            ("ESTABLISHED", "FIN_WAIT1"),
            ("FIN_WAIT1", "FIN_WAIT2"),
            ("FIN_WAIT2", "CLOSE"),
        ]),
        "{rows:?}"
    );
    let me = std::process::id().to_string();
    let cport = x.client_port.to_string();
    // connect(2) and close(2) run in the client thread: its pid and name.
    let connect = &rows[0];
    assert_eq!(
        connect[1..7],
        [&me, "bpftk-tcp-", "127.0.0.1", "0", "127.0.0.1", &port]
    );
    let close = rows.iter().find(|r| r[9] == "FIN_WAIT1").unwrap();
    assert_eq!(
        close[1..7],
        [&me, "bpftk-tcp-", "127.0.0.1", &cport, "127.0.0.1", &port]
    );
    // Time in the previous state: 0 for the first change, then measured.
    assert_eq!(connect[10], "0.000");
    let lo = "127.0.0.1";
    let (sk, me, port, cport) = (sk.as_str(), me.as_str(), port.as_str(), cport.as_str());
    let cells = [
        sk,
        me,
        "bpftk-tcp-",
        lo,
        "0",
        lo,
        port,
        "CLOSE",
        "SYN_SENT",
        "0.000",
    ];
    layout.find(&f.stdout, &cells.map(is));
    let cells = [
        sk,
        me,
        "bpftk-tcp-",
        lo,
        cport,
        lo,
        port,
        "ESTABLISHED",
        "FIN_WAIT1",
    ];
    let cells = [&cells.map(is)[..], &[Cell::Num]].concat();
    layout.find(&f.stdout, &cells);
    let established_ms: f64 = close[10].parse().unwrap();
    assert!(established_ms > 0.0, "{close:?}");
}

/// bcc's -s: comma-separated values with the IP version and the whole
/// COMM; -T and -t lead.
#[test]
fn csv_with_times() {
    let l = Listener::new("127.0.0.1");
    let port = l.port.to_string();
    let t = Tracer::start(BIN, &["-stT", "-D", &port]);
    let x = l.transfer(1000, 1000);
    assert!(t.wait_for(|l| l.contains(",FIN_WAIT2,CLOSE,"), EVENT_TIMEOUT));
    let f = t.stop();
    f.assert_success();
    let layout = Printf::new("%s,%s,%x,%d,%s,%d,%s,%d,%s,%d,%s,%s,%s");
    layout.assert_header(
        &f.stdout[0],
        &[
            "TIME", "TIME(s)", "SKADDR", "PID", "COMM", "IP", "LADDR", "LPORT", "RADDR", "RPORT",
            "OLDSTATE", "NEWSTATE", "MS",
        ],
    );
    let sk = f.stdout[1].split(',').nth(2).unwrap().to_string();
    assert!(u64::from_str_radix(&sk, 16).is_ok(), "{sk}");
    let (me, lo) = (std::process::id(), "127.0.0.1");
    let first = [
        Cell::Time,
        is("0.000"),
        is(&sk),
        is(me),
        is(CLIENT_COMM),
        is(4),
        is(lo),
        is(0),
        is(lo),
        is(l.port),
        is("CLOSE"),
        is("SYN_SENT"),
        is("0.000"),
    ];
    assert!(layout.matches(&f.stdout[1], &first), "{:?}", f.stdout);
    let close = [
        Cell::Time,
        Cell::Num,
        is(&sk),
        is(me),
        is(CLIENT_COMM),
        is(4),
        is(lo),
        is(x.client_port),
        is(lo),
        is(l.port),
        is("ESTABLISHED"),
        is("FIN_WAIT1"),
        Cell::Num,
    ];
    layout.find(&f.stdout, &close);
    assert_usage_error(BIN, &["--csv", "--json"]);
}

/// Upstream's --timestamp is -T, the HH:MM:SS column (headed TIME here);
/// --time stays as an alias; -t is bcc's seconds since the first change.
#[test]
fn timestamp_is_the_wall_clock_column() {
    let layout =
        Printf::new("%-8s %-9s %-16s %-7d %-10.10s %-15s %-5d %-15s %-5d %-11s -> %-11s %s");
    for long in ["--timestamp", "--time"] {
        let l = Listener::new("127.0.0.1");
        let port = l.port.to_string();
        let t = Tracer::start(BIN, &[long, "-t", "-D", &port]);
        l.transfer(10, 10);
        assert!(t.wait_for(|l| l.contains(" -> CLOSE "), EVENT_TIMEOUT));
        let f = t.stop();
        f.assert_success();
        layout.assert_header(
            &f.stdout[0],
            &[
                "TIME", "TIME(s)", "SKADDR", "PID", "COMM", "LADDR", "LPORT", "RADDR", "RPORT",
                "OLDSTATE", "NEWSTATE", "MS",
            ],
        );
        let me = std::process::id().to_string();
        let lo = "127.0.0.1";
        let cells = [
            Cell::Time,
            Cell::Num,
            Cell::Word,
            is(&me),
            is("bpftk-tcp-"),
            is(lo),
            is("0"),
            is(lo),
            is(&port),
            is("CLOSE"),
            is("SYN_SENT"),
            is("0.000"),
        ];
        let row = layout.find(&f.stdout, &cells);
        assert_eq!(row.split_whitespace().next().unwrap().len(), 8, "{row:?}");
    }
    assert_usage_error(BIN, &["--timestamp=1"]);
}

#[test]
fn json_server_side_passive_close() {
    let l = Listener::new("::1");
    let port = l.port.to_string();
    let t = Tracer::start(BIN, &["--json", "-w", "-T", "-L", &port]);
    let x = l.transfer(1000, 1000);
    assert!(t.wait_for(|l| l.contains("\"newstate\":\"CLOSE\""), EVENT_TIMEOUT));
    let f = t.stop();
    f.assert_success();
    let events = f.json();
    let conn: Vec<_> = events
        .iter()
        .filter(|e| e["rport"] == x.client_port)
        .collect();
    let states: Vec<String> = conn
        .iter()
        .map(|e| {
            format!(
                "{}->{}",
                e["oldstate"].as_str().unwrap(),
                e["newstate"].as_str().unwrap()
            )
        })
        .collect();
    // The accepted socket, from whichever state the kernel first reports.
    let tail = [
        "ESTABLISHED->CLOSE_WAIT",
        "CLOSE_WAIT->LAST_ACK",
        "LAST_ACK->CLOSE",
    ];
    assert!(states.ends_with(&tail.map(String::from)), "{states:?}");
    let last_ack = conn.iter().find(|e| e["newstate"] == "LAST_ACK").unwrap();
    assert_eq!(last_ack["pid"], std::process::id());
    assert_eq!(last_ack["comm"], SERVER_COMM);
    assert_eq!(last_ack["ip"], 6);
    assert_eq!(last_ack["laddr"], "::1");
    assert_eq!(last_ack["lport"], l.port);
    assert_eq!(last_ack["raddr"], "::1");
    assert!(last_ack["skaddr"].as_str().is_some());
    assert!(last_ack["ms"].as_f64().unwrap() >= 0.0);
    assert!(
        last_ack.get("").is_none(),
        "the arrow is table-only: {last_ack}"
    );
    assert!(chrono::DateTime::parse_from_rfc3339(last_ack["time"].as_str().unwrap()).is_ok());
}

#[test]
fn family_filter() {
    let l = Listener::new("127.0.0.1");
    let v6 = Listener::at("::1", l.port);
    let port = l.port.to_string();
    let t = Tracer::start(BIN, &["-6", "-D", &port]);
    l.transfer(10, 10);
    let x = v6.transfer(10, 10);
    assert!(t.wait_for(|l| l.contains(" -> CLOSE "), EVENT_TIMEOUT));
    let f = t.stop();
    f.assert_success();
    let rows = f.rows();
    assert!(!rows.is_empty());
    assert!(
        rows.iter().all(|r| r[3] == "::1" && r[5] == "::1"),
        "{rows:?}"
    );
    assert!(
        rows.iter().any(|r| r[4] == x.client_port.to_string()),
        "{rows:?}"
    );
}

#[test]
fn every_alternative_passes_the_verifier() {
    assert_all_hooks_load(BIN, &[]);
}

#[test]
fn bad_input_is_one_clear_line() {
    assert_usage_error(BIN, &["-L", "x"]);
    assert_usage_error(BIN, &["-D", "1,2,99999"]);
    assert_usage_error(BIN, &["-p", "1"]);
    assert_runtime_error(BIN, &["-D", "0"], &[], "-D: port 0 is not a port");
    assert_runtime_error(BIN, &["-d", "0"], &[], "invalid duration 0");
    assert_needs_privileges(BIN, &[]);
}
