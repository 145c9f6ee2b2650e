//! numamove end to end, on the running kernel. This machine has one NUMA
//! node, so no page is ever misplaced here: the kernel matrix's guest has
//! two and sees them migrate. Here: the layout, JSON, and that the system's
//! other migrations (compaction, made to happen) are not counted.

use crate::common::*;

const BIN: &str = env!("CARGO_BIN_EXE_numamove");

fn one_node() -> bool {
    !std::path::Path::new("/sys/devices/system/node/node1").exists()
}

/// Movable pages with free pages between them, and a full compaction,
/// which migrates them (reason compaction, not numa_misplaced).
fn compact_memory() {
    let page = 4096;
    let len = 64 << 20;
    // SAFETY: an anonymous private mapping of our own, written and unmapped
    // by page within its bounds only.
    unsafe {
        let p = libc::mmap(
            std::ptr::null_mut(),
            len,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        );
        assert_ne!(p, libc::MAP_FAILED);
        let p = p as *mut u8;
        for off in (0..len).step_by(page) {
            *p.add(off) = 1;
        }
        for off in (0..len).step_by(2 * page) {
            libc::munmap(p.add(off) as *mut libc::c_void, page);
        }
        std::fs::write("/proc/sys/vm/compact_memory", "1").unwrap();
        for off in (page..len).step_by(2 * page) {
            libc::munmap(p.add(off) as *mut libc::c_void, page);
        }
    }
}

fn is_hh_mm_ss(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 8 && b[2] == b':' && b[5] == b':'
}

#[test]
fn lines_per_interval_without_compactions() {
    let t = Tracer::start(BIN, &["1", "3"]);
    compact_memory();
    let f = t.finish();
    f.assert_success();
    assert_eq!(
        f.stdout[0],
        "TIME          NUMA_migrations NUMA_migrations_ms"
    );
    assert_eq!(f.stdout.len(), 4, "{:?}", f.stdout);
    for l in &f.stdout[1..] {
        let c: Vec<&str> = l.split_whitespace().collect();
        assert_eq!(c.len(), 3, "{l}");
        assert!(is_hh_mm_ss(c[0]), "{l}");
        if one_node() {
            assert_eq!(&c[1..], ["0", "0"], "{l}: no page is misplaced on one node");
        }
    }
}

#[test]
fn json_lines() {
    let t = Tracer::start(BIN, &["--json", "1", "2"]);
    compact_memory();
    let f = t.finish();
    f.assert_success();
    let rows = f.json();
    assert_eq!(rows.len(), 2, "{:?}", f.stdout);
    for r in &rows {
        assert!(r["time"].is_string(), "{r}");
        assert!(r["migrations"].is_u64(), "{r}");
        assert!(r["migrations_ms"].is_u64(), "{r}");
        if one_node() {
            assert_eq!(r["migrations"], 0, "{r}");
        }
    }
}

#[test]
fn every_alternative_passes_the_verifier() {
    assert_all_hooks_load(BIN, &[]);
}

#[test]
fn bad_input_is_one_clear_line() {
    assert_usage_error(BIN, &["0"]);
    assert_usage_error(BIN, &["x"]);
    assert_usage_error(BIN, &["1", "0"]);
    assert_usage_error(BIN, &["1", "2", "3"]);
    assert_needs_privileges(BIN, &["1", "1"]);
}
