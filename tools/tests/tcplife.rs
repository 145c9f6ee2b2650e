//! tcplife end to end, on the running kernel, with loopback traffic.

use crate::common::*;
use crate::net::*;

const BIN: &str = env!("CARGO_BIN_EXE_tcplife");

const UP: usize = 100 * 1024;
const DOWN: usize = 200 * 1024;

/// The table row of the connection whose local port is `lport`.
fn row_for(rows: &[Vec<String>], lport: u16) -> Vec<String> {
    rows.iter()
        .find(|r| r.get(3) == Some(&lport.to_string()))
        .cloned()
        .unwrap_or_else(|| panic!("no row with local port {lport}: {rows:?}"))
}

#[test]
fn both_ends_of_a_known_transfer() {
    let l = Listener::new("127.0.0.1");
    let port = l.port.to_string();
    // -L keeps the server's end, -D the client's (given together, a row
    // needs both, as in libbpf-tools and bcc).
    let by_local = Tracer::start(BIN, &["-L", &port]);
    let by_remote = Tracer::start(BIN, &["-D", &port]);
    let x = l.transfer(UP, DOWN);
    assert!(by_local.wait_for(|l| l.contains(SERVER_COMM), EVENT_TIMEOUT));
    assert!(by_remote.wait_for(|l| l.contains(CLIENT_COMM), EVENT_TIMEOUT));
    let f = by_local.stop();
    f.assert_success();
    let fr = by_remote.stop();
    fr.assert_success();
    // libbpf-tools' layout.
    let layout = Printf::new("%-7d %-16s %-15s %-5d %-15s %-5d %-6s %-6s %s");
    let header = [
        "PID", "COMM", "LADDR", "LPORT", "RADDR", "RPORT", "TX_KB", "RX_KB", "MS",
    ];
    layout.assert_header(&f.stdout[0], &header);
    layout.assert_header(&fr.stdout[0], &header);
    let me = std::process::id();
    let (lo, cport) = ("127.0.0.1", x.client_port);
    let client = [
        is(me),
        is(CLIENT_COMM),
        is(lo),
        is(cport),
        is(lo),
        is(l.port),
    ];
    let client = [&client[..], &[is("100.00"), is("200.00"), Cell::Num]].concat();
    layout.find(&fr.stdout, &client);
    let server = [
        is(me),
        is(SERVER_COMM),
        is(lo),
        is(l.port),
        is(lo),
        is(cport),
    ];
    let server = [&server[..], &[is("200.00"), is("100.00"), Cell::Num]].concat();
    layout.find(&f.stdout, &server);
    let (rows, remote_rows) = (f.rows(), fr.rows());
    assert_eq!(
        (rows.len(), remote_rows.len()),
        (1, 1),
        "{rows:?} {remote_rows:?}"
    );
    let me = std::process::id().to_string();
    let cport = x.client_port.to_string();
    let client = row_for(&remote_rows, x.client_port);
    assert_eq!(
        client[..8],
        [
            &me,
            CLIENT_COMM,
            "127.0.0.1",
            &cport,
            "127.0.0.1",
            &port,
            "100.00",
            "200.00"
        ]
    );
    let server = row_for(&rows, l.port);
    assert_eq!(
        server[..8],
        [
            &me,
            SERVER_COMM,
            "127.0.0.1",
            &port,
            "127.0.0.1",
            &cport,
            "200.00",
            "100.00"
        ]
    );
    for r in [&client, &server] {
        let ms: f64 = r[8].parse().unwrap();
        assert!(ms > 0.0 && ms < 10_000.0, "{r:?}");
    }
}

/// bcc's -s: comma-separated values, with bcc's IP column; with -T and
/// -t the time and timestamp lead.
#[test]
fn csv_with_times() {
    let l = Listener::new("127.0.0.1");
    let port = l.port.to_string();
    let t = Tracer::start(BIN, &["-stT", "-D", &port]);
    let x = l.transfer(UP, DOWN);
    assert!(t.wait_for(|l| l.contains(CLIENT_COMM), EVENT_TIMEOUT));
    let f = t.stop();
    f.assert_success();
    let layout = Printf::new("%s,%s,%d,%s,%d,%s,%d,%s,%d,%s,%s,%s");
    layout.assert_header(
        &f.stdout[0],
        &[
            "TIME", "TIME(s)", "PID", "COMM", "IP", "LADDR", "LPORT", "RADDR", "RPORT", "TX_KB",
            "RX_KB", "MS",
        ],
    );
    let lo = "127.0.0.1";
    let cells = [
        Cell::Time,
        is("0.000"),
        is(std::process::id()),
        is(CLIENT_COMM),
        is(4),
        is(lo),
        is(x.client_port),
        is(lo),
        is(l.port),
        is("100.00"),
        is("200.00"),
        Cell::Num,
    ];
    layout.find(&f.stdout, &cells);
    assert_eq!(f.stdout.len(), 2, "{:?}", f.stdout);
    assert_usage_error(BIN, &["-s", "--json"]);
}

#[test]
fn json_ipv6_with_time_columns() {
    let l = Listener::new("::1");
    let port = l.port.to_string();
    let t = Tracer::start(BIN, &["--json", "-6", "-T", "-t", "-L", &port]);
    let x = l.transfer(UP, DOWN);
    assert!(t.wait_for(|l| l.contains(SERVER_COMM), EVENT_TIMEOUT));
    let f = t.stop();
    f.assert_success();
    let events = f.json();
    assert_eq!(events.len(), 1, "{events:?}");
    let e = &events[0];
    assert_eq!(e["pid"], std::process::id());
    assert_eq!(e["comm"], SERVER_COMM);
    assert_eq!(e["laddr"], "::1");
    assert_eq!(e["lport"], l.port);
    assert_eq!(e["raddr"], "::1");
    assert_eq!(e["rport"], x.client_port);
    // Byte counts as the kernel keeps them may include the FIN's sequence number.
    let kb = |k: &str| e[k].as_f64().unwrap();
    assert!((kb("tx_kb") - 200.0).abs() < 0.01, "{e}");
    assert!((kb("rx_kb") - 100.0).abs() < 0.01, "{e}");
    assert!(kb("ms") > 0.0, "{e}");
    assert_eq!(e["time_s"], 0.0);
    assert!(chrono::DateTime::parse_from_rfc3339(e["time"].as_str().unwrap()).is_ok());
}

#[test]
fn filters_leave_other_connections_out() {
    let l = Listener::new("127.0.0.1");
    let other = Listener::new("127.0.0.1");
    let me = std::process::id().to_string();
    // -4 with an IPv6 connection, -p with another pid: nothing; -L another port: nothing.
    let t = Tracer::start(BIN, &["-L", &l.port.to_string(), "-p", "1"]);
    let t6 = Tracer::start(BIN, &["-4", "-D", &l.port.to_string()]);
    let v6 = Listener::at("::1", l.port);
    v6.transfer(10, 10);
    other.transfer(10, 10);
    l.transfer(10, 10);
    assert!(t6.wait_for(|l| l.contains(CLIENT_COMM), EVENT_TIMEOUT));
    let f = t.stop();
    f.assert_success();
    assert_eq!(f.rows().len(), 0, "{:?}", f.stdout);
    let f6 = t6.stop();
    f6.assert_success();
    let rows = f6.rows();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0][0], me);
    assert_eq!(rows[0][5], l.port.to_string());
}

#[test]
fn every_alternative_passes_the_verifier() {
    assert_all_hooks_load(BIN, &[]);
}

#[test]
fn bad_input_is_one_clear_line() {
    assert_usage_error(BIN, &["-L", "http"]);
    assert_usage_error(BIN, &["-D", "70000"]);
    assert_usage_error(BIN, &["-4", "-6"]);
    assert_runtime_error(BIN, &["-L", "0"], &[], "-L: port 0 is not a port");
    assert_runtime_error(BIN, &["-p", "999999999"], &[], "no such process: 999999999");
    assert_needs_privileges(BIN, &[]);
}
