//! Every tool (from `bpftk list`, so none is left out) through what a user's
//! shell can do to it: a full disk, a reader that goes away or stalls, a
//! closed terminal (SIGHUP), durations too large for the clock, a tiny
//! open-files limit, bytes a terminal would obey; and the bad input of the
//! multicall binary.

use std::io::Read;
use std::os::unix::process::ExitStatusExt;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

use crate::common::*;

const BPFTK: &str = env!("CARGO_BIN_EXE_bpftk");

/// Every tool's name, and the arguments it needs to run at all. The stack
/// tools follow only this test process: system-wide, their report at exit
/// takes a debug build many seconds to symbolize.
pub fn every_tool() -> Vec<(String, Vec<&'static str>)> {
    let me: &'static str = Box::leak(std::process::id().to_string().into_boxed_str());
    let out = Command::new(BPFTK).arg("list").output().unwrap();
    assert!(out.status.success());
    let list = String::from_utf8(out.stdout).unwrap();
    // The file system aliases (ext4slower: "... (fsslower -t ext4)") share
    // everything with their family but the preset -t: the family runs here,
    // and each family's alias is tested by its own name in its module.
    let aliases = |l: &&str| !l.contains("(fsslower -t ") && !l.contains("(fsdist -t ");
    let tools: Vec<(String, Vec<&str>)> = list
        .lines()
        .filter(|l| runs_here(l.split_whitespace().next().unwrap()))
        .filter(aliases)
        .map(|l| {
            let name = l.split_whitespace().next().unwrap().to_string();
            let args = match name.as_str() {
                "funclatency" => vec!["c:getpid"],
                "stackcount" => vec!["-p", me, "t:sched:sched_switch"],
                "profile" | "offcputime" | "wakeuptime" => vec!["-p", me],
                "futexctn" | "klockstat" | "memleak" => vec!["-p", me],
                "fsslower" | "fsdist" => vec!["-t", "ext4"],
                _ => vec![],
            };
            (name, args)
        })
        .collect();
    assert!(tools.len() >= 39, "bpftk list: {list}");
    tools
}

/// Whether this kernel has what the tool needs besides hooks (md loaded
/// for mdflush); where not, the tool's own module shows its one-line error.
fn runs_here(tool: &str) -> bool {
    match tool {
        "mdflush" => block_driver_loaded("md"),
        // A cpufreq driver: most virtual machines have none.
        "cpufreq" => std::path::Path::new("/sys/devices/system/cpu/cpu0/cpufreq").exists(),
        // Hardware cache counters: most virtual machines have none.
        "llcstat" => {
            use libtools::perf::{available, Event};
            available(Event::CacheMisses) && available(Event::CacheReferences)
        }
        _ => true,
    }
}

/// The tools that trace (all but flamegraph, which reads stdin) and that
/// this kernel offers hooks for.
fn every_tracer() -> Vec<(String, Vec<&'static str>)> {
    let cannot = cannot_run_here();
    every_tool()
        .into_iter()
        .filter(|(n, _)| n != "flamegraph" && !cannot.contains(n))
        .collect()
}

/// The tools this kernel offers no hook for (readahead without fentry and
/// kprobes), found once by loading every tool: each must have said so in
/// one line and exited 1. The kernel matrix runs them elsewhere.
fn cannot_run_here() -> &'static [String] {
    static CANNOT: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    CANNOT.get_or_init(|| {
        let mut cannot = Vec::new();
        for (name, args) in every_tool().iter().filter(|(n, _)| n != "flamegraph") {
            let f = run(
                BPFTK,
                &[&[name.as_str()], &args[..]].concat(),
                &[("BPFTK_LOAD_ONLY", "1")],
            );
            let err = f.stderr.join("\n");
            if !err.contains(": error: this kernel offers no hook for ") {
                continue;
            }
            assert_eq!(f.status.code(), Some(1), "{name}: {err}");
            assert_eq!(f.stderr.len(), 1, "{name}: {err}");
            assert!(
                f.stderr[0].starts_with(&format!("{name}: error: ")),
                "{err}"
            );
            eprintln!("NOTE: {name}: not run here: {err}");
            cannot.push(name.clone());
        }
        cannot
    })
}

struct Run {
    name: String,
    child: Child,
}

fn spawn(name: &str, args: &[&str], stdout: Stdio) -> Run {
    require_root();
    let child = Command::new(BPFTK)
        .arg(name)
        .args(args)
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    Run {
        name: name.to_string(),
        child,
    }
}

impl Run {
    /// Wait up to `limit` for the tool to exit by itself.
    fn wait_for(&mut self, limit: Duration) -> Option<ExitStatus> {
        let start = Instant::now();
        while start.elapsed() < limit {
            if let Some(s) = self.child.try_wait().unwrap() {
                return Some(s);
            }
            thread::sleep(Duration::from_millis(20));
        }
        None
    }

    /// Send `sig` unless it has exited, then wait for the exit (killing it
    /// after 15 s, which fails the check).
    fn stop_with(mut self, sig: Signal) -> (String, ExitStatus, String) {
        if self.child.try_wait().unwrap().is_none() {
            let _ = kill(Pid::from_raw(self.child.id() as i32), sig);
        }
        let status = self.wait_for(Duration::from_secs(15)).unwrap_or_else(|| {
            let _ = self.child.kill();
            panic!("{} did not exit within 15 s of {sig}", self.name)
        });
        let mut err = String::new();
        let _ = self.child.stderr.take().unwrap().read_to_string(&mut err);
        (self.name, status, err)
    }
}

/// Start every tool at once, give them time to load and attach, then stop
/// the ones still running with `sig`.
fn run_all(
    args_of: impl Fn(&str, &[&'static str]) -> Vec<&'static str>,
    stdout: impl Fn() -> Stdio,
    sig: Signal,
) -> Vec<(String, ExitStatus, String)> {
    // Forty tools at once take the CPUs from tests that time things.
    let _alone = cpu_hog();
    let mut runs: Vec<Run> = every_tracer()
        .iter()
        .map(|(n, a)| spawn(n, &args_of(n, a), stdout()))
        .collect();
    // Loading 39 tools' programs at once on two CPUs takes a few seconds.
    thread::sleep(Duration::from_secs(8));
    for r in &mut runs {
        let _ = r.child.try_wait();
    }
    runs.into_iter().map(|r| r.stop_with(sig)).collect()
}

fn no_panic(name: &str, status: &ExitStatus, err: &str) {
    assert!(
        !err.contains("panicked") && status.signal().is_none() && status.code() != Some(134),
        "{name}: {status}\n{err}"
    );
}

#[test]
fn a_full_disk_is_one_error_line_and_status_1() {
    let dev_full = || Stdio::from(std::fs::File::create("/dev/full").unwrap());
    for (name, status, err) in run_all(|_, a| a.to_vec(), dev_full, Signal::SIGINT) {
        no_panic(&name, &status, &err);
        assert_eq!(status.code(), Some(1), "{name}: {status}\n{err}");
        assert_eq!(
            err.trim_end(),
            format!("{name}: error: cannot write output: No space left on device"),
            "{name}"
        );
    }
}

#[test]
fn a_reader_that_goes_away_is_a_quiet_stop() {
    // The pipe's read end is closed at once: every write fails with EPIPE.
    let closed = || {
        let (r, w) = nix::unistd::pipe().unwrap();
        drop(r);
        Stdio::from(w)
    };
    for (name, status, err) in run_all(|_, a| a.to_vec(), closed, Signal::SIGINT) {
        no_panic(&name, &status, &err);
        assert_eq!(status.code(), Some(0), "{name}: {status}\n{err}");
        assert!(!err.contains("error"), "{name}: {err}");
    }
}

#[test]
fn interval_tools_notice_a_closed_pipe_by_themselves() {
    // `stackcount -i 1 ... | head -1`: once the reader is gone, the next
    // report fails and the tool must end without being told to.
    let _alone = cpu_hog();
    let interval_1 = |name: &str, args: &[&'static str]| -> Option<Vec<&'static str>> {
        let help = Command::new(BPFTK).args([name, "--help"]).output().unwrap();
        let help = String::from_utf8_lossy(&help.stdout).into_owned();
        let mut a = args.to_vec();
        if name == "biopattern" {
            return None; // an idle interval prints nothing, so it cannot notice
        }
        if help.contains("[INTERVAL]") {
            a.insert(0, "1");
        } else if help.contains("-i, --interval") {
            a.splice(0..0, ["-i", "1"]);
        } else {
            return None;
        }
        Some(a)
    };
    let mut runs: Vec<Run> = every_tracer()
        .iter()
        .filter_map(|(n, a)| interval_1(n, a).map(|args| spawn(n, &args, Stdio::piped())))
        .collect();
    // As `| head -1`: take the first line, then close the pipe.
    for r in &mut runs {
        let mut out = r.child.stdout.take().unwrap();
        let mut byte = [0u8];
        while out.read(&mut byte).unwrap_or(0) == 1 && byte[0] != b'\n' {}
    }
    assert!(runs.len() >= 10, "{} interval tools", runs.len());
    for mut r in runs {
        let status = r.wait_for(Duration::from_secs(20));
        let (name, status2, err) = r.stop_with(Signal::SIGKILL);
        assert!(
            status.is_some(),
            "{name} went on after its reader left\n{err}"
        );
        no_panic(&name, &status2, &err);
        assert_eq!(status2.code(), Some(0), "{name}: {status2}\n{err}");
    }
}

#[test]
fn sighup_stops_every_tool_like_sigterm() {
    for (name, status, err) in run_all(|_, a| a.to_vec(), Stdio::null, Signal::SIGHUP) {
        no_panic(&name, &status, &err);
        assert_eq!(status.code(), Some(0), "{name}: {status}\n{err}");
    }
}

#[test]
fn durations_too_large_for_the_clock_are_accepted() {
    const HUGE: &str = "9223372036854775807";
    let huge = |name: &str, args: &[&'static str]| {
        let help = Command::new(BPFTK).args([name, "--help"]).output().unwrap();
        let help = String::from_utf8_lossy(&help.stdout).into_owned();
        let mut a = args.to_vec();
        if help.contains("-d, --duration") {
            a.extend(["-d", HUGE]);
        } else if help.contains("[INTERVAL]") || help.contains("[DURATION]") {
            a.push(HUGE);
        }
        a
    };
    for (name, status, err) in run_all(huge, Stdio::null, Signal::SIGINT) {
        no_panic(&name, &status, &err);
        assert_eq!(status.code(), Some(0), "{name}: {status}\n{err}");
    }
}

#[test]
fn a_stalled_reader_does_not_keep_a_tool_from_stopping() {
    // opensnoop | (a reader that never reads), under an open storm: the
    // pipe fills, the tool blocks in write(2); SIGINT must still end it.
    let _alone = cpu_hog();
    let (r, w) = nix::unistd::pipe().unwrap();
    let mut run = spawn("opensnoop", &[], Stdio::from(w));
    thread::sleep(Duration::from_secs(3));
    let storm_end = Instant::now() + Duration::from_secs(2);
    while Instant::now() < storm_end {
        for _ in 0..200 {
            let _ = std::fs::File::open("/etc/hostname");
        }
    }
    assert!(
        run.wait_for(Duration::ZERO).is_none(),
        "opensnoop exited early"
    );
    let start = Instant::now();
    let (name, status, err) = run.stop_with(Signal::SIGINT);
    let took = start.elapsed();
    drop(r);
    assert!(
        took < Duration::from_secs(1),
        "{name} took {took:?} to stop"
    );
    assert_eq!(status.code(), Some(0), "{status}\n{err}");
}

#[test]
fn a_second_sigint_ends_a_tool_that_is_still_stopping() {
    // The first SIGINT asks for a clean stop; the tool then waits up to
    // 500 ms for a stalled reader. A second SIGINT in that time must end it
    // at once, killed by the signal, instead of being ignored.
    let _alone = cpu_hog();
    let (r, w) = nix::unistd::pipe().unwrap();
    let mut run = spawn("opensnoop", &[], Stdio::from(w));
    thread::sleep(Duration::from_secs(3));
    let storm_end = Instant::now() + Duration::from_secs(1);
    while Instant::now() < storm_end {
        for _ in 0..200 {
            let _ = std::fs::File::open("/etc/hostname");
        }
    }
    let pid = Pid::from_raw(run.child.id() as i32);
    kill(pid, Signal::SIGINT).unwrap();
    thread::sleep(Duration::from_millis(50));
    let second = Instant::now();
    kill(pid, Signal::SIGINT).unwrap();
    let status = run.wait_for(Duration::from_secs(5)).expect("still running");
    let took = second.elapsed();
    drop(r);
    // Killed, not a clean exit 0 after the wait; the kernel's teardown of
    // the attached programs still takes its few hundred ms.
    assert_eq!(status.signal(), Some(libc::SIGINT), "{status}");
    assert!(took < Duration::from_secs(2), "took {took:?}");
}

#[test]
fn a_tiny_open_files_limit_is_named() {
    // It runs out as the object loads, or as it opens when this harness's
    // other threads have left the child some of their descriptors: the
    // same sentence either way.
    let f = run("prlimit", &["--nofile=10:10", BPFTK, "opensnoop"], &[]);
    assert_eq!(f.status.code(), Some(1), "{:?}", f.stderr);
    let err = f.stderr.join("\n");
    assert!(
        err.starts_with("opensnoop: error: ")
            && err.contains("too many open files: the limit is 10"),
        "{err}"
    );
    assert_eq!(f.stderr.len(), 1, "{err}");
}

#[test]
fn control_bytes_and_stray_bytes_in_a_comm_are_escaped() {
    // A task name with CSI (U+009B, which terminals obey), ESC, a raw C1
    // byte and a byte that is not UTF-8: escaped in the table, in JSON as
    // escapes plus the raw bytes in base64.
    let file = unique_file("hostile-comm");
    let script = format!(
        "import ctypes; ctypes.CDLL(None).prctl(15, b'x\\xc2\\x9b\\x1b[31m\\x9b\\xff', 0, 0, 0); open('{file}').close()"
    );
    for json in [false, true] {
        let args: &[&str] = if json { &["--json"] } else { &[] };
        let t = Tracer::start(env!("CARGO_BIN_EXE_opensnoop"), args);
        let status = Command::new("python3")
            .args(["-c", &script])
            .status()
            .unwrap();
        assert!(status.success());
        assert!(t.wait_for_text(&file), "the open of {file} was not seen");
        let f = t.stop();
        f.assert_success();
        let line = f.stdout.iter().find(|l| l.contains(&file)).unwrap();
        assert!(!line.bytes().any(|b| b < 0x20 || b == 0x7f), "{line:?}");
        if json {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            assert_eq!(v["comm"], "x\u{9b}\u{1b}[31m\u{fffd}\u{fffd}");
            assert!(line.contains(r#""comm":"x\u009b\u001b[31m"#), "{line}");
            assert_eq!(v["comm_bytes"], "eMKbG1szMW2b/w==");
        } else {
            assert!(line.contains(r"x\u009b\x1b[31m\x9b\xff "), "{line:?}");
        }
    }
    std::fs::remove_file(&file).unwrap();
}

#[test]
fn a_huge_argument_is_not_echoed_back_in_full() {
    let huge = "x".repeat(100_000);
    for (name, _) in every_tool() {
        // timeout: a tool that took the argument and began to trace fails here.
        let f = run("timeout", &["20", BPFTK, &name, &huge], &[]);
        let code = f.status.code();
        assert!(matches!(code, Some(1 | 2)), "{name}: {code:?}");
        let err = f.stderr.join("\n");
        no_panic(&name, &f.status, &err);
        assert!(err.len() < 2000, "{name}: {} bytes on stderr", err.len());
        assert!(
            err.contains("(100000 bytes)") || err.contains("(100001 bytes)"),
            "{name}: {err}"
        );
    }
}

#[test]
fn bpftk_list_refuses_arguments_and_reports_a_full_disk() {
    let f = run(BPFTK, &["list", "extra"], &[]);
    assert_eq!(f.status.code(), Some(2));
    assert_eq!(f.stderr[0], "bpftk: error: bpftk list takes no arguments");
    let out = Command::new(BPFTK)
        .arg("list")
        .stdout(std::fs::File::create("/dev/full").unwrap())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim_end(),
        "bpftk: error: cannot write output: No space left on device"
    );
}
