//! Block devices for the block I/O tools: names by kernel device number
//! (from /proc/partitions) and request flags by name (from the running
//! kernel's BTF, whose flag bits move between versions).

use anyhow::{bail, Result};

use crate::{AttachPoint, Prog};

/// The hooks of bpf/block_stages.bpf.h, which follows a request from its
/// start (block_io_start since 6.5, else its insertion into the OS queue)
/// through its issue to its completion (biosnoop, biotop).
pub fn stage_hooks() -> Vec<AttachPoint> {
    vec![
        AttachPoint::new("request start")
            .or([Prog::tp_btf("tp_btf_io_start", "block_io_start")])
            .or([Prog::raw_tp("raw_io_start", "block_io_start")])
            .or([Prog::tp_btf("tp_btf_insert", "block_rq_insert")])
            .or([Prog::raw_tp("raw_insert", "block_rq_insert")]),
        AttachPoint::new("request issue")
            .or([Prog::tp_btf("tp_btf_issue", "block_rq_issue")])
            .or([Prog::raw_tp("raw_issue", "block_rq_issue")]),
        AttachPoint::new("request completion")
            .or([Prog::tp_btf("tp_btf_complete", "block_rq_complete")])
            .or([Prog::raw_tp("raw_complete", "block_rq_complete")]),
    ]
}

/// Whether block_rq_insert and block_rq_issue still pass the request queue
/// before the request (kernels before 5.11, less backports): for the
/// `block_rq_queue_arg` flag of bpf/block.bpf.h.
pub fn rq_queue_arg() -> bool {
    crate::btf::tracepoint_args("block_rq_issue") == Some(2)
}

/// The kernel's internal dev_t: MKDEV(major, minor) = major << 20 | minor.
pub fn kernel_dev(major: u32, minor: u32) -> u32 {
    major << 20 | minor
}

/// Disks and partitions: (kernel dev_t, name).
pub fn partitions() -> Vec<(u32, String)> {
    let text = std::fs::read_to_string("/proc/partitions").unwrap_or_default();
    text.lines()
        .skip(2)
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            Some((
                kernel_dev(f.first()?.parse().ok()?, f.get(1)?.parse().ok()?),
                f.get(3)?.to_string(),
            ))
        })
        .collect()
}

/// The major number of block driver `driver` ("md", "loop"), from the
/// "Block devices:" part of /proc/devices: None where it is not loaded.
pub fn block_major(driver: &str) -> Option<u32> {
    let text = std::fs::read_to_string("/proc/devices").ok()?;
    text.lines()
        .skip_while(|l| !l.starts_with("Block devices:"))
        .filter_map(|l| l.trim().split_once(' '))
        .find(|(_, name)| *name == driver)
        .and_then(|(major, _)| major.parse().ok())
}

/// Disk names by kernel dev_t, read again from /proc/partitions when a
/// device is not known yet (a loop device set up after the tool started).
pub struct Names(Vec<(u32, String)>);

impl Names {
    pub fn load() -> Names {
        Names(partitions())
    }

    /// The name of `dev`, or None when /proc/partitions has none.
    pub fn get(&mut self, dev: u32) -> Option<&str> {
        if !self.0.iter().any(|p| p.0 == dev) {
            self.0 = partitions();
        }
        self.0.iter().find(|p| p.0 == dev).map(|p| p.1.as_str())
    }

    /// The name of `dev`, or `MAJOR:MINOR`.
    pub fn name(&mut self, dev: u32) -> String {
        match self.get(dev) {
            Some(n) => n.to_string(),
            None => format!("{}:{}", dev >> 20, dev & 0xfffff),
        }
    }
}

/// The name of device `dev` (kernel dev_t), or `MAJOR:MINOR`.
pub fn name(parts: &[(u32, String)], dev: u32) -> String {
    parts.iter().find(|p| p.0 == dev).map_or_else(
        || format!("{}:{}", dev >> 20, dev & 0xfffff),
        |p| p.1.clone(),
    )
}

/// The kernel dev_t of disk `name` (`vda`, `loop0`); an error names it.
/// `-d/--disk DISK`: one disk to trace, by its name in /proc/partitions.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct DiskArg {
    /// Trace this disk only
    #[arg(short, long)]
    pub disk: Option<String>,
}

impl DiskArg {
    /// The BPF side's `targ_dev`: the disk's device number, or 0 for every
    /// disk; a disk that is not there is the error.
    pub fn dev(&self) -> Result<u32> {
        Ok(self.disk.as_deref().map(lookup).transpose()?.unwrap_or(0))
    }
}

pub fn lookup(name: &str) -> Result<u32> {
    match partitions().into_iter().find(|p| p.1 == name) {
        Some(p) => Ok(p.0),
        None => bail!("no such disk: {name} (see /proc/partitions)"),
    }
}

/// Request operations as libbpf-tools names them, by REQ_OP_* name.
const OPS: &[(&str, &str)] = &[
    ("REQ_OP_READ", "Read"),
    ("REQ_OP_WRITE", "Write"),
    ("REQ_OP_FLUSH", "Flush"),
    ("REQ_OP_DISCARD", "Discard"),
    ("REQ_OP_SECURE_ERASE", "SecureErase"),
    ("REQ_OP_ZONE_RESET", "ZoneReset"),
    ("REQ_OP_WRITE_SAME", "WriteSame"),
    ("REQ_OP_ZONE_RESET_ALL", "ZoneResetAll"),
    ("REQ_OP_WRITE_ZEROES", "WriteZeroes"),
    ("REQ_OP_ZONE_OPEN", "ZoneOpen"),
    ("REQ_OP_ZONE_CLOSE", "ZoneClose"),
    ("REQ_OP_ZONE_FINISH", "ZoneFinish"),
    ("REQ_OP_ZONE_APPEND", "ZoneAppend"),
    ("REQ_OP_DRV_IN", "DrvIn"),
    ("REQ_OP_DRV_OUT", "DrvOut"),
];

/// Request flags, in libbpf-tools' order, by __REQ_* bit name.
const FLAGS: &[(&str, &str)] = &[
    ("__REQ_NOWAIT", "NoWait-"),
    ("__REQ_BACKGROUND", "Background-"),
    ("__REQ_RAHEAD", "ReadAhead-"),
    ("__REQ_PREFLUSH", "PreFlush-"),
    ("__REQ_FUA", "FUA-"),
    ("__REQ_INTEGRITY", "Integrity-"),
    ("__REQ_IDLE", "Idle-"),
    ("__REQ_NOMERGE", "NoMerge-"),
    ("__REQ_PRIO", "Priority-"),
    ("__REQ_META", "Metadata-"),
    ("__REQ_SYNC", "Sync-"),
];

/// Request flags decoded against this kernel's enums.
pub struct ReqFlags {
    ops: Vec<(u32, &'static str)>,
    bits: Vec<(u32, &'static str)>,
}

impl ReqFlags {
    /// From the running kernel's BTF; with no BTF, the 5.x-6.x values.
    pub fn load() -> ReqFlags {
        let enums = crate::btf::vmlinux_enums(&["req_op", "req_flag_bits"]);
        let find = |names: &[(&str, &'static str)], fallback: &[u32]| -> Vec<(u32, &'static str)> {
            names
                .iter()
                .zip(fallback)
                .filter_map(|((k, v), fb)| match enums.iter().find(|e| e.0 == *k) {
                    Some(e) => Some((e.1, *v)),
                    None if enums.is_empty() => Some((*fb, *v)),
                    None => None,
                })
                .collect()
        };
        ReqFlags {
            ops: find(OPS, &[0, 1, 2, 3, 5, 15, 7, 17, 9, 10, 11, 12, 13, 34, 35]),
            bits: find(FLAGS, &[21, 20, 19, 18, 17, 16, 15, 14, 13, 12, 11]),
        }
    }

    /// The request as blktrace's RWBS letters, as biosnoop's T column shows
    /// it: F for a preflush, then the operation (R, W, D discard, DE secure
    /// erase, F flush, N other), then F for FUA, A readahead, S sync, M
    /// metadata.
    pub fn rwbs(&self, cmd_flags: u32) -> String {
        let set = |name: &str| {
            self.bits
                .iter()
                .any(|(bit, n)| *n == name && cmd_flags & (1 << bit) != 0)
        };
        let op = self
            .ops
            .iter()
            .find(|o| o.0 == cmd_flags & 0xff)
            .map(|o| o.1);
        let mut s = String::new();
        if set("PreFlush-") {
            s.push('F');
        }
        s.push_str(match op {
            Some("Write" | "WriteSame") => "W",
            Some("Discard") => "D",
            Some("SecureErase") => "DE",
            Some("Flush") => "F",
            Some("Read") => "R",
            _ => "N",
        });
        for (name, letter) in [
            ("FUA-", 'F'),
            ("ReadAhead-", 'A'),
            ("Sync-", 'S'),
            ("Metadata-", 'M'),
        ] {
            if set(name) {
                s.push(letter);
            }
        }
        s
    }

    /// libbpf-tools' `Sync-Write`: the flags set, then the operation.
    pub fn describe(&self, cmd_flags: u32) -> String {
        let mut s = String::new();
        for (bit, name) in &self.bits {
            if cmd_flags & (1 << bit) != 0 {
                s.push_str(name);
            }
        }
        let op = cmd_flags & 0xff;
        s.push_str(
            self.ops
                .iter()
                .find(|o| o.0 == op)
                .map_or("Unknown", |o| o.1),
        );
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_disk_by_name_or_every_disk() {
        assert_eq!(DiskArg::default().dev().unwrap(), 0);
        let none = DiskArg {
            disk: Some("no-such-disk".into()),
        };
        assert!(none.dev().unwrap_err().to_string().contains("no such disk"));
    }

    #[test]
    fn devices_and_flags() {
        assert_eq!(kernel_dev(254, 1), (254 << 20) | 1);
        let parts = vec![(kernel_dev(254, 0), "vda".to_string())];
        assert_eq!(name(&parts, kernel_dev(254, 0)), "vda");
        assert_eq!(name(&parts, kernel_dev(7, 3)), "7:3");
        assert!(lookup("bpftk-no-disk")
            .unwrap_err()
            .to_string()
            .contains("no such disk"));
        let f = ReqFlags::load();
        let sync = f.bits.iter().find(|b| b.1 == "Sync-").unwrap().0;
        assert_eq!(f.describe(1 | 1 << sync), "Sync-Write");
        assert_eq!(f.describe(0), "Read");
        assert_eq!(f.describe(0x7f), "Unknown");
        assert_eq!(f.rwbs(1 | 1 << sync), "WS");
        assert_eq!(f.rwbs(0), "R");
        assert_eq!(f.rwbs(0x7f), "N");
    }
}
