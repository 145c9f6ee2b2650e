//! `-c/--cgroup PATH`: trace only tasks in one cgroup v2 directory (and its
//! descendants). The BPF half is bpf/cgroup.bpf.h: the tool sets its
//! `filter_cg` (and, for `task_cgroup_allowed`, `targ_cgid` from
//! [`Cgroup::id`]) rodata from [`CgroupArg::open`] before load and calls
//! [`Cgroup::install`] on its `cgroup_map` after load.

use std::fs::File;
use std::os::fd::AsRawFd;
use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use libbpf_rs::{MapCore, MapFlags};

/// The `-c` flag, flattened into a tool's arguments.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct CgroupArg {
    /// Only trace tasks in this cgroup v2 directory (e.g. /sys/fs/cgroup/system.slice/foo.service)
    #[arg(short = 'c', long = "cgroup", value_name = "PATH")]
    pub cgroup: Option<PathBuf>,
}

/// An open cgroup v2 directory.
#[derive(Debug)]
pub struct Cgroup {
    dir: File,
}

const CGROUP2_SUPER_MAGIC: i64 = 0x6367_7270;

impl CgroupArg {
    /// Open the directory given with -c, if any; a path that is not a
    /// cgroup v2 directory is one clear error.
    pub fn open(&self) -> Result<Option<Cgroup>> {
        let Some(path) = &self.cgroup else {
            return Ok(None);
        };
        let dir = File::open(path).with_context(|| format!("cgroup {}", path.display()))?;
        let fs = nix::sys::statfs::fstatfs(&dir)
            .with_context(|| format!("cgroup {}", path.display()))?;
        if fs.filesystem_type().0 as i64 != CGROUP2_SUPER_MAGIC || !dir.metadata()?.is_dir() {
            let hint = match cgroup2_mount() {
                Some(m) => format!("cgroup2 is mounted at {}", m.display()),
                None => "no cgroup2 file system is mounted".into(),
            };
            bail!(
                "cgroup {}: not a cgroup v2 directory ({hint})",
                path.display()
            );
        }
        Ok(Some(Cgroup { dir }))
    }
}

/// Where the cgroup v2 hierarchy is mounted: /sys/fs/cgroup on unified
/// systems, /sys/fs/cgroup/unified on hybrid ones.
pub fn cgroup2_mount() -> Option<PathBuf> {
    let mounts = std::fs::read_to_string("/proc/self/mounts").ok()?;
    mounts.lines().find_map(|l| {
        let mut f = l.split_whitespace();
        let (_, dir, fstype) = (f.next()?, f.next()?, f.next()?);
        (fstype == "cgroup2").then(|| PathBuf::from(dir))
    })
}

impl Cgroup {
    /// The cgroup's id, for the BPF side's `targ_cgid`: on cgroup v2 it
    /// is the directory's inode number.
    pub fn id(&self) -> u64 {
        use std::os::unix::fs::MetadataExt;
        self.dir.metadata().map_or(0, |m| m.ino())
    }

    /// Put the directory in slot 0 of the tool's `cgroup_map`.
    pub fn install(&self, map: &impl MapCore) -> Result<()> {
        let fd = self.dir.as_raw_fd() as u32;
        map.update(&0u32.to_ne_bytes(), &fd.to_ne_bytes(), MapFlags::ANY)
            .context("cannot install the -c cgroup filter")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arg(p: &str) -> CgroupArg {
        CgroupArg {
            cgroup: Some(p.into()),
        }
    }

    #[test]
    fn only_cgroup2_directories() {
        assert!(CgroupArg::default().open().unwrap().is_none());
        let e = arg("/nonexistent/cg").open().unwrap_err();
        assert!(format!("{e:#}").contains("/nonexistent/cg"), "{e:#}");
        let e = arg("/tmp").open().unwrap_err();
        assert!(format!("{e:#}").contains("not a cgroup v2"), "{e:#}");
    }
}
