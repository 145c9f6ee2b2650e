//! hardirqs and softirqs end to end: direct disk I/O and loopback traffic
//! make interrupts that must show up by name.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};

use crate::common::*;

const HARDIRQS: &str = env!("CARGO_BIN_EXE_hardirqs");
const SOFTIRQS: &str = env!("CARGO_BIN_EXE_softirqs");

/// Interrupts by the disk: writes that bypass the page cache, synced.
fn disk_io() {
    let path = unique_path("irq");
    let status = std::process::Command::new("dd")
        .args([
            "if=/dev/zero",
            &format!("of={}", path.display()),
            "bs=1M",
            "count=8",
            "oflag=direct,sync",
        ])
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    std::fs::remove_file(path).unwrap();
}

/// NET_RX (and NET_TX) softirqs: a megabyte over loopback TCP.
fn loopback_traffic() {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    let reader = std::thread::spawn(move || {
        let (mut s, _) = l.accept().unwrap();
        let mut buf = Vec::new();
        s.read_to_end(&mut buf).unwrap();
        buf.len()
    });
    let mut c = TcpStream::connect(addr).unwrap();
    c.write_all(&vec![7u8; 1 << 20]).unwrap();
    drop(c);
    assert_eq!(reader.join().unwrap(), 1 << 20);
}

/// The interrupt action names the kernel lists in /proc/interrupts.
fn irq_names() -> Vec<String> {
    std::fs::read_to_string("/proc/interrupts")
        .unwrap()
        .lines()
        .filter_map(|l| l.split_whitespace().last().map(String::from))
        .collect()
}

/// (name, figure) rows under a header starting with `label`.
fn rows(lines: &[String], label: &str) -> Vec<(String, u64)> {
    let at = lines
        .iter()
        .position(|l| l.starts_with(label))
        .unwrap_or_else(|| panic!("{lines:?}"));
    lines[at + 1..]
        .iter()
        .take_while(|l| !l.is_empty())
        .map(|l| {
            let c: Vec<&str> = l.split_whitespace().collect();
            (c[0].to_string(), c[1].parse().unwrap())
        })
        .collect()
}

#[test]
fn hardirqs_counts_named_interrupts() {
    let t = Tracer::start(HARDIRQS, &["-C", "2", "1"]);
    disk_io();
    let f = t.finish();
    f.assert_success();
    assert_eq!(f.stdout[0], "Tracing hard irq events... Hit Ctrl-C to end.");
    let r = rows(&f.stdout, "HARDIRQ");
    assert_eq!(
        f.stdout.iter().find(|l| l.starts_with("HARDIRQ")).unwrap(),
        "HARDIRQ                    TOTAL_count"
    );
    assert!(
        !r.is_empty(),
        "no interrupt during direct I/O: {:?}",
        f.stdout
    );
    let known = irq_names();
    for (name, count) in &r {
        assert!(known.contains(name), "{name} is not in /proc/interrupts");
        assert!(*count > 0);
    }
}

#[test]
fn hardirqs_time_and_distributions() {
    let t = Tracer::start(HARDIRQS, &["-T", "2", "1"]);
    disk_io();
    let f = t.finish();
    f.assert_success();
    assert!(
        f.stdout
            .iter()
            .any(|l| l == "HARDIRQ                    TOTAL_usecs"),
        "{:?}",
        f.stdout
    );
    assert!(!rows(&f.stdout, "HARDIRQ").is_empty());

    let t = Tracer::start(HARDIRQS, &["--json", "-d", "-N", "2", "1"]);
    disk_io();
    let f = t.finish();
    f.assert_success();
    let objects = f.json();
    assert!(!objects.is_empty());
    for o in &objects {
        assert!(
            irq_names().contains(&o["hardirq"].as_str().unwrap().to_string()),
            "{o}"
        );
        assert_eq!(o["unit"], "nsecs");
        let n: u64 = o["buckets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["count"].as_u64().unwrap())
            .sum();
        assert!(n > 0, "{o}");
    }
}

#[test]
fn softirqs_by_vector_with_counts() {
    let t = Tracer::start(SOFTIRQS, &["-C", "2", "1"]);
    loopback_traffic();
    let f = t.finish();
    f.assert_success();
    assert_eq!(
        f.stdout[0],
        "Tracing soft irq event time... Hit Ctrl-C to end."
    );
    assert!(f
        .stdout
        .iter()
        .any(|l| l.trim_end() == "SOFTIRQ          TOTAL_usecs  TOTAL_count"));
    let at = f
        .stdout
        .iter()
        .position(|l| l.starts_with("SOFTIRQ"))
        .unwrap();
    let named: Vec<(String, u64)> = f.stdout[at + 1..]
        .iter()
        .take_while(|l| !l.is_empty())
        .map(|l| {
            let c: Vec<&str> = l.split_whitespace().collect();
            (c[0].to_string(), c[2].parse().unwrap())
        })
        .collect();
    for want in ["timer", "net_rx"] {
        let n = named
            .iter()
            .find(|(v, _)| v == want)
            .unwrap_or_else(|| panic!("no {want}: {named:?}"));
        assert!(n.1 > 0, "{n:?}");
    }
}

#[test]
fn softirqs_distributions_in_json() {
    let t = Tracer::start(SOFTIRQS, &["--json", "-d", "2", "1"]);
    loopback_traffic();
    let f = t.finish();
    f.assert_success();
    let objects = f.json();
    let net = objects
        .iter()
        .find(|o| o["softirq"] == "net_rx")
        .unwrap_or_else(|| panic!("{objects:?}"));
    assert_eq!(net["unit"], "usecs");
    assert!(net["buckets"]
        .as_array()
        .unwrap()
        .iter()
        .any(|b| b["count"].as_u64().unwrap() > 0));
}

#[test]
fn every_alternative_passes_the_verifier() {
    assert_all_hooks_load(HARDIRQS, &[]);
    assert_all_hooks_load(SOFTIRQS, &["-d"]);
}

#[test]
fn bad_input_is_one_clear_line() {
    for bin in [HARDIRQS, SOFTIRQS] {
        assert_usage_error(bin, &["-C", "-d"]);
        assert_usage_error(bin, &["--cpu", "x"]);
        assert_runtime_error(bin, &["--cpu", "999"], &[], "CPU 999 is not online");
        assert_usage_error(bin, &["0"]);
        assert_runtime_error(bin, &["-c", "/tmp"], &[], "not a cgroup v2 directory");
        assert_needs_privileges(bin, &[]);
    }
}
