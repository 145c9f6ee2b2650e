//! llcstat end to end, on the running kernel. Most virtual machines (this
//! one too) have no hardware cache counters: there the tool must say so in
//! one line; where the counters exist, a cache-heavy child must show up.

use std::time::{Duration, Instant};

use libtools::perf::{available, Event};

use crate::common::*;

const BIN: &str = env!("CARGO_BIN_EXE_llcstat");

fn has_counters() -> bool {
    available(Event::CacheMisses) && available(Event::CacheReferences)
}

#[test]
fn no_hardware_counter_is_one_line() {
    if has_counters() {
        eprintln!(
            "NOTE: llcstat: this machine has cache counters; see counts_a_cache_heavy_thread"
        );
        return;
    }
    assert_runtime_error(
        BIN,
        &["1"],
        &[],
        "this machine has no hardware counter for PERF_COUNT_HW_CACHE_MISSES",
    );
    assert_runtime_error(BIN, &["-t", "--json", "1"], &[], "no hardware counter");
}

#[test]
fn counts_a_cache_heavy_thread() {
    if !has_counters() {
        eprintln!("NOTE: llcstat: no hardware cache counters on this machine; the one-line error is tested instead");
        return;
    }
    let t = Tracer::start(BIN, &["-t", "-c", "1000", "2"]);
    // Stride through 64 MiB, far beyond any last-level cache, from a
    // thread of this process.
    let tid = std::thread::spawn(|| {
        let mut buf = vec![0u8; 64 << 20];
        let end = Instant::now() + Duration::from_millis(1500);
        while Instant::now() < end {
            for i in (0..buf.len()).step_by(64) {
                buf[i] = buf[i].wrapping_add(1);
            }
            std::hint::black_box(&buf);
        }
        nix::unistd::gettid().as_raw() as u32
    })
    .join()
    .unwrap();
    let f = t.finish();
    f.assert_success();
    assert_eq!(f.stdout[0], "Running for 2 seconds or Hit Ctrl-C to end.");
    let me = std::process::id().to_string();
    let tid = tid.to_string();
    let row = f
        .stdout
        .iter()
        .find(|l| {
            let c: Vec<&str> = l.split_whitespace().collect();
            c.len() >= 7 && c[0] == me && c[1] == tid
        })
        .unwrap_or_else(|| panic!("no row for {me}/{tid}: {:?}", f.stdout));
    let refs: u64 = row.split_whitespace().nth(4).unwrap().parse().unwrap();
    assert!(refs >= 1000, "{row}");
    assert!(f.stdout.last().unwrap().starts_with("Total References: "));
}

#[test]
fn both_forms_pass_the_verifier() {
    require_root();
    for args in [&["1"][..], &["-t", "1"][..]] {
        let f = run(BIN, args, &[("BPFTK_LOAD_ONLY", "1")]);
        assert!(f.status.success(), "{args:?}: {:?}", f.stderr);
        assert!(
            f.stderr.iter().any(|l| l.contains(": loaded ")),
            "{:?}",
            f.stderr
        );
    }
}

#[test]
fn bad_input_is_one_clear_line() {
    assert_usage_error(BIN, &["-c", "0"]);
    assert_usage_error(BIN, &["-c", "x"]);
    assert_usage_error(BIN, &["0"]);
    assert_usage_error(BIN, &["ten"]);
    assert_usage_error(BIN, &["1", "2"]);
}
