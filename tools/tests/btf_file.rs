//! --btf and BPFTK_BTF: the kernel's types from a file, for kernels without
//! /sys/kernel/btf/vmlinux. Each run here is in a mount namespace of its own
//! where an empty tmpfs hides /sys/kernel/btf, as on such a kernel; the file
//! is a copy of this kernel's BTF.

use std::sync::OnceLock;

use crate::common::*;
use crate::hardening::every_tool;

const BPFTK: &str = env!("CARGO_BIN_EXE_bpftk");
const OPENSNOOP: &str = env!("CARGO_BIN_EXE_opensnoop");

/// The arguments that run `cmd` where /sys/kernel/btf is empty.
fn hidden_btf(cmd: &[&str]) -> Vec<String> {
    let mut argv: Vec<String> = [
        "--mount",
        "--propagation",
        "private",
        "sh",
        "-c",
        "mount -t tmpfs bpftk-no-btf /sys/kernel/btf && exec \"$@\"",
        "sh",
    ]
    .map(String::from)
    .to_vec();
    argv.extend(cmd.iter().map(|s| s.to_string()));
    argv
}

fn run_hidden(cmd: &[&str], env: &[(&str, &str)]) -> Finished {
    require_root();
    let argv = hidden_btf(cmd);
    let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
    run("unshare", &argv, env)
}

/// This kernel's BTF, copied once to a file of this test run.
fn btf_copy() -> &'static str {
    static COPY: OnceLock<String> = OnceLock::new();
    COPY.get_or_init(|| {
        let path = unique_file("vmlinux.btf");
        std::fs::copy("/sys/kernel/btf/vmlinux", &path).unwrap();
        path
    })
}

#[test]
fn without_btf_the_error_names_the_file_and_the_flag() {
    let f = run_hidden(&[OPENSNOOP, "-d", "1"], &[]);
    assert_eq!(f.status.code(), Some(1), "{:?}", f.stderr);
    assert_eq!(f.stderr.len(), 1, "{:?}", f.stderr);
    let err = &f.stderr[0];
    assert!(err.starts_with("opensnoop: error: kernel BTF not found at /sys/kernel/btf/vmlinux: give a BTF file for this kernel with --btf PATH (or BPFTK_BTF=PATH)"), "{err}");
}

#[test]
fn opensnoop_traces_with_btf_from_a_file() {
    let file = unique_file("btf-open");
    let argv = hidden_btf(&[OPENSNOOP, "-v", "--btf", btf_copy()]);
    let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
    let (f, pid) = trace("unshare", &argv, |t| {
        let pid = run_child("cat", &[&file]);
        t.expect_text(&file);
        pid
    });
    let layout = Printf::new("%-6d %-16s %3d %3d %s");
    layout.assert_header(&f.stdout[0], &["PID", "COMM", "FD", "ERR", "PATH"]);
    layout.find(
        &f.stdout,
        &[is(pid), is("cat"), Cell::Num, is(0), is(&file)],
    );
    let note = format!(
        "opensnoop: the kernel's types are taken from {}; without the kernel's own BTF, tp_btf and fentry hooks are left out",
        btf_copy()
    );
    assert!(f.stderr.contains(&note), "{:?}", f.stderr);
    std::fs::remove_file(&file).unwrap();
}

/// Every tool's programs go through the verifier with the file's types, on
/// the hooks that need no kernel BTF; a tool with none left (readahead:
/// fentry or kprobe only, and no kprobes here) says that is why, in one line.
#[test]
fn every_tool_loads_with_btf_from_a_file() {
    for (name, args) in every_tool().iter().filter(|(n, _)| n != "flamegraph") {
        let cmd = [&[BPFTK, name.as_str()], &args[..], &["--btf", btf_copy()]].concat();
        let f = run_hidden(&cmd, &[("BPFTK_LOAD_ONLY", "1")]);
        let err = f.stderr.join("\n");
        if f.status.success() {
            assert!(err.contains(&format!("{name}: loaded ")), "{name}: {err}");
            continue;
        }
        assert_eq!(f.status.code(), Some(1), "{name}: {err}");
        let line = f.stderr.last().unwrap();
        assert!(
            line.starts_with(&format!("{name}: error: this kernel offers no hook for "))
                && line.contains("(no kernel BTF)"),
            "{name}: {err}"
        );
        assert_eq!(
            name, "readahead",
            "{name} has a hook without kernel BTF: {err}"
        );
    }
}

/// BPFTK_BTF does what --btf does.
#[test]
fn bpftk_btf_in_the_environment() {
    let f = run_hidden(
        &[BPFTK, "runqlat", "-v", "1", "1"],
        &[("BPFTK_BTF", btf_copy())],
    );
    f.assert_success();
    assert!(
        f.stderr
            .iter()
            .any(|l| l == "  switch: raw_tp sched_switch"),
        "{:?}",
        f.stderr
    );
    assert!(
        f.stdout
            .iter()
            .any(|l| l.contains("usecs") && l.contains("distribution")),
        "{:?}",
        f.stdout
    );
}

#[test]
fn bad_btf_files_are_one_line() {
    assert_runtime_error(
        OPENSNOOP,
        &["--btf", "/nonexistent/vmlinux", "-d", "1"],
        &[],
        "cannot read BTF from /nonexistent/vmlinux: No such file or directory",
    );
    assert_runtime_error(
        OPENSNOOP,
        &["-d", "1"],
        &[("BPFTK_BTF", "/etc/hostname")],
        "/etc/hostname is not a BTF file",
    );
}
