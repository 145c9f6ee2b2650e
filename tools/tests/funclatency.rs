//! funclatency end to end: a helper function that sleeps 100 ms.

use crate::common::*;

const BIN: &str = env!("CARGO_BIN_EXE_funclatency");

fn target() -> String {
    format!(
        "{}:bpftk_sleep_target",
        c_helper("sleeper", false).display()
    )
}

#[test]
fn a_100ms_function_lands_in_its_bucket() {
    let _cpus = timing();
    let child = GatedChild::spawn(&format!("{} 5 100", c_helper("sleeper", false).display()));
    let pid = child.pid().to_string();
    let f_name = target();
    // Stopped once the child is done (SIGINT prints the same summary): a
    // fixed -d could end before a slow child on a loaded machine is.
    let (f, _) = trace(BIN, &["-m", "-p", &pid, &f_name], |_| {
        assert!(child.release())
    });
    assert_eq!(
        f.stdout[0],
        format!("Tracing {f_name}.  Hit Ctrl-C to exit")
    );
    let bucket = f
        .stdout
        .iter()
        .find(|l| l.trim_start().starts_with("64 -> 127"))
        .unwrap_or_else(|| panic!("{:?}", f.stdout));
    assert!(bucket.contains(": 5 "), "5 calls of 100 ms: {bucket}");
    assert!(
        f.stdout
            .iter()
            .any(|l| l.starts_with("avg = ") && l.ends_with("count: 5")),
        "{:?}",
        f.stdout
    );
    assert_eq!(
        f.stdout.last().unwrap(),
        &format!("Exiting trace of {f_name}")
    );
}

#[test]
fn microseconds_in_json() {
    let _cpus = timing();
    let child = GatedChild::spawn(&format!("{} 3 20", c_helper("sleeper", false).display()));
    let pid = child.pid().to_string();
    // Long enough for the child even on a loaded machine.
    let t = Tracer::start(BIN, &["--json", "-u", "-p", &pid, "-d", "8", &target()]);
    assert!(child.release());
    let f = t.finish();
    f.assert_success();
    let objects = f.json();
    let h = objects.iter().find(|o| o.get("buckets").is_some()).unwrap();
    assert_eq!(h["unit"], "usecs");
    // 20 ms = 20000 us: the 16384 -> 32767 bucket.
    let b = h["buckets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["low"] == 16384)
        .unwrap()
        .clone();
    assert_eq!(b["count"], 3, "{h}");
    let s = objects.iter().find(|o| o.get("avg").is_some()).unwrap();
    assert_eq!(s["count"], 3);
}

#[test]
fn kernel_functions_need_fentry_or_kprobes() {
    // Neither attaches here; both pass the verifier when forced.
    assert_runtime_error(BIN, &["vfs_read"], &[], "this kernel offers no hook for function entry and return: tried fentry vfs_read (fentry refused), kprobe vfs_read (no kprobes)");
    let f = run(
        BIN,
        &["vfs_read"],
        &[("BPFTK_HOOK", "kprobe"), ("BPFTK_LOAD_ONLY", "1")],
    );
    assert!(f.status.success(), "{:?}", f.stderr);
    let f = run(
        BIN,
        &["vfs_read"],
        &[("BPFTK_HOOK", "fentry"), ("BPFTK_LOAD_ONLY", "1")],
    );
    assert!(
        f.status.success() || !kernel_loads_fentry(),
        "{:?}",
        f.stderr
    );
    assert_all_hooks_load(BIN, &["c:getppid"]);
}

/// The 64 -> 127 ms bucket's count, from a -m histogram.
fn count_of_100ms(stdout: &[String]) -> u64 {
    let bucket = stdout
        .iter()
        .find(|l| l.trim_start().starts_with("64 -> 127"))
        .unwrap_or_else(|| panic!("no 64 -> 127 bucket: {stdout:?}"));
    bucket
        .split(':')
        .nth(1)
        .and_then(|c| c.split_whitespace().next())
        .unwrap()
        .parse()
        .unwrap()
}

/// `:FUNC` is a function of -p's program, found through /proc/PID/exe.
#[test]
fn colon_func_is_in_the_program_of_p() {
    let _cpus = timing();
    let mut sleeper = std::process::Command::new(c_helper("sleeper", false))
        .args(["50", "100"])
        .spawn()
        .unwrap();
    let pid = sleeper.id().to_string();
    let (f, _) = trace(BIN, &["-m", "-p", &pid, ":bpftk_sleep_target"], |_| {
        std::thread::sleep(std::time::Duration::from_millis(800))
    });
    sleeper.kill().unwrap();
    sleeper.wait().unwrap();
    assert_eq!(
        f.stdout[0],
        "Tracing :bpftk_sleep_target.  Hit Ctrl-C to exit"
    );
    assert!(count_of_100ms(&f.stdout) >= 2, "{:?}", f.stdout);
    assert_runtime_error(
        BIN,
        &[":bpftk_sleep_target"],
        &[],
        ":bpftk_sleep_target names a function of a process's program: give -p PID",
    );
}

/// `NAME:FUNC` without -p is the program NAME on PATH, as libbpf-tools
/// finds it; with -p, the library libNAME that process has loaded.
#[test]
fn name_func_is_a_program_on_path_or_a_library_of_p() {
    let _cpus = timing();
    let helper = c_helper("sleeper", false);
    let name = helper.file_name().unwrap().to_str().unwrap().to_string();
    let path = format!(
        "{}:/usr/sbin:/usr/bin:/sbin:/bin",
        helper.parent().unwrap().display()
    );
    let function = format!("{name}:bpftk_sleep_target");
    let (f, _) = trace_env(BIN, &["-m", &function], &[("PATH", &path)], |_| {
        assert!(std::process::Command::new(&helper)
            .args(["3", "100"])
            .status()
            .unwrap()
            .success())
    });
    assert_eq!(count_of_100ms(&f.stdout), 3, "{:?}", f.stdout);

    // python3's time.sleep is libc's clock_nanosleep, in the libc it mapped.
    let py =
        GatedChild::spawn("/usr/bin/python3 -c 'import time; [time.sleep(0.1) for _ in range(3)]'");
    let pid = py.pid().to_string();
    let t = Tracer::start(BIN, &["-m", "-p", &pid, "c:clock_nanosleep"]);
    assert!(py.release());
    let f = t.stop();
    f.assert_success();
    assert_eq!(count_of_100ms(&f.stdout), 3, "{:?}", f.stdout);
}

/// -k: kprobes, not fentry, for a kernel function (neither attaches here;
/// the kprobes pass the verifier when loaded alone).
#[test]
fn kprobes_with_k() {
    assert_runtime_error(BIN, &["-k", "vfs_read"], &[], "this kernel offers no hook for function entry and return: tried kprobe vfs_read (no kprobes)");
    let kprobe = [("BPFTK_HOOK", "kprobe"), ("BPFTK_LOAD_ONLY", "1")];
    let f = run(BIN, &["-k", "vfs_read"], &kprobe);
    assert_eq!(
        f.stderr,
        ["funclatency: loaded kprobe_entry kretprobe_exit"]
    );
    // No fentry alternative is left to force.
    let fentry = [("BPFTK_HOOK", "fentry"), ("BPFTK_LOAD_ONLY", "1")];
    assert_runtime_error(
        BIN,
        &["-k", "vfs_read"],
        &fentry,
        "tried kprobe vfs_read (no kprobes)",
    );
    assert_runtime_error(
        BIN,
        &["-k", "c:read"],
        &[],
        "-k is for kernel functions: c:read is a user function",
    );
}

#[test]
fn bad_input_is_one_clear_line() {
    assert_usage_error(BIN, &[]);
    assert_usage_error(BIN, &["-m", "-u", "vfs_read"]);
    assert_runtime_error(
        BIN,
        &["c:bpftk_no_such_fn"],
        &[],
        "does not define bpftk_no_such_fn",
    );
    assert_runtime_error(BIN, &["/nonexistent:f"], &[], "/nonexistent: no such file");
    assert_runtime_error(
        BIN,
        &["-p", "999999999", "c:read"],
        &[],
        "no such process: 999999999",
    );
    assert_needs_privileges(BIN, &["c:read"]);
}
