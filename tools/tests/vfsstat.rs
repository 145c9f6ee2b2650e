//! vfsstat end to end: known numbers of mkdirs, rmdirs, unlinks, opens,
//! fsyncs and mknods, counted in the per-second columns.

use nix::sys::stat::{mknod, Mode, SFlag};
use nix::unistd::{unlinkat, UnlinkatFlags};

use crate::common::*;

const BIN: &str = env!("CARGO_BIN_EXE_vfsstat");
const N: u64 = 400;

/// libbpf-tools: `"%-8s  "` and `" %6s/s"` per counter in the header,
/// `"%-8s: "` and `" %8llu"` in the rows.
const LAYOUT: &str = "%-9s %9s %9s %9s %9s %9s %9s %9s %9s";
const HEADER: [&str; 9] = [
    "TIME", "READ/s", "WRITE/s", "FSYNC/s", "OPEN/s", "CREATE/s", "UNLINK/s", "MKDIR/s", "RMDIR/s",
];

/// N of each: mkdir+rmdir, mkdir+unlinkat(AT_REMOVEDIR), create+fsync+unlink,
/// mknod+unlinkat.
fn churn() {
    let dir = unique_path("vfsstat");
    std::fs::create_dir(&dir).unwrap();
    for i in 0..N {
        let d = dir.join(format!("d{i}"));
        std::fs::create_dir(&d).unwrap();
        std::fs::remove_dir(&d).unwrap();
        std::fs::create_dir(&d).unwrap();
        unlinkat(nix::fcntl::AT_FDCWD, &d, UnlinkatFlags::RemoveDir).unwrap();
        let f = dir.join(format!("f{i}"));
        std::fs::File::create(&f).unwrap().sync_all().unwrap();
        std::fs::remove_file(&f).unwrap();
        mknod(&f, SFlag::S_IFREG, Mode::from_bits_truncate(0o600), 0).unwrap();
        unlinkat(nix::fcntl::AT_FDCWD, &f, UnlinkatFlags::NoRemoveDir).unwrap();
    }
    std::fs::remove_dir(&dir).unwrap();
}

#[test]
fn known_calls_are_counted_per_second() {
    let (f, ()) = trace(BIN, &["1"], |_| churn());
    f.assert_success();
    let layout = Printf::new(LAYOUT);
    layout.assert_header(&f.stdout[0], &HEADER);
    let rows = f.rows();
    assert!(!rows.is_empty(), "{:?}", f.stdout);
    // Every row, as a whole line: `HH:MM:SS:` and eight right-aligned counts.
    let mut cells = vec![Cell::Word];
    cells.extend(std::iter::repeat_n(Cell::Num, 8));
    for line in &f.stdout[1..] {
        assert!(layout.matches(line, &cells), "{line:?} is not {LAYOUT}");
    }
    for r in &rows {
        assert!(r[0].ends_with(':') && r[0].len() == 9, "{r:?}");
    }
    // Each row is a per-second rate over a one-second interval (the last,
    // cut short at the stop, scaled up to a second): the sums are at least
    // the counts (and other processes only add to them).
    let sum = |col: usize| -> u64 { rows.iter().map(|r| r[col].parse::<u64>().unwrap()).sum() };
    assert!(sum(3) >= N, "FSYNC/s {rows:?}");
    assert!(sum(4) >= N, "OPEN/s {rows:?}");
    assert!(sum(5) >= N, "CREATE/s (mknod) {rows:?}");
    assert!(sum(6) >= 2 * N, "UNLINK/s {rows:?}");
    assert!(sum(7) >= 2 * N, "MKDIR/s {rows:?}");
    assert!(sum(8) >= 2 * N, "RMDIR/s {rows:?}");
}

#[test]
fn json_has_a_count_per_key() {
    let (f, ()) = trace(BIN, &["--json", "1"], |_| churn());
    f.assert_success();
    let objs = f.json();
    assert!(!objs.is_empty());
    let sum = |k: &str| -> u64 { objs.iter().map(|o| o[k].as_u64().unwrap()).sum() };
    assert!(sum("mkdir_s") >= 2 * N, "{objs:?}");
    assert!(sum("rmdir_s") >= 2 * N, "{objs:?}");
    assert!(objs
        .iter()
        .all(|o| o["time"].is_string() && o["read_s"].is_u64()));
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
    assert_needs_privileges(BIN, &["1", "1"]);
}
