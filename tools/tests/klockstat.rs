//! klockstat end to end: a helper makes one tty mutex (atomic_read_lock,
//! taken in n_tty_read) contend a known number of times: two threads read
//! one pseudo-terminal, one of them waits for a line holding the mutex
//! while the other waits for the mutex.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};

use crate::common::*;

const BIN: &str = env!("CARGO_BIN_EXE_klockstat");
const ROUNDS: u64 = 8;
const CALLER: &str = "n_tty_read+0x";
const READY: &str = "Tracing mutex/sem lock events...  Hit Ctrl-C to end";
const WAITS_ONLY: &str = "No hold times: this kernel offers neither fentry nor kprobes";

/// The helper, started and waiting for its go.
struct Readers(Child);

impl Readers {
    fn spawn() -> Readers {
        let helper = c_helper("ttylock", false);
        let child = Command::new(&helper)
            .arg(ROUNDS.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {helper:?}: {e}"));
        Readers(child)
    }

    fn pid(&self) -> u32 {
        self.0.id()
    }

    /// Its name as the kernel has it: the helper's file name, 15 bytes at most.
    fn comm() -> String {
        let helper = c_helper("ttylock", false);
        let name = helper.file_name().unwrap().to_string_lossy().into_owned();
        name[..name.len().min(15)].to_string()
    }

    /// Let it contend its rounds; the thread IDs of its two readers.
    fn release(mut self) -> [u32; 2] {
        self.0.stdin.take().unwrap().write_all(b"go\n").unwrap();
        let mut line = String::new();
        BufReader::new(self.0.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert!(self.0.wait().unwrap().success(), "ttylock failed");
        let tids: Vec<u32> = line
            .split_whitespace()
            .map(|t| t.parse().unwrap())
            .collect();
        [tids[0], tids[1]]
    }
}

impl Drop for Readers {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// How many times n_tty_read took the mutex as the tool counts: on the
/// contention route the contended acquisitions, one a round; with fentry
/// or kprobes every acquisition, one per reader a round.
fn expected_count(lines: &[String]) -> u64 {
    match lines.iter().any(|l| l.starts_with(WAITS_ONLY)) {
        true => ROUNDS,
        false => 2 * ROUNDS,
    }
}

/// The table's header line: upstream's "%37s %9s %8s %10s %12s".
fn header(first: &str) -> String {
    format!("{first:>37}  Avg Wait    Count   Max Wait   Total Wait")
}

#[test]
fn waits_by_caller_for_one_pid() {
    let _cpus = timing();
    let (readers, other) = (Readers::spawn(), Readers::spawn());
    let pid = readers.pid();
    let t = Tracer::start(BIN, &["-p", &pid.to_string()]);
    let (tids, _) = (readers.release(), other.release());
    let f = t.stop();
    f.assert_success();
    let out = &f.stdout;
    assert_eq!(out[0], READY, "{out:?}");
    assert_eq!(out.last().unwrap(), "Exiting trace of mutex/sem locks");
    // Without fentry and kprobes (this kernel) waits only, said once under
    // the ready line, and no hold table; with them, the hold table too.
    let waits_only = out[1].starts_with(WAITS_ONLY);
    assert!(waits_only || kernel_loads_fentry(), "{out:?}");
    assert_eq!(
        out.iter().any(|l| l.contains("Avg Hold")),
        !waits_only,
        "{out:?}"
    );
    let at = out
        .iter()
        .position(|l| *l == header("Caller"))
        .expect("a header");
    let rows: Vec<&String> = out[at + 1..]
        .iter()
        .filter(|l| l.contains(CALLER))
        .collect();
    // Rows are by kernel stack: the two readers can reach the caller by
    // stacks that differ further down, a row each; their counts add up.
    assert!(!rows.is_empty(), "{out:?}");
    let mut count = 0;
    for row in &rows {
        let cells: Vec<&str> = row.split_whitespace().collect();
        // Caller, avg and unit, count, max and unit, total and unit.
        assert_eq!(cells.len(), 8, "{row}");
        assert!(cells[0].starts_with(CALLER), "{row}");
        assert!(["ns", "us", "ms", "s"].contains(&cells[2]), "{row}");
        count += cells[3].parse::<u64>().unwrap();
    }
    assert_eq!(count, expected_count(out), "{out:?}");
    // -p: the readers of the other helper (the same caller) are not counted.
    assert_ne!(tids[0], tids[1]);
    assert!(
        f.stderr.iter().all(|l| !l.contains("lost")),
        "{:?}",
        f.stderr
    );
}

#[test]
fn json_with_stacks_and_the_longest_wait() {
    let _cpus = timing();
    let readers = Readers::spawn();
    let pid = readers.pid();
    let t = Tracer::start(BIN, &["--json", "-p", &pid.to_string(), "-s", "3"]);
    let tids = readers.release();
    let f = t.stop();
    f.assert_success();
    assert!(f.stderr.iter().any(|l| l == READY), "{:?}", f.stderr);
    let objects = f.json();
    let mine: Vec<&serde_json::Value> = objects
        .iter()
        .filter(|o| o["caller"].as_str().is_some_and(|c| c.starts_with(CALLER)))
        .collect();
    // By kernel stack, as the table: the counts of the caller's add up.
    assert!(!mine.is_empty(), "{objects:?}");
    let total: u64 = mine.iter().map(|o| o["count"].as_u64().unwrap()).sum();
    assert_eq!(total, expected_count(&f.stderr), "{objects:?}");
    for o in mine {
        assert_eq!(o["stat"], "wait");
        assert_eq!(o["max_pid"], pid, "{o}");
        assert!(
            tids.contains(&(o["max_tid"].as_u64().unwrap() as u32)),
            "{o}"
        );
        assert_eq!(o["max_comm"], Readers::comm());
        assert!(o["lock_kind"].as_str().unwrap().starts_with("mutex"), "{o}");
        assert!(
            o["lock"].is_null(),
            "a tty's mutex is no static symbol: {o}"
        );
        assert!(
            o["lock_addr"].as_str().unwrap().starts_with("0xffff"),
            "{o}"
        );
        let (count, max, total) = (
            o["count"].as_u64().unwrap(),
            o["max_ns"].as_u64().unwrap(),
            o["total_ns"].as_u64().unwrap(),
        );
        assert!(
            max <= total && o["avg_ns"] == total / count && max > 0,
            "{o}"
        );
        // The caller, then the frames above it: tty_read calls n_tty_read.
        let stack = o["stack"].as_array().unwrap();
        assert_eq!(stack.len(), 3, "{o}");
        assert_eq!(stack[0], o["caller"]);
        assert!(stack[1].as_str().unwrap().starts_with("tty_read+0x"), "{o}");
        assert!(o["tid"].is_null() && o["comm"].is_null(), "{o}");
    }
    // -p: every wait is the helper's.
    assert!(objects.iter().all(|o| o["max_pid"] == pid), "{objects:?}");
}

#[test]
fn per_thread_through_raw_tp_with_timestamps() {
    let _cpus = timing();
    let readers = Readers::spawn();
    let pid = readers.pid();
    let args = ["-P", "-T", "-v", "-p", &pid.to_string()];
    let t = Tracer::start_env(BIN, &args, &[("BPFTK_HOOK", "raw_tp")]);
    let tids = readers.release();
    let f = t.stop();
    f.assert_success();
    assert!(
        f.stderr
            .iter()
            .any(|l| l.trim() == "lock functions: raw_tp contention_begin, contention_end"),
        "{:?}",
        f.stderr
    );
    let out = &f.stdout;
    let at = out
        .iter()
        .position(|l| *l == header("                Tid              Comm"))
        .expect("a header");
    // -T: the time on the line before the table's empty line.
    let time = &out[at - 2];
    assert!(
        time.len() == 8 && chrono::NaiveTime::parse_from_str(time, "%H:%M:%S").is_ok(),
        "{out:?}"
    );
    // A row per thread that waited, all of them the helper's; the
    // readers' waits (the one that came second each round waited; which
    // one that is the scheduler decides) are ROUNDS and any others.
    let comm = Readers::comm();
    let mut counted = 0;
    for row in &out[at + 1..out.len() - 1] {
        let cells: Vec<&str> = row.split_whitespace().collect();
        let tid: u32 = cells[0].parse().unwrap_or_else(|_| panic!("{row:?}"));
        assert!(tid == pid || tids.contains(&tid), "{out:?}");
        assert_eq!(cells[1], comm, "{row:?}");
        if tids.contains(&tid) {
            counted += cells[4].parse::<u64>().unwrap();
        }
    }
    assert!(counted >= ROUNDS, "{out:?}");
}

#[test]
fn caller_and_lock_filters() {
    let readers = Readers::spawn();
    let pid = readers.pid().to_string();
    // -c: only callers with the prefix; -n 1: one row.
    let t = Tracer::start(BIN, &["-p", &pid, "-c", "n_tty_", "-n", "1"]);
    let other = Readers::spawn();
    let t2 = Tracer::start(BIN, &["-p", &other.pid().to_string(), "-L", "0x1"]);
    readers.release();
    other.release();
    let (f, f2) = (t.stop(), t2.stop());
    f.assert_success();
    f2.assert_success();
    let rows: Vec<&String> = f.stdout.iter().filter(|l| l.contains("+0x")).collect();
    assert_eq!(rows.len(), 1, "{:?}", f.stdout);
    assert!(rows[0].trim_start().starts_with(CALLER), "{rows:?}");
    // -L: no lock at 0x1, no rows.
    assert_eq!(f2.stdout[0], READY);
    assert!(
        !f2.stdout.iter().any(|l| l.contains("+0x")),
        "{:?}",
        f2.stdout
    );
}

#[test]
fn every_alternative_passes_the_verifier() {
    assert_all_hooks_load(BIN, &[]);
    assert_all_hooks_load(BIN, &["-P"]);
}

#[test]
fn bad_input_is_one_clear_line() {
    assert_usage_error(BIN, &["-S", "acq_min"]);
    assert_usage_error(BIN, &["-S", "foo_max"]);
    assert_usage_error(BIN, &["-S", "acq_max,hld_max,acq_count"]);
    assert_usage_error(BIN, &["-n", "0"]);
    assert_usage_error(BIN, &["-s", "0"]);
    assert_usage_error(BIN, &["-i", "0"]);
    assert_usage_error(BIN, &["-d", "x"]);
    assert_usage_error(BIN, &["-p", "abc"]);
    assert_usage_error(BIN, &["extra"]);
    assert_runtime_error(BIN, &["-P", "-s", "2"], &[], "--per-thread and --stacks");
    assert_runtime_error(
        BIN,
        &["-L", "no_such_lock_bpftk"],
        &[],
        "failed to find lock no_such_lock_bpftk",
    );
    assert_runtime_error(BIN, &["-p", "999999999"], &[], "no such process: 999999999");
    assert_runtime_error(BIN, &["-t", "999999999"], &[], "no such thread: 999999999");
    assert_needs_privileges(BIN, &[]);
}
