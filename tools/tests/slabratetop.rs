//! slabratetop end to end: a child shell opening /dev/null a known number
//! of times, each open a struct file from the filp cache, counted by cache.

use crate::common::*;

const BIN: &str = env!("CARGO_BIN_EXE_slabratetop");

/// libbpf-tools' slabratetop: `"%-32s %6s %10s"`.
const LAYOUT: &str = "%-32s %6s %10s";

/// Opens (and so filp allocations) the child makes at least.
const OPENS: u64 = 3000;

/// A shell, gated, that opens /dev/null OPENS times (dash opens it for the
/// redirection of the builtin `:`, then closes it).
fn opener() -> GatedChild {
    GatedChild::spawn(&format!(
        "sh -c 'i=0; while [ $i -lt {OPENS} ]; do : </dev/null; i=$((i+1)); done'"
    ))
}

/// The filp cache's object size as the kernel accounts it (kmem_cache's
/// size: /proc/slabinfo's objsize). filp must be a cache of its own, not
/// merged into another (it is SLAB_TYPESAFE_BY_RCU on recent kernels).
fn filp_size() -> u64 {
    let info = std::fs::read_to_string("/proc/slabinfo").expect("/proc/slabinfo");
    let line = info
        .lines()
        .find(|l| l.split_whitespace().next() == Some("filp"))
        .expect("no filp line in /proc/slabinfo: the cache is merged into another here");
    line.split_whitespace().nth(3).unwrap().parse().unwrap()
}

/// The (ALLOCS, BYTES) of every `cache` row of the table, checked against
/// the layout.
fn table_rows(lines: &[String], cache: &str) -> Vec<(u64, u64)> {
    let layout = Printf::new(LAYOUT);
    lines
        .iter()
        .filter(|l| layout.matches(l, &[is(cache), Cell::Num, Cell::Num]))
        .map(|l| {
            let f: Vec<u64> = l
                .split_whitespace()
                .skip(1)
                .map(|v| v.parse().unwrap())
                .collect();
            (f[0], f[1])
        })
        .collect()
}

/// `args` with -p of a fresh opener, the opener run while the tool traces.
fn trace_opener(args: &[&str], env: &[(&str, &str)]) -> (Finished, u32) {
    let gate = opener();
    let pid = gate.pid();
    let pid_s = pid.to_string();
    let mut full = vec!["-p", &pid_s];
    full.extend_from_slice(args);
    let (f, ()) = trace_env(BIN, &full, env, |_| assert!(gate.release()));
    (f, pid)
}

#[test]
fn a_childs_file_allocations_by_cache() {
    let size = filp_size();
    for kind in ["tp_btf", "raw_tp"] {
        let (f, _) = trace_opener(&["-C", "1"], &[("BPFTK_HOOK", kind)]);
        let at = f
            .stdout
            .iter()
            .position(|l| l.starts_with("CACHE"))
            .expect("a header");
        Printf::new(LAYOUT).assert_header(&f.stdout[at], &["CACHE", "ALLOCS", "BYTES"]);
        assert!(f.stdout[at - 2].contains(" loadavg: "), "{:?}", f.stdout);
        assert!(
            !f.stdout.iter().any(|l| l.contains('\x1b')),
            "-C clears nothing"
        );
        let rows = table_rows(&f.stdout, "filp");
        assert!(!rows.is_empty(), "{kind}: no filp row in {:?}", f.stdout);
        for &(allocs, bytes) in &rows {
            assert_eq!(bytes, allocs * size, "{kind}: {:?}", f.stdout);
        }
        // The shell's own start (exec, ld.so) opens some files more.
        let allocs: u64 = rows.iter().map(|r| r.0).sum();
        assert!(
            (OPENS..OPENS + OPENS / 10).contains(&allocs),
            "{kind}: {allocs} filp allocations: {:?}",
            f.stdout
        );
    }
}

#[test]
fn json_sorted_by_count_and_the_pid_filter() {
    let size = filp_size();
    // Another shell, not traced, opens three times as often meanwhile.
    let gate = opener();
    let pid = gate.pid().to_string();
    let others = format!(
        "i=0; while [ $i -lt {} ]; do : </dev/null; i=$((i+1)); done",
        3 * OPENS
    );
    let (f, ()) = trace(BIN, &["--json", "-s", "count", "-p", &pid, "1"], |_| {
        run_child("sh", &["-c", &others]);
        assert!(gate.release());
    });
    let rows = f.json();
    for o in &rows {
        let mut keys: Vec<&str> = o.as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(keys, ["allocs", "bytes", "cache", "time"], "{o}");
    }
    let filp: Vec<_> = rows.iter().filter(|o| o["cache"] == "filp").collect();
    assert!(!filp.is_empty(), "{rows:?}");
    let n = |o: &serde_json::Value, k: &str| o[k].as_u64().unwrap();
    for o in &filp {
        assert_eq!(n(o, "bytes"), n(o, "allocs") * size, "{o}");
    }
    let allocs: u64 = filp.iter().map(|o| n(o, "allocs")).sum();
    assert!(
        (OPENS..OPENS + OPENS / 10).contains(&allocs),
        "{allocs}: {rows:?}"
    );
    // Within each interval, the most allocations first.
    for w in rows.windows(2) {
        if w[0]["time"] == w[1]["time"] {
            assert!(n(&w[0], "allocs") >= n(&w[1], "allocs"), "{rows:?}");
        }
    }
}

#[test]
fn whole_system_by_name_and_rows() {
    // -s name: caches A to Z, ignoring case; -r 500: the child's opens are
    // among them (every cache of the system fits).
    let gate = opener();
    let (f, ()) = trace(BIN, &["-C", "-s", "name", "-r", "500", "1"], |_| {
        assert!(gate.release())
    });
    let allocs: u64 = table_rows(&f.stdout, "filp").iter().map(|r| r.0).sum();
    assert!(allocs >= OPENS, "{allocs}: {:?}", f.stdout);
    let names: Vec<String> = f
        .stdout
        .iter()
        .skip_while(|l| !l.starts_with("CACHE"))
        .skip(1)
        .take_while(|l| !l.is_empty())
        .map(|l| l.split_whitespace().next().unwrap().to_lowercase())
        .collect();
    assert!(
        names.len() > 1 && names.windows(2).all(|w| w[0] <= w[1]),
        "{names:?}"
    );

    // -r 2: two rows an interval, the largest by BYTES (the default sort).
    let (f, ()) = trace(BIN, &["-C", "-r", "2", "1"], |_| {
        std::thread::sleep(std::time::Duration::from_millis(1500))
    });
    // Each interval's BYTES, from its header to the blank line after it.
    let mut table: Vec<Vec<u64>> = Vec::new();
    let mut inside = false;
    for l in &f.stdout {
        if l.starts_with("CACHE") {
            table.push(Vec::new());
            inside = true;
        } else if l.is_empty() {
            inside = false;
        } else if inside {
            let bytes = l.split_whitespace().last().unwrap().parse().unwrap();
            table.last_mut().unwrap().push(bytes);
        }
    }
    assert!(
        !table.is_empty() && table.iter().all(|t| t.len() <= 2),
        "{:?}",
        f.stdout
    );
    assert!(
        table.iter().all(|t| t.windows(2).all(|w| w[0] >= w[1])),
        "{:?}",
        f.stdout
    );
}

#[test]
fn every_hook_alternative_loads() {
    assert_hooks_load(BIN, &["1", "1"], &["tp_btf", "raw_tp", "fentry", "kprobe"]);
}

#[test]
fn bad_input_is_one_clear_line() {
    assert_usage_error(BIN, &["0"]);
    assert_usage_error(BIN, &["1", "0"]);
    assert_usage_error(BIN, &["-r", "0"]);
    assert_usage_error(BIN, &["-s", "pages"]);
    assert_usage_error(BIN, &["-p", "abc"]);
    assert_runtime_error(
        BIN,
        &["-p", "999999999", "1", "1"],
        &[],
        "no such process: 999999999",
    );
    assert_needs_privileges(BIN, &["1", "1"]);
}
