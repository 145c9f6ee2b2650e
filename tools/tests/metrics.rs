//! --metrics end to end: the exposition of a tool's running counters,
//! checked by promtool and scraped by a real Prometheus.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::*;

const SYSCOUNT: &str = env!("CARGO_BIN_EXE_syscount");

/// A child that makes `n` getppid(2) calls once released.
fn getppids(n: u32) -> GatedChild {
    GatedChild::spawn(&format!(
        "/usr/bin/python3 -c 'import os\nfor _ in range({n}): os.getppid()'"
    ))
}

/// GET http://ADDR/metrics with this Accept header: (Content-Type, body).
fn scrape(addr: &str, accept: &str) -> (String, String) {
    let mut s = TcpStream::connect(addr).unwrap_or_else(|e| panic!("connect {addr}: {e}"));
    write!(
        s,
        "GET /metrics HTTP/1.1\r\nHost: {addr}\r\nAccept: {accept}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").expect("an HTTP response");
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    let ctype = head
        .lines()
        .find_map(|l| l.strip_prefix("Content-Type: "))
        .unwrap_or_default();
    (ctype.to_string(), body.to_string())
}

/// The value of the sample line starting `series ` in an exposition.
fn sample(body: &str, series: &str) -> Option<f64> {
    body.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
        .and_then(|v| v.parse().ok())
}

fn promtool_check(body: &str) {
    let mut p = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("promtool (Debian's prometheus package; scripts/setup installs it)");
    p.stdin.take().unwrap().write_all(body.as_bytes()).unwrap();
    let out = p.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "promtool check metrics: {}{}\n{body}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn free_addr() -> String {
    format!("127.0.0.1:{}", crate::net::free_ports::<1>()[0])
}

const GETPPID: &str = "bpftk_syscalls_total{syscall=\"getppid\"}";
const OPEN_METRICS: &str = "application/openmetrics-text;version=1.0.0,text/plain;q=0.5";

#[test]
fn syscount_serves_running_counts_in_both_formats() {
    let child = getppids(500);
    let pid = child.pid().to_string();
    let addr = free_addr();
    let t = Tracer::start(SYSCOUNT, &["-p", &pid, "--metrics", &addr]);
    assert!(child.release());
    let (ctype, om) = scrape(&addr, OPEN_METRICS);
    assert!(ctype.starts_with("application/openmetrics-text"), "{ctype}");
    assert!(om.ends_with("# EOF\n"), "{om}");
    assert!(om.contains("# TYPE bpftk_syscalls counter\n"), "{om}");
    assert!(om.contains("bpftk_build_info{tool=\"syscount\""), "{om}");
    let first = sample(&om, GETPPID).unwrap_or_else(|| panic!("{om}"));
    assert!((500.0..510.0).contains(&first), "{first}\n{om}");
    // Read at scrape, never cleared: the second scrape still has them.
    let (ctype, text) = scrape(&addr, "text/plain");
    assert!(ctype.starts_with("text/plain; version=0.0.4"), "{ctype}");
    assert_eq!(sample(&text, GETPPID), Some(first), "{text}");
    assert!(
        text.contains("# TYPE bpftk_syscalls_total counter\n"),
        "{text}"
    );
    promtool_check(&text);
    let f = t.stop();
    f.assert_success();
    assert!(f.stdout.is_empty(), "no interval tables: {:?}", f.stdout);
}

#[test]
fn bad_metrics_address_and_port_in_use() {
    assert_usage_error(SYSCOUNT, &["--metrics", "nonsense"]);
    assert_usage_error(SYSCOUNT, &["--metrics-max-series", "0"]);
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    assert_runtime_error(
        SYSCOUNT,
        &["--metrics", &addr],
        &[],
        &format!("cannot serve metrics on {addr}: Address already in use"),
    );
}

/// A Prometheus scraping `target` every second, its data in a fresh
/// directory; killed on drop.
struct Prometheus {
    child: Child,
    api: String,
    dir: std::path::PathBuf,
}

impl Prometheus {
    fn start(target: &str) -> Prometheus {
        let dir = unique_path("prometheus");
        std::fs::create_dir_all(&dir).unwrap();
        let config = dir.join("prometheus.yml");
        std::fs::write(
            &config,
            format!(
                "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: bpftk\n    static_configs:\n      - targets: ['{target}']\n"
            ),
        )
        .unwrap();
        let api = free_addr();
        let child = Command::new("prometheus")
            .arg(format!("--config.file={}", config.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.join("data").display()
            ))
            .arg(format!("--web.listen-address={api}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("prometheus (Debian's package; scripts/setup installs it)");
        Prometheus { child, api, dir }
    }

    /// The value of an instant query's single result, once it has one
    /// that `ok` accepts (within 15 s).
    fn query_until(&self, promql: &str, ok: impl Fn(f64) -> bool) -> f64 {
        let start = Instant::now();
        let mut last = String::new();
        while start.elapsed() < Duration::from_secs(15) {
            if let Some(body) = self.query(promql) {
                let v: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
                let value = v["data"]["result"][0]["value"][1]
                    .as_str()
                    .and_then(|s| s.parse::<f64>().ok());
                if let Some(x) = value.filter(|x| ok(*x)) {
                    return x;
                }
                last = body;
            }
            std::thread::sleep(Duration::from_millis(300));
        }
        panic!("{promql}: no acceptable answer; last: {last}");
    }

    fn query(&self, promql: &str) -> Option<String> {
        let q: String = promql
            .bytes()
            .map(|b| match b {
                b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'_' | b'.' => (b as char).to_string(),
                _ => format!("%{b:02X}"),
            })
            .collect();
        let mut s = TcpStream::connect(&self.api).ok()?;
        write!(
            s,
            "GET /api/v1/query?query={q} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
            self.api
        )
        .ok()?;
        let mut text = String::new();
        s.read_to_string(&mut text).ok()?;
        Some(text.split_once("\r\n\r\n")?.1.to_string())
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[test]
fn prometheus_scrapes_syscount_across_a_restart() {
    let addr = free_addr();
    let prom = Prometheus::start(&addr);
    let first = getppids(3000);
    let pid = first.pid().to_string();
    let t = Tracer::start(SYSCOUNT, &["-p", &pid, "--metrics", &addr]);
    assert!(first.release());
    let q = GETPPID.replace("_total{", "_total{job=\"bpftk\",");
    let v = prom.query_until(&q, |v| v >= 3000.0);
    assert!(v < 3010.0, "{v}");
    let up = prom.query_until("up{job=\"bpftk\"}", |v| v == 1.0);
    assert_eq!(up, 1.0);
    // Kill and restart: the counter starts again from zero, and Prometheus
    // sees a reset, not a fall: increase() over both runs counts both.
    t.stop().assert_success();
    let second = getppids(2000);
    let pid = second.pid().to_string();
    let t = Tracer::start(SYSCOUNT, &["-p", &pid, "--metrics", &addr]);
    assert!(second.release());
    let v = prom.query_until(&q, |v| (2000.0..3000.0).contains(&v));
    assert!(v < 2010.0, "{v}");
    let resets = prom.query_until(&format!("resets({q}[1m])"), |v| v >= 1.0);
    assert_eq!(resets, 1.0);
    let rate = prom.query_until(&format!("rate({q}[1m])"), |v| v > 0.0);
    assert!(rate.is_finite(), "{rate}");
    t.stop().assert_success();
}

const BIOLATENCY: &str = env!("CARGO_BIN_EXE_biolatency");

/// The `le` bound of the bucket where a cumulative histogram in an
/// exposition reaches half its count, and the bound before it.
fn median_bucket(body: &str, series: &str) -> (f64, f64) {
    let buckets: Vec<(f64, f64)> = body
        .lines()
        .filter_map(|l| {
            let rest = l.strip_prefix(&format!("{series}_bucket{{le=\""))?;
            let (le, rest) = rest.split_once('"')?;
            let n = rest.rsplit_once(' ')?.1.parse().ok()?;
            Some((le.parse().unwrap_or(f64::INFINITY), n))
        })
        .collect();
    let total = buckets.last().expect("buckets").1;
    let at = buckets.iter().position(|b| b.1 >= total / 2.0).unwrap();
    (if at == 0 { 0.0 } else { buckets[at - 1].0 }, buckets[at].0)
}

#[test]
fn prometheus_sees_biolatency_of_a_loop_device_across_a_restart() {
    let lo = LoopDevice::new();
    let addr = free_addr();
    let prom = Prometheus::start(&addr);
    let args = ["-D", "-d", lo.name(), "--metrics", &addr];
    let t = Tracer::start(BIOLATENCY, &args);
    let series = "bpftk_block_io_latency_seconds";
    let sel = format!("{{job=\"bpftk\",disk=\"{}\"}}", lo.name());
    // In two halves, the second after Prometheus has seen the first: a
    // rate needs an increase between two scrapes.
    lo.read_direct("4k", 500, 0);
    prom.query_until(&format!("{series}_count{sel}"), |v| v >= 500.0);
    lo.read_direct("4k", 500, 0);
    let count = prom.query_until(&format!("{series}_count{sel}"), |v| v >= 1000.0);
    assert!(count < 1010.0, "{count}");
    // Prometheus's median lies in the bucket our own scrape puts it in.
    let (_, body) = scrape(&addr, OPEN_METRICS);
    let (low, high) = median_bucket(&body, series);
    let q = format!("histogram_quantile(0.5, {series}_bucket{sel})");
    let median = prom.query_until(&q, |v| v.is_finite());
    assert!(
        low <= median && median <= high,
        "{median} not in [{low}, {high}]\n{body}"
    );
    let rate = prom.query_until(&format!("rate({series}_count{sel}[20s])"), |v| v > 0.0);
    assert!(rate < 1000.0, "500 reads in a second or more: {rate}/s");
    // A restart: counts begin again and Prometheus sees the reset.
    t.stop().assert_success();
    let t = Tracer::start(BIOLATENCY, &args);
    lo.read_direct("4k", 300, 0);
    let count = prom.query_until(&format!("{series}_count{sel}"), |v| {
        (300.0..1000.0).contains(&v)
    });
    assert!(count < 310.0, "{count}");
    let resets = prom.query_until(&format!("resets({series}_count{sel}[1m])"), |v| v >= 1.0);
    assert_eq!(resets, 1.0);
    t.stop().assert_success();
}
