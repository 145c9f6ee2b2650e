//! runqslower end to end, on the running kernel.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use crate::common::*;

const BIN: &str = env!("CARGO_BIN_EXE_runqslower");

/// Twice as many busy threads as CPUs in this process for `d`, so that
/// they wait in run queues for whole time slices; returns their thread ids.
fn crowd_the_cpus(d: Duration) -> BTreeSet<u32> {
    crowd_named(d, |_| "".into())
        .into_iter()
        .map(|(t, _)| t)
        .collect()
}

/// [`crowd_the_cpus`] with thread `i` named `name(i)` (unnamed when
/// empty); returns their (tid, name).
fn crowd_named(d: Duration, name: impl Fn(usize) -> String) -> Vec<(u32, String)> {
    let n = std::thread::available_parallelism().map_or(2, |n| n.get()) * 2;
    let threads: Vec<_> = (0..n)
        .map(|i| {
            let mut b = std::thread::Builder::new();
            let named = name(i);
            if !named.is_empty() {
                b = b.name(named.clone());
            }
            (named, b)
        })
        .map(|(named, b)| {
            b.spawn(move || {
                let tid = nix::unistd::gettid().as_raw() as u32;
                let end = Instant::now() + d;
                let mut x = 0u64;
                while Instant::now() < end {
                    x = std::hint::black_box(x.wrapping_add(1));
                }
                (tid, named)
            })
            .unwrap()
        })
        .collect();
    threads.into_iter().map(|t| t.join().unwrap()).collect()
}

#[test]
fn crowded_threads_wait_longer_than_the_threshold() {
    let _cpus = cpu_hog();
    let me = std::process::id().to_string();
    let t = Tracer::start(BIN, &["-P", "-p", &me, "1000"]);
    let tids = crowd_the_cpus(Duration::from_millis(1500));
    let f = t.stop();
    f.assert_success();
    assert_eq!(f.stdout[0], "Tracing run queue latency higher than 1000 us");
    // libbpf-tools' printf layout: one space before PREV COMM, in header and rows.
    let layout = Printf::new("%-8s %-16s %-6d %14llu %-16s %-6d");
    layout.assert_header(
        &f.stdout[1],
        &["TIME", "COMM", "TID", "LAT(us)", "PREV COMM", "PREV TID"],
    );
    // A busy thread's wait as a whole line: the busy threads have this
    // thread's name; the one that ran before is most often another of them.
    let comm = std::fs::read_to_string("/proc/thread-self/comm").unwrap();
    let comm = comm.trim_end();
    let busy = |l: &&String| {
        let c: Vec<&str> = l.split_whitespace().collect();
        c.len() == 6 && c[2].parse().is_ok_and(|t: u32| tids.contains(&t))
    };
    let line = f.stdout[2..]
        .iter()
        .filter(busy)
        .max_by_key(|l| {
            l.split_whitespace()
                .nth(5)
                .and_then(|t| t.parse().ok())
                .is_some_and(|t: u32| tids.contains(&t))
        })
        .unwrap_or_else(|| panic!("no wait of the busy threads {tids:?}: {:?}", f.stdout));
    let c: Vec<&str> = line.split_whitespace().collect();
    let prev_busy = c[5].parse().is_ok_and(|t: u32| tids.contains(&t));
    let cells = [
        Cell::Time,
        is(comm),
        is(c[2]),
        Cell::Num,
        if prev_busy { is(comm) } else { Cell::Word },
        is(c[5]),
    ];
    assert!(
        layout.matches(line, &cells),
        "want {:?}\ngot  {line:?}",
        layout.shown(&cells)
    );
    let rows: Vec<&String> = f.stdout[2..].iter().collect();
    assert!(!rows.is_empty(), "no slow wakeup with 2x CPUs busy threads");
    let mut seen_busy = false;
    for l in rows {
        let c: Vec<&str> = l.split_whitespace().collect();
        // From the left: the previous task's name may have spaces.
        let tid: u32 = c[2].parse().unwrap();
        let lat: u64 = c[3].parse().unwrap();
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
    let _cpus = cpu_hog();
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

/// -c COMM (upstream's): only the tasks whose name starts with COMM,
/// filtered in the kernel.
#[test]
fn comm_prefix_filter() {
    let _cpus = cpu_hog();
    let t = Tracer::start(BIN, &["-c", "rqcrowd-i", "1000"]);
    let crowd = crowd_named(Duration::from_millis(1500), |i| {
        if i % 2 == 0 {
            "rqcrowd-in"
        } else {
            "rqcrowd-out"
        }
        .to_string()
    });
    let f = t.stop();
    f.assert_success();
    let layout = Printf::new("%-8s %-16s %-6d %14llu");
    layout.assert_header(&f.stdout[1], &["TIME", "COMM", "TID", "LAT(us)"]);
    let ins: Vec<String> = crowd
        .iter()
        .filter(|(_, n)| n == "rqcrowd-in")
        .map(|(t, _)| t.to_string())
        .collect();
    let rows = &f.stdout[2..];
    assert!(!rows.is_empty(), "no wait of the rqcrowd-in threads");
    for l in rows {
        let tid = l.split_whitespace().nth(2).unwrap_or_default();
        assert!(
            ins.iter().any(|t| t == tid),
            "{l:?} is not an rqcrowd-in thread {ins:?}"
        );
        assert!(
            layout.matches(l, &[Cell::Time, is("rqcrowd-in"), is(tid), Cell::Num]),
            "{l:?}"
        );
    }

    let t = Tracer::start(BIN, &["--comm", "rqcrowd-out", "--json", "1000"]);
    crowd_named(Duration::from_millis(1000), |i| {
        format!("rqcrowd-{}", ["in", "out"][i % 2])
    });
    let f = t.stop();
    f.assert_success();
    let events = f.json();
    assert!(!events.is_empty());
    assert!(
        events.iter().all(|e| e["comm"] == "rqcrowd-out"),
        "{events:?}"
    );
}

#[test]
fn every_alternative_passes_the_verifier() {
    assert_all_hooks_load(BIN, &["-c", "x"]);
}

#[test]
fn bad_input_is_one_clear_line() {
    assert_usage_error(BIN, &["abc"]);
    assert_usage_error(BIN, &["-p", "1", "-t", "1"]);
    assert_usage_error(BIN, &["1", "2"]);
    assert_usage_error(BIN, &["-c", "a-name-of-16-byt"]);
    assert_usage_error(BIN, &["-c", ""]);
    assert_runtime_error(BIN, &["-p", "999999999"], &[], "no such process: 999999999");
    assert_runtime_error(BIN, &["-t", "999999999"], &[], "no such process: 999999999");
    assert_needs_privileges(BIN, &[]);
}
