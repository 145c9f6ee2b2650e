//! runqlat end to end, on the running kernel.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use crate::common::*;

const BIN: &str = env!("CARGO_BIN_EXE_runqlat");

/// More busy threads than CPUs in this process for `d`, so that they wait
/// in the run queue; returns their thread ids.
fn crowd_the_cpus(d: Duration) -> BTreeSet<u32> {
    let n = std::thread::available_parallelism().map_or(2, |n| n.get()) + 1;
    let threads: Vec<_> = (0..n)
        .map(|_| {
            std::thread::spawn(move || {
                let end = Instant::now() + d;
                let mut x = 0u64;
                while Instant::now() < end {
                    x = std::hint::black_box(x.wrapping_add(1));
                }
                nix::unistd::gettid().as_raw() as u32
            })
        })
        .collect();
    threads.into_iter().map(|t| t.join().unwrap()).collect()
}

/// (heading, total count) of each histogram section in table output.
fn sections(lines: &[String]) -> Vec<(String, u64)> {
    let mut out: Vec<(String, u64)> = Vec::new();
    for l in lines {
        if ["pid = ", "tid = ", "pidns = "]
            .iter()
            .any(|p| l.starts_with(p))
        {
            out.push((l.clone(), 0));
        } else if let Some((range, rest)) = l.split_once(" : ") {
            if range.contains("->") {
                let count: u64 = rest.split_whitespace().next().unwrap().parse().unwrap();
                match out.last_mut() {
                    Some(s) => s.1 += count,
                    None => out.push((String::new(), count)),
                }
            }
        }
    }
    out
}

#[test]
fn per_process_histogram_of_a_crowded_process() {
    let _cpus = cpu_hog();
    let me = std::process::id();
    let t = Tracer::start(BIN, &["-P", "-p", &me.to_string()]);
    crowd_the_cpus(Duration::from_millis(1500));
    let f = t.stop();
    f.assert_success();
    assert_eq!(
        f.stdout[0],
        "Tracing run queue latency... Hit Ctrl-C to end."
    );
    let s = sections(&f.stdout);
    assert_eq!(s.len(), 1, "one section, for -p {me}: {:?}", f.stdout);
    assert!(s[0].0.starts_with(&format!("pid = {me} ")), "{:?}", s[0]);
    assert!(s[0].1 > 0, "no run queue latency counted: {:?}", f.stdout);
    assert!(
        f.stdout
            .iter()
            .any(|l| l == "     usecs               : count    distribution"),
        "{:?}",
        f.stdout
    );
}

#[test]
fn json_intervals_end_after_count() {
    let t = Tracer::start(BIN, &["--json", "-m", "-T", "1", "2"]);
    let f = t.finish();
    f.assert_success();
    let objects = f.json();
    assert_eq!(
        objects.len(),
        2,
        "two intervals, one histogram each: {objects:?}"
    );
    for o in &objects {
        assert_eq!(o["unit"], "msecs");
        assert!(o["time"].is_string(), "{o}");
        let buckets = o["buckets"].as_array().unwrap();
        assert!(
            buckets
                .iter()
                .map(|b| b["count"].as_u64().unwrap())
                .sum::<u64>()
                > 0
        );
        assert_eq!(buckets[0]["low"], 0);
        assert_eq!(buckets[0]["high"], 1);
    }
}

#[test]
fn raw_tp_alternative_counts_per_thread() {
    let _cpus = cpu_hog();
    let me = std::process::id();
    let t = Tracer::start_env(
        BIN,
        &["-v", "-L", "-p", &me.to_string()],
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
    let s = sections(&f.stdout);
    let seen: BTreeSet<u32> = s
        .iter()
        .filter(|(_, n)| *n > 0)
        .filter_map(|(h, _)| h.strip_prefix("tid = ")?.split(' ').next()?.parse().ok())
        .collect();
    assert!(
        !seen.is_disjoint(&tids),
        "no section for the busy threads {tids:?}: {:?}",
        f.stdout
    );
}

#[test]
fn cgroup_filter_keeps_only_tasks_inside() {
    let cg = TestCgroup::new("runqlat");
    let t = Tracer::start(BIN, &["-P", "-c", cg.arg()]);
    let mut hogs: Vec<_> = (0..3)
        .map(|_| cg.spawn("sh", &["-c", "while :; do :; done"]))
        .collect();
    std::thread::sleep(Duration::from_millis(1500));
    let pids: Vec<String> = hogs.iter().map(|c| c.id().to_string()).collect();
    for h in &mut hogs {
        h.kill().unwrap();
        h.wait().unwrap();
    }
    let f = t.stop();
    f.assert_success();
    let s = sections(&f.stdout);
    assert!(
        !s.is_empty(),
        "nothing counted in the cgroup: {:?}",
        f.stdout
    );
    for (heading, _) in &s {
        let pid = heading
            .strip_prefix("pid = ")
            .unwrap()
            .split(' ')
            .next()
            .unwrap();
        assert!(
            pids.iter().any(|p| p == pid),
            "{heading} is outside the cgroup ({pids:?})"
        );
    }
}

#[test]
fn every_alternative_passes_the_verifier() {
    assert_all_hooks_load(BIN, &[]);
}

#[test]
fn bad_input_is_one_clear_line() {
    assert_usage_error(BIN, &["-P", "-L"]);
    assert_usage_error(BIN, &["0"]);
    assert_usage_error(BIN, &["1", "0"]);
    assert_usage_error(BIN, &["1", "2", "3"]);
    assert_usage_error(BIN, &["-p", "abc"]);
    assert_runtime_error(BIN, &["-p", "999999999"], &[], "no such process: 999999999");
    assert_runtime_error(BIN, &["-c", "/tmp"], &[], "not a cgroup v2 directory");
    assert_needs_privileges(BIN, &[]);
}
