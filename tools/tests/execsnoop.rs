//! execsnoop end to end, on the running kernel.

use std::process::{Command, Stdio};

use crate::common::*;

const BIN: &str = env!("CARGO_BIN_EXE_execsnoop");

/// A word no other process will pass as an argument.
fn unique(tag: &str) -> String {
    unique_path(tag)
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned()
}

/// `/bin/echo WORD "a b" ""` from a child whose pid we know; returns the pid.
fn echo(word: &str) -> u32 {
    let mut c = Command::new("/bin/echo")
        .args([word, "a b", ""])
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let pid = c.id();
    c.wait().unwrap();
    pid
}

/// `sh -c 'exec /nonexistent-WORD'`: an exec that fails with ENOENT.
fn failed_exec(word: &str) -> u32 {
    let mut c = Command::new("sh")
        .args(["-c", &format!("exec /nonexistent-{word}")])
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let pid = c.id();
    c.wait().unwrap();
    pid
}

fn line_with<'a>(lines: &'a [String], text: &str) -> &'a str {
    lines
        .iter()
        .find(|l| l.contains(text))
        .unwrap_or_else(|| panic!("no line with {text} in {lines:?}"))
}

/// libbpf-tools' layout.
const LAYOUT: &str = "%-16s %-6d %-6d %3d %s";

#[test]
fn sees_a_child_exec_with_its_arguments() {
    let word = unique("exec");
    let (f, pid) = trace(BIN, &[], |t| {
        let pid = echo(&word);
        t.expect_text(&word);
        pid
    });
    let layout = Printf::new(LAYOUT);
    layout.assert_header(&f.stdout[0], &["PCOMM", "PID", "PPID", "RET", "ARGS"]);
    // Spaces inside an argument kept, the empty argument kept.
    layout.find(
        &f.stdout,
        &[
            is("echo"),
            is(pid),
            is(std::process::id()),
            is(0),
            is(format!("/bin/echo {word} a b ")),
        ],
    );
}

#[test]
fn time_and_uid_columns_line_up() {
    let word = unique("exec-tu");
    let (f, pid) = trace(BIN, &["-T", "-U"], |t| {
        let pid = echo(&word);
        t.expect_text(&word);
        pid
    });
    let layout = Printf::new(&format!("%-8s %-6d {LAYOUT}"));
    layout.assert_header(
        &f.stdout[0],
        &["TIME", "UID", "PCOMM", "PID", "PPID", "RET", "ARGS"],
    );
    layout.find(
        &f.stdout,
        &[
            Cell::Time,
            is(0),
            is("echo"),
            is(pid),
            is(std::process::id()),
            is(0),
            is(format!("/bin/echo {word} a b ")),
        ],
    );
}

#[test]
fn quote_marks_every_argument() {
    let word = unique("quote");
    let (f, _) = trace(BIN, &["-q"], |t| {
        echo(&word);
        // A quote, a backslash and an ESC, each escaped once.
        run_child("/bin/echo", &[&word, "a\"b", "c\\d\x1b"]);
        t.expect_text(&word);
    });
    let lines: Vec<&String> = f.stdout.iter().filter(|l| l.contains(&word)).collect();
    assert!(
        lines
            .iter()
            .any(|l| l.ends_with(&format!(" \"/bin/echo\" \"{word}\" \"a b\" \"\""))),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.ends_with(&format!(r#" "/bin/echo" "{word}" "a\"b" "c\\d\x1b""#))),
        "{lines:?}"
    );
}

#[test]
fn json_has_the_args_array() {
    let word = unique("json");
    let (f, pid) = trace(BIN, &["--json", "-T", "-U"], |t| {
        let pid = echo(&word);
        t.expect_text(&word);
        pid
    });
    let events = f.json();
    let e = events
        .iter()
        .find(|e| e["args"][1] == word.as_str())
        .expect("event in JSON");
    assert_eq!(e["pid"], pid);
    assert_eq!(e["ppid"], std::process::id());
    assert_eq!(e["pcomm"], "echo");
    assert_eq!(e["uid"], 0);
    assert_eq!(e["ret"], 0);
    assert_eq!(
        e["args"],
        serde_json::json!(["/bin/echo", word.as_str(), "a b", ""])
    );
    assert_eq!(e["args_truncated"], 0);
    assert!(chrono::DateTime::parse_from_rfc3339(e["time"].as_str().unwrap()).is_ok());
}

#[test]
fn failed_execs_only_with_x() {
    let word = unique("fail");
    let (f, pid) = trace(BIN, &["-x"], |t| {
        let pid = failed_exec(&word);
        t.expect_text(&word);
        pid
    });
    let target = format!("/nonexistent-{word}");
    let rows = f.rows();
    let r = rows
        .iter()
        .find(|r| r.get(4) == Some(&target))
        .unwrap_or_else(|| panic!("no failed exec of {target} in {rows:?}"));
    assert_eq!(r[0], "sh");
    assert_eq!(r[1], pid.to_string());
    assert_eq!(r[3], "-2", "ENOENT");

    // Without -x: the shell's own (successful) exec shows, the failed one not.
    let word = unique("nofail");
    let (f, _) = trace(BIN, &[], |t| {
        failed_exec(&word);
        t.expect_text(&format!("exec /nonexistent-{word}"));
    });
    assert!(
        f.rows().iter().all(|r| r[3] == "0"),
        "a failed exec without -x: {:?}",
        f.rows()
    );
    let target = format!("/nonexistent-{word}");
    assert!(
        !f.rows().iter().any(|r| r.get(4) == Some(&target)),
        "{:?}",
        f.rows()
    );
}

#[test]
fn line_filter_matches_the_arguments() {
    let seen = unique("line-seen");
    let hidden = unique("line-hidden");
    let (f, _) = trace(BIN, &["-l", &seen], |t| {
        echo(&hidden);
        echo(&seen);
        t.expect_text(&seen);
    });
    assert!(
        f.stdout.iter().skip(1).all(|l| l.contains(&seen)),
        "{:?}",
        f.stdout
    );
    assert!(!f.stdout.iter().any(|l| l.contains(&hidden)));
}

#[test]
fn max_args_cuts_the_list_and_says_so() {
    let word = unique("max");
    let (f, _) = trace(BIN, &["--max-args", "2"], |t| {
        echo(&word);
        t.expect_text(&word);
    });
    let line = line_with(&f.stdout, &word);
    assert!(
        line.ends_with(&format!(" /bin/echo {word} ...")),
        "{line:?}"
    );
}

#[test]
fn cgroup_filter_keeps_only_tasks_inside() {
    let cg = TestCgroup::new("execsnoop");
    let inside = unique("cg-in");
    let outside = unique("cg-out");
    let (f, pid) = trace(BIN, &["-c", cg.arg()], |t| {
        echo(&outside);
        let pid = cg.run("/bin/echo", &[&inside]);
        t.expect_text(&inside);
        pid
    });
    let line = line_with(&f.stdout, &inside);
    assert_eq!(
        line.split_whitespace().nth(1),
        Some(pid.to_string().as_str())
    );
    assert!(line.ends_with(&format!(" /bin/echo {inside}")), "{line:?}");
    assert!(
        !f.stdout.iter().any(|l| l.contains(&outside)),
        "{:?}",
        f.stdout
    );
}

#[test]
fn raw_tp_alternative_attaches_and_sees_events() {
    let word = unique("rawtp");
    let (f, pid) = trace_env(BIN, &["-v"], &[("BPFTK_HOOK", "raw_tp")], |t| {
        let pid = echo(&word);
        t.expect_text(&word);
        pid
    });
    assert!(
        f.stderr
            .iter()
            .any(|l| l.contains("exec entry: raw_tp sys_enter")),
        "{:?}",
        f.stderr
    );
    let line = line_with(&f.stdout, &word);
    assert_eq!(
        line.split_whitespace().nth(1),
        Some(pid.to_string().as_str())
    );
    assert!(
        line.ends_with(&format!(" /bin/echo {word} a b ")),
        "{line:?}"
    );
}

#[test]
fn a_long_argument_is_marked_cut() {
    let word = unique("long");
    let long = "x".repeat(300);
    let t = Tracer::start(BIN, &["--json"]);
    let pid = run_child("/bin/echo", &[&word, &long, "short"]);
    assert!(t.wait_for(|l| l.contains(&word), EVENT_TIMEOUT));
    let f = t.stop();
    let events = f.json();
    let e = events.iter().find(|e| e["pid"] == pid).unwrap();
    // 127 bytes of the argument are kept, then the mark.
    assert_eq!(
        e["args"],
        serde_json::json!(["/bin/echo", word, format!("{}...", &long[..127]), "short"])
    );
}

/// Run the forkexec helper in `mode`; returns the pid it prints (the
/// process that execs) once it has exited.
fn forkexec(mode: &[&str]) -> u32 {
    let out = Command::new(c_helper("forkexec", false))
        .args(mode)
        .stdout(Stdio::null())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stderr);
    text.lines()
        .next()
        .and_then(|l| l.parse().ok())
        .unwrap_or_else(|| panic!("{text:?}"))
}

/// execsnoop's table while the forkexec helper runs in `mode`, checked
/// for the echo row of the process that exec'd with `ppid` and `args`.
fn forkexec_row(mode: &str, ppid: Cell, args: &str) {
    let t = Tracer::start(BIN, &[]);
    let pid = forkexec(&[mode]);
    let p = pid.to_string();
    assert!(t.wait_for(
        |l| l.split_whitespace().nth(1) == Some(p.as_str()),
        EVENT_TIMEOUT
    ));
    let f = t.stop();
    f.assert_success();
    let row = [is("echo"), is(pid), ppid, is(0), is(args)];
    Printf::new(LAYOUT).find(&f.stdout, &row);
}

#[test]
fn a_forked_child_passing_literals_it_has_not_touched_shows_them() {
    // fork() leaves the child no page table entries for the program's
    // read-only data, so its string literals cannot be read at entry; they
    // are read from the new program's stack.
    forkexec_row(
        "fork",
        Cell::Num,
        "/bin/echo bpftk-literal-one bpftk-literal-two",
    );
}

#[test]
fn a_script_whose_arguments_cannot_be_read_is_marked_unread() {
    // The kernel hands a #! script's interpreter an argv of its own, so the
    // caller's untouched literal is read nowhere: the row says so.
    let script = unique_path("script.sh");
    std::fs::write(&script, "#!/bin/sh\nexit 0\n").unwrap();
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let path = script.to_str().unwrap();
    let t = Tracer::start(BIN, &["--json"]);
    let pid = forkexec(&["script", path]);
    assert!(t.wait_for(|l| l.contains(&format!("\"pid\":{pid},")), EVENT_TIMEOUT));
    let f = t.stop();
    f.assert_success();
    let events = f.json();
    let e = events.iter().find(|e| e["pid"] == pid).unwrap();
    assert_eq!(e["args"], serde_json::json!([path]), "{e}");
    assert_eq!(e["args_unread"], 1, "{e}");
    assert!(
        f.stderr
            .iter()
            .any(|l| l.contains("execs had arguments that could not be read (marked [unread])")),
        "{:?}",
        f.stderr
    );
    let _ = std::fs::remove_file(&script);
}

#[test]
fn an_exec_from_a_thread_other_than_the_leader_is_seen() {
    // The thread takes the leader's id as it execs: the exit must find the
    // call under that id.
    let me = is(std::process::id());
    forkexec_row("thread", me, "/bin/echo bpftk-from-a-thread");
}

#[test]
fn every_alternative_passes_the_verifier() {
    assert_all_hooks_load(BIN, &[]);
}

#[test]
fn bad_input_is_one_clear_line() {
    assert_usage_error(BIN, &["-u", "abc"]);
    assert_usage_error(BIN, &["-n", "sixteen-letters!"]);
    assert_usage_error(BIN, &["--max-args", "0"]);
    assert_usage_error(BIN, &["--max-args", "61"]);
    assert_usage_error(BIN, &["extra"]);
    assert_runtime_error(BIN, &["-P", "999999999"], &[], "no such process: 999999999");
    assert_runtime_error(
        BIN,
        &["-c", "/nonexistent"],
        &[],
        "cgroup /nonexistent: No such file",
    );
    assert_runtime_error(BIN, &["-c", "/tmp"], &[], "not a cgroup v2 directory");
    assert_runtime_error(BIN, &["-d", "-1"], &[], "invalid duration -1");
    assert_needs_privileges(BIN, &[]);
}
