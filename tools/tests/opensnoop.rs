//! opensnoop end to end, on the running kernel.

use std::process::{Command, Stdio};
use std::thread;
use std::time::Duration;

use crate::common::*;

const BIN: &str = env!("CARGO_BIN_EXE_opensnoop");

fn cat(path: &str) -> u32 {
    run_child("cat", &[path])
}

/// libbpf-tools' layout (`-T` adds `%-8s ` in front, `-U` `%-7d `).
const LAYOUT: &str = "%-6d %-16s %3d %3d %s";

#[test]
fn sees_a_child_open_a_file() {
    let file = unique_file("open");
    let (f, pid) = trace(BIN, &[], |t| {
        let pid = cat(&file);
        t.expect_text(&file);
        pid
    });
    let layout = Printf::new(LAYOUT);
    layout.assert_header(&f.stdout[0], &["PID", "COMM", "FD", "ERR", "PATH"]);
    let line = layout.find(
        &f.stdout,
        &[is(pid), is("cat"), Cell::Num, is(0), is(&file)],
    );
    let fd: i32 = line.split_whitespace().nth(2).unwrap().parse().unwrap();
    assert!(fd >= 3, "fd {fd}");
    std::fs::remove_file(&file).unwrap();
}

#[test]
fn time_and_uid_columns_line_up() {
    let file = unique_file("open-tu");
    let (f, pid) = trace(BIN, &["-T", "-U"], |t| {
        let pid = cat(&file);
        t.expect_text(&file);
        pid
    });
    let layout = Printf::new(&format!("%-8s %-7d {LAYOUT}"));
    layout.assert_header(
        &f.stdout[0],
        &["TIME", "UID", "PID", "COMM", "FD", "ERR", "PATH"],
    );
    layout.find(
        &f.stdout,
        &[
            Cell::Time,
            is(0),
            is(pid),
            is("cat"),
            Cell::Num,
            is(0),
            is(&file),
        ],
    );
    std::fs::remove_file(&file).unwrap();
}

#[test]
fn json_has_the_same_event() {
    let file = unique_file("json");
    let (f, pid) = trace(BIN, &["--json", "-T", "-U", "-e"], |t| {
        let pid = cat(&file);
        t.expect_text(&file);
        pid
    });
    let events = f.json();
    let e = events
        .iter()
        .find(|e| e["path"] == file.as_str())
        .expect("event in JSON");
    assert_eq!(e["pid"], pid);
    assert_eq!(e["comm"], "cat");
    assert_eq!(e["uid"], 0);
    assert!(e["fd"].as_i64().unwrap() >= 3);
    assert_eq!(e["err"], 0);
    assert!(e["err_name"].is_null());
    assert_eq!(e["flags"].as_u64().unwrap() & 3, 0, "cat opens O_RDONLY");
    assert!(e["mode"].is_null(), "no mode without O_CREAT: {e}");
    assert!(chrono::DateTime::parse_from_rfc3339(e["time"].as_str().unwrap()).is_ok());
    std::fs::remove_file(&file).unwrap();
}

#[test]
fn failed_open_shows_enoent_and_x_shows_only_failures() {
    let missing = unique_path("missing").to_string_lossy().into_owned();
    let present = unique_file("present");
    let (f, pid) = trace(BIN, &["-x"], |t| {
        cat(&present);
        let pid = cat(&missing);
        t.expect_text(&missing);
        pid
    });
    Printf::new(LAYOUT).find(
        &f.stdout,
        &[is(pid), is("cat"), is(-1), is(2), is(&missing)],
    );
    let rows = f.rows();
    assert!(
        rows.iter().all(|r| r[3] != "0"),
        "-x printed a successful open: {rows:?}"
    );
    assert!(!f.stdout.iter().any(|l| l.contains(&present)));

    let t = Tracer::start(BIN, &["--json", "-x"]);
    cat(&missing);
    assert!(t.wait_for_text(&missing));
    let f = t.stop();
    let e = f
        .json()
        .into_iter()
        .find(|e| e["path"] == missing.as_str())
        .unwrap();
    assert_eq!(e["err"], 2);
    assert_eq!(e["err_name"], "ENOENT");
    assert_eq!(e["fd"], -1);
    std::fs::remove_file(&present).unwrap();
}

#[test]
fn pid_filter_keeps_only_that_process() {
    let mine = unique_file("pid-mine");
    let other = unique_file("pid-other");
    let sh = GatedChild::spawn(&format!("cat {mine}"));
    let pid = sh.pid().to_string();
    let (f, _) = trace(BIN, &["-p", &pid], |t| {
        cat(&other);
        sh.release();
        t.expect_text(&mine);
    });
    let rows = f.rows();
    assert!(!rows.is_empty());
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
fn name_filter_keeps_only_matching_comms() {
    let seen = unique_file("name-seen");
    let hidden = unique_file("name-hidden");
    let t = Tracer::start(BIN, &["-n", "cat"]);
    Command::new("head")
        .arg(&hidden)
        .stdout(Stdio::null())
        .status()
        .unwrap();
    cat(&seen);
    assert!(t.wait_for_text(&seen));
    let f = t.stop();
    f.assert_success();
    assert!(
        f.rows().iter().all(|r| r[1].contains("cat")),
        "{:?}",
        f.rows()
    );
    assert!(!f.stdout.iter().any(|l| l.contains(&hidden)));
    for p in [seen, hidden] {
        std::fs::remove_file(p).unwrap();
    }
}

/// python opens `a` relative to its working directory and `b` relative to
/// a descriptor of that directory, then moves to / and closes the
/// descriptor at once: the directory must be the one the call used, not
/// what the process has by the time the event is printed.
const RELATIVE_OPENS: &str = r#"
import os, sys, time
dir, a, b = sys.argv[1:]
os.chdir(dir)
os.close(os.open(a, os.O_RDONLY))
fd = os.open(dir, os.O_RDONLY)
os.chdir("/")
os.close(os.open(b, os.O_RDONLY, dir_fd=fd))
os.close(fd)
time.sleep(0.5)
"#;

#[test]
fn full_path_resolves_relative_paths_in_the_kernel() {
    let a = unique_file("rel-cwd");
    let b = unique_file("rel-dirfd");
    let (dir, a_name) = a.rsplit_once('/').unwrap();
    let b_name = b.rsplit_once('/').unwrap().1;
    let (f, ()) = trace(BIN, &["-F", "-n", "python3"], |t| {
        run_child("python3", &["-c", RELATIVE_OPENS, dir, a_name, b_name]);
        t.expect_text(&b);
    });
    f.assert_success();
    for file in [&a, &b] {
        assert!(
            f.stdout.iter().any(|l| l.ends_with(&format!(" {file}"))),
            "relative open not shown as {file}: {:?}",
            f.stdout
        );
        std::fs::remove_file(file).unwrap();
    }
    assert!(
        !f.stderr
            .iter()
            .any(|l| l.contains("could not be made absolute")),
        "{:?}",
        f.stderr
    );
}

#[test]
fn duration_ends_the_trace_with_status_0() {
    let t = Tracer::start(BIN, &["-d", "1"]);
    let start = std::time::Instant::now();
    let f = t.finish();
    f.assert_success();
    assert!(start.elapsed() < std::time::Duration::from_secs(10));
}

#[test]
fn raw_tp_alternative_attaches_and_sees_events() {
    let file = unique_file("rawtp");
    let (f, pid) = trace_env(BIN, &["-v"], &[("BPFTK_HOOK", "raw_tp")], |t| {
        let pid = cat(&file);
        t.expect_text(&file);
        pid
    });
    assert!(
        f.stderr
            .iter()
            .any(|l| l.contains("open entry: raw_tp sys_enter")),
        "{:?}",
        f.stderr
    );
    assert_eq!(row_ending_with(&f.rows(), &file)[0], pid.to_string());
    std::fs::remove_file(&file).unwrap();
}

/// libbpf-tools' -c (its blazesym build): PATH/CALLER in the header, and
/// under the open's line its caller's first two user frames, one a line,
/// each indented to the PATH column.
#[test]
fn callers_with_c() {
    let file = unique_file("open-callers");
    std::fs::write(&file, "x").unwrap();
    let helper = c_helper("opener", false);
    let comm: String = helper
        .file_name()
        .unwrap()
        .to_str()
        .unwrap()
        .chars()
        .take(15)
        .collect();
    let child = GatedChild::spawn(&format!("{} {file}", helper.display()));
    let pid = child.pid();
    let t = Tracer::start(BIN, &["-c", "-p", &pid.to_string()]);
    assert!(child.release());
    assert!(t.wait_for(|l| l.trim() == "main", EVENT_TIMEOUT));
    let f = t.stop();
    f.assert_success();
    let layout = Printf::new(LAYOUT);
    layout.assert_header(&f.stdout[0], &["PID", "COMM", "FD", "ERR", "PATH/CALLER"]);
    let line = layout.find(
        &f.stdout,
        &[is(pid), is(&comm), Cell::Num, is(0), is(&file)],
    );
    let at = f.stdout.iter().position(|l| l == line).unwrap();
    // libbpf-tools indents each caller by the width of the columns before PATH.
    let indent = " ".repeat(6 + 1 + 16 + 1 + 3 + 1 + 3 + 1);
    assert_eq!(
        f.stdout[at + 1..at + 3],
        [
            format!("{indent}bpftk_open_caller"),
            format!("{indent}main")
        ],
        "{:?}",
        f.stdout
    );

    // --json: the callers as an array.
    let child = GatedChild::spawn(&format!("{} {file}", helper.display()));
    let pid = child.pid();
    let t = Tracer::start(BIN, &["-c", "--json", "-p", &pid.to_string()]);
    assert!(child.release());
    assert!(t.wait_for(|l| l.contains("bpftk_open_caller"), EVENT_TIMEOUT));
    let f = t.stop();
    f.assert_success();
    let events = f.json();
    let e = events
        .iter()
        .find(|e| e["path"] == file.as_str())
        .unwrap_or_else(|| panic!("{events:?}"));
    assert_eq!(
        e["callers"],
        serde_json::json!(["bpftk_open_caller", "main"])
    );
    std::fs::remove_file(&file).unwrap();
}

#[test]
fn every_alternative_passes_the_verifier() {
    assert_all_hooks_load(BIN, &["-c"]);
    assert_all_hooks_load(BIN, &[]);
    // -F has exit programs of its own.
    assert_all_hooks_load(BIN, &["-F"]);
}

#[test]
fn bad_input_is_one_clear_line() {
    assert_usage_error(BIN, &["-p", "abc"]);
    assert_usage_error(BIN, &["-f", "O_BOGUS"]);
    assert_usage_error(BIN, &["extra"]);
    assert_runtime_error(BIN, &["-p", "999999999"], &[], "no such process: 999999999");
    assert_runtime_error(BIN, &["-d", "-1"], &[], "invalid duration -1");
    assert_runtime_error(
        BIN,
        &[],
        &[("BPFTK_HOOK", "bogus")],
        "BPFTK_HOOK=bogus is not a hook kind",
    );
    assert_needs_privileges(BIN, &[]);
}

/// More opens in flight at once than the in-flight map holds (10240): each
/// one is either printed or counted as lost, none vanishes unreported.
#[test]
fn opens_beyond_the_in_flight_map_are_counted_as_lost() {
    const THREADS: u32 = 10_600;
    let _alone = cpu_hog();
    let fifo = unique_path("fifo");
    nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
    let fifo = fifo.to_str().unwrap().to_string();
    let helper = c_helper("fifo_openers", false);
    let gate = GatedChild::spawn(&format!("{} {THREADS} {fifo}", helper.display()));
    let t = Tracer::start(BIN, &["-p", &gate.pid().to_string()]);
    assert!(gate.release(), "fifo_openers failed");
    // Every open has returned: the events are in the ring buffer or lost.
    t.wait_for(|l| l.ends_with(&fifo), EVENT_TIMEOUT);
    thread::sleep(Duration::from_millis(500));
    let f = t.stop();
    f.assert_success();
    let printed = f.stdout.iter().filter(|l| l.ends_with(&fifo)).count() as u64;
    let lost: u64 = f
        .stderr
        .iter()
        .find_map(|l| {
            l.split_once(" events lost")
                .map(|(n, _)| n.rsplit(' ').next().unwrap().parse().unwrap())
        })
        .unwrap_or(0);
    // THREADS readers and the writer opened the FIFO; a few other opens
    // (the loader's) may be among the lost ones.
    assert!(lost > 0, "{printed} printed, none lost: {:?}", f.stderr);
    assert!(
        printed + lost > u64::from(THREADS),
        "{printed} printed + {lost} lost < {} opens",
        THREADS + 1
    );
    let _ = std::fs::remove_file(&fifo);
}
