//! The network tools' test traffic: tools/tests/helpers/sockets.c runs
//! socket operations on loopback (bind, listen, connect) as a child with a
//! known pid and name.
#![allow(dead_code)]

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

/// `N` different TCP ports that nobody uses on 127.0.0.1 and ::1 right now
/// (different, so that a port names one socket in a tool's output).
pub fn free_ports<const N: usize>() -> [u16; N] {
    let mut ports = [0; N];
    for i in 0..N {
        ports[i] = std::iter::repeat_with(free_port)
            .find(|p| !ports[..i].contains(p))
            .unwrap();
    }
    ports
}

/// A TCP port nobody uses on 127.0.0.1 and ::1 right now.
fn free_port() -> u16 {
    loop {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        if std::net::TcpListener::bind(("::1", port)).is_ok()
            && std::net::UdpSocket::bind(("127.0.0.1", port)).is_ok()
            && std::net::UdpSocket::bind(("::1", port)).is_ok()
        {
            return port;
        }
    }
}
