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

/// Loopback traffic from threads pinned to `cpu`: the NET_RX softirqs it
/// raises run there (a CPU left idle may see no softirq in a second).
fn loopback_traffic_on(cpu: usize) {
    std::thread::spawn(move || {
        let mut set = nix::sched::CpuSet::new();
        set.set(cpu).unwrap();
        nix::sched::sched_setaffinity(nix::unistd::Pid::from_raw(0), &set).unwrap();
        loopback_traffic();
    })
    .join()
    .unwrap();
}

/// The interrupt action names the kernel lists in /proc/interrupts.
fn irq_names() -> Vec<String> {
    std::fs::read_to_string("/proc/interrupts")
        .unwrap()
        .lines()
        .filter_map(|l| l.split_whitespace().last().map(String::from))
        .collect()
}

/// The lines of the interval's table: from the header starting with
/// `label` to the next empty line.
fn table<'a>(lines: &'a [String], label: &str) -> (&'a str, &'a [String]) {
    let at = lines
        .iter()
        .position(|l| l.starts_with(label))
        .unwrap_or_else(|| panic!("{lines:?}"));
    let n = lines[at + 1..].iter().take_while(|l| !l.is_empty()).count();
    (&lines[at], &lines[at + 1..at + 1 + n])
}

const HARD: &str = "%-33s %11llu %11llu %9llu";
const HARD_CPU: &str = "%-33s %11llu %11llu %9llu %3u";

/// hardirqs' rows, checked against upstream's printf: (name, CPU).
fn hard_rows(rows: &[String], per_cpu: bool) -> Vec<(String, u32)> {
    let layout = Printf::new(if per_cpu { HARD_CPU } else { HARD });
    let known = irq_names();
    rows.iter()
        .map(|l| {
            let c: Vec<&str> = l.split_whitespace().collect();
            let mut want = vec![is(c[0]), Cell::Num, Cell::Num, Cell::Num];
            if per_cpu {
                want.push(Cell::Num);
            }
            assert!(
                layout.matches(l, &want),
                "{l:?} is not laid out as {layout:?}"
            );
            assert!(
                known.contains(&c[0].to_string()),
                "{} is not in /proc/interrupts",
                c[0]
            );
            let count: u64 = c[1].parse().unwrap();
            let (total, max): (u64, u64) = (c[2].parse().unwrap(), c[3].parse().unwrap());
            assert!(count > 0 && max <= total, "{l:?}");
            (
                c[0].to_string(),
                if per_cpu { c[4].parse().unwrap() } else { 0 },
            )
        })
        .collect()
}

#[test]
fn hardirqs_counts_times_and_maxima() {
    let t = Tracer::start(HARDIRQS, &["-T", "2", "1"]);
    disk_io();
    let f = t.finish();
    f.assert_success();
    assert_eq!(
        f.stdout[0],
        "Tracing hard irq event time... Hit Ctrl-C to end."
    );
    let (header, rows) = table(&f.stdout, "HARDIRQ");
    Printf::new("%-33s %11s %6s%5s %4s%5s").assert_header(
        header,
        &["HARDIRQ", "TOTAL_count", "TOTAL_", "usecs", "MAX_", "usecs"],
    );
    assert!(
        !rows.is_empty(),
        "no interrupt during direct I/O: {:?}",
        f.stdout
    );
    hard_rows(rows, false);

    let t = Tracer::start(HARDIRQS, &["-N", "--json", "2", "1"]);
    disk_io();
    let f = t.finish();
    f.assert_success();
    let objects = f.json();
    assert!(!objects.is_empty());
    for o in &objects {
        let keys: Vec<&str> = o.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            ["hardirq", "max_nsecs", "total_count", "total_nsecs"],
            "{o}"
        );
    }
}

/// -C/--CPU: a row per action and CPU, under a CPU column; -s/--cpu keeps
/// one CPU's.
#[test]
fn hardirqs_per_cpu_and_one_cpu() {
    let online = online_cpus();
    let t = Tracer::start(HARDIRQS, &["-C", "2", "1"]);
    disk_io();
    let f = t.finish();
    f.assert_success();
    let (header, rows) = table(&f.stdout, "HARDIRQ");
    Printf::new("%-33s %11s %6s%5s %4s%5s %3s").assert_header(
        header,
        &[
            "HARDIRQ",
            "TOTAL_count",
            "TOTAL_",
            "usecs",
            "MAX_",
            "usecs",
            "CPU",
        ],
    );
    let seen = hard_rows(rows, true);
    assert!(!seen.is_empty(), "{:?}", f.stdout);
    for (_, cpu) in &seen {
        assert!(online.contains(cpu), "CPU {cpu} of {online:?}");
    }
    // The CPU the disk's interrupts went to, alone.
    let busy = seen[0].1.to_string();
    let t = Tracer::start(HARDIRQS, &["--CPU", "--cpu", &busy, "2", "1"]);
    disk_io();
    let f = t.finish();
    f.assert_success();
    let only = hard_rows(table(&f.stdout, "HARDIRQ").1, true);
    assert!(!only.is_empty(), "nothing on CPU {busy}: {:?}", f.stdout);
    assert!(only.iter().all(|(_, c)| c.to_string() == busy), "{only:?}");

    let t = Tracer::start(HARDIRQS, &["-C", "-s", &busy, "--json", "2", "1"]);
    disk_io();
    let f = t.finish();
    f.assert_success();
    let objects = f.json();
    assert!(!objects.is_empty());
    for o in &objects {
        let keys: Vec<&str> = o.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            ["cpu", "hardirq", "max_usecs", "total_count", "total_usecs"]
        );
        assert_eq!(o["cpu"].to_string(), busy, "{o}");
    }
}

/// The online CPUs' numbers.
fn online_cpus() -> Vec<u32> {
    let text = std::fs::read_to_string("/sys/devices/system/cpu/online").unwrap();
    let mut cpus = Vec::new();
    for part in text.trim().split(',') {
        let (a, b) = part.split_once('-').unwrap_or((part, part));
        cpus.extend(a.parse::<u32>().unwrap()..=b.parse().unwrap());
    }
    cpus
}

/// Histogram headings as upstream prints them: the first right after the
/// interval's empty line, the next right after a histogram (hardirqs), or
/// after an empty line that follows each histogram (softirqs).
fn assert_headings(lines: &[String], heading: &str, soft: bool) -> Vec<String> {
    let at: Vec<usize> = (0..lines.len())
        .filter(|&i| lines[i].starts_with(heading))
        .collect();
    assert!(!at.is_empty(), "no {heading:?} in {lines:?}");
    assert_eq!(lines[at[0] - 1], "", "{lines:?}");
    assert!(lines[at[0] - 2].starts_with("Tracing"), "{lines:?}");
    for &i in &at[1..] {
        if soft {
            assert_eq!(lines[i - 1], "", "{lines:?}");
            assert!(lines[i - 2].contains('|'), "{lines:?}");
        } else {
            assert!(lines[i - 1].contains('|'), "{lines:?}");
        }
    }
    if soft {
        assert_eq!(lines.last().unwrap(), "", "{lines:?}");
    }
    at.iter().map(|&i| lines[i].clone()).collect()
}

#[test]
fn hardirqs_distributions() {
    let t = Tracer::start(HARDIRQS, &["--distributed", "-C", "2", "1"]);
    disk_io();
    let f = t.finish();
    f.assert_success();
    let online = online_cpus();
    let known = irq_names();
    for h in assert_headings(&f.stdout, "cpu = ", false) {
        let rest = h.strip_prefix("cpu = ").unwrap();
        let (cpu, name) = rest
            .split_once(" hardirq = ")
            .unwrap_or_else(|| panic!("{h:?}"));
        assert!(online.contains(&cpu.parse().unwrap()), "{h:?}");
        assert!(known.contains(&name.to_string()), "{h:?}");
    }

    let t = Tracer::start(HARDIRQS, &["--dist", "2", "1"]);
    disk_io();
    let f = t.finish();
    f.assert_success();
    assert_headings(&f.stdout, "hardirq = ", false);

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
    let (header, rows) = table(&f.stdout, "SOFTIRQ");
    assert_eq!(header, "SOFTIRQ          TOTAL_usecs  TOTAL_count");
    let layout = Printf::new("%-16s %11llu  %11llu");
    for want in ["timer", "net_rx"] {
        let row = layout.find(rows, &[is(want), Cell::Num, Cell::Num]);
        let count: u64 = row.split_whitespace().nth(2).unwrap().parse().unwrap();
        assert!(count > 0, "{row:?}");
    }

    // Without -C: the time alone, under upstream's header, padded as it is.
    let t = Tracer::start(SOFTIRQS, &["2", "1"]);
    loopback_traffic();
    let f = t.finish();
    f.assert_success();
    let (header, rows) = table(&f.stdout, "SOFTIRQ");
    assert_eq!(header, format!("SOFTIRQ          TOTAL_usecs  {:11}", ""));
    Printf::new("%-16s %11llu").find(rows, &[is("net_rx"), Cell::Num]);

    let t = Tracer::start(SOFTIRQS, &["-C", "-N", "--json", "2", "1"]);
    loopback_traffic();
    let f = t.finish();
    f.assert_success();
    let net = f
        .json()
        .into_iter()
        .find(|o| o["softirq"] == "net_rx")
        .unwrap();
    let keys: Vec<&str> = net
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["softirq", "total_count", "total_nsecs"], "{net}");
}

/// -c/--cpu is a CPU, as upstream has it; the cgroup is --cgroup.
#[test]
fn softirqs_cpu_and_cgroup() {
    for cpu in online_cpus() {
        let c = cpu.to_string();
        for flag in ["-c", "--cpu"] {
            let t = Tracer::start(SOFTIRQS, &[flag, &c, "2", "1"]);
            loopback_traffic_on(cpu as usize);
            let f = t.finish();
            f.assert_success();
            let (_, rows) = table(&f.stdout, "SOFTIRQ");
            Printf::new("%-16s %11llu").find(rows, &[is("net_rx"), Cell::Num]);
        }
    }
    let cg = TestCgroup::new("softirqs");
    let f = run(SOFTIRQS, &["--cgroup", cg.arg(), "1", "1"], &[]);
    f.assert_success();
    assert_runtime_error(
        SOFTIRQS,
        &["--cgroup", "/tmp"],
        &[],
        "not a cgroup v2 directory",
    );
    assert_usage_error(SOFTIRQS, &["-c", "/tmp"]);
}

#[test]
fn softirqs_distributions() {
    let t = Tracer::start(SOFTIRQS, &["--distributed", "2", "1"]);
    loopback_traffic();
    let f = t.finish();
    f.assert_success();
    let headings = assert_headings(&f.stdout, "softirq = ", true);
    assert!(
        headings.iter().any(|h| h == "softirq = net_rx"),
        "{headings:?}"
    );
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
    assert_all_hooks_load(HARDIRQS, &["-C"]);
    assert_all_hooks_load(SOFTIRQS, &["-d"]);
}

#[test]
fn bad_input_is_one_clear_line() {
    for bin in [HARDIRQS, SOFTIRQS] {
        assert_usage_error(bin, &["--cpu", "x"]);
        assert_usage_error(bin, &["--cpu", "-1"]);
        assert_runtime_error(bin, &["--cpu", "999"], &[], "CPU 999 is not online");
        assert_usage_error(bin, &["0"]);
        assert_needs_privileges(bin, &[]);
    }
    assert_usage_error(SOFTIRQS, &["-C", "-d"]);
    assert_runtime_error(SOFTIRQS, &["-c", "999"], &[], "CPU 999 is not online");
    assert_runtime_error(HARDIRQS, &["-s", "999"], &[], "CPU 999 is not online");
    assert_runtime_error(HARDIRQS, &["-c", "/tmp"], &[], "not a cgroup v2 directory");
    // The count-only mode is gone upstream: counts are always shown.
    assert_usage_error(HARDIRQS, &["--count"]);
}
