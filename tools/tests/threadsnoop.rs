//! threadsnoop end to end: a child creates threads with a start function
//! of a known name.

use crate::common::*;

const BIN: &str = env!("CARGO_BIN_EXE_threadsnoop");

fn threads(n: u32) -> GatedChild {
    GatedChild::spawn(&format!("{} {n}", c_helper("threads", false).display()))
}

/// The helper's command name: its file name, cut to 15 characters.
fn helper_comm() -> String {
    let exe = c_helper("threads", false);
    exe.file_name()
        .unwrap()
        .to_string_lossy()
        .chars()
        .take(15)
        .collect()
}

#[test]
fn new_threads_with_their_start_function() {
    let child = threads(3);
    let pid = child.pid();
    let t = Tracer::start(BIN, &[]);
    assert!(child.release());
    t.expect_text("bpftk_thread_start");
    let f = t.stop();
    f.assert_success();
    let layout = Printf::new("%-10s %-7d %-16s %s");
    layout.assert_header(&f.stdout[0], &["TIME(ms)", "PID", "COMM", "FUNC"]);
    let cells = [
        Cell::Num,
        is(pid),
        is(helper_comm()),
        is("bpftk_thread_start"),
    ];
    let mine: Vec<&String> = f
        .stdout
        .iter()
        .filter(|l| layout.matches(l, &cells))
        .collect();
    assert_eq!(mine.len(), 3, "{:?}", f.stdout);
    let rows: Vec<Vec<String>> = f
        .rows()
        .into_iter()
        .filter(|r| r[1] == pid.to_string())
        .collect();
    assert_eq!(rows.len(), 3, "{:?}", f.stdout);
    for r in &rows {
        assert_eq!(r[2..], [helper_comm(), "bpftk_thread_start".to_string()]);
        r[0].parse::<u64>().unwrap();
    }
}

#[test]
fn pid_filter_and_json() {
    let child = threads(2);
    let pid = child.pid();
    let other = threads(1);
    let t = Tracer::start(BIN, &["--json", "-p", &pid.to_string()]);
    assert!(other.release());
    assert!(child.release());
    assert!(t.wait_for(|l| l.contains("bpftk_thread_start"), EVENT_TIMEOUT));
    let f = t.stop();
    f.assert_success();
    let events = f.json();
    assert_eq!(events.len(), 2, "-p {pid}: {events:?}");
    for e in &events {
        assert_eq!(e["pid"], pid);
        assert_eq!(e["func"], "bpftk_thread_start");
        assert!(e["time_ms"].is_u64());
    }
}

#[test]
fn a_process_gone_before_the_event_is_read_still_names_its_start_function() {
    // No lingering: the process exits right after its threads, before
    // user space can read its memory map; the kernel found the file.
    let helper = c_helper("threads", false);
    let t = Tracer::start(BIN, &["--json"]);
    let pid = run_child(helper.to_str().unwrap(), &["2", "0"]);
    assert!(t.wait_for(|l| l.contains(&format!("\"pid\":{pid}")), EVENT_TIMEOUT));
    let f = t.stop();
    f.assert_success();
    let mine: Vec<_> = f.json().into_iter().filter(|e| e["pid"] == pid).collect();
    assert_eq!(mine.len(), 2, "{mine:?}");
    for e in &mine {
        assert_eq!(e["func"], "bpftk_thread_start", "{e}");
    }
}

#[test]
fn every_alternative_passes_the_verifier() {
    assert_all_hooks_load(BIN, &[]);
}

#[test]
fn bad_input_is_one_clear_line() {
    assert_usage_error(BIN, &["-p", "abc"]);
    assert_runtime_error(BIN, &["-p", "999999999"], &[], "no such process: 999999999");
    assert_runtime_error(
        BIN,
        &["-l", "/bin/true"],
        &[],
        "/bin/true: no pthread_create there",
    );
    assert_needs_privileges(BIN, &[]);
}
