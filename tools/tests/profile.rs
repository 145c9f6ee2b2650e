//! profile and flamegraph end to end, on the running kernel.

use std::io::Write;
use std::process::{Command, Stdio};

use crate::common::*;

const BIN: &str = env!("CARGO_BIN_EXE_profile");
const FLAMEGRAPH: &str = env!("CARGO_BIN_EXE_flamegraph");
const TARGET: &str = "bpftk_spin_target";

/// (frames, count) of each folded line.
fn folded(lines: &[String]) -> Vec<(Vec<String>, u64)> {
    lines
        .iter()
        .map(|l| {
            let (stack, count) = l.rsplit_once(' ').unwrap_or_else(|| panic!("{l:?}"));
            (
                stack.split(';').map(String::from).collect(),
                count.parse().unwrap_or_else(|_| panic!("{l:?}")),
            )
        })
        .collect()
}

#[test]
fn folded_profile_of_a_child_finds_its_hot_function() {
    let _cpus = cpu_hog();
    let child = spin(false, false);
    let pid = child.id().to_string();
    let t = Tracer::start(BIN, &["-f", "-p", &pid, "2"]);
    let f = t.finish();
    drop(child);
    f.assert_success();
    let lines = folded(&f.stdout);
    let total: u64 = lines.iter().map(|l| l.1).sum();
    let hot: u64 = lines
        .iter()
        .filter(|(frames, _)| frames.iter().any(|f| f == TARGET))
        .map(|l| l.1)
        .sum();
    assert!(
        total >= 20,
        "too few samples at 49 Hz for 2 s: {:?}",
        f.stdout
    );
    assert!(
        hot * 2 > total,
        "{TARGET} holds {hot} of {total}: {:?}",
        f.stdout
    );
    for (frames, _) in &lines {
        assert!(frames[0].starts_with("spin"), "comm first: {frames:?}");
        // Root to leaf: main before the target.
        if let Some(i) = frames.iter().position(|f| f == TARGET) {
            assert!(frames[..i].iter().any(|f| f == "main"), "{frames:?}");
        }
    }
}

/// bcc's -c: a sample every COUNT events of the CPU clock (nanoseconds)
/// instead of -F times a second. Every 1000000 is 1000 a second per CPU:
/// more samples of a spinning child in 3 s than 49 Hz could give on every
/// CPU of the machine together.
#[test]
fn sample_period_with_c() {
    let _cpus = cpu_hog();
    let child = spin(false, false);
    let pid = child.id();
    let f = Tracer::start(BIN, &["-c", "1000000", "-p", &pid.to_string(), "3"]).finish();
    f.assert_success();
    assert_eq!(
        f.stdout[0],
        format!("Sampling at every 1000000 events of PID {pid} by user + kernel stack for 3 secs.")
    );
    let f = Tracer::start(
        BIN,
        &["-f", "--count", "1000000", "-p", &pid.to_string(), "3"],
    )
    .finish();
    drop(child);
    f.assert_success();
    let total: u64 = folded(&f.stdout).iter().map(|l| l.1).sum();
    let cpus = libtools::perf::online_cpus().unwrap().len() as u64;
    assert!(
        total > 49 * 3 * cpus,
        "{total} samples: no more than -F 49 would take: {:?}",
        f.stdout
    );
    assert_usage_error(BIN, &["-c", "1000", "-F", "99"]);
    assert_usage_error(BIN, &["-c", "0"]);
}

#[test]
fn kernel_only_and_user_only_stacks() {
    let _cpus = cpu_hog();
    let child = spin(true, false);
    let pid = child.id().to_string();
    let k = Tracer::start(BIN, &["-K", "-f", "-p", &pid, "2"]).finish();
    let u = Tracer::start(BIN, &["-U", "-f", "-p", &pid, "2"]).finish();
    drop(child);
    k.assert_success();
    u.assert_success();
    let kernel = folded(&k.stdout);
    assert!(
        kernel.iter().any(|(f, _)| f
            .iter()
            .any(|n| n == "__x64_sys_getppid" || n == "do_syscall_64")),
        "no named kernel frames for getppid(2): {:?}",
        k.stdout
    );
    for (frames, _) in &kernel {
        assert!(
            !frames.iter().any(|f| f == TARGET || f == "main"),
            "{frames:?}"
        );
    }
    let user = folded(&u.stdout);
    assert!(
        user.iter().any(|(f, _)| f.iter().any(|n| n == TARGET)),
        "{:?}",
        u.stdout
    );
    for (frames, _) in &user {
        assert!(
            !frames
                .iter()
                .any(|f| f.contains("do_syscall_64") || f.starts_with("entry_SYSCALL")),
            "{frames:?}"
        );
    }
}

#[test]
fn multiline_and_json_forms() {
    let _cpus = cpu_hog();
    let child = spin(false, false);
    let pid = child.id();
    let t = Tracer::start(BIN, &["-p", &pid.to_string(), "1"]);
    let f = t.finish();
    f.assert_success();
    assert_eq!(
        f.stdout[0],
        format!("Sampling at 49 Hertz of PID {pid} by user + kernel stack for 1 secs.")
    );
    assert!(
        f.stdout
            .iter()
            .any(|l| l.starts_with("    -                spin-")
                && l.ends_with(&format!(" ({pid})"))),
        "no '-  comm (pid)' line: {:?}",
        f.stdout
    );
    assert!(
        f.stdout.iter().any(|l| l == &format!("    {TARGET}")),
        "{:?}",
        f.stdout
    );

    let t = Tracer::start(BIN, &["--json", "-p", &pid.to_string(), "1"]);
    let f = t.finish();
    drop(child);
    f.assert_success();
    let objects = f.json();
    let hot = objects
        .iter()
        .find(|o| o["user_stack"][0] == TARGET)
        .unwrap_or_else(|| panic!("no stack with {TARGET} innermost: {objects:?}"));
    assert_eq!(hot["pid"], pid);
    assert!(hot["count"].as_u64().unwrap() > 0);
    assert!(hot["kernel_stack"].is_array());
}

#[test]
fn stripped_binaries_and_exited_processes_give_placeholders_not_errors() {
    let _cpus = cpu_hog();
    // A stripped copy: its own frames show as module+offset.
    let child = spin(false, true);
    let pid = child.id().to_string();
    let f = Tracer::start(BIN, &["-U", "-f", "-p", &pid, "1"]).finish();
    drop(child);
    f.assert_success();
    let module = format!("spin-stripped-{}+0x", std::process::id());
    assert!(
        f.stdout.iter().any(|l| l.contains(&module)),
        "no {module}... frame: {:?}",
        f.stdout
    );
    assert!(
        !f.stdout.iter().any(|l| l.contains(TARGET)),
        "{:?}",
        f.stdout
    );

    // A process that exits two seconds before the report: still named.
    let child = GatedChild::spawn(&format!("{} 1", c_helper("spin", false).display()));
    let pid = child.pid().to_string();
    let t = Tracer::start(BIN, &["-U", "-f", "-p", &pid]);
    assert!(child.release());
    let f = t.stop();
    f.assert_success();
    assert!(
        f.stdout.iter().any(|l| l.contains(TARGET)),
        "the exited process's frames were not named: {:?}",
        f.stdout
    );
}

#[test]
fn folded_output_makes_a_flame_graph() {
    let _cpus = cpu_hog();
    let child = spin(true, false);
    let pid = child.id().to_string();
    let f = Tracer::start(BIN, &["-a", "-f", "-p", &pid, "2"]).finish();
    drop(child);
    f.assert_success();
    let mut fg = Command::new(FLAMEGRAPH)
        .args(["--title", "bpftk test", "--countname", "samples"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    fg.stdin
        .take()
        .unwrap()
        .write_all((f.stdout.join("\n") + "\n").as_bytes())
        .unwrap();
    let out = fg.wait_with_output().unwrap();
    assert!(out.status.success());
    let svg = String::from_utf8(out.stdout).unwrap();
    assert!(svg.starts_with("<?xml"), "{}", &svg[..100.min(svg.len())]);
    assert!(svg.trim_end().ends_with("</svg>"));
    assert_eq!(svg.matches("<svg").count(), svg.matches("</svg>").count());
    assert!(svg.contains(TARGET), "the function is not in the SVG");
    assert!(svg.contains("bpftk test"));
    // Kernel frames (getppid's) are drawn, orange rather than user red.
    assert!(svg.contains("do_syscall_64"), "no kernel frame in the SVG");
}

#[test]
fn flamegraph_rejects_empty_input() {
    let mut fg = Command::new(FLAMEGRAPH)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let _ = fg.stdout.take();
    let out = fg.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("no stacks on input"), "{err}");
    assert_usage_error(FLAMEGRAPH, &["--width", "abc"]);
    assert_runtime_error(
        FLAMEGRAPH,
        &["--colors", "plaid", "/dev/null"],
        &[],
        "unknown color palette: plaid",
    );
    assert_runtime_error(
        FLAMEGRAPH,
        &["/nonexistent.folded"],
        &[],
        "/nonexistent.folded",
    );
}

#[test]
fn pprof_profile_reads_in_go_tool_pprof() {
    let _cpus = cpu_hog();
    let child = spin(true, false);
    let pid = child.id();
    let file = unique_path("profile.pb.gz");
    let path = file.to_str().unwrap();
    let args = [
        "-F",
        "99",
        "--format",
        "pprof",
        "-o",
        path,
        "-p",
        &pid.to_string(),
        "2",
    ];
    let f = Tracer::start(BIN, &args).finish();
    drop(child);
    f.assert_success();
    assert!(
        f.stdout.is_empty(),
        "the profile is in the file: {:?}",
        f.stdout
    );

    // Every sample: its count, and the CPU time it stands for (1/99 s each).
    let raw = go_pprof(&["-raw"], &file);
    assert!(
        raw.contains("\nPeriodType: cpu nanoseconds\nPeriod: 10101010\n"),
        "{raw}"
    );
    let values = raw_values(&raw);
    for v in &values {
        assert_eq!(v.len(), 2, "samples/count and cpu/nanoseconds: {raw}");
        assert_eq!(v[1], v[0] * 10_101_010, "{raw}");
    }
    let samples: u64 = values.iter().map(|v| v[0]).sum();
    assert!(samples >= 40, "too few samples at 99 Hz for 2 s: {raw}");

    // The helper spins 50 ms for each 10 ms of getppid(2) calls.
    let top = go_pprof(&["-top"], &file);
    let helper = c_helper("spin", false);
    assert!(
        top.contains(&format!("\nBuild ID: {}\n", readelf_build_id(&helper))),
        "{top}"
    );
    assert!(
        top.starts_with(&format!(
            "File: {}\n",
            helper.file_name().unwrap().to_str().unwrap()
        )),
        "{top}"
    );
    assert!(top.contains("\nType: cpu\n"), "{top}");
    let rows = top_rows(&top);
    let hot = top_row(&rows, TARGET);
    assert!(hot.flat_pct > 50.0, "{TARGET}: {hot:?}\n{top}");
    assert!(top_row(&rows, "main").cum_pct > 90.0, "{top}");
    let counted = go_pprof(&["-top", "-sample_index=samples"], &file);
    let by_count = top_row(&top_rows(&counted), TARGET).flat_pct;
    assert!((by_count - hot.flat_pct).abs() < 0.1, "{counted}");

    // Labels; kernel frames leaf-side of the user frames that entered it.
    let traces = traces(&go_pprof(&["-traces"], &file));
    assert!(!traces.is_empty());
    for t in &traces {
        assert_eq!(t.label("pid"), Some(pid.to_string().as_str()), "{t:?}");
        assert!(
            t.label("comm").is_some_and(|c| c.starts_with("spin-")),
            "{t:?}"
        );
    }
    assert!(traces
        .iter()
        .any(|t| t.frames[0] == TARGET && t.frames.contains(&"main".into())));
    assert!(
        traces.iter().any(|t| {
            let syscall = t.frames.iter().position(|f| f == "do_syscall_64");
            let main = t.frames.iter().position(|f| f == "main");
            syscall.zip(main).is_some_and(|(s, m)| s < m)
        }),
        "no getppid(2) stack: {traces:?}"
    );
    let _ = std::fs::remove_file(&file);
}

#[test]
fn pprof_to_a_terminal_is_a_usage_error() {
    require_root();
    let pty = nix::pty::openpty(None, None).expect("openpty");
    let out = Command::new(BIN)
        .args(["--format", "pprof", "1"])
        .stdin(Stdio::null())
        .stdout(Stdio::from(pty.slave))
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("-o FILE"), "{err}");
}

#[test]
fn every_variant_passes_the_verifier() {
    for args in [&[][..], &["-U"][..], &["-K", "-I"][..]] {
        let f = run(BIN, args, &[("BPFTK_LOAD_ONLY", "1")]);
        assert!(f.status.success(), "{args:?}: {:?}", f.stderr);
    }
}

#[test]
fn bad_input_is_one_clear_line() {
    assert_usage_error(BIN, &["-F", "0"]);
    assert_usage_error(BIN, &["-p", "abc"]);
    assert_usage_error(BIN, &["-U", "-K"]);
    assert_usage_error(BIN, &["0"]);
    assert_usage_error(BIN, &["-o", "cpu.pb.gz", "1"]);
    assert_usage_error(BIN, &["--format", "svg", "1"]);
    assert_usage_error(BIN, &["-f", "--format", "pprof", "1"]);
    assert_usage_error(BIN, &["--json", "--format", "pprof", "1"]);
    assert_runtime_error(
        BIN,
        &["--format", "pprof", "-o", "/nonexistent/cpu.pb.gz", "1"],
        &[],
        "cannot create /nonexistent/cpu.pb.gz: No such file or directory",
    );
    // A profile that cannot be written: after the ready line, one error.
    let full = run(BIN, &["--format", "pprof", "-o", "/dev/full", "1"], &[]);
    assert_eq!(full.status.code(), Some(1), "{:?}", full.stderr);
    // (A stack the map could not hold is a warning of its own before it.)
    let (error, warnings) = full.stderr[1..].split_last().unwrap();
    assert_eq!(
        error,
        "profile: error: cannot write output: No space left on device"
    );
    assert!(
        warnings.iter().all(|w| w.starts_with("WARNING: ")),
        "{:?}",
        full.stderr
    );
    assert_runtime_error(BIN, &["-p", "999999999"], &[], "no such process: 999999999");
    assert_runtime_error(BIN, &["-C", "9999", "1"], &[], "CPU 9999 is not online");
    assert_needs_privileges(BIN, &["1"]);
}
