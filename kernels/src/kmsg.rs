//! The guest kernel's log, read as the tools run: a warning, a BUG or a
//! stall report that a tool's programs caused fails that tool, even when
//! its event was seen (a WARN_ONCE would not show on a second try).

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom};
use std::os::unix::fs::OpenOptionsExt;

/// What the kernel says when something is wrong (a WARN, BUG, oops, lockup
/// or stall); the OOM killer's report is not among them.
const TROUBLE: &[&str] = &[
    "WARNING:",
    "BUG:",
    "Oops",
    "general protection fault",
    "soft lockup",
    "hard LOCKUP",
    "blocked for more than",
    "self-detected stall",
    "rcu: INFO:",
];

/// The marker before a WARN: the record after it says what is wrong.
const CUT_HERE: &str = "[ cut here ]";

pub struct Kmsg(File);

impl Kmsg {
    /// The log from now on: what is already in it is skipped.
    pub fn open() -> std::io::Result<Kmsg> {
        let mut f = OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK)
            .open("/dev/kmsg")?;
        f.seek(SeekFrom::End(0))?;
        Ok(Kmsg(f))
    }

    /// The first report of trouble logged since the last call, if any.
    pub fn trouble(&mut self) -> Option<String> {
        let mut records = Vec::new();
        let mut buf = vec![0u8; 8192]; // one record per read
        loop {
            match self.0.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => records.push(text(&String::from_utf8_lossy(&buf[..n])).to_string()),
                // Records were overwritten before they were read: go on.
                Err(e) if e.raw_os_error() == Some(libc::EPIPE) => continue,
                Err(_) => break, // EAGAIN: nothing more for now
            }
        }
        first_trouble(&records)
    }
}

/// The message of a /dev/kmsg record ("prio,seq,usec,flags;message\n"
/// followed by " KEY=value" lines).
fn text(record: &str) -> &str {
    let msg = record.split_once(';').map_or(record, |(_, m)| m);
    msg.lines().next().unwrap_or("")
}

fn first_trouble(messages: &[String]) -> Option<String> {
    let i = messages
        .iter()
        .position(|m| m.contains(CUT_HERE) || TROUBLE.iter().any(|t| m.contains(t)))?;
    if messages[i].contains(CUT_HERE) {
        // "[ cut here ]", the WARN's own text, then "WARNING: ... at FILE:LINE".
        let said: Vec<&str> = messages[i + 1..].iter().take(2).map(|m| m.trim()).collect();
        return Some(format!("kernel: {}", said.join(" / ")));
    }
    Some(format!("kernel: {}", messages[i].trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msgs(lines: &[&str]) -> Vec<String> {
        lines.iter().map(|l| l.to_string()).collect()
    }

    #[test]
    fn a_record_is_its_message() {
        assert_eq!(
            text(
                "4,512,12019548,-;trace type BPF program uses run-time allocation\n SUBSYSTEM=x\n"
            ),
            "trace type BPF program uses run-time allocation"
        );
    }

    #[test]
    fn a_warn_is_named_by_its_text() {
        let log = msgs(&[
            "bpftk-guest[1]: started",
            "------------[ cut here ]------------",
            "trace type BPF program uses run-time allocation",
            "WARNING: CPU: 0 PID: 121 at kernel/bpf/verifier.c:10493 bpf_check+0x2f92/0x3470",
            "Modules linked in:",
        ]);
        assert_eq!(
            first_trouble(&log).unwrap(),
            "kernel: trace type BPF program uses run-time allocation / WARNING: CPU: 0 PID: 121 at kernel/bpf/verifier.c:10493 bpf_check+0x2f92/0x3470"
        );
    }

    #[test]
    fn lockups_count_and_the_oom_killer_does_not() {
        let lockup = msgs(&["watchdog: BUG: soft lockup - CPU#1 stuck for 22s! [bpftk:395]"]);
        assert!(first_trouble(&lockup).unwrap().contains("soft lockup"));
        let oom = msgs(&[
            "bpftk-guest invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0",
            "Call Trace:",
            "Memory cgroup out of memory: Killed process 211 (bpftk-guest)",
        ]);
        assert_eq!(first_trouble(&oom), None);
    }
}
