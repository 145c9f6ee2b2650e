//! drsnoop end to end: a child in a memory cgroup far smaller than the file
//! it reads must reclaim the page cache it filled itself, again and again.

use std::path::Path;
use std::process::Command;

use crate::common::*;

const BIN: &str = env!("CARGO_BIN_EXE_drsnoop");
const LIMIT: u64 = 8 << 20;

/// A 32 MiB file on disk, written back and dropped from the page cache, so
/// that reading it fills the reader's cgroup with new pages.
struct ColdFile(String);

impl ColdFile {
    fn new(tag: &str) -> ColdFile {
        let path = unique_path(tag).to_string_lossy().into_owned();
        let of = format!("of={path}");
        run_ok(
            "dd",
            &["if=/dev/zero", &of, "bs=1M", "count=32", "conv=fsync"],
        );
        ColdFile(path)
    }

    /// Drop its pages (written back already) from the page cache.
    fn drop_cache(&self) {
        let arg = format!("if={}", self.0);
        run_ok("dd", &[&arg, "iflag=nocache", "count=0"]);
    }
}

impl Drop for ColdFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn run_ok(prog: &str, args: &[&str]) {
    let out = Command::new(prog).args(args).output().unwrap();
    assert!(out.status.success(), "{prog} {args:?}: {out:?}");
}

/// `cat FILE` in a cgroup of LIMIT bytes, after waiting for `gate` to exist
/// (when given).
fn reader(cg: &MemCgroup, file: &ColdFile, gate: Option<&Path>) -> std::process::Child {
    file.drop_cache();
    let script = match gate {
        Some(g) => format!(
            "while [ ! -e '{}' ]; do sleep 0.02; done; exec cat '{}'",
            g.display(),
            file.0
        ),
        None => format!("exec cat '{}'", file.0),
    };
    cg.spawn("sh", &["-c", &script])
}

/// A child in its own small cgroup reads the cold file: its pid.
fn reclaim_in_cgroup(tag: &str) -> u32 {
    let cg = MemCgroup::new(tag, LIMIT);
    let file = ColdFile::new(tag);
    let mut c = reader(&cg, &file, None);
    let pid = c.id();
    assert!(c.wait().unwrap().success());
    pid
}

/// libbpf-tools' layout.
fn layout() -> Printf {
    Printf::new("%-8s %-16s %-6d %8.3f %5lld")
}

#[test]
fn a_reader_in_a_small_cgroup_reclaims_directly() {
    let t = Tracer::start(BIN, &[]);
    let pid = reclaim_in_cgroup("drsnoop");
    let row = [Cell::Time, is("cat"), is(pid), Cell::Num, Cell::Num];
    t.expect("cat's reclaim", |l| layout().matches(l, &row));
    let f = t.stop();
    f.assert_success();
    assert_eq!(
        f.stdout[0],
        "Tracing direct reclaim events... Hit Ctrl-C to end."
    );
    let layout = layout();
    layout.assert_header(&f.stdout[1], &["TIME", "COMM", "TID", "LAT(ms)", "PAGES"]);
    let rows: Vec<&String> = f
        .stdout
        .iter()
        .filter(|l| layout.matches(l, &row))
        .collect();
    // What was read past the limit (24 MiB: 6144 pages) had to be
    // reclaimed, by cat alone: nothing else runs in its cgroup, and the
    // system is not short of memory. (Runs here reclaim about 23000.)
    let pages: u64 = rows
        .iter()
        .map(|l| l.split_whitespace().nth(4).unwrap().parse::<u64>().unwrap())
        .sum();
    assert!(
        (6144..=200_000).contains(&pages),
        "{pages} pages in {} rows",
        rows.len()
    );
    let lat = rows[0].split_whitespace().nth(3).unwrap();
    assert_eq!(lat.split('.').nth(1).map(str::len), Some(3), "{lat}");
}

#[test]
fn json_names_the_cgroup_reclaim() {
    let t = Tracer::start(BIN, &["--json"]);
    let pid = reclaim_in_cgroup("drsnoop-json");
    assert!(t.wait_for(|l| l.contains(&format!("\"pid\":{pid},")), EVENT_TIMEOUT));
    let f = t.stop();
    f.assert_success();
    let events = f.json();
    let e = events.iter().find(|e| e["pid"] == pid).unwrap();
    assert_eq!(e["comm"], "cat");
    assert_eq!(e["tid"], pid);
    assert_eq!(e["uid"], 0);
    assert_eq!(e["reclaim"], "memcg");
    assert!(e["lat_ms"].as_f64().unwrap() >= 0.0, "{e}");
    assert!(e["pages"].as_u64().is_some(), "{e}");
    assert!(chrono::DateTime::parse_from_rfc3339(e["time"].as_str().unwrap()).is_ok());
    assert!(e.get("free_kb").is_none(), "no -e: {e}");
}

#[test]
fn pid_filter_and_bcc_columns() {
    let (cg, other_cg) = (
        MemCgroup::new("drsnoop-p", LIMIT),
        MemCgroup::new("drsnoop-q", LIMIT),
    );
    let (file, other_file) = (ColdFile::new("drsnoop-p"), ColdFile::new("drsnoop-q"));
    let gate = unique_path("drsnoop-gate");
    let mut traced = reader(&cg, &file, Some(&gate));
    let mut other = reader(&other_cg, &other_file, Some(&gate));
    let pid = traced.id();
    let t = Tracer::start(BIN, &["-p", &pid.to_string(), "-U", "-T"]);
    std::fs::write(&gate, b"").unwrap();
    assert!(traced.wait().unwrap().success() && other.wait().unwrap().success());
    let layout = Printf::new("%-8s %-14.9f %-6d %-16s %-6d %8.3f %5lld");
    let row = [
        Cell::Time,
        Cell::Num,
        is(0),
        is("cat"),
        is(pid),
        Cell::Num,
        Cell::Num,
    ];
    t.expect("the traced reader's reclaim", |l| layout.matches(l, &row));
    let f = t.stop();
    f.assert_success();
    std::fs::remove_file(&gate).unwrap();
    layout.assert_header(
        &f.stdout[1],
        &["TIME", "TIME(s)", "UID", "COMM", "TID", "LAT(ms)", "PAGES"],
    );
    // Only that process, and TIME(s) counts from its first event.
    for l in &f.stdout[2..] {
        assert!(layout.matches(l, &row), "{l:?} is not of {pid}");
    }
    assert_eq!(f.stdout[2].split_whitespace().nth(1), Some("0.000000000"));
}

#[test]
fn extended_free_memory_or_what_is_missing() {
    let kallsyms = std::fs::read_to_string("/proc/kallsyms").unwrap();
    if !kallsyms.lines().any(|l| l.ends_with(" vm_zone_stat")) {
        // This kernel lists no data symbols (no CONFIG_KALLSYMS_ALL).
        return assert_runtime_error(BIN, &["-e"], &[], "-e needs the address of vm_zone_stat, which /proc/kallsyms does not list (a kernel built without CONFIG_KALLSYMS_ALL)");
    }
    let (f, pid) = trace(BIN, &["-e"], |t| {
        let pid = reclaim_in_cgroup("drsnoop-e");
        t.expect_text(" cat ");
        pid
    });
    let layout = Printf::new("%-8s %-16s %-6d %8.3f %5lld %8llu");
    layout.assert_header(
        &f.stdout[1],
        &["TIME", "COMM", "TID", "LAT(ms)", "PAGES", "FREE(KB)"],
    );
    let l = layout.find(
        &f.stdout,
        &[
            Cell::Time,
            is("cat"),
            is(pid),
            Cell::Num,
            Cell::Num,
            Cell::Num,
        ],
    );
    let free: u64 = l.split_whitespace().last().unwrap().parse().unwrap();
    let total_kib = libtools::env::meminfo_kib(["MemTotal"]).unwrap()[0];
    assert!(
        (1..=total_kib).contains(&free),
        "{l}: {free} of {total_kib} KiB"
    );
}

#[test]
fn every_alternative_passes_the_verifier() {
    assert_all_hooks_load(BIN, &[]);
}

#[test]
fn bad_input_is_one_clear_line() {
    assert_usage_error(BIN, &["-p", "abc"]);
    assert_usage_error(BIN, &["-u", "-1"]);
    assert_usage_error(BIN, &["-n", "a-name-longer-than-15"]);
    assert_usage_error(BIN, &["extra"]);
    assert_runtime_error(BIN, &["-p", "999999999"], &[], "no such process: 999999999");
    assert_runtime_error(BIN, &["-t", "999999999"], &[], "no such thread: 999999999");
    assert_runtime_error(BIN, &["-d", "0"], &[], "invalid duration 0");
    assert_needs_privileges(BIN, &[]);
}
