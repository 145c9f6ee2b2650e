//! runqlen end to end, on the running kernel.

use std::time::{Duration, Instant};

use crate::common::*;

const BIN: &str = env!("CARGO_BIN_EXE_runqlen");

/// More busy threads than CPUs for `d`, so that tasks wait in run queues.
fn crowd_the_cpus(d: Duration) {
    let n = std::thread::available_parallelism().map_or(2, |n| n.get()) * 2;
    let threads: Vec<_> = (0..n)
        .map(|_| {
            std::thread::spawn(move || {
                let end = Instant::now() + d;
                let mut x = 0u64;
                while Instant::now() < end {
                    x = std::hint::black_box(x.wrapping_add(1));
                }
            })
        })
        .collect();
    threads.into_iter().for_each(|t| t.join().unwrap());
}

#[test]
fn histogram_shows_waiting_tasks_when_cpus_are_crowded() {
    let _cpus = cpu_hog();
    let t = Tracer::start(BIN, &["2", "1"]);
    crowd_the_cpus(Duration::from_millis(2500));
    let f = t.finish();
    f.assert_success();
    assert_eq!(
        f.stdout[0],
        "Tracing run queue length... Hit Ctrl-C to end."
    );
    let head = f
        .stdout
        .iter()
        .position(|l| l == "     runqlen       : count     distribution")
        .unwrap_or_else(|| panic!("no histogram: {:?}", f.stdout));
    let queued: u64 = f.stdout[head + 1..]
        .iter()
        .filter_map(|l| {
            let (len, rest) = l.split_once(" : ")?;
            let len: u64 = len.trim().parse().ok()?;
            let count: u64 = rest.split_whitespace().next()?.parse().ok()?;
            (len > 0).then_some(count)
        })
        .sum();
    assert!(queued > 0, "no sample with a task waiting: {:?}", f.stdout);
}

#[test]
fn occupancy_per_cpu_in_json() {
    let _cpus = cpu_hog();
    let t = Tracer::start(BIN, &["--json", "-O", "-C", "2", "1"]);
    crowd_the_cpus(Duration::from_millis(2500));
    let f = t.finish();
    f.assert_success();
    let objects = f.json();
    let cpus = std::thread::available_parallelism().unwrap().get();
    assert_eq!(objects.len(), cpus, "one object per CPU: {objects:?}");
    for (i, o) in objects.iter().enumerate() {
        assert_eq!(o["cpu"], i as u64);
    }
    let busiest = objects
        .iter()
        .map(|o| o["runqocc_pct"].as_f64().unwrap())
        .fold(0.0, f64::max);
    assert!(busiest > 0.0, "{objects:?}");
    assert!(
        objects
            .iter()
            .map(|o| o["samples"].as_u64().unwrap())
            .sum::<u64>()
            > 0
    );
}

#[test]
fn occupancy_line_in_the_table() {
    let _cpus = cpu_hog();
    let t = Tracer::start(BIN, &["-O", "-T", "1", "1"]);
    crowd_the_cpus(Duration::from_millis(1500));
    let f = t.finish();
    f.assert_success();
    let line = f
        .stdout
        .iter()
        .find(|l| l.starts_with("runqocc: "))
        .unwrap_or_else(|| panic!("{:?}", f.stdout));
    let pct: f64 = line["runqocc: ".len()..]
        .trim_end_matches('%')
        .parse()
        .unwrap();
    assert!(pct > 0.0 && pct <= 100.0, "{line}");
    // -T: the time (HH:MM:SS) on the line before.
    let i = f.stdout.iter().position(|l| l == line).unwrap();
    assert_eq!(f.stdout[i - 1].len(), 8, "{:?}", f.stdout);
    assert_eq!(f.stdout[i - 1].matches(':').count(), 2);
}

#[test]
fn every_variant_passes_the_verifier() {
    for args in [&[][..], &["-H"][..]] {
        let f = run(BIN, args, &[("BPFTK_LOAD_ONLY", "1")]);
        assert!(f.status.success(), "{args:?}: {:?}", f.stderr);
    }
}

#[test]
fn bad_input_is_one_clear_line() {
    assert_usage_error(BIN, &["-f", "0"]);
    assert_usage_error(BIN, &["-f", "x"]);
    assert_usage_error(BIN, &["0"]);
    assert_usage_error(BIN, &["1", "0"]);
    assert_needs_privileges(BIN, &[]);
}
