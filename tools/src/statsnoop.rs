//! statsnoop: trace the stat family of syscalls system-wide.

use clap::Parser;
use libtools::{lifecycle, table, AttachPoint, Column, Columns, Common, DurationArg, PidArg};
use libtools::{Result, SinceFirst, Spec, Value};

libtools::skel!("statsnoop");
use skel::{types::event, StatsnoopSkelBuilder as Builder};

const EXAMPLES: &str = "EXAMPLES:
    statsnoop              # trace all stat syscalls
    statsnoop -t           # include timestamps (seconds since the first event)
    statsnoop -x           # only show failed stats
    statsnoop -p 181       # only trace PID 181
    statsnoop -d 10        # trace for 10 seconds only
    statsnoop --json       # JSON Lines, one object per call";
pub const DOC: crate::Doc = crate::Doc {
    columns: &[
        ("TIME(s)", "seconds since the first event printed, from the kernel's clock (-t)"),
        ("PID", "the process ID (the thread group)"),
        ("COMM", "the calling thread's name, at most 15 characters"),
        ("RET", "0 when the call succeeded, -1 when it failed"),
        ("ERR", "the errno of a failed call, else 0; --json adds err_name (ENOENT)"),
        ("PATH", "the path as the caller passed it, read at return; empty for an empty path (AT_EMPTY_PATH) or one that could not be read; a path cut at 4095 bytes ends with ..."),
    ],
    overhead: "The entry and exit programs run at every statfs(2), stat(2), lstat(2), fstatat(2) \
and statx(2) on the system; shells, build tools and file managers make these calls often. Each \
traced call costs a hash map update at entry, and at exit a copy of the path and a ring buffer \
event as long as the path. Where the kernel has no per-call tracepoints, the raw sys_enter and \
sys_exit programs run at every syscall of every process instead. -p filters in the kernel at entry \
and -x at exit. Events the ring buffer had no room for are counted and reported at exit.",
    see_also: &["opensnoop", "syscount", "execsnoop"],
    upstream: &[],
    hooks: crate::Hooks::Declared { object: "statsnoop", points: hooks },
};

/// Trace stat family syscalls: statfs(2), stat(2), lstat(2), fstatat(2) and statx(2).
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
    /// Only show failed stats
    #[arg(short = 'x', long)]
    failed: bool,
    #[command(flatten)]
    common: Common,
}

fn hooks() -> Vec<AttachPoint> {
    // statx(2) is in every kernel bpftk supports; the others depend on the
    // architecture (arm64 has no newstat/newlstat).
    libtools::syscall_hooks!("stat entry", "stat exit";
        statfs?, newstat?, statx, newfstatat?, newlstat?; raw)
}

pub fn run(args: Args) -> Result<()> {
    libtools::setup(&args.common)?;
    let duration = args.duration.get()?;

    let spec = Spec::hooks(hooks()).ring_size(1 << 20).pid(&args.pid)?;
    let tool = lifecycle::start(Builder::default(), spec, |open| {
        open.rodata()?.targ_failed = args.failed;
        Ok(())
    })?;

    let out = Columns::new()
        .when(args.timestamp, [Column::left("TIME(s)", 14)])
        .always(table::pid_comm(7, 16))
        .always([
            Column::right("RET", 4),
            Column::right("ERR", 4),
            Column::left("PATH", 0),
        ])
        .stdout(args.common.json);

    let since = SinceFirst::new();
    tool.trace(&out, "stat syscalls", duration, |data| {
        let e: event = libtools::decode(data);
        let (ret, err) = if e.ret >= 0 { (e.ret, 0) } else { (-1, -e.ret) };
        out.row_of(&[
            &[Value::Fixed(since.ns(e.ts_ns) as f64 / 1e9, 3)],
            &table::task(e.pid, &e.comm),
            &[
                Value::Int(ret.into()),
                Value::Errno(err),
                Value::Bytes(&libtools::sized(&e.path, e.path_len, e.truncated)),
            ],
        ]);
    })
}
