//! offcputime end to end, on the running kernel.

use crate::common::*;

const BIN: &str = env!("CARGO_BIN_EXE_offcputime");
const TARGET: &str = "bpftk_sleep_target";

/// The sleeper helper, gated: it blocks 10 times 100 ms once released.
/// Tests stop the tool once the sleeper has exited rather than give it a
/// duration: on a loaded machine a duration can end before the sleeps do.
fn sleeper() -> GatedChild {
    let helper = c_helper("sleeper", false);
    GatedChild::spawn(&format!("{} 10 100", helper.display()))
}

/// (frames, microseconds) of the folded lines whose stack holds TARGET.
fn target_lines(lines: &[String]) -> Vec<(Vec<String>, u64)> {
    lines
        .iter()
        .filter(|l| l.contains(TARGET))
        .map(|l| {
            let (stack, us) = l.rsplit_once(' ').unwrap();
            (
                stack.split(';').map(String::from).collect(),
                us.parse().unwrap(),
            )
        })
        .collect()
}

#[test]
fn folded_user_stacks_carry_the_blocked_time() {
    let _cpus = timing();
    let child = sleeper();
    let pid = child.pid().to_string();
    let t = Tracer::start(BIN, &["-U", "-f", "-p", &pid]);
    assert!(child.release());
    let f = t.stop();
    f.assert_success();
    let lines = target_lines(&f.stdout);
    assert_eq!(lines.len(), 1, "one stack for the sleeps: {:?}", f.stdout);
    let (frames, us) = &lines[0];
    assert!(frames[0].starts_with("sleeper"), "{frames:?}");
    assert_eq!(
        frames.last().unwrap(),
        TARGET,
        "innermost user frame: {frames:?}"
    );
    assert!(frames.iter().any(|f| f == "main"), "{frames:?}");
    // 10 sleeps of 100 ms: a second, give or take the scheduler.
    assert!((900_000..1_500_000).contains(us), "blocked {us} us");
}

#[test]
fn multiline_and_json_show_kernel_and_user_frames() {
    let _cpus = timing();
    let child = sleeper();
    let pid = child.pid();
    let t = Tracer::start(BIN, &["-p", &pid.to_string(), "-d", "3"]);
    assert!(child.release());
    let f = t.finish();
    f.assert_success();
    assert_eq!(
        f.stdout[0],
        format!("Tracing off-CPU time (us) of PID {pid} by user + kernel stack for 3 secs.")
    );
    // Each stack that ends in the helper's function: the sleeps' stack is
    // one of them (an interrupt may catch the helper elsewhere too).
    let blocks: Vec<&[String]> = f
        .stdout
        .iter()
        .enumerate()
        .filter(|(_, l)| *l == &format!("    {TARGET}"))
        .map(|(at, _)| {
            let start = f.stdout[..at]
                .iter()
                .rposition(|l| l.is_empty())
                .map_or(1, |i| i + 1);
            &f.stdout[start..at]
        })
        .collect();
    assert!(!blocks.is_empty(), "no {TARGET} frame: {:?}", f.stdout);
    assert!(
        blocks.iter().any(|b| {
            let kernel: Vec<&String> = b.iter().take_while(|l| *l != "    --").collect();
            b.iter().any(|l| l == "    --")
                && kernel
                    .iter()
                    .any(|l| l.trim() == "do_nanosleep" || l.trim() == "hrtimer_nanosleep")
        }),
        "kernel frames of nanosleep(2), then the -d delimiter: {blocks:?}"
    );

    let child = sleeper();
    let pid = child.pid();
    let t = Tracer::start(BIN, &["--json", "-p", &pid.to_string()]);
    assert!(child.release());
    let f = t.stop();
    f.assert_success();
    let objects = f.json();
    // The sleeps' stack (a preemption may catch the helper elsewhere too).
    let o = objects
        .iter()
        .find(|o| {
            o["user_stack"][0] == TARGET
                && o["kernel_stack"]
                    .as_array()
                    .is_some_and(|k| k.iter().any(|f| f == "do_nanosleep"))
        })
        .unwrap_or_else(|| panic!("{objects:?}"));
    assert_eq!(o["pid"], pid);
    let us = o["count"].as_u64().unwrap();
    assert!((900_000..1_500_000).contains(&us), "{o} in {objects:?}");
}

#[test]
fn min_block_time_drops_shorter_blocks_and_raw_tp_works() {
    let _cpus = timing();
    let child = sleeper();
    let pid = child.pid().to_string();
    let t = Tracer::start_env(
        BIN,
        &["-v", "-U", "-f", "-p", &pid, "-m", "200000"],
        &[("BPFTK_HOOK", "raw_tp")],
    );
    assert!(child.release());
    let f = t.stop();
    f.assert_success();
    assert!(
        f.stderr
            .iter()
            .any(|l| l.contains("switch: raw_tp sched_switch")),
        "{:?}",
        f.stderr
    );
    assert!(
        target_lines(&f.stdout).is_empty(),
        "100 ms blocks under -m 200000: {:?}",
        f.stdout
    );

    let child = sleeper();
    let pid = child.pid().to_string();
    let t = Tracer::start_env(BIN, &["-U", "-f", "-p", &pid], &[("BPFTK_HOOK", "raw_tp")]);
    assert!(child.release());
    let f = t.stop();
    assert_eq!(target_lines(&f.stdout).len(), 1, "{:?}", f.stdout);
}

#[test]
fn pprof_off_cpu_time_reads_in_go_tool_pprof() {
    let _cpus = timing();
    let child = sleeper();
    let pid = child.pid();
    let file = unique_path("offcputime.pb.gz");
    let path = file.to_str().unwrap();
    let args = ["--format", "pprof", "-o", path, "-p", &pid.to_string()];
    let t = Tracer::start(BIN, &args);
    assert!(child.release());
    let f = t.stop();
    f.assert_success();

    let top = go_pprof(&["-top", "-unit=us"], &file);
    assert!(top.contains("\nType: off-cpu\n"), "{top}");
    let rows = top_rows(&top);
    let target = top_row(&rows, TARGET);
    let us: u64 = target.cum.strip_suffix("us").unwrap().parse().unwrap();
    // 10 sleeps of 100 ms: a second, give or take the scheduler.
    assert!((900_000..1_500_000).contains(&us), "blocked {us} us: {top}");
    assert!(target.cum_pct > 50.0, "{top}");
    assert!(
        top_row(&rows, "do_nanosleep").cum_pct >= target.cum_pct,
        "{top}"
    );

    let traces = traces(&go_pprof(&["-traces"], &file));
    let sleeps: Vec<&Trace> = traces
        .iter()
        .filter(|t| t.frames.iter().any(|f| f == TARGET))
        .collect();
    assert_eq!(sleeps.len(), 1, "one stack for the sleeps: {traces:?}");
    let s = sleeps[0];
    assert_eq!(s.label("pid"), Some(pid.to_string().as_str()), "{s:?}");
    assert!(
        s.label("comm").is_some_and(|c| c.starts_with("sleeper")),
        "{s:?}"
    );
    let kernel = s
        .frames
        .iter()
        .position(|f| f == "do_nanosleep")
        .expect("kernel frames");
    let user = s.frames.iter().position(|f| f == TARGET).unwrap();
    assert!(kernel < user, "leaf first: {s:?}");
    let _ = std::fs::remove_file(&file);
}

#[test]
fn every_alternative_passes_the_verifier() {
    assert_all_hooks_load(BIN, &[]);
}

#[test]
fn bad_input_is_one_clear_line() {
    assert_usage_error(BIN, &["-u", "-k"]);
    assert_usage_error(BIN, &["-U", "-K"]);
    assert_usage_error(BIN, &["-p", "abc"]);
    assert_usage_error(BIN, &["0"]);
    assert_runtime_error(
        BIN,
        &["-m", "10", "-M", "5"],
        &[],
        "min block time 10 us is over max block time 5 us",
    );
    assert_runtime_error(BIN, &["-p", "999999999"], &[], "no such process: 999999999");
    assert_needs_privileges(BIN, &["1"]);
}
