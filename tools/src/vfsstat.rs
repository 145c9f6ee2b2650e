//! vfsstat: counts of VFS calls per second, every interval.

use std::time::Instant;

use clap::Parser;
use libtools::run::{self, Interval};
use libtools::{lifecycle, maps, output, AttachPoint, Column, Common, Output, Prog, Result, Spec, Value};

libtools::skel!("vfsstat");
use skel::{consts, VfsstatSkelBuilder};

const EXAMPLES: &str = "EXAMPLES:
    vfsstat          # counts per second, every second
    vfsstat 5 3      # every five seconds, three lines
    vfsstat --json   # JSON Lines, one object per interval";
pub const DOC: crate::Doc = crate::Doc {
    columns: &[
        ("TIME", "the wall-clock time at the end of the interval, HH:MM:SS"),
        ("READ/s", "vfs_read calls per second (read(2), pread64(2) and the kernel's own reads); by the syscall route, read(2) and pread64(2) calls"),
        ("WRITE/s", "vfs_write calls per second; by the syscall route, write(2) and pwrite64(2) calls"),
        ("FSYNC/s", "vfs_fsync calls per second; by the syscall route, fsync(2) and fdatasync(2) calls"),
        ("OPEN/s", "vfs_open calls per second (files opened); by the syscall route, opens that returned a descriptor"),
        ("CREATE/s", "vfs_create calls per second (which the kernel makes for mknod(2) of regular files, not for O_CREAT opens); by the syscall route, mknod(2) calls that succeeded"),
        ("UNLINK/s", "vfs_unlink calls per second; by the syscall route, unlink(2) and unlinkat(2) of files that succeeded"),
        ("MKDIR/s", "vfs_mkdir calls per second; by the syscall route, mkdir(2) calls that succeeded"),
        ("RMDIR/s", "vfs_rmdir calls per second; by the syscall route, rmdir(2) and unlinkat(2) with AT_REMOVEDIR that succeeded"),
    ],
    overhead: "Every counted call on the system runs one program that adds one to a per-CPU \
counter; nothing is sent per call and user space reads the counters once an interval. Reads and \
writes are the most frequent calls on most systems, so the cost follows their rate, a few tens of \
nanoseconds each. Where the kernel offers neither fentry nor kprobes, the counts come from the \
syscall tracepoints: they miss what the kernel does without a syscall (exec reading a binary, \
nfsd, io_uring, overlayfs) and count attempts for reads, writes and fsyncs; -v names the route of \
each counter. A counter's last line at Ctrl-C is the rate over the part of the interval that ran.",
    see_also: &["opensnoop", "syscount", "syncsnoop"],
    upstream: &[],
    hooks: crate::Hooks::Declared { object: "vfsstat", points: hooks },
};

/// Count some VFS calls: reads, writes, fsyncs, opens, creates, unlinks,
/// mkdirs and rmdirs per second, system-wide, every interval.
#[derive(Parser, Debug)]
#[command(name = "vfsstat", version = libtools::version!(), after_help = EXAMPLES)]
pub struct Args {
    /// Print the counts every INTERVAL seconds (default: 1), COUNT times
    #[command(flatten)]
    interval: Interval,
    #[command(flatten)]
    common: Common,
}

/// Each counter: its column, its VFS function, and the syscalls that lead
/// to it (`?`: not on every architecture), counted at entry or at exit.
const STATS: [(&str, &str, &[&str], &[&str]); consts::S_MAXSTAT as usize] = [
    ("READ/s", "vfs_read", &["read", "pread64"], &[]),
    ("WRITE/s", "vfs_write", &["write", "pwrite64"], &[]),
    ("FSYNC/s", "vfs_fsync", &["fsync", "fdatasync"], &[]),
    ("OPEN/s", "vfs_open", &[], &["open?", "openat", "openat2?", "creat?"]),
    ("CREATE/s", "vfs_create", &[], &["mknod?", "mknodat"]),
    ("UNLINK/s", "vfs_unlink", &["unlinkat"], &["unlink?", "unlinkat"]),
    ("MKDIR/s", "vfs_mkdir", &[], &["mkdir?", "mkdirat"]),
    ("RMDIR/s", "vfs_rmdir", &[], &["rmdir?"]),
];

fn hooks() -> Vec<AttachPoint> {
    let syscall = |dir: &str, call: &str| {
        let (call, optional) = match call.strip_suffix('?') {
            Some(c) => (c, true),
            None => (call, false),
        };
        let name: &'static str = format!("tp_{dir}_{call}").leak();
        let p = Prog::tracepoint(name, &format!("syscalls:sys_{dir}_{call}"));
        if optional {
            p.optional()
        } else {
            p
        }
    };
    STATS
        .iter()
        .map(|(what, func, enter, exit)| {
            let fentry: &'static str = format!("fentry_{func}").leak();
            let kprobe: &'static str = format!("kprobe_{func}").leak();
            let calls = enter.iter().map(|c| syscall("enter", c));
            AttachPoint::new(what)
                .or([Prog::fentry(fentry, func)])
                .or([Prog::kprobe(kprobe, func)])
                .or(calls.chain(exit.iter().map(|c| syscall("exit", c))))
        })
        .collect()
}

pub fn run(args: Args) -> Result<()> {
    libtools::setup(&args.common)?;
    let tool = lifecycle::start(VfsstatSkelBuilder::default(), Spec::hooks(hooks()), |_| Ok(()))?;

    let json = args.common.json;
    let mut columns = vec![Column::left("TIME", 9)];
    columns.extend(STATS.iter().map(|s| Column::right(s.0, 9)));
    let out = Output::stdout(json, columns);
    let interval = args.interval.or_every(1);
    let read = || maps::sum_percpu_all(&tool.maps.stats, consts::S_MAXSTAT as u32);
    // The base before the ready line: what happens after it is counted.
    let (mut last, mut since) = (read()?, Instant::now());
    out.ready("VFS calls");
    run::summaries(&interval, || {
        let (now, at) = (read()?, Instant::now());
        // The interval's length: the last one, cut short by Ctrl-C, is shorter.
        let ms = (at - since).as_millis().max(1);
        let secs = u128::from(interval.interval.unwrap_or(1));
        let rate = |d: u64| {
            let d = u128::from(d);
            let per_s = if ms + 50 >= secs * 1000 { d / secs } else { d * 1000 / ms };
            per_s as u64
        };
        let time = output::now();
        let stamp = format!("{}:", time.format("%H:%M:%S"));
        let mut cells = vec![if json { Value::Time(time) } else { Value::Str(&stamp) }];
        cells.extend(now.iter().zip(&last).map(|(n, l)| Value::Uint(rate(n.wrapping_sub(*l)))));
        out.row(&cells);
        (last, since) = (now, at);
        Ok(out.end_report())
    })?;
    tool.report_dropped();
    Ok(())
}
