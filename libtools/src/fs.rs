//! File systems as fsslower and fsdist see them: each one's functions for
//! the operations of bpf/fs_ops.h and its superblock magic; the hooks of
//! bpf/fs_ops.bpf.h (the file system's own functions, else the syscalls);
//! `-t FS`, and the per-file-system aliases (ext4slower, xfsdist, ...).

use crate::consts::{FS_OP_FSYNC, FS_OP_GETATTR, FS_OP_OPEN, FS_OP_READ, FS_OP_WRITE};
use crate::hooks::{AttachPoint, HookKind, HookPlan, Prog};

#[derive(Debug, PartialEq, Eq)]
pub struct FileSystem {
    pub name: &'static str,
    /// `super_block.s_magic`, what the syscall route compares.
    pub magic: u64,
    /// The functions of its file and inode operations, by `FS_OP_*`: read_iter,
    /// write_iter, open, fsync, getattr.
    pub funcs: [&'static str; 5],
}

/// libbpf-tools' file systems (btrfs, ext4, nfs, xfs, f2fs), then the others.
pub const FILE_SYSTEMS: &[FileSystem] = &[
    fs(
        "btrfs",
        0x9123_683e,
        [
            "btrfs_file_read_iter",
            "btrfs_file_write_iter",
            "btrfs_file_open",
            "btrfs_sync_file",
            "btrfs_getattr",
        ],
    ),
    // ext2 and ext3 mounted by the ext4 driver share its magic and functions.
    fs(
        "ext4",
        0xef53,
        [
            "ext4_file_read_iter",
            "ext4_file_write_iter",
            "ext4_file_open",
            "ext4_sync_file",
            "ext4_file_getattr",
        ],
    ),
    // nfs and nfs4 mounts alike.
    fs(
        "nfs",
        0x6969,
        [
            "nfs_file_read",
            "nfs_file_write",
            "nfs_file_open",
            "nfs_file_fsync",
            "nfs_getattr",
        ],
    ),
    fs(
        "xfs",
        0x5846_5342,
        [
            "xfs_file_read_iter",
            "xfs_file_write_iter",
            "xfs_file_open",
            "xfs_file_fsync",
            "xfs_vn_getattr",
        ],
    ),
    fs(
        "f2fs",
        0xf2f5_2010,
        [
            "f2fs_file_read_iter",
            "f2fs_file_write_iter",
            "f2fs_file_open",
            "f2fs_sync_file",
            "f2fs_getattr",
        ],
    ),
    fs(
        "bcachefs",
        0xca45_1a4e,
        [
            "bch2_read_iter",
            "bch2_write_iter",
            "bch2_open",
            "bch2_fsync",
            "bch2_getattr",
        ],
    ),
    // OpenZFS's Linux layer (zpl_*), a module outside the kernel tree.
    fs(
        "zfs",
        0x2fc1_2fc1,
        [
            "zpl_iter_read",
            "zpl_iter_write",
            "zpl_open",
            "zpl_fsync",
            "zpl_getattr",
        ],
    ),
    // fuse and fuseblk mounts alike.
    fs(
        "fuse",
        0x6573_5546,
        [
            "fuse_file_read_iter",
            "fuse_file_write_iter",
            "fuse_open",
            "fuse_fsync",
            "fuse_getattr",
        ],
    ),
];

const fn fs(name: &'static str, magic: u64, funcs: [&'static str; 5]) -> FileSystem {
    FileSystem { name, magic, funcs }
}

pub fn by_name(name: &str) -> Option<&'static FileSystem> {
    FILE_SYSTEMS.iter().find(|f| f.name == name)
}

/// Each operation: its name (the attach point's, fsdist's `operation`),
/// its programs in bpf/fs_ops.bpf.h (fentry, fexit, kprobe, kretprobe), and
/// the syscalls of the syscall route (`?`: not on every kernel or architecture).
const OPS: [(u64, &str, [&str; 4], &[&str]); 5] = [
    (
        FS_OP_READ,
        "read",
        [
            "fentry_fs_read",
            "fexit_fs_read",
            "kprobe_fs_read",
            "kretprobe_fs_read",
        ],
        &["read", "readv", "pread64", "preadv", "preadv2"],
    ),
    (
        FS_OP_WRITE,
        "write",
        [
            "fentry_fs_write",
            "fexit_fs_write",
            "kprobe_fs_write",
            "kretprobe_fs_write",
        ],
        &["write", "writev", "pwrite64", "pwritev", "pwritev2"],
    ),
    (
        FS_OP_OPEN,
        "open",
        [
            "fentry_fs_open",
            "fexit_fs_open",
            "kprobe_fs_open",
            "kretprobe_fs_open",
        ],
        &["open?", "creat?", "openat", "openat2?"],
    ),
    (
        FS_OP_FSYNC,
        "fsync",
        [
            "fentry_fs_fsync",
            "fexit_fs_fsync",
            "kprobe_fs_fsync",
            "kretprobe_fs_fsync",
        ],
        &["fsync", "fdatasync"],
    ),
    (
        FS_OP_GETATTR,
        "getattr",
        [
            "fentry_fs_getattr",
            "fexit_fs_getattr",
            "kprobe_fs_getattr",
            "kretprobe_fs_getattr",
        ],
        &["newfstat", "newfstatat", "statx"],
    ),
];

/// The name of operation `op` (`FS_OP_*`).
pub fn op_name(op: u32) -> &'static str {
    OPS.iter()
        .find(|o| o.0 == u64::from(op))
        .map_or("?", |o| o.1)
}

/// The hooks of `fs`'s reads, writes, opens and fsyncs (and getattrs with
/// `getattr`): fentry+fexit on its functions, else kprobe+kretprobe, else
/// the syscall tracepoints at entry and exit.
pub fn op_hooks(fs: &FileSystem, getattr: bool) -> Vec<AttachPoint> {
    let syscall = |call: &str| {
        let (call, optional) = call.strip_suffix('?').map_or((call, false), |c| (c, true));
        [("enter", call), ("exit", call)].map(|(dir, call)| {
            let name: &'static str = format!("tp_{dir}_{call}").leak();
            let p = Prog::tracepoint(name, &format!("syscalls:sys_{dir}_{call}"));
            if optional {
                p.optional()
            } else {
                p
            }
        })
    };
    OPS.iter()
        .filter(|o| getattr || o.0 != FS_OP_GETATTR)
        .map(|(op, what, [fentry, fexit, kprobe, kretprobe], calls)| {
            let func = fs.funcs[*op as usize];
            AttachPoint::new(what)
                .or([Prog::fentry(fentry, func), Prog::fexit(fexit, func)])
                .or([Prog::kprobe(kprobe, func), Prog::kretprobe(kretprobe, func)])
                .or(calls.iter().flat_map(|c| syscall(c)))
        })
        .collect()
}

/// Under -v, what the syscall route, where it was chosen, does not see.
pub fn note_blind_spots(plan: &HookPlan, fs: &FileSystem) {
    let by_syscalls: Vec<&str> = OPS
        .iter()
        .map(|o| o.1)
        .filter(|w| plan.kind_of(w) == Some(HookKind::Tracepoint))
        .collect();
    if by_syscalls.is_empty() {
        return;
    }
    let stat = if by_syscalls.contains(&"getattr") {
        "; and stat(2) by path (getattrs are fstat(2), and fstatat(2)/statx(2) of a descriptor)"
    } else {
        ""
    };
    crate::verbose!(
        "{} by the syscalls, not {}'s own functions: not seen are page faults on mmap()ed files, \
io_uring, sendfile(2), splice(2) and copy_file_range(2), I/O the kernel does itself (exec, nfsd, \
overlayfs, loop devices), and opens that failed{stat}. Latency is the whole syscall's.",
        by_syscalls.join(", "),
        fs.name
    );
}

/// `-t FS`: the file system to trace, required, but preset (and hidden)
/// for an alias ([`preset`]).
#[derive(clap::Args, Debug, Clone)]
pub struct FsArg {
    /// Which file system to trace
    #[arg(short = 't', long = "type", value_name = "FS", required = true, value_parser = parser(None))]
    pub fs: &'static FileSystem,
}

fn parser(
    only: Option<&'static str>,
) -> impl clap::builder::TypedValueParser<Value = &'static FileSystem> {
    use clap::builder::TypedValueParser;
    let names: Vec<&str> = match only {
        Some(n) => vec![n],
        None => FILE_SYSTEMS.iter().map(|f| f.name).collect(),
    };
    clap::builder::PossibleValuesParser::new(names).map(|n| by_name(&n).expect("a listed name"))
}

/// An alias's command (`ext4slower` of `fsslower`): the family's, named
/// after the alias, its description and examples about `fs`, with `-t`
/// preset to `fs` and hidden (`-t` naming another file system is a usage
/// error). `examples` says `{alias}` and `{fs}`.
pub fn preset(
    cmd: clap::Command,
    alias: &'static str,
    fs: &'static str,
    examples: &str,
) -> clap::Command {
    let family = cmd.get_name().to_string();
    let about = |s: Option<&clap::builder::StyledStr>| {
        s.map(|s| {
            s.to_string()
                .replace("file system operations", &format!("{fs} operations"))
        })
    };
    let (short, long) = (about(cmd.get_about()), about(cmd.get_long_about()));
    let examples = examples.replace("{alias}", alias).replace("{fs}", fs);
    let cmd = cmd.name(alias).after_help(examples).mut_arg("fs", |a| {
        a.required(false)
            .hide(true)
            .default_value(fs)
            .value_parser(parser(Some(fs)))
    });
    let note = format!("\n\nThis is {family} -t {fs}.");
    match (short, long) {
        (Some(s), Some(l)) => cmd.about(s).long_about(l + &note),
        (Some(s), None) => cmd.about(s.clone()).long_about(s + &note),
        _ => cmd,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_system_has_every_function_and_a_unique_magic() {
        for (i, f) in FILE_SYSTEMS.iter().enumerate() {
            assert!(f.funcs.iter().all(|n| !n.is_empty()), "{}", f.name);
            assert!(FILE_SYSTEMS[..i]
                .iter()
                .all(|o| o.magic != f.magic && o.name != f.name));
        }
        assert_eq!(op_name(FS_OP_FSYNC as u32), "fsync");
    }

    #[test]
    fn hooks_name_the_file_systems_functions_then_the_syscalls() {
        let ext4 = by_name("ext4").unwrap();
        let points = op_hooks(ext4, false);
        let whats: Vec<_> = points.iter().map(|p| p.what).collect();
        assert_eq!(whats, ["read", "write", "open", "fsync"]);
        assert_eq!(op_hooks(ext4, true).len(), 5);
        let read = &points[0].alternatives;
        assert_eq!(read[0][0].target.to_string(), "ext4_file_read_iter");
        assert_eq!(read[1][1].target.to_string(), "ret:ext4_file_read_iter");
        assert_eq!(read[2].len(), 10);
        assert!(points[2].alternatives[2]
            .iter()
            .any(|p| p.name == "tp_exit_openat" && !p.optional));
    }

    #[derive(clap::Parser, Debug)]
    #[command(
        name = "fam",
        about = "Trace file system operations slower than a threshold"
    )]
    struct Args {
        #[command(flatten)]
        fs: FsArg,
    }

    #[test]
    fn an_alias_presets_the_file_system() {
        use clap::{CommandFactory, FromArgMatches};
        let parse = |cmd: clap::Command, args: &[&str]| {
            cmd.try_get_matches_from(args)
                .map(|m| Args::from_arg_matches(&m).unwrap().fs.fs.name)
        };
        assert_eq!(
            parse(Args::command(), &["fam", "-t", "xfs"]).unwrap(),
            "xfs"
        );
        assert!(parse(Args::command(), &["fam"]).is_err());
        assert!(parse(Args::command(), &["fam", "-t", "vfat"]).is_err());
        let alias = || preset(Args::command(), "xfsfam", "xfs", "{alias} # {fs}");
        assert_eq!(parse(alias(), &["xfsfam"]).unwrap(), "xfs");
        assert_eq!(parse(alias(), &["xfsfam", "-t", "xfs"]).unwrap(), "xfs");
        let e = parse(alias(), &["xfsfam", "-t", "ext4"]).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        let cmd = alias();
        assert_eq!(
            cmd.get_about().unwrap().to_string(),
            "Trace xfs operations slower than a threshold"
        );
        assert!(cmd
            .get_after_help()
            .unwrap()
            .to_string()
            .contains("xfsfam # xfs"));
    }
}
