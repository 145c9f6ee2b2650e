//! runqslower end to end, on the running kernel.

mod common;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use common::*;

const BIN: &str = env!("CARGO_BIN_EXE_runqslower");

/// Twice as many busy threads as CPUs in this process for `d`, so that
/// they wait in run queues for whole time slices; returns their thread ids.
fn crowd_the_cpus(d: Duration) -> BTreeSet<u32> {
    let n = std::thread::available_parallelism().map_or(2, |n| n.get()) * 2;
    let threads: Vec<_> = (0..n)
        .map(|_| {
            std::thread::spawn(move || {
                let tid = nix::unistd::gettid().as_raw() as u32;
                let end = Instant::now() + d;
                let mut x = 0u64;
                while Instant::now() < end {
                    x = std::hint::black_box(x.wrapping_add(1));
                }
                tid
            })
        })
        .collect();
    threads.into_iter().map(|t| t.join().unwrap()).collect()
}

#[test]
fn crowded_threads_wait_longer_than_the_threshold() {
    let me = std::process::id().to_string();
    let t = Tracer::start(BIN, &["-P", "-p", &me, "1000"]);
    let tids = crowd_the_cpus(Duration::from_millis(1500));
    let f = t.stop();
    f.assert_success();
    assert_eq!(f.stdout[0], "Tracing run queue latency higher than 1000 us");
    assert_eq!(
        f.stdout[1],
        "TIME     COMM             TID           LAT(us)  PREV COMM        PREV TID"
    );
    let rows: Vec<&String> = f.stdout[2..].iter().collect();
    assert!(!rows.is_empty(), "no slow wakeup with 2x CPUs busy threads");
    let mut seen_busy = false;
    for l in rows {
        let c: Vec<&str> = l.split_whitespace().collect();
        let tid: u32 = c[c.len() - 4].parse().unwrap();
        let lat: u64 = c[c.len() - 3].parse().unwrap();
        assert!(lat > 1000, "{l}");
        seen_busy |= tids.contains(&tid);
    }
    assert!(
        seen_busy,
        "none of the busy threads {tids:?}: {:?}",
        f.stdout
    );
}

#[test]
fn json_events_and_the_raw_tp_alternative() {
    let me = std::process::id().to_string();
    let t = Tracer::start_env(
        BIN,
        &["--json", "-v", "-p", &me, "1000"],
        &[("BPFTK_HOOK", "raw_tp")],
    );
    let tids = crowd_the_cpus(Duration::from_millis(1500));
    let f = t.stop();
    f.assert_success();
    assert!(
        f.stderr
            .iter()
            .any(|l| l.contains("switch: raw_tp sched_switch")),
        "{:?}",
        f.stderr
    );
    let events = f.json();
    assert!(
        events
            .iter()
            .any(|e| tids.contains(&(e["tid"].as_u64().unwrap() as u32))),
        "{events:?}"
    );
    for e in &events {
        assert_eq!(e["pid"].to_string(), me, "-p {me}: {e}");
        assert!(e["lat_us"].as_u64().unwrap() > 1000, "{e}");
        assert!(e["time"].is_string() && e["comm"].is_string(), "{e}");
        assert!(e.get("prev_comm").is_none(), "-P not given: {e}");
    }
}

#[test]
fn every_alternative_passes_the_verifier() {
    assert_all_hooks_load(BIN, &[]);
}

#[test]
fn bad_input_is_one_clear_line() {
    assert_usage_error(BIN, &["abc"]);
    assert_usage_error(BIN, &["-p", "1", "-t", "1"]);
    assert_usage_error(BIN, &["1", "2"]);
    assert_runtime_error(BIN, &["-p", "999999999"], &[], "no such process: 999999999");
    assert_runtime_error(BIN, &["-t", "999999999"], &[], "no such process: 999999999");
    assert_needs_privileges(BIN, &[]);
}
