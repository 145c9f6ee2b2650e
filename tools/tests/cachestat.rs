//! cachestat end to end: a file of N pages written (N buffers dirtied on
//! ext4), dropped from the page cache and read back a page at a time
//! without readahead (N pages added: N misses), then read again (hits,
//! where this kernel counts accesses).

use std::io::Write;
use std::os::unix::fs::FileExt;

use nix::fcntl::{posix_fadvise, PosixFadviseAdvice};

use crate::common::*;

const BIN: &str = env!("CARGO_BIN_EXE_cachestat");
const N: u64 = 1024;
/// MISSES are pages added less pages dirtied, system-wide: another
/// process that dirties a page already cached takes one off.
const MISSES_AT_LEAST: u64 = N - N / 16;
const PAGE: u64 = 4096;

/// libbpf-tools: `"%-8s "` for TIME (-T), then `"%8s %8s %8s %8s %12s %10s"`.
const LAYOUT: &str = "%-8s %8s %8s %8s %8s %12s %10s";
const HEADER: [&str; 7] = [
    "TIME",
    "HITS",
    "MISSES",
    "DIRTIES",
    "HITRATIO",
    "BUFFERS_MB",
    "CACHED_MB",
];

/// Write, drop and read back a file of N pages on / (ext4, 4 KiB blocks).
fn churn() {
    let path = unique_path("cachestat");
    let mut f = std::fs::File::create_new(&path).unwrap();
    for _ in 0..N {
        f.write_all(&[7u8; PAGE as usize]).unwrap();
    }
    f.sync_all().unwrap();
    // Clean now: DONTNEED drops every page; RANDOM turns readahead off, so
    // that each pread adds exactly its own page.
    posix_fadvise(&f, 0, 0, PosixFadviseAdvice::POSIX_FADV_DONTNEED).unwrap();
    posix_fadvise(&f, 0, 0, PosixFadviseAdvice::POSIX_FADV_RANDOM).unwrap();
    let mut buf = [0u8; PAGE as usize];
    for pass in 0..2 {
        for i in (0..N).rev() {
            f.read_exact_at(&mut buf, i * PAGE).unwrap();
            assert_eq!(buf[0], 7, "pass {pass}");
        }
    }
    std::fs::remove_file(&path).unwrap();
}

/// Whether `-v` said the accesses (HITS) have no hook on this kernel.
fn accesses_unknown(stderr: &[String]) -> bool {
    let line = stderr
        .iter()
        .find(|l| l.contains("accesses (HITS): "))
        .unwrap_or_else(|| panic!("-v names no hook for the accesses: {stderr:?}"));
    line.contains("accesses (HITS): none: ")
}

fn meminfo_mb(field: &str) -> i64 {
    let text = std::fs::read_to_string("/proc/meminfo").unwrap();
    let line = text
        .lines()
        .find(|l| l.starts_with(&format!("{field}:")))
        .unwrap();
    line.split_whitespace()
        .nth(1)
        .unwrap()
        .parse::<i64>()
        .unwrap()
        / 1024
}

#[test]
fn misses_and_dirties_of_a_file_are_counted() {
    let (f, ()) = trace(BIN, &["-v", "-T", "1"], |_| churn());
    let layout = Printf::new(LAYOUT);
    layout.assert_header(&f.stdout[0], &HEADER);
    let unknown = accesses_unknown(&f.stderr);
    let n = if unknown {
        Cell::Is("-".into())
    } else {
        Cell::Num
    };
    let ratio = if unknown {
        Cell::Is("-".into())
    } else {
        Cell::Word
    };
    let cells = [
        Cell::Time,
        n,
        Cell::Num,
        Cell::Num,
        ratio,
        Cell::Num,
        Cell::Num,
    ];
    for line in &f.stdout[1..] {
        assert!(
            layout.matches(line, &cells),
            "{line:?} is not {}",
            layout.shown(&cells)
        );
    }
    let rows = f.rows();
    assert!(!rows.is_empty(), "{:?}", f.stdout);
    let sum = |col: usize| -> u64 { rows.iter().map(|r| r[col].parse::<u64>().unwrap()).sum() };
    assert!(
        sum(2) >= MISSES_AT_LEAST,
        "MISSES: {N} pages were read back: {rows:?}"
    );
    assert!(sum(3) >= N, "DIRTIES: {N} blocks were written: {rows:?}");
    if !unknown {
        assert!(sum(1) >= N, "HITS: {N} pages were read again: {rows:?}");
        for r in &rows {
            let pct: f64 = r[4].strip_suffix('%').unwrap().parse().unwrap();
            assert!((0.0..=100.0).contains(&pct), "{r:?}");
        }
    }
    // The sizes are /proc/meminfo's, in MiB (not KiB): near what it says now.
    let last = rows.last().unwrap();
    let (buffers, cached) = (
        last[5].parse::<i64>().unwrap(),
        last[6].parse::<i64>().unwrap(),
    );
    assert!((buffers - meminfo_mb("Buffers")).abs() <= 64, "{last:?}");
    assert!((cached - meminfo_mb("Cached")).abs() <= 1024, "{last:?}");
    assert!(cached > 0, "{last:?}");
}

#[test]
fn json_has_the_same_figures() {
    let (f, ()) = trace(BIN, &["--json", "-v", "1"], |_| churn());
    let unknown = accesses_unknown(&f.stderr);
    let objs = f.json();
    assert!(!objs.is_empty());
    let sum = |k: &str| -> u64 { objs.iter().map(|o| o[k].as_u64().unwrap()).sum() };
    assert!(sum("misses") >= MISSES_AT_LEAST, "{objs:?}");
    assert!(sum("dirties") >= N, "{objs:?}");
    for o in &objs {
        assert!(
            o["buffers_mb"].is_u64() && o["cached_mb"].as_u64().unwrap() > 0,
            "{o}"
        );
        assert!(o.get("time").is_none(), "no -T, no time: {o}");
        if unknown {
            assert!(o["hits"].is_null() && o["hitratio"].is_null(), "{o}");
        } else {
            assert!(o["hits"].is_u64() && o["hitratio"].is_number(), "{o}");
        }
    }
}

#[test]
fn every_hook_alternative_loads() {
    assert_all_hooks_load(BIN, &["1", "1"]);
}

#[test]
fn bad_input_is_one_clear_line() {
    assert_usage_error(BIN, &["0"]);
    assert_usage_error(BIN, &["1", "0"]);
    assert_usage_error(BIN, &["x"]);
    assert_usage_error(BIN, &["1", "2", "3"]);
    assert_usage_error(BIN, &["-d", "1"]);
    assert_needs_privileges(BIN, &["1", "1"]);
}
