//! cpudist end to end: a child that sleeps 100 ms at a time, and one that
//! burns CPU.

use crate::common::*;

const BIN: &str = env!("CARGO_BIN_EXE_cpudist");

#[test]
fn off_cpu_time_of_a_sleeper_lands_in_its_bucket() {
    let _cpus = timing();
    let child = GatedChild::spawn(&format!("{} 10 100", c_helper("sleeper", false).display()));
    let pid = child.pid();
    let t = Tracer::start(BIN, &["-O", "-m", "-P", "-p", &pid.to_string()]);
    assert!(child.release());
    let f = t.stop();
    f.assert_success();
    assert_eq!(f.stdout[0], "Tracing off-CPU time... Hit Ctrl-C to end.");
    let heading = f
        .stdout
        .iter()
        .position(|l| l.starts_with(&format!("pid = {pid} ")))
        .unwrap_or_else(|| panic!("{:?}", f.stdout));
    assert_eq!(
        f.stdout[heading + 1],
        "     msecs               : count    distribution"
    );
    let bucket = f.stdout[heading..]
        .iter()
        .find(|l| l.trim_start().starts_with("64 -> 127"))
        .unwrap_or_else(|| panic!("{:?}", f.stdout));
    let n: u64 = bucket
        .split(':')
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!((8..=11).contains(&n), "10 sleeps of 100 ms: {bucket}");
    assert!(
        f.stdout.iter().filter(|l| l.starts_with("pid = ")).count() == 1,
        "-p {pid}: {:?}",
        f.stdout
    );
}

#[test]
fn on_cpu_slices_per_thread_in_json() {
    let _cpus = cpu_hog();
    // Started (exec'd) before the tool: a task first seen as the shell of
    // a GatedChild would keep the shell's comm in its histogram.
    let mut child = std::process::Command::new(c_helper("spin", false))
        .arg("600")
        .spawn()
        .unwrap();
    let pid = child.id();
    let t = Tracer::start(BIN, &["--json", "-L", "-p", &pid.to_string(), "2", "1"]);
    let f = t.finish();
    child.kill().unwrap();
    child.wait().unwrap();
    f.assert_success();
    let objects = f.json();
    let o = objects
        .iter()
        .find(|o| o["tid"] == pid)
        .unwrap_or_else(|| panic!("{objects:?}"));
    assert_eq!(o["unit"], "usecs");
    assert!(o["comm"].as_str().unwrap().starts_with("spin"), "{o}");
    let n: u64 = o["buckets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["count"].as_u64().unwrap())
        .sum();
    assert!(n > 0, "{o}");
}

/// The CPUs' idle time so far, in clock ticks (/proc/stat).
fn idle_ticks() -> u64 {
    let stat = std::fs::read_to_string("/proc/stat").unwrap();
    stat.lines()
        .next()
        .unwrap()
        .split_whitespace()
        .nth(4)
        .unwrap()
        .parse()
        .unwrap()
}

/// bcc's -I: the idle tasks (PID 0, swapper/N) are counted too; without
/// it they are left out, as bcc and libbpf-tools do. A CPU is idle only
/// when nothing else can run: on a machine kept busy by other work the
/// test tries again, for up to 20 seconds, until some CPU was idle.
#[test]
fn idle_time_only_with_include_idle() {
    let idle = |args: &[&str]| {
        let f = Tracer::start(BIN, args).finish();
        f.assert_success();
        f.json()
            .into_iter()
            .filter(|o| o["pid"] == 0)
            .collect::<Vec<_>>()
    };
    let mut seen = false;
    for _ in 0..10 {
        let before = idle_ticks();
        let with = idle(&["--json", "-P", "-I", "2", "1"]);
        if idle_ticks() == before {
            continue; // no CPU was idle: nothing to see
        }
        assert_eq!(with.len(), 1, "one histogram for PID 0: {with:?}");
        assert!(
            with[0]["comm"].as_str().unwrap().starts_with("swapper/"),
            "{with:?}"
        );
        let n: u64 = with[0]["buckets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["count"].as_u64().unwrap())
            .sum();
        assert!(n > 0, "{with:?}");
        seen = true;
        break;
    }
    assert!(
        seen,
        "no CPU was idle in 20 s of tries: the machine is too busy to see idle time"
    );
    assert_eq!(
        idle(&["--json", "-P", "2", "1"]),
        Vec::<serde_json::Value>::new()
    );
    // The flag's long name, in the table.
    let f = Tracer::start(BIN, &["-P", "--include-idle", "1", "1"]).finish();
    f.assert_success();
    assert!(
        f.stdout.iter().any(|l| l.starts_with("pid = ")),
        "{:?}",
        f.stdout
    );
}

#[test]
fn every_alternative_passes_the_verifier() {
    assert_all_hooks_load(BIN, &["-I"]);
    assert_all_hooks_load(BIN, &[]);
    assert_all_hooks_load(BIN, &["-O", "-P"]);
}

#[test]
fn bad_input_is_one_clear_line() {
    assert_usage_error(BIN, &["-P", "-L"]);
    assert_usage_error(BIN, &["0"]);
    assert_usage_error(BIN, &["-p", "abc"]);
    assert_runtime_error(BIN, &["-p", "999999999"], &[], "no such process: 999999999");
    assert_runtime_error(BIN, &["-c", "/tmp"], &[], "not a cgroup v2 directory");
    assert_needs_privileges(BIN, &[]);
}
