//! futexctn end to end: a helper's main thread waits on its futex word a
//! known number of times, each time for 40 ms, until a second thread wakes it.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};

use crate::common::*;

const BIN: &str = env!("CARGO_BIN_EXE_futexctn");
const TARGET: &str = "bpftk_futex_wait";
const ROUNDS: u64 = 5;
/// The waker sleeps 40 ms a round: every wait lands in 32768 -> 65535 us
/// (a wait can begin a little after the waker's sleep did).
const WAIT: std::ops::Range<u64> = 30_000..65_536;

/// The futex helper, started and waiting for its go: its pid, and the
/// address of its futex word, which it printed.
struct Waiter {
    child: Child,
    lock: u64,
}

impl Waiter {
    fn spawn() -> Waiter {
        let helper = c_helper("futex", false);
        let mut child = Command::new(&helper)
            .args([ROUNDS.to_string(), "40".into()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {helper:?}: {e}"));
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let lock = u64::from_str_radix(line.trim().trim_start_matches("0x"), 16)
            .unwrap_or_else(|e| panic!("{line:?}: {e}"));
        Waiter { child, lock }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn lock(&self) -> String {
        format!("{:#x}", self.lock)
    }

    /// Its name as the kernel has it: the helper's file name, 15 bytes at most.
    fn comm() -> String {
        let helper = c_helper("futex", false);
        let name = helper.file_name().unwrap().to_string_lossy().into_owned();
        name[..name.len().min(15)].to_string()
    }

    /// Let it wait its rounds, and wait until it exits.
    fn release(mut self) {
        self.child.stdin.take().unwrap().write_all(b"go\n").unwrap();
        assert!(self.child.wait().unwrap().success());
    }
}

impl Drop for Waiter {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `COMM[ID] lock 0xADDR contended N times, AVG avg UNIT [max: MAX UNIT,
/// min MIN UNIT]`: (contended, avg, max, min) of a heading that begins
/// with `start`.
fn heading(line: &str, start: &str, unit: &str) -> Option<(u64, u64, u64, u64)> {
    let rest = line.strip_prefix(start)?;
    let words: Vec<&str> = rest.split_whitespace().collect();
    let num = |i: usize| {
        let w = words.get(i).unwrap_or_else(|| panic!("{line:?}"));
        w.trim_end_matches(',')
            .parse::<u64>()
            .unwrap_or_else(|_| panic!("{line:?}"))
    };
    let (n, avg, max, min) = (num(0), num(2), num(6), num(9));
    assert_eq!(
        rest,
        format!("{n} times, {avg} avg {unit} [max: {max} {unit}, min {min} {unit}]")
    );
    Some((n, avg, max, min))
}

/// Where the headings that begin with `start` are.
fn headings_of(stdout: &[String], start: &str) -> Vec<usize> {
    (0..stdout.len())
        .filter(|&i| stdout[i].starts_with(start))
        .collect()
}

/// The one non-empty bucket of the histogram whose header is at `at`,
/// and the total of its buckets.
fn only_bucket(stdout: &[String], at: usize, unit: &str) -> (String, u64) {
    assert_eq!(
        stdout[at],
        format!("     {unit:<19} : count    distribution"),
        "{stdout:?}"
    );
    let buckets: Vec<String> = stdout[at + 1..]
        .iter()
        .take_while(|l| l.contains("->"))
        .cloned()
        .collect();
    let total = bucket_total(&buckets);
    let full: Vec<&String> = buckets.iter().filter(|l| l.contains('*')).collect();
    assert_eq!(full.len(), 1, "{buckets:?}");
    assert_eq!(
        full[0],
        buckets.last().unwrap(),
        "the last bucket: {buckets:?}"
    );
    (full[0].split(':').next().unwrap().trim().to_string(), total)
}

#[test]
fn waits_by_lock_and_stack_for_one_pid() {
    let _cpus = timing();
    let (waiter, other) = (Waiter::spawn(), Waiter::spawn());
    let (pid, lock) = (waiter.pid(), waiter.lock());
    let other_pid = other.pid();
    let t = Tracer::start(BIN, &["-p", &pid.to_string()]);
    let (a, b) = (
        std::thread::spawn(move || waiter.release()),
        std::thread::spawn(move || other.release()),
    );
    a.join().unwrap();
    b.join().unwrap();
    let f = t.stop();
    f.assert_success();
    let out = &f.stdout;
    assert_eq!(out[0], "Tracing futex contention... Hit Ctrl-C to end.");
    // libbpf-tools' layout: an empty line per interval, two before each
    // histogram's heading.
    let start = format!("{}[{pid}] lock {lock} contended ", Waiter::comm());
    let at = headings_of(out, &start);
    assert_eq!(at.len(), 1, "one thread, one lock, one stack: {out:?}");
    let at = at[0];
    assert_eq!(out[at - 2..at], ["", ""], "{out:?}");
    let (contended, avg, max, min) = heading(&out[at], &start, "usecs").unwrap();
    assert_eq!(contended, ROUNDS, "{}", out[at]);
    assert!(WAIT.contains(&min) && WAIT.contains(&max), "{}", out[at]);
    assert!(min <= avg && avg <= max, "{}", out[at]);
    // The user stack between two - lines: the helper's function innermost,
    // main its caller.
    assert_eq!(out[at + 1], "    -");
    let end = at + 2 + out[at + 2..].iter().position(|l| l == "    -").unwrap();
    let frames = &out[at + 2..end];
    assert_eq!(frames[0], format!("    {TARGET}"), "{frames:?}");
    assert_eq!(frames[1], "    main", "{frames:?}");
    let (bucket, total) = only_bucket(out, end + 1, "usecs");
    assert_eq!(bucket, "32768 -> 65535");
    assert_eq!(total, ROUNDS);
    // -p: nothing of the other helper.
    assert!(
        !out.iter().any(|l| l.contains(&format!("[{other_pid}] "))),
        "{out:?}"
    );
    assert!(
        f.stderr.iter().all(|l| !l.contains("lost")),
        "{:?}",
        f.stderr
    );
}

#[test]
fn json_for_one_thread() {
    let _cpus = timing();
    let waiter = Waiter::spawn();
    let (pid, lock) = (waiter.pid(), waiter.lock());
    // The main thread waits: its thread ID is the process's.
    let t = Tracer::start(BIN, &["--json", "-t", &pid.to_string()]);
    waiter.release();
    let f = t.stop();
    f.assert_success();
    assert!(
        f.stderr
            .iter()
            .any(|l| l == "Tracing futex contention... Hit Ctrl-C to end."),
        "{:?}",
        f.stderr
    );
    let objects = f.json();
    let mine: Vec<&serde_json::Value> = objects.iter().filter(|o| o["lock"] == lock).collect();
    assert_eq!(mine.len(), 1, "{objects:?}");
    let o = mine[0];
    assert_eq!(o["comm"], Waiter::comm());
    assert_eq!(o["pid"], pid);
    assert_eq!(o["tid"], pid);
    assert_eq!(o["contended"], ROUNDS);
    assert_eq!(o["unit"], "usecs");
    let (min, max) = (o["min"].as_u64().unwrap(), o["max"].as_u64().unwrap());
    assert!(WAIT.contains(&min) && WAIT.contains(&max), "{o}");
    let stack = o["user_stack"].as_array().unwrap();
    assert_eq!(stack[0], TARGET, "{o}");
    assert_eq!(stack[1], "main", "{o}");
    let buckets = o["buckets"].as_array().unwrap();
    let last = buckets.last().unwrap();
    assert_eq!(
        *last,
        serde_json::json!({"low": 32768, "high": 65535, "count": ROUNDS})
    );
    let total: u64 = buckets.iter().map(|b| b["count"].as_u64().unwrap()).sum();
    assert_eq!(total, ROUNDS, "{o}");
    // -t: only that thread's waits.
    assert!(objects.iter().all(|o| o["tid"] == pid), "{objects:?}");
}

#[test]
fn summary_in_milliseconds_of_one_lock_through_raw_tp() {
    let _cpus = timing();
    let waiter = Waiter::spawn();
    let (pid, lock) = (waiter.pid(), waiter.lock());
    let args = ["-s", "-m", "-T", "-v", "-l", &lock];
    let t = Tracer::start_env(BIN, &args, &[("BPFTK_HOOK", "raw_tp")]);
    waiter.release();
    let f = t.stop();
    f.assert_success();
    let out = &f.stdout;
    // -l: that lock alone, of any process; -s: per process, no stack.
    let start = format!("{}[{pid}] lock {lock} contended ", Waiter::comm());
    let at = headings_of(out, &start);
    assert_eq!(at.len(), 1, "{out:?}");
    let at = at[0];
    let (contended, _, max, min) = heading(&out[at], &start, "msecs").unwrap();
    assert_eq!(contended, ROUNDS, "{}", out[at]);
    assert!(
        (30..66).contains(&min) && (30..66).contains(&max),
        "{}",
        out[at]
    );
    let (bucket, total) = only_bucket(out, at + 1, "msecs");
    assert_eq!(bucket, "32 -> 63");
    assert!(
        f.stderr
            .iter()
            .any(|l| l.trim() == "futex exit: raw_tp sys_exit"),
        "{:?}",
        f.stderr
    );
    assert_eq!(total, ROUNDS);
    assert!(
        out.iter()
            .all(|l| l.is_empty() || !l.contains(" lock ") || l.contains(&lock)),
        "{out:?}"
    );
    // -T: the time on the line after the interval's empty line.
    let time = out[..at].iter().rev().find(|l| !l.is_empty()).unwrap();
    assert!(
        time.len() == 8 && chrono::NaiveTime::parse_from_str(time, "%H:%M:%S").is_ok(),
        "{out:?}"
    );
}

#[test]
fn another_lock_shows_nothing() {
    let waiter = Waiter::spawn();
    let pid = waiter.pid();
    let other = format!("{:#x}", waiter.lock + 4);
    let t = Tracer::start(BIN, &["-p", &pid.to_string(), "-l", &other]);
    waiter.release();
    let f = t.stop();
    f.assert_success();
    assert_eq!(
        f.stdout[0],
        "Tracing futex contention... Hit Ctrl-C to end."
    );
    assert!(f.stdout[1..].iter().all(|l| l.is_empty()), "{:?}", f.stdout);
}

#[test]
fn every_alternative_passes_the_verifier() {
    assert_all_hooks_load(BIN, &[]);
    assert_all_hooks_load(BIN, &["-s", "-m"]);
}

#[test]
fn bad_input_is_one_clear_line() {
    assert_usage_error(BIN, &["-l", "zzz"]);
    assert_usage_error(BIN, &["-l", "0"]);
    assert_usage_error(BIN, &["-l", "0x10000000000000000"]);
    assert_usage_error(BIN, &["-p", "abc"]);
    assert_usage_error(BIN, &["-t", "-1"]);
    assert_usage_error(BIN, &["0"]);
    assert_usage_error(BIN, &["1", "0"]);
    assert_usage_error(BIN, &["1", "2", "3"]);
    assert_usage_error(BIN, &["--perf-max-stack-depth", "0"]);
    assert_usage_error(BIN, &["--stack-storage-size", "0"]);
    assert_runtime_error(BIN, &["-p", "999999999"], &[], "no such process: 999999999");
    assert_runtime_error(BIN, &["-t", "999999999"], &[], "no such thread: 999999999");
    assert_runtime_error(BIN, &["-t", "0"], &[], "no such thread: 0");
    assert_needs_privileges(BIN, &[]);
}
