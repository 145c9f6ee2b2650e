//! readahead end to end: a cold file read sequentially, where the kernel
//! offers fentry or kprobes; where it offers neither (ours), one clear line
//! naming what is missing (the kernel matrix runs it on other kernels).

use std::io::{Read, Write};

use libtools::hooks::{Kernel, LiveKernel};
use nix::fcntl::{posix_fadvise, PosixFadviseAdvice};

use crate::common::*;

const BIN: &str = env!("CARGO_BIN_EXE_readahead");
const PAGES: usize = 1024;

/// Whether this kernel offers the tool's hooks at all.
fn hooks_offered() -> bool {
    kernel_loads_fentry() || LiveKernel::default().has_kprobe("page_cache_ra_unbounded")
}

/// A file of PAGES pages, out of the page cache, read from start to end.
fn cold_sequential_read() {
    let path = unique_path("readahead");
    let mut f = std::fs::File::create_new(&path).unwrap();
    f.write_all(&vec![1u8; PAGES * 4096]).unwrap();
    f.sync_all().unwrap();
    posix_fadvise(&f, 0, 0, PosixFadviseAdvice::POSIX_FADV_DONTNEED).unwrap();
    let mut f = std::fs::File::open(&path).unwrap();
    let mut buf = vec![0u8; 64 * 1024];
    let mut read = 0;
    while let n @ 1.. = f.read(&mut buf).unwrap() {
        read += n;
    }
    assert_eq!(read, PAGES * 4096);
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn readahead_of_a_cold_file_is_counted_or_the_missing_hooks_named() {
    if !hooks_offered() {
        let f = run(BIN, &["-d", "1"], &[]);
        assert_eq!(f.status.code(), Some(1), "{:?}", f.stderr);
        assert_eq!(f.stderr.len(), 1, "{:?}", f.stderr);
        assert_eq!(
            f.stderr[0],
            "readahead: error: this kernel offers no hook for readahead calls: tried fentry \
             page_cache_ra_unbounded (fentry refused), kprobe page_cache_ra_unbounded (no kprobes)"
        );
        eprintln!("NOTE: readahead: this kernel offers neither fentry nor kprobes; scripts/test-kernels runs it");
        return;
    }
    let (f, ()) = trace(BIN, &[], |_| cold_sequential_read());
    let line = f
        .stdout
        .iter()
        .find(|l| l.starts_with("Readahead unused/total pages: "))
        .unwrap();
    let (unused, total) = line.rsplit(' ').next().unwrap().split_once('/').unwrap();
    let (unused, total): (u64, u64) = (unused.parse().unwrap(), total.parse().unwrap());
    // Every page of the file came in by readahead and was read (folios of
    // several pages count once): at least one used page.
    assert!(total > unused, "{:?}", f.stdout);
    // The histogram holds exactly the used pages.
    let counted: u64 = f
        .stdout
        .iter()
        .filter(|l| l.contains("->"))
        .map(|l| {
            l.split(':')
                .nth(1)
                .unwrap()
                .split('|')
                .next()
                .unwrap()
                .trim()
                .parse::<u64>()
                .unwrap()
        })
        .sum();
    assert_eq!(counted, total - unused, "{:?}", f.stdout);
}

#[test]
fn every_hook_alternative_loads() {
    assert_hooks_load(BIN, &["-d", "1"], &["fentry", "kprobe"]);
}

#[test]
fn bad_input_is_one_clear_line() {
    assert_usage_error(BIN, &["1"]);
    assert_usage_error(BIN, &["-d", "x"]);
    assert_runtime_error(BIN, &["-d", "0"], &[], "duration");
    assert_runtime_error(BIN, &["-d", "-1"], &[], "duration");
    assert_needs_privileges(BIN, &["-d", "1"]);
}
