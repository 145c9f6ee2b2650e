//! tcprtt end to end, on the running kernel, with loopback traffic.

use crate::common::*;
use crate::net::*;

const BIN: &str = env!("CARGO_BIN_EXE_tcprtt");

/// (heading, total count) of each histogram in table output.
fn sections(lines: &[String]) -> Vec<(String, u64)> {
    let mut out: Vec<(String, u64)> = Vec::new();
    for l in lines {
        if l.contains(" Address") {
            out.push((l.clone(), 0));
        } else if let Some((range, rest)) = l.split_once(" : ") {
            if range.contains("->") {
                let n: u64 = rest.split_whitespace().next().unwrap().parse().unwrap();
                out.last_mut().expect("a heading first").1 += n;
            }
        }
    }
    out
}

#[test]
fn histogram_of_a_port_filtered_connection() {
    let l = Listener::new("127.0.0.1");
    let t = Tracer::start(BIN, &["-P", &l.port.to_string(), "-e"]);
    l.transfer(256 * 1024, 64 * 1024);
    let f = t.stop();
    f.assert_success();
    assert_eq!(f.stdout[0], "Tracing TCP RTT... Hit Ctrl-C to end.");
    let s = sections(&f.stdout);
    assert_eq!(s.len(), 1, "{:?}", f.stdout);
    assert!(s[0].0.starts_with("All Addresses = ****** [AVG "), "{s:?}");
    assert!(s[0].1 > 0, "{:?}", f.stdout);
    assert!(
        f.stdout
            .iter()
            .any(|l| l == "     usecs               : count    distribution"),
        "{:?}",
        f.stdout
    );
}

#[test]
fn json_per_remote_address() {
    let l = Listener::new("::1");
    let port = l.port.to_string();
    let t = Tracer::start(BIN, &["--json", "-B", "-p", &port, "-A", "::1", "-m"]);
    l.transfer(64 * 1024, 256 * 1024);
    let f = t.stop();
    f.assert_success();
    let hists = f.json();
    assert_eq!(hists.len(), 1, "{hists:?}");
    let h = &hists[0];
    assert_eq!(h["raddr"], "::1");
    assert_eq!(h["unit"], "msecs");
    let total: u64 = h["buckets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["count"].as_u64().unwrap())
        .sum();
    assert!(total > 0, "{h}");
    assert_eq!(h["count"], total);
}

#[test]
fn address_and_family_filters_exclude() {
    let l = Listener::new("127.0.0.1");
    let port = l.port.to_string();
    let t = Tracer::start(BIN, &["-P", &port, "-a", "127.0.0.2", "-d", "2"]);
    l.transfer(64 * 1024, 64 * 1024);
    let f = t.finish();
    f.assert_success();
    assert!(sections(&f.stdout).is_empty(), "{:?}", f.stdout);
    let t = Tracer::start(BIN, &["-P", &port, "-6", "-b", "-T", "-i", "1", "-d", "2"]);
    l.transfer(64 * 1024, 64 * 1024);
    let f = t.finish();
    f.assert_success();
    assert!(sections(&f.stdout).is_empty(), "{:?}", f.stdout);
}

#[test]
fn every_alternative_passes_the_verifier() {
    assert_all_hooks_load(BIN, &[]);
}

#[test]
fn bad_input_is_one_clear_line() {
    assert_usage_error(BIN, &["-a", "localhost"]);
    assert_usage_error(BIN, &["-p", "0"]);
    assert_usage_error(BIN, &["-i", "0"]);
    assert_usage_error(BIN, &["-b", "-B"]);
    assert_runtime_error(
        BIN,
        &["-a", "127.0.0.1", "-A", "::1"],
        &[],
        "both IPv4 and IPv6",
    );
    assert_runtime_error(BIN, &["-d", "-3"], &[], "invalid duration -3");
    assert_needs_privileges(BIN, &[]);
}
