//! statsnoop: trace the stat family of syscalls system-wide.

use clap::Parser;
use libtools::{lifecycle, table, AttachPoint, Column, Columns, Common, DurationArg, PidArg};
use libtools::{Result, SinceFirst, Spec, Value};

libtools::skel!("statsnoop");
use skel::{types::event, StatsnoopSkelBuilder as Builder};

const EXAMPLES: &str = "EXAMPLES:
    statsnoop              # trace all stat syscalls
    statsnoop -t           # include timestamps (seconds since the first event)
    statsnoop -s           # include the syscall's name
    statsnoop -x           # only show failed stats
    statsnoop -p 181       # only trace PID 181
    statsnoop -d 10        # trace for 10 seconds only
    statsnoop --json       # JSON Lines, one object per call";
pub const DOC: crate::Doc = crate::Doc {
    columns: &[
        ("TIME(s)", "seconds since the first event printed, from the kernel's clock, with nine decimals (-t)"),
        ("PID", "the process ID (the thread group)"),
        ("COMM", "the calling thread's name, at most 15 characters"),
        ("RET", "0 when the call succeeded, -1 when it failed"),
        ("ERR", "the errno of a failed call, else 0; --json adds err_name (ENOENT)"),
        ("SYSCALL", "the call, as the kernel's tracepoints name it: statfs, newstat, newlstat, newfstat (fstat(2)), newfstatat or statx (-s; always in --json)"),
        ("PATH", "the path as the caller passed it, read at return; for fstat(2), and a call given an empty path (AT_EMPTY_PATH), the path of the file behind the descriptor, empty for one that has none (a pipe, a socket); empty too for a path that could not be read; a path cut at 4095 bytes ends with ..."),
    ],
    overhead: "The entry and exit programs run at every statfs(2), stat(2), lstat(2), fstat(2), \
fstatat(2) and statx(2) on the system; shells, build tools, file managers and the C library's \
fstat() make these calls often. Each traced call costs a hash map update at entry, and at exit a \
copy of the path (for a descriptor, a walk up its directories) and a ring buffer event as long as \
the path. Where the kernel has no per-call tracepoints, the raw sys_enter and sys_exit programs run \
at every syscall of every process instead. -p filters in the kernel at entry and -x at exit. \
Events the ring buffer had no room for are counted and reported at exit.",
    see_also: &["opensnoop", "syscount", "execsnoop"],
    upstream: &[
        "A relative path is shown as the caller passed it; upstream puts in front of it the working directory or the dirfd's path, read from /proc when the event is printed, which is empty once the process has exited or closed the descriptor: kept, use opensnoop -F to see full paths.",
        "A descriptor's path (fstat(2), AT_EMPTY_PATH) is found in the kernel when the call returns; upstream reads /proc/PID/fd/N when it prints, which names pipes and sockets (pipe:[N]) where bpftk shows an empty path, and gives an empty path after the process has exited: kept.",
        "--json always has syscall, without -s; -d and --json are additions: kept.",
    ],
    hooks: crate::Hooks::Declared { object: "statsnoop", points: hooks },
};

/// Trace stat family syscalls: statfs(2), stat(2), lstat(2), fstat(2),
/// fstatat(2) and statx(2).
#[derive(Parser, Debug)]
#[command(name = "statsnoop", version = libtools::version!(), after_help = EXAMPLES)]
pub struct Args {
    #[command(flatten)]
    duration: DurationArg,
    #[command(flatten)]
    pid: PidArg,
    /// Print a timestamp column: seconds since the first event
    #[arg(short = 't', long)]
    timestamp: bool,
    /// Print the syscall's name (a SYSCALL column)
    #[arg(short = 's', long)]
    sysname: bool,
    /// Only show failed stats
    #[arg(short = 'x', long)]
    failed: bool,
    #[command(flatten)]
    common: Common,
}

/// The calls' names by STATSNOOP_* number, as upstream's -s prints them.
const CALLS: [&str; 7] = [
    "N/A",
    "statfs",
    "newstat",
    "statx",
    "newfstat",
    "newfstatat",
    "newlstat",
];

fn hooks() -> Vec<AttachPoint> {
    // statx(2) is in every kernel bpftk supports; the others depend on the
    // architecture (arm64 has no newstat/newlstat).
    libtools::syscall_hooks!("stat entry", "stat exit";
        statfs?, newstat?, statx, newfstat?, newfstatat?, newlstat?; raw)
}

pub fn run(args: Args) -> Result<()> {
    libtools::setup(&args.common)?;
    let duration = args.duration.get()?;

    let spec = Spec::hooks(hooks()).ring_size(1 << 20).pid(&args.pid)?;
    let tool = lifecycle::start(Builder::default(), spec, |open| {
        open.rodata()?.targ_failed = args.failed;
        Ok(())
    })?;

    // libbpf-tools' layout: "%-14.9f %-7d %-20s %-4d %-4d %-10s %s".
    let json = args.common.json;
    let out = Columns::new()
        .when(args.timestamp, [Column::left("TIME(s)", 14)])
        .always(table::pid_comm(7, 20))
        .always([Column::left("RET", 4), Column::left("ERR", 4)])
        .when(args.sysname || json, [Column::left("SYSCALL", 10)])
        .always([Column::left("PATH", 0)])
        .stdout(json);

    let since = SinceFirst::new();
    tool.trace(&out, "stat syscalls", duration, |data| {
        let e: event = libtools::decode(data);
        let (ret, err) = if e.ret >= 0 { (e.ret, 0) } else { (-1, -e.ret) };
        out.row_of(&[
            &[Value::Fixed(since.ns(e.ts_ns) as f64 / 1e9, 9)],
            &table::task(e.pid, &e.comm),
            &[
                Value::Int(ret.into()),
                Value::Errno(err),
                Value::Str(CALLS.get(e.call as usize).copied().unwrap_or("N/A")),
                Value::Bytes(&libtools::sized(&e.path, e.path_len, e.truncated)),
            ],
        ]);
    })
}
