//! opensnoop end to end, on the running kernel.

mod common;

use std::process::{Command, Stdio};

use common::*;

const BIN: &str = env!("CARGO_BIN_EXE_opensnoop");

fn cat(path: &str) -> u32 {
    run_child("cat", &[path])
}

#[test]
fn sees_a_child_open_a_file() {
    let file = unique_file("open");
    let t = Tracer::start(BIN, &[]);
    let pid = cat(&file);
    assert!(
        t.wait_for_text(&file),
        "the open of {file} was not reported"
    );
    let f = t.stop();
    f.assert_success();
    assert_eq!(
        f.stdout[0].split_whitespace().collect::<Vec<_>>(),
        ["PID", "COMM", "FD", "ERR", "PATH"]
    );
    let rows = f.rows();
    let r = row_ending_with(&rows, &file);
    assert_eq!(r[0], pid.to_string());
    assert_eq!(r[1], "cat");
    assert!(r[2].parse::<i32>().unwrap() >= 3, "fd {}", r[2]);
    assert_eq!(r[3], "0");
    std::fs::remove_file(&file).unwrap();
}

#[test]
fn json_has_the_same_event() {
    let file = unique_file("json");
    let t = Tracer::start(BIN, &["--json", "-T", "-U", "-e"]);
    let pid = cat(&file);
    assert!(t.wait_for_text(&file));
    let f = t.stop();
    f.assert_success();
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
    let t = Tracer::start(BIN, &["-x"]);
    cat(&present);
    let pid = cat(&missing);
    assert!(t.wait_for_text(&missing));
    let f = t.stop();
    f.assert_success();
    let rows = f.rows();
    let r = row_ending_with(&rows, &missing);
    assert_eq!(
        (r[0].as_str(), r[1].as_str(), r[2].as_str(), r[3].as_str()),
        (pid.to_string().as_str(), "cat", "-1", "2")
    );
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
    let t = Tracer::start(BIN, &["-p", &pid]);
    cat(&other);
    sh.release();
    assert!(t.wait_for_text(&mine));
    let f = t.stop();
    f.assert_success();
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

#[test]
fn full_path_resolves_relative_paths() {
    let file = unique_file("rel");
    let (dir, name) = file.rsplit_once('/').unwrap();
    // The shell stays alive while opensnoop resolves its cwd.
    let t = Tracer::start(BIN, &["-F", "-n", "sh"]);
    Command::new("sh")
        .current_dir(dir)
        .args(["-c", &format!("read x < {name}; sleep 1")])
        .status()
        .unwrap();
    assert!(
        t.wait_for_text(&file),
        "relative open of {name} not shown as {file}"
    );
    t.stop().assert_success();
    std::fs::remove_file(&file).unwrap();
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
    let t = Tracer::start_env(BIN, &["-v"], &[("BPFTK_HOOK", "raw_tp")]);
    let pid = cat(&file);
    assert!(t.wait_for_text(&file));
    let f = t.stop();
    f.assert_success();
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

#[test]
fn every_alternative_passes_the_verifier() {
    assert_all_hooks_load(BIN, &[]);
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
