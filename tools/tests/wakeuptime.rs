//! wakeuptime end to end: a reader blocked on a pipe for 300 ms until a
//! writer wakes it.

use std::process::Command;

use crate::common::*;

const BIN: &str = env!("CARGO_BIN_EXE_wakeuptime");

/// `head` blocks reading a pipe that a shell writes to 300 ms later.
fn blocked_reader() {
    let status = Command::new("sh")
        .args(["-c", "(sleep 0.3; echo x) | head -c1 >/dev/null"])
        .status()
        .unwrap();
    assert!(status.success());
}

/// The folded lines whose target is `head`: (waker, frames, us).
fn head_lines(lines: &[String]) -> Vec<(String, Vec<String>, u64)> {
    lines
        .iter()
        .filter_map(|l| {
            let (stack, us) = l.rsplit_once(' ')?;
            let mut parts: Vec<String> = stack.split(';').map(String::from).collect();
            (parts.last()? == "head").then(|| {
                parts.pop();
                let waker = parts.remove(0);
                (waker, parts, us.parse().unwrap())
            })
        })
        .collect()
}

#[test]
fn folded_blocked_time_of_a_pipe_reader() {
    let _cpus = timing();
    let t = Tracer::start(BIN, &["-f", "3"]);
    blocked_reader();
    let f = t.finish();
    f.assert_success();
    let lines = head_lines(&f.stdout);
    let longest = lines
        .iter()
        .max_by_key(|l| l.2)
        .unwrap_or_else(|| panic!("{:?}", f.stdout));
    assert!((250_000..1_500_000).contains(&longest.2), "{longest:?}");
    assert!(
        !longest.0.is_empty() && !longest.1.is_empty(),
        "{longest:?}"
    );
    assert!(
        longest
            .1
            .iter()
            .all(|f| !f.starts_with("bpf_prog_") && !f.contains('[')),
        "named kernel frames: {longest:?}"
    );
}

#[test]
fn pprof_on_standard_output_reads_in_go_tool_pprof() {
    let _cpus = timing();
    // Standard output a file, not a terminal: the profile goes there.
    let file = unique_path("wakeuptime.pb.gz");
    let script = format!("exec {BIN} --format pprof 3 > {}", file.display());
    let t = Tracer::start("sh", &["-c", &script]);
    blocked_reader();
    let f = t.finish();
    f.assert_success();
    let traces = traces(&go_pprof(&["-traces", "-unit=us"], &file));
    let longest = traces
        .iter()
        .filter(|t| t.label("target") == Some("head"))
        .max_by_key(|t| t.value.strip_suffix("us").unwrap().parse::<u64>().unwrap())
        .unwrap_or_else(|| panic!("no wakeup of head: {traces:?}"));
    let us: u64 = longest.value.strip_suffix("us").unwrap().parse().unwrap();
    assert!((250_000..1_500_000).contains(&us), "{longest:?}");
    assert!(
        longest.label("waker").is_some_and(|w| !w.is_empty()),
        "{longest:?}"
    );
    assert!(
        longest
            .frames
            .iter()
            .all(|f| !f.starts_with("bpf_prog_") && !f.contains('[')),
        "named kernel frames: {longest:?}"
    );
    let top = go_pprof(&["-top"], &file);
    assert!(
        top.starts_with("File: [kernel.kallsyms]\nBuild ID: "),
        "{top}"
    );
    assert!(top.contains("\nType: blocked\n"), "{top}");
    let _ = std::fs::remove_file(&file);
}

#[test]
fn multiline_json_and_raw_tp() {
    let _cpus = timing();
    let t = Tracer::start(BIN, &["2"]);
    blocked_reader();
    let f = t.finish();
    f.assert_success();
    assert!(f.stdout[0].starts_with("Tracing blocked time (us) by kernel stack of the waker"));
    let at = f
        .stdout
        .iter()
        .position(|l| l == "    target:          head")
        .unwrap_or_else(|| panic!("{:?}", f.stdout));
    let waker = f.stdout[at..]
        .iter()
        .position(|l| l.starts_with("    waker:"))
        .unwrap()
        + at;
    assert!(waker > at + 1, "frames between target and waker");
    f.stdout[waker + 1].trim().parse::<u64>().unwrap();

    let t = Tracer::start_env(BIN, &["-v", "--json", "2"], &[("BPFTK_HOOK", "raw_tp")]);
    blocked_reader();
    let f = t.finish();
    f.assert_success();
    assert!(
        f.stderr
            .iter()
            .any(|l| l.contains("wakeup: raw_tp sched_wakeup")),
        "{:?}",
        f.stderr
    );
    let events = f.json();
    let e = events
        .iter()
        .filter(|e| e["target"] == "head")
        .max_by_key(|e| e["us"].as_u64().unwrap())
        .unwrap_or_else(|| panic!("{events:?}"));
    assert!(
        (250_000..1_500_000).contains(&e["us"].as_u64().unwrap()),
        "{e}"
    );
    assert!(!e["waker_stack"].as_array().unwrap().is_empty(), "{e}");
}

/// Upstream's -u/--user-threads-only (bcc's --useronly an alias): the
/// blocked threads of kernel threads (kworker/...) are left out.
#[test]
fn user_threads_only() {
    let _cpus = timing();
    for long in ["--user-threads-only", "--useronly"] {
        let t = Tracer::start(BIN, &[long, "2"]);
        blocked_reader();
        let f = t.finish();
        f.assert_success();
        assert_eq!(
            f.stdout[0],
            "Tracing blocked time (us) by kernel stack of the waker, of user threads, for 2 secs."
        );
        let targets: Vec<&String> = f
            .stdout
            .iter()
            .filter(|l| l.starts_with("    target:"))
            .collect();
        assert!(
            targets.iter().any(|l| l.ends_with(" head")),
            "{:?}",
            f.stdout
        );
        assert!(
            !targets.iter().any(|l| l.contains("kworker/")),
            "{targets:?}"
        );
    }
}

#[test]
fn min_block_time_drops_shorter_blocks() {
    let _cpus = timing();
    let t = Tracer::start(BIN, &["-f", "-m", "2000000", "2"]);
    blocked_reader();
    let f = t.finish();
    f.assert_success();
    assert!(head_lines(&f.stdout).is_empty(), "{:?}", f.stdout);
}

#[test]
fn every_alternative_passes_the_verifier() {
    assert_all_hooks_load(BIN, &[]);
}

#[test]
fn bad_input_is_one_clear_line() {
    assert_usage_error(BIN, &["0"]);
    assert_usage_error(BIN, &["-p", "abc"]);
    assert_runtime_error(
        BIN,
        &["-m", "10", "-M", "5"],
        &[],
        "min block time 10 us is over max block time 5 us",
    );
    assert_runtime_error(BIN, &["-p", "999999999"], &[], "no such process: 999999999");
    assert_needs_privileges(BIN, &["1"]);
}
