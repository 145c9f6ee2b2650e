//! The helper child (tools/tests/helpers/sockets.c): socket operations on
//! loopback (bind, listen, connect) in a process with a known pid and name.

use std::process::{Command, Stdio};

use crate::common::c_helper;

pub struct Ran {
    pub pid: u32,
    /// The helper's task name (its file name, cut to 15 bytes).
    pub comm: String,
    /// One line per operation: `bind 0`, `connect Connection refused`.
    pub results: Vec<String>,
}

/// Run the helper with `ops` to completion.
pub fn run(ops: &[&str]) -> Ran {
    let bin = c_helper("sockets", false);
    let child = Command::new(&bin)
        .args(ops)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {bin:?}: {e}"));
    let pid = child.id();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "sockets {ops:?} failed");
    let name = bin.file_name().unwrap().to_string_lossy().into_owned();
    Ran {
        pid,
        comm: name.chars().take(15).collect(),
        results: String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(String::from)
            .collect(),
    }
}
