//! bashreadline end to end: a real interactive bash on a pseudo-terminal.

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::common::*;

const BIN: &str = env!("CARGO_BIN_EXE_bashreadline");

/// Type `lines` into an interactive bash on a new pseudo-terminal, then
/// `exit`; returns bash's pid once it has exited.
fn type_into_bash(lines: &[&str]) -> u32 {
    let pty = nix::pty::openpty(None, None).expect("openpty");
    let slave = || Stdio::from(pty.slave.try_clone().unwrap());
    let mut bash = Command::new("bash")
        .args(["--norc", "--noprofile", "-i"])
        .env("TERM", "dumb")
        .env("PS1", "$ ")
        .stdin(slave())
        .stdout(slave())
        .stderr(slave())
        .spawn()
        .expect("bash");
    drop(pty.slave);
    let mut master = std::fs::File::from(pty.master);
    // Drain what bash echoes, so that it never blocks on a full terminal.
    let mut reader = master.try_clone().unwrap();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while matches!(reader.read(&mut buf), Ok(n) if n > 0) {}
    });
    for l in lines.iter().chain(&["exit"]) {
        std::thread::sleep(Duration::from_millis(200));
        master.write_all(format!("{l}\n").as_bytes()).unwrap();
    }
    let pid = bash.id();
    bash.wait().unwrap();
    pid
}

#[test]
fn a_command_typed_into_bash_is_shown_with_its_pid() {
    let word = unique_path("readline")
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let command = format!("echo {word}  'two  spaces'");
    let (f, pid) = trace(BIN, &[], |t| {
        let pid = type_into_bash(&[&command]);
        t.expect_text(&word);
        pid
    });
    // bcc's layout.
    let layout = Printf::new("%-9s %-7d %s");
    layout.assert_header(&f.stdout[0], &["TIME", "PID", "COMMAND"]);
    layout.find(&f.stdout, &[Cell::Time, is(pid), is(&command)]);
    layout.find(&f.stdout, &[Cell::Time, is(pid), is("exit")]);
    let line = f.stdout.iter().find(|l| l.contains(&word)).unwrap();
    assert_eq!(
        line[10..].split_whitespace().next(),
        Some(pid.to_string().as_str())
    );
    assert!(line.ends_with(&format!(" {command}")), "{line:?}");
    assert!(
        f.rows()
            .iter()
            .any(|r| r[1] == pid.to_string() && r[2..] == ["exit"]),
        "{:?}",
        f.stdout
    );
}

#[test]
fn json_and_an_explicit_binary() {
    let word = unique_path("readline-json")
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let bash = std::fs::canonicalize("/bin/bash").unwrap();
    let (f, pid) = trace(BIN, &["--json", "-s", bash.to_str().unwrap()], |t| {
        let pid = type_into_bash(&[&format!("true {word}")]);
        t.expect_text(&word);
        pid
    });
    let events = f.json();
    let e = events
        .iter()
        .find(|e| e["command"] == format!("true {word}"))
        .unwrap();
    assert_eq!(e["pid"], pid);
    assert!(e["time"].is_string());
}

#[test]
fn every_alternative_passes_the_verifier() {
    assert_all_hooks_load(BIN, &[]);
}

#[test]
fn bad_input_is_one_clear_line() {
    assert_usage_error(BIN, &["extra"]);
    assert_runtime_error(
        BIN,
        &["-s", "/nonexistent/libreadline.so"],
        &[],
        "/nonexistent/libreadline.so: no such file",
    );
    assert_runtime_error(
        BIN,
        &["-s", "/bin/true"],
        &[],
        "defines neither readline nor readline_internal_teardown",
    );
    assert_needs_privileges(BIN, &[]);
}
