//! softirqslower end to end: a child sends UDP datagrams to itself over
//! loopback. Each is queued for NET_RX in the child's own context (with
//! bottom halves disabled) and received when it enables them again, so
//! both the raise-to-entry wait and the handler's run end in the child:
//! its comm and pid are on the net_rx lines.

use std::process::{Command, Stdio};

use crate::common::*;
use crate::net::sockets;

const BIN: &str = env!("CARGO_BIN_EXE_softirqslower");
const RAISE: &str = "irq(hard) to softirq";
const RUN: &str = "softirq runtime";

/// libbpf-tools' row: "%-8s %-20s %-8s %-14llu %-6u %-16s".
fn layout() -> Printf {
    Printf::new("%-8s %-20s %-8s %-14llu %-6u %-16s")
}

fn udp(count: u32) -> sockets::Ran {
    let ran = sockets::run(&["udp", "127.0.0.1", &count.to_string()]);
    assert_eq!(ran.results, ["udp 0"]);
    ran
}

/// The cells of a net_rx row of `stage` on any CPU by `comm`.
fn net_rx(stage: &str, comm: &str) -> [Cell; 6] {
    [
        Cell::Time,
        is(stage),
        is("net_rx"),
        Cell::Num,
        Cell::Num,
        is(comm),
    ]
}

#[test]
fn loopback_udp_shows_net_rx_in_the_sender() {
    let t = Tracer::start(BIN, &["0"]);
    let ran = udp(20);
    for stage in [RAISE, RUN] {
        let row = net_rx(stage, &ran.comm);
        t.expect(&format!("{stage} of net_rx by {}", ran.comm), |l| {
            layout().matches(l, &row)
        });
    }
    let f = t.stop();
    f.assert_success();
    assert_eq!(
        f.stdout[0],
        "Tracing softirq latency higher than 0 us... Hit Ctrl-C to end."
    );
    layout().assert_header(
        &f.stdout[1],
        &["TIME", "STAGE", "SOFTIRQ", "LAT(us)", "CPU", "COMM"],
    );
    // Every row is upstream's layout, with a stage and vector it names.
    let vectors = [
        "hi", "timer", "net_tx", "net_rx", "block", "irq_poll", "tasklet", "sched", "hrtimer",
        "rcu",
    ];
    for l in &f.stdout[2..] {
        let ok = [RAISE, RUN].iter().any(|stage| {
            vectors.iter().any(|v| {
                let cells = [
                    Cell::Time,
                    is(stage),
                    is(v),
                    Cell::Num,
                    Cell::Num,
                    Cell::Rest,
                ];
                layout().matches(l, &cells)
            })
        });
        assert!(ok, "{l:?} is not laid out as {:?}", layout());
    }
    // One datagram, one handler run at least: 20 runs by the child.
    let runs = f
        .stdout
        .iter()
        .filter(|l| layout().matches(l, &net_rx(RUN, &ran.comm)))
        .count();
    assert!(runs >= 20, "{runs} net_rx runs by {}", ran.comm);
}

#[test]
fn json_has_the_senders_pid() {
    let t = Tracer::start(BIN, &["--json", "0"]);
    let ran = udp(5);
    let pid = ran.pid;
    assert!(t.wait_for(|l| l.contains(&format!("\"pid\":{pid},")), EVENT_TIMEOUT));
    let f = t.stop();
    f.assert_success();
    assert!(
        f.stderr
            .iter()
            .any(|l| l == "Tracing softirq latency higher than 0 us... Hit Ctrl-C to end."),
        "{:?}",
        f.stderr
    );
    let events = f.json();
    let mine: Vec<_> = events.iter().filter(|e| e["pid"] == pid).collect();
    for stage in [RAISE, RUN] {
        let e = mine
            .iter()
            .find(|e| e["stage"] == stage && e["softirq"] == "net_rx")
            .unwrap_or_else(|| panic!("no {stage} of net_rx by pid {pid}: {mine:?}"));
        let keys: Vec<&str> = e.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            ["comm", "cpu", "lat_us", "pid", "softirq", "stage", "tid", "time"],
            "{e}"
        );
        assert_eq!(e["comm"], ran.comm.as_str(), "{e}");
        assert_eq!(e["tid"], pid, "{e}");
        assert!(e["lat_us"].as_u64().is_some(), "{e}");
        assert!(e["cpu"].as_u64().unwrap() < 4096, "{e}");
        assert!(chrono::DateTime::parse_from_rfc3339(e["time"].as_str().unwrap()).is_ok());
    }
}

/// A second's threshold: the same traffic (and anything else the system
/// does meanwhile) shows nothing; times of 2 us and more show only those.
#[test]
fn the_threshold_filters() {
    let t = Tracer::start(BIN, &["1000000", "-d", "3"]);
    udp(200);
    let f = t.finish();
    f.assert_success();
    assert_eq!(
        f.stdout,
        [
            "Tracing softirq latency higher than 1000000 us for 3 secs.",
            layout()
                .line(&["TIME", "STAGE", "SOFTIRQ", "LAT(us)", "CPU", "COMM"])
                .as_str(),
        ]
    );

    let t = Tracer::start(BIN, &["--json", "2", "--duration", "2"]);
    udp(200);
    let f = t.finish();
    f.assert_success();
    for e in f.json() {
        assert!(e["lat_us"].as_u64().unwrap() >= 2, "{e}");
    }
}

/// -c/--cpu: only that CPU's softirqs; a child pinned there is seen on it.
#[test]
fn one_cpu() {
    let cpu = *libtools::perf::online_cpus().unwrap().last().unwrap();
    let c = cpu.to_string();
    let helper = c_helper("sockets", false);
    let comm: String = helper
        .file_name()
        .unwrap()
        .to_string_lossy()
        .chars()
        .take(15)
        .collect();
    let t = Tracer::start(BIN, &["--cpu", &c, "0"]);
    // taskset execs the helper: the pid and comm are the helper's.
    let status = Command::new("taskset")
        .args(["-c", &c])
        .arg(&helper)
        .args(["udp", "127.0.0.1", "20"])
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let row = [
        Cell::Time,
        is(RUN),
        is("net_rx"),
        Cell::Num,
        is(cpu),
        is(&comm),
    ];
    t.expect("net_rx on the pinned CPU", |l| layout().matches(l, &row));
    let f = t.stop();
    f.assert_success();
    for l in &f.stdout[2..] {
        let on = |stage| {
            [
                Cell::Time,
                is(stage),
                Cell::Word,
                Cell::Num,
                is(cpu),
                Cell::Rest,
            ]
        };
        assert!(
            layout().matches(l, &on(RAISE)) || layout().matches(l, &on(RUN)),
            "{l:?} is not on CPU {cpu}"
        );
    }
}

#[test]
fn every_alternative_passes_the_verifier() {
    assert_all_hooks_load(BIN, &[]);
    assert_all_hooks_load(BIN, &["-c", "0", "5"]);
}

#[test]
fn bad_input_is_one_clear_line() {
    assert_usage_error(BIN, &["x"]);
    assert_usage_error(BIN, &["-1"]);
    assert_usage_error(BIN, &["1", "2"]);
    assert_usage_error(BIN, &["-c", "x"]);
    assert_usage_error(BIN, &["--cpu", "-1"]);
    assert_usage_error(BIN, &["18446744073709551616"]);
    // With a duration, so that a check that let them through ends.
    assert_runtime_error(BIN, &["-c", "999", "-d", "1"], &[], "CPU 999 is not online");
    assert_runtime_error(BIN, &["-d", "0"], &[], "invalid duration 0");
    assert_runtime_error(BIN, &["-d", "-3"], &[], "invalid duration -3");
    assert_needs_privileges(BIN, &["-d", "1"]);
}
