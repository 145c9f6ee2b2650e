//! memleak end to end: a helper leaks a known number of blocks from known
//! functions (and frees others), traced by -p and by -c; the kernel's
//! allocations for a helper's pipes.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};

use crate::common::*;

const BIN: &str = env!("CARGO_BIN_EXE_memleak");
const COUNT: u64 = 7;
const SIZE: u64 = 4000;
const READY: &str = "Tracing outstanding memory allocs...  Hit Ctrl-C to end";

/// The leak helper, started and waiting for its go on stdin.
struct Leaker(Child);

impl Leaker {
    fn spawn(count: u64, size: u64, linger_ms: u64) -> Leaker {
        let helper = c_helper("leak", false);
        let child = Command::new(&helper)
            .args([count.to_string(), size.to_string(), linger_ms.to_string()])
            .arg("wait")
            .stdin(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {helper:?}: {e}"));
        Leaker(child)
    }

    fn pid(&self) -> u32 {
        self.0.id()
    }

    /// Let it allocate, and wait until it exits.
    fn release(mut self) {
        self.0.stdin.take().unwrap().write_all(b"go\n").unwrap();
        assert!(self.0.wait().unwrap().success());
    }
}

impl Drop for Leaker {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The frames (function names) under the stack line `\tBYTES bytes in N
/// allocations from stack`, and the -a lines between.
fn stack_after(out: &[String], heading: &str) -> (Vec<String>, Vec<String>) {
    let at = out
        .iter()
        .position(|l| l == heading)
        .unwrap_or_else(|| panic!("no {heading:?} in {out:#?}"));
    let rest = &out[at + 1..];
    let allocs = rest
        .iter()
        .take_while(|l| l.starts_with("\taddr = "))
        .cloned()
        .collect::<Vec<_>>();
    let frames = rest[allocs.len()..]
        .iter()
        .take_while(|l| l.starts_with("\t\t0x"))
        .map(|l| l.rsplit('\t').next().unwrap().to_string())
        .collect();
    (frames, allocs)
}

#[test]
fn outstanding_allocations_of_a_pid_by_function() {
    let leaker = Leaker::spawn(COUNT, SIZE, 1000);
    let pid = leaker.pid();
    let t = Tracer::start(BIN, &["-p", &pid.to_string(), "-a"]);
    leaker.release();
    let f = t.stop();
    f.assert_success();
    let out = &f.stdout;
    assert_eq!(out[0], READY);
    let heading = out.iter().find(|l| l.starts_with('[')).unwrap();
    assert!(
        heading.ends_with("] Top 2 stacks with outstanding allocations:"),
        "{out:#?}"
    );
    // Largest first: the mallocs, then the posix_memaligns of half the size.
    let (frames, allocs) = stack_after(
        out,
        &format!("\t{} bytes in {COUNT} allocations from stack", COUNT * SIZE),
    );
    assert_eq!(frames[..2], ["bpftk_leak", "main"], "{out:#?}");
    assert_eq!(allocs.len() as u64, COUNT, "{out:#?}");
    assert!(allocs
        .iter()
        .all(|l| l.ends_with(&format!(" size = {SIZE}"))));
    let (frames, _) = stack_after(
        out,
        &format!(
            "\t{} bytes in {COUNT} allocations from stack",
            COUNT * SIZE / 2
        ),
    );
    assert_eq!(frames[..2], ["bpftk_leak_aligned", "main"], "{out:#?}");
    // What was freed is not outstanding.
    assert!(
        !out.iter().any(|l| l.ends_with("bpftk_no_leak")),
        "{out:#?}"
    );
    assert!(
        f.stderr.iter().all(|l| !l.contains("lost")),
        "{:?}",
        f.stderr
    );
}

#[test]
fn json_with_addresses_and_a_size_filter() {
    let leaker = Leaker::spawn(COUNT, SIZE, 1000);
    let pid = leaker.pid();
    // -z 3000: the mallocs of 4000 bytes, not the posix_memaligns of 2000.
    let t = Tracer::start(BIN, &["--json", "-a", "-z", "3000", "-p", &pid.to_string()]);
    leaker.release();
    let f = t.stop();
    f.assert_success();
    let objects = f.json();
    assert_eq!(objects.len(), 1, "{objects:#?}");
    let o = &objects[0];
    assert_eq!(o["bytes"], COUNT * SIZE);
    assert_eq!(o["allocations"], COUNT);
    assert_eq!(o["user_stack"][0], "bpftk_leak", "{o}");
    assert_eq!(o["user_stack"][1], "main", "{o}");
    assert_eq!(o["sizes"], serde_json::json!(vec![SIZE; COUNT as usize]));
    let addresses = o["addresses"].as_array().unwrap();
    assert_eq!(addresses.len() as u64, COUNT);
    assert!(addresses
        .iter()
        .all(|a| a.as_str().unwrap().starts_with("0x")));
    assert!(o["time"].is_string(), "{o}");
}

#[test]
fn a_command_is_started_traced_and_waited_for() {
    let helper = c_helper("leak", false);
    let command = format!("{} 5 1000 800", helper.display());
    // -Z 600: the posix_memaligns of 500 bytes only. The tool ends with
    // the command, with a report.
    let t = Tracer::start(BIN, &["-c", &command, "-Z", "600"]);
    let f = t.finish();
    f.assert_success();
    let out = &f.stdout;
    assert_eq!(out[0], READY);
    let (frames, _) = stack_after(out, "\t2500 bytes in 5 allocations from stack");
    assert_eq!(frames[..2], ["bpftk_leak_aligned", "main"], "{out:#?}");
    assert!(!out.iter().any(|l| l.ends_with("\tbpftk_leak")), "{out:#?}");
}

#[test]
fn each_call_and_free_with_trace() {
    let helper = c_helper("leak", false);
    let command = format!("{} 3 4000 600", helper.display());
    let t = Tracer::start(BIN, &["-t", "-z", "4000", "-Z", "4000", "-c", &command]);
    let f = t.finish();
    f.assert_success();
    let out = &f.stdout;
    let count = |p: &dyn Fn(&str) -> bool| out.iter().filter(|l| p(l)).count();
    // bpftk_leak's three and bpftk_no_leak's three; the latter freed.
    assert_eq!(count(&|l| l == "alloc entered, size = 4000"), 6, "{out:#?}");
    assert_eq!(
        count(&|l| l.starts_with("alloc exited, size = 4000, result = 0x")),
        6,
        "{out:#?}"
    );
    assert_eq!(
        count(&|l| l.starts_with("free entered, address = 0x") && l.ends_with(", size = 4000")),
        3,
        "{out:#?}"
    );
    stack_after(out, "\t12000 bytes in 3 allocations from stack");
}

/// The pipes helper: `count` pipes made, kept until it is dropped.
struct Piper(Child);

impl Piper {
    fn make(count: u32) -> Piper {
        let helper = c_helper("pipes", false);
        let mut child = Command::new(&helper)
            .arg(count.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {helper:?}: {e}"));
        child.stdin.as_mut().unwrap().write_all(b"go\n").unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert_eq!(line, "made\n");
        Piper(child)
    }
}

impl Drop for Piper {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The kernel's pipe_buffer arrays (1024 bytes each, kmalloc-1k) of a
/// helper's pipes: at least its `count` (other processes may make pipes
/// meanwhile), each of 1024 bytes.
fn assert_pipe_buffers(stacks: &[(u64, u64, Vec<String>)], count: u64) {
    let pipes: Vec<_> = stacks
        .iter()
        .filter(|(_, _, f)| {
            f.iter().any(|n| n == "alloc_pipe_info") && f.iter().any(|n| n == "do_pipe2")
        })
        .collect();
    assert!(!pipes.is_empty(), "{stacks:#?}");
    let (bytes, n): (u64, u64) = pipes.iter().fold((0, 0), |(b, n), s| (b + s.0, n + s.1));
    assert!(n >= count, "{pipes:#?}");
    assert_eq!(bytes, 1024 * n, "{pipes:#?}");
}

#[test]
fn kernel_allocations_by_stack() {
    const PIPES: u32 = 97;
    let t = Tracer::start(BIN, &["-z", "1024", "-Z", "1024", "-T", "10000"]);
    let piper = Piper::make(PIPES);
    // Older than -o's 500 ms at the report.
    std::thread::sleep(std::time::Duration::from_millis(900));
    let f = t.stop();
    drop(piper);
    f.assert_success();
    let out = &f.stdout;
    assert_eq!(out[0], READY);
    let mut stacks = Vec::new();
    for (i, l) in out.iter().enumerate() {
        let Some(rest) = l
            .strip_prefix('\t')
            .and_then(|r| r.strip_suffix(" allocations from stack"))
        else {
            continue;
        };
        let (bytes, n) = rest.split_once(" bytes in ").unwrap();
        let frames = out[i + 1..]
            .iter()
            .take_while(|l| l.starts_with("\t\t0x"))
            .map(|l| l.rsplit('\t').next().unwrap().to_string())
            .collect();
        stacks.push((bytes.parse().unwrap(), n.parse().unwrap(), frames));
    }
    assert_pipe_buffers(&stacks, PIPES.into());
}

#[test]
fn kernel_allocations_in_json_through_raw_tp() {
    const PIPES: u32 = 61;
    let args = ["--json", "-v", "-z", "1024", "-Z", "1024", "-T", "10000"];
    let t = Tracer::start_env(BIN, &args, &[("BPFTK_HOOK", "raw_tp")]);
    let piper = Piper::make(PIPES);
    std::thread::sleep(std::time::Duration::from_millis(900));
    let f = t.stop();
    drop(piper);
    f.assert_success();
    assert!(
        f.stderr
            .iter()
            .any(|l| l.trim() == "kmalloc: raw_tp kmalloc"),
        "{:?}",
        f.stderr
    );
    let stacks: Vec<(u64, u64, Vec<String>)> = f
        .json()
        .iter()
        .map(|o| {
            let frames = o["kernel_stack"].as_array().unwrap();
            let frames = frames
                .iter()
                .map(|f| f.as_str().unwrap().to_string())
                .collect();
            (
                o["bytes"].as_u64().unwrap(),
                o["allocations"].as_u64().unwrap(),
                frames,
            )
        })
        .collect();
    assert_pipe_buffers(&stacks, PIPES.into());
}

#[test]
fn every_alternative_passes_the_verifier() {
    assert_all_hooks_load(BIN, &["-P"]);
    let me = std::process::id().to_string();
    assert_all_hooks_load(BIN, &["-p", &me]);
    assert_all_hooks_load(BIN, &["-p", &me, "-C", "-F", "-s", "3"]);
}

#[test]
fn bad_input_is_one_clear_line() {
    let me = std::process::id().to_string();
    assert_usage_error(BIN, &["-p", "abc"]);
    assert_usage_error(BIN, &["-s", "0"]);
    assert_usage_error(BIN, &["-T", "0"]);
    assert_usage_error(BIN, &["-z", "-1"]);
    assert_usage_error(BIN, &["0"]);
    assert_usage_error(BIN, &["1", "0"]);
    assert_usage_error(BIN, &["--sort", "name"]);
    assert_usage_error(BIN, &["-p", &me, "-c", "true"]);
    assert_runtime_error(BIN, &["-p", "999999999"], &[], "no such process: 999999999");
    assert_runtime_error(
        BIN,
        &["-z", "10", "-Z", "5"],
        &[],
        "min size (-z) can't be greater than max size (-Z)",
    );
    assert_runtime_error(BIN, &["-c", ""], &[], "-c: the command is empty");
    assert_runtime_error(
        BIN,
        &["-c", "/nonexistent/leak"],
        &[],
        "/nonexistent/leak: no such executable file",
    );
    assert_runtime_error(
        BIN,
        &["-c", "bpftk-no-such-command"],
        &[],
        "command not found",
    );
    assert_runtime_error(
        BIN,
        &["-p", &me, "-O", "bpftk-no-such-lib"],
        &[],
        "-O bpftk-no-such-lib",
    );
    assert_needs_privileges(BIN, &[]);
}
