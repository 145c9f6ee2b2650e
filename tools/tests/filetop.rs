//! filetop end to end: dd reading a file of known size and writing
//! /dev/null, counted by thread and file.

use crate::common::*;

const BIN: &str = env!("CARGO_BIN_EXE_filetop");

/// libbpf-tools' filetop: `"%-7s %-16s %-6s %-6s %-7s %-7s %1s %s"`.
const LAYOUT: &str = "%-7s %-16s %-6s %-6s %-7s %-7s %1s %s";

/// A 64 KiB file with a unique name; returns its path and name.
fn data_file() -> (String, String) {
    let path = unique_file("filetop");
    std::fs::write(&path, vec![7u8; 64 << 10]).unwrap();
    let name = std::path::Path::new(&path)
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    (path, name)
}

/// dd reading `path` in 4 KiB blocks, 10 of them, to /dev/null.
fn dd_reads(path: &str) -> u32 {
    run_child(
        "dd",
        &[&format!("if={path}"), "of=/dev/null", "bs=4k", "count=10"],
    )
}

/// The sums of READS, WRITES, R_Kb and W_Kb over the rows of `tid` on `name`.
fn totals(lines: &[String], tid: u32, t: &str, name: &str) -> [u64; 4] {
    let layout = Printf::new(LAYOUT);
    let row = [
        is(tid),
        is("dd"),
        Cell::Num,
        Cell::Num,
        Cell::Num,
        Cell::Num,
        is(t),
        is(name),
    ];
    let mut sums = [0u64; 4];
    for line in lines.iter().filter(|l| layout.matches(l, &row)) {
        let f: Vec<&str> = line.split_whitespace().collect();
        for (s, v) in sums.iter_mut().zip(&f[2..6]) {
            *s += v.parse::<u64>().unwrap();
        }
    }
    sums
}

#[test]
fn reads_of_a_file_are_counted_by_thread() {
    let (path, name) = data_file();
    let (f, pid) = trace(BIN, &["-C", "1"], |_| dd_reads(&path));
    f.assert_success();
    let at = f
        .stdout
        .iter()
        .position(|l| l.starts_with("TID"))
        .expect("a header");
    let header = [
        "TID", "COMM", "READS", "WRITES", "R_Kb", "W_Kb", "T", "FILE",
    ];
    Printf::new(LAYOUT).assert_header(&f.stdout[at], &header);
    assert_eq!(
        totals(&f.stdout, pid, "R", &name),
        [10, 0, 40, 0],
        "{:?}",
        f.stdout
    );
    // /dev/null is no regular file: left out without -a.
    assert_eq!(
        totals(&f.stdout, pid, "O", "null"),
        [0; 4],
        "{:?}",
        f.stdout
    );
    let _ = std::fs::remove_file(&path);
}

#[test]
fn all_files_json_and_the_pid_filter() {
    let (path, name) = data_file();
    let gate = GatedChild::spawn(&format!(
        "dd if={path} of=/dev/null bs=4k count=10 status=none"
    ));
    let pid = gate.pid();
    let (f, ()) = trace(BIN, &["--json", "-a", "-p", &pid.to_string(), "1"], |_| {
        assert!(gate.release());
        dd_reads(&path); // another process: filtered out
    });
    f.assert_success();
    let rows = f.json();
    assert!(rows.iter().all(|o| o["pid"] == pid), "{rows:?}");
    let sum = |file: &str, key: &str| -> u64 {
        rows.iter()
            .filter(|o| o["file"] == file)
            .map(|o| o[key].as_u64().unwrap())
            .sum()
    };
    assert_eq!(
        (sum(&name, "reads"), sum(&name, "r_kb")),
        (10, 40),
        "{rows:?}"
    );
    assert_eq!(
        (sum("null", "writes"), sum("null", "w_kb")),
        (10, 40),
        "{rows:?}"
    );
    let o = rows.iter().find(|o| o["file"] == "null").unwrap();
    assert_eq!(
        (o["t"].as_str(), o["comm"].as_str(), o["tid"].as_u64()),
        (Some("O"), Some("dd"), Some(pid.into()))
    );
    let _ = std::fs::remove_file(&path);
}

#[test]
fn every_hook_alternative_loads() {
    assert_all_hooks_load(BIN, &["1", "1"]);
}

#[test]
fn bad_input_is_one_clear_line() {
    assert_usage_error(BIN, &["0"]);
    assert_usage_error(BIN, &["-r", "0"]);
    assert_usage_error(BIN, &["-s", "name"]);
    assert_runtime_error(BIN, &["-p", "999999999"], &[], "no such process: 999999999");
    assert_needs_privileges(BIN, &["1", "1"]);
}
