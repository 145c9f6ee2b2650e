//! statsnoop end to end, on the running kernel.

use crate::common::*;

const BIN: &str = env!("CARGO_BIN_EXE_statsnoop");

fn stat(path: &str) -> u32 {
    run_child("stat", &[path])
}

#[test]
fn sees_a_child_stat_a_present_and_a_missing_file() {
    let file = unique_file("stat");
    let missing = unique_path("stat-missing").to_string_lossy().into_owned();
    let t = Tracer::start(BIN, &[]);
    let pid = stat(&file);
    let mpid = stat(&missing);
    assert!(
        t.wait_for_text(&missing),
        "the stat of {missing} was not reported"
    );
    assert!(
        t.wait_for_text(&file),
        "the stat of {file} was not reported"
    );
    let f = t.stop();
    f.assert_success();
    // libbpf-tools' layout: COMM 20 wide, RET and ERR to the left.
    let layout = Printf::new("%-7d %-20s %-4d %-4d %s");
    layout.assert_header(&f.stdout[0], &["PID", "COMM", "RET", "ERR", "PATH"]);
    layout.find(&f.stdout, &[is(pid), is("stat"), is(0), is(0), is(&file)]);
    layout.find(
        &f.stdout,
        &[is(mpid), is("stat"), is(-1), is(2), is(&missing)],
    );
    let rows = f.rows();
    let r = row_ending_with(&rows, &file);
    assert_eq!(
        r[..4],
        [pid.to_string(), "stat".into(), "0".into(), "0".into()]
    );
    let r = row_ending_with(&rows, &missing);
    assert_eq!(
        r[..4],
        [mpid.to_string(), "stat".into(), "-1".into(), "2".into()]
    );
    std::fs::remove_file(&file).unwrap();
}

/// `-t`: seconds since the first event, nine decimals; `-s`: the
/// syscall's name, as libbpf-tools prints them.
#[test]
fn timestamps_and_syscall_names() {
    let file = unique_file("stat-ts");
    let (f, pid) = trace(BIN, &["-t", "-s"], |t| {
        let pid = stat(&file);
        t.expect_text(&file);
        pid
    });
    let layout = Printf::new("%-14.9f %-7d %-20s %-4d %-4d %-10s %s");
    layout.assert_header(
        &f.stdout[0],
        &["TIME(s)", "PID", "COMM", "RET", "ERR", "SYSCALL", "PATH"],
    );
    // coreutils' stat(1) calls statx(2).
    let cells = [
        Cell::Num,
        is(pid),
        is("stat"),
        is(0),
        is(0),
        is("statx"),
        is(&file),
    ];
    let line = layout.find(&f.stdout, &cells);
    let ts = line.split_whitespace().next().unwrap();
    assert_eq!(ts.split('.').nth(1).map(str::len), Some(9), "{line:?}");
    let (f, pid) = trace(BIN, &["-t"], |t| {
        let pid = stat(&file);
        t.expect_text(&file);
        pid
    });
    let layout = Printf::new("%-14.9f %-7d %-20s %-4d %-4d %s");
    layout.assert_header(
        &f.stdout[0],
        &["TIME(s)", "PID", "COMM", "RET", "ERR", "PATH"],
    );
    let line = layout.find(
        &f.stdout,
        &[Cell::Num, is(pid), is("stat"), is(0), is(0), is(&file)],
    );
    assert_eq!(
        line.split('.')
            .nth(1)
            .map(|d| d.split(' ').next().unwrap().len()),
        Some(9)
    );
    std::fs::remove_file(&file).unwrap();
}

/// fstat(2) itself (newfstat; the C library's fstat() is newfstatat with
/// an empty path): the file behind the descriptor is the path.
#[test]
fn fstat_shows_the_file_behind_the_descriptor() {
    let file = unique_file("fstat");
    let script = format!(
        "import ctypes, os\n\
         fd = os.open({file:?}, os.O_RDONLY)\n\
         assert ctypes.CDLL(None).syscall({}, fd, ctypes.create_string_buffer(256)) == 0\n\
         os.fstat(fd)\n",
        libc::SYS_fstat
    );
    let (f, pid) = trace(BIN, &["-s"], |t| {
        let pid = run_child("python3", &["-c", &script]);
        t.expect("the fstat", |l| {
            l.contains("newfstat ") && l.contains(&file)
        });
        t.expect("the fstatat", |l| {
            l.contains("newfstatat ") && l.contains(&file)
        });
        pid
    });
    let layout = Printf::new("%-7d %-20s %-4d %-4d %-10s %s");
    layout.assert_header(
        &f.stdout[0],
        &["PID", "COMM", "RET", "ERR", "SYSCALL", "PATH"],
    );
    for call in ["newfstat", "newfstatat"] {
        let cells = [is(pid), is("python3"), is(0), is(0), is(call), is(&file)];
        layout.find(&f.stdout, &cells);
    }
    std::fs::remove_file(&file).unwrap();
}

#[test]
fn json_has_the_same_events() {
    let file = unique_file("stat-json");
    let missing = unique_path("stat-json-missing")
        .to_string_lossy()
        .into_owned();
    let t = Tracer::start(BIN, &["--json", "-t"]);
    let pid = stat(&file);
    let mpid = stat(&missing);
    assert!(t.wait_for_text(&missing));
    assert!(t.wait_for_text(&file));
    let f = t.stop();
    f.assert_success();
    let events = f.json();
    let find = |path: &str| {
        events
            .iter()
            .find(|e| e["path"] == path)
            .unwrap_or_else(|| panic!("no event for {path}: {events:?}"))
    };
    let e = find(&file);
    assert_eq!(e["pid"], pid);
    assert_eq!(e["comm"], "stat");
    assert_eq!(e["ret"], 0);
    assert_eq!(e["err"], 0);
    assert!(e["err_name"].is_null());
    assert!(e["time_s"].as_f64().unwrap() >= 0.0);
    assert_eq!(e["syscall"], "statx", "--json always has the call");
    let e = find(&missing);
    assert_eq!(e["pid"], mpid);
    assert_eq!(e["comm"], "stat");
    assert_eq!(e["ret"], -1);
    assert_eq!(e["err"], 2);
    assert_eq!(e["err_name"], "ENOENT");
    std::fs::remove_file(&file).unwrap();
}

#[test]
fn x_shows_only_failures() {
    let present = unique_file("stat-x-present");
    let missing = unique_path("stat-x-missing").to_string_lossy().into_owned();
    let (f, pid) = trace(BIN, &["-x"], |t| {
        stat(&present);
        let pid = stat(&missing);
        t.expect_text(&missing);
        pid
    });
    let rows = f.rows();
    assert_eq!(row_ending_with(&rows, &missing)[0], pid.to_string());
    assert!(
        rows.iter().all(|r| r[3] != "0"),
        "-x printed a successful stat: {rows:?}"
    );
    assert!(!f.stdout.iter().any(|l| l.contains(&present)));
    std::fs::remove_file(&present).unwrap();
}

#[test]
fn pid_filter_keeps_only_that_process() {
    let mine = unique_file("stat-pid-mine");
    let other = unique_file("stat-pid-other");
    let sh = GatedChild::spawn(&format!("stat {mine}"));
    let pid = sh.pid().to_string();
    let (f, _) = trace(BIN, &["-p", &pid], |t| {
        stat(&other);
        sh.release();
        t.expect_text(&mine);
    });
    let rows = f.rows();
    assert!(
        rows.iter().all(|r| r[0] == pid),
        "-p {pid} printed other processes: {rows:?}"
    );
    assert!(!f.stdout.iter().any(|l| l.contains(&other)));
    for p in [mine, other] {
        std::fs::remove_file(p).unwrap();
    }
}

#[test]
fn duration_ends_the_trace_with_status_0() {
    let t = Tracer::start(BIN, &["-d", "1"]);
    t.finish().assert_success();
}

#[test]
fn a_path_longer_than_the_buffer_is_marked() {
    // 4096 bytes and more: the kernel refuses it (ENAMETOOLONG), statsnoop
    // shows the first 4095 bytes and "...".
    let long = format!("/{}", "d/".repeat(2100));
    let (f, pid) = trace(BIN, &[], |t| {
        let pid = stat(&long);
        t.expect_text("...");
        pid
    });
    let shown = format!("{}...", &long[..4095]);
    assert!(f.stdout.iter().any(|l| l.ends_with(&shown)));
    let r = row_ending_with(&f.rows(), &shown).clone();
    assert_eq!(
        r[..4],
        [pid.to_string(), "stat".into(), "-1".into(), "36".into()]
    );
}

#[test]
fn raw_tp_alternative_attaches_and_sees_events() {
    let file = unique_file("rawtp");
    let (f, pid) = trace_env(BIN, &["-v"], &[("BPFTK_HOOK", "raw_tp")], |t| {
        let pid = stat(&file);
        t.expect_text(&file);
        pid
    });
    assert!(
        f.stderr
            .iter()
            .any(|l| l.contains("stat entry: raw_tp sys_enter")),
        "{:?}",
        f.stderr
    );
    let r = row_ending_with(&f.rows(), &file).clone();
    assert_eq!(
        r[..4],
        [pid.to_string(), "stat".into(), "0".into(), "0".into()]
    );
    std::fs::remove_file(&file).unwrap();
}

#[test]
fn every_alternative_passes_the_verifier() {
    assert_all_hooks_load(BIN, &[]);
}

#[test]
fn bad_input_is_one_clear_line() {
    assert_usage_error(BIN, &["-p", "abc"]);
    assert_usage_error(BIN, &["extra"]);
    assert_runtime_error(BIN, &["-p", "999999999"], &[], "no such process: 999999999");
    assert_runtime_error(BIN, &["-d", "-1"], &[], "invalid duration -1");
    assert_needs_privileges(BIN, &[]);
}
