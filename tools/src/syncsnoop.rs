//! syncsnoop: trace the sync family of syscalls system-wide.

use clap::Parser;
use libtools::{lifecycle, syscalls, table, AttachPoint, Column, Columns, Common, Result, Spec};
use libtools::{DurationArg, PidArg, Value};

libtools::skel!("syncsnoop");
use skel::{types::event, SyncsnoopSkelBuilder as Builder};

const EXAMPLES: &str = "EXAMPLES:
    syncsnoop              # trace sync family syscalls
    syncsnoop -T           # include timestamps
    syncsnoop -p 181       # only trace PID 181
    syncsnoop -d 10        # trace for 10 seconds only
    syncsnoop --json       # JSON Lines, one object per call";
pub const DOC: crate::Doc = crate::Doc {
    columns: &[
        ("TIME", "the wall-clock time the event was printed, HH:MM:SS (-T)"),
        ("PID", "the process ID (the thread group)"),
        ("COMM", "the calling thread's name, at most 15 characters"),
        ("SYSCALL", "sync, fsync, fdatasync, msync, sync_file_range or syncfs; reported at entry, with no result or duration"),
    ],
    overhead: "Only the entry tracepoints of the sync family are hooked: each call costs one ring \
buffer event, and -p filters in the kernel. These calls are rare on most systems; on a database \
that syncs every commit, the output follows its commit rate. Events the ring buffer had no room \
for are counted and reported at exit.",
    see_also: &["biolatency", "biopattern", "syscount"],
    upstream: &[],
    hooks: crate::Hooks::Declared { object: "syncsnoop", points: hooks },
};

/// Trace sync family syscalls: sync(2), fsync(2), fdatasync(2), msync(2),
/// sync_file_range(2) and syncfs(2).
#[derive(Parser, Debug)]
#[command(name = "syncsnoop", version = libtools::version!(), after_help = EXAMPLES)]
pub struct Args {
    #[command(flatten)]
    duration: DurationArg,
    #[command(flatten)]
    pid: PidArg,
    /// Print a timestamp column
    #[arg(short = 'T', long)]
    timestamp: bool,
    #[command(flatten)]
    common: Common,
}

fn hooks() -> Vec<AttachPoint> {
    libtools::syscall_hooks!("sync entry"; sync, fsync?, fdatasync?, msync?, sync_file_range?, syncfs?)
}

pub fn run(args: Args) -> Result<()> {
    libtools::setup(&args.common)?;
    let duration = args.duration.get()?;

    let spec = Spec::hooks(hooks()).pid(&args.pid)?;
    let tool = lifecycle::start(Builder::default(), spec, |_| Ok(()))?;

    let out = Columns::new()
        .when(args.timestamp, [Column::left("TIME", 8)])
        .always(table::pid_comm(7, 16))
        .always([Column::left("SYSCALL", 0)])
        .stdout(args.common.json);

    tool.trace(&out, "sync syscalls", duration, |data| {
        let e: event = libtools::decode(data);
        out.row_of(&[
            &[Value::now()],
            &table::task(e.pid, &e.comm),
            &[Value::Str(syscalls::name(e.sys).unwrap_or("unknown"))],
        ]);
    })
}
