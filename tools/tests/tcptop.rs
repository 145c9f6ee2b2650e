//! tcptop end to end, on the running kernel, with loopback traffic.

use crate::common::*;
use crate::net::*;

const BIN: &str = env!("CARGO_BIN_EXE_tcptop");

const UP: usize = 100 * 1024;
const DOWN: usize = 200 * 1024;

#[test]
fn known_bytes_for_this_process() {
    let me = std::process::id().to_string();
    let l = Listener::new("127.0.0.1");
    // One long interval, printed when the tool is stopped.
    let t = Tracer::start(BIN, &["-C", "-S", "-p", &me, "60"]);
    let x = l.transfer(UP, DOWN);
    let f = t.stop();
    f.assert_success();
    assert_eq!(
        f.stdout[0],
        "Tracing... Output every 60 secs. Hit Ctrl-C to end."
    );
    let pid_w = std::fs::read_to_string("/proc/sys/kernel/pid_max")
        .unwrap()
        .trim()
        .len()
        .max(6);
    let header = format!(
        "{:<pid_w$} {:<12} {:<21} {:<21} {:>6} {:>6}",
        "PID", "COMM", "LADDR", "RADDR", "RX_KB", "TX_KB"
    );
    assert!(f.stdout.contains(&header), "{:?}", f.stdout);
    let client = format!("127.0.0.1:{}", x.client_port);
    let server = format!("127.0.0.1:{}", l.port);
    let row = |laddr: &str| {
        f.rows()
            .into_iter()
            .find(|r| r.get(2).map(String::as_str) == Some(laddr))
            .unwrap_or_else(|| panic!("no row for {laddr}: {:?}", f.stdout))
    };
    // Thread names are cut to 12 characters, as libbpf-tools prints them.
    assert_eq!(
        row(&client),
        [&me, "bpftk-tcp-cl", &client, &server, "200", "100"]
    );
    assert_eq!(
        row(&server),
        [&me, "bpftk-tcp-sr", &server, &client, "100", "200"]
    );
    assert!(!f.stdout.iter().any(|l| l.contains("loadavg")), "-S");
    assert!(!f.stdout.iter().any(|l| l.contains('\x1b')), "-C");
}

#[test]
fn json_rows_with_exact_bytes_and_the_summary_line() {
    let me = std::process::id();
    let l = Listener::new("::1");
    let t = Tracer::start(BIN, &["--json", "-p", &me.to_string(), "60"]);
    let x = l.transfer(UP, DOWN);
    let f = t.stop();
    f.assert_success();
    let rows = f.json();
    let client = rows
        .iter()
        .find(|r| r["lport"] == x.client_port)
        .unwrap_or_else(|| panic!("{rows:?}"));
    assert_eq!(client["pid"], me);
    assert_eq!(client["comm"], CLIENT_COMM);
    assert_eq!(client["laddr"], "::1");
    assert_eq!(client["raddr"], "::1");
    assert_eq!(client["rport"], l.port);
    assert_eq!(client["tx_bytes"], UP);
    assert_eq!(client["rx_bytes"], DOWN);
    assert_eq!(client["tx_kb"], 100);
    assert_eq!(client["rx_kb"], 200);
    let server = rows.iter().find(|r| r["lport"] == l.port).unwrap();
    assert_eq!(server["comm"], SERVER_COMM);
    assert_eq!(
        (server["tx_bytes"].clone(), server["rx_bytes"].clone()),
        (DOWN.into(), UP.into())
    );
    assert!(chrono::DateTime::parse_from_rfc3339(client["time"].as_str().unwrap()).is_ok());
}

#[test]
fn intervals_count_and_the_screen() {
    // Two 1-second intervals, then exit by itself; cleared, with load averages.
    let t = Tracer::start(BIN, &["-p", "1", "1", "2"]);
    let f = t.finish();
    f.assert_success();
    let text = f.stdout.join("\n");
    assert_eq!(text.matches("loadavg: ").count(), 2, "{text}");
    assert_eq!(text.matches("\x1b[H\x1b[2J").count(), 2, "{text:?}");
}

#[test]
fn every_alternative_passes_the_verifier() {
    assert_all_hooks_load(BIN, &[]);
}

#[test]
fn bad_input_is_one_clear_line() {
    assert_usage_error(BIN, &["0"]);
    assert_usage_error(BIN, &["1", "0"]);
    assert_usage_error(BIN, &["-s", "biggest"]);
    assert_usage_error(BIN, &["-r", "0"]);
    assert_usage_error(BIN, &["-4", "-6"]);
    assert_runtime_error(BIN, &["-p", "999999999"], &[], "no such process: 999999999");
    assert_runtime_error(BIN, &["-c", "/nonexistent"], &[], "cgroup /nonexistent");
    assert_needs_privileges(BIN, &[]);
}
