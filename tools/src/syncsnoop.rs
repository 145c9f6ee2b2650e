//! syncsnoop: trace the sync family of syscalls system-wide.

use clap::Parser;
use libtools::{lifecycle, syscalls, AttachPoint, Column, Columns, Common, Result, Spec};
use libtools::{DurationArg, PidArg, Value};

libtools::skel!("syncsnoop");
use skel::{types::event, SyncsnoopSkelBuilder as Builder};

const EXAMPLES: &str = "EXAMPLES:
    syncsnoop              # trace sync family syscalls
    syncsnoop -T           # wall-clock times (HH:MM:SS) instead of seconds since boot
    syncsnoop -p 181       # only trace PID 181
    syncsnoop -d 10        # trace for 10 seconds only
    syncsnoop --json       # JSON Lines, one object per call, with pid and tid";
pub const DOC: crate::Doc = crate::Doc {
    columns: &[
        ("TIME", "the wall-clock time the event was printed, HH:MM:SS (-T, in place of TIME(s))"),
        ("TIME(s)", "seconds since boot (the kernel's monotonic clock) at the call, with nine decimals"),
        ("COMM", "the calling thread's name, at most 15 characters"),
        ("CALL", "sync, fsync, fdatasync, msync, sync_file_range or syncfs; reported at entry, with no result or duration"),
        ("PID", "the process ID (the thread group) (--json only)"),
        ("TID", "the calling thread's ID (--json only)"),
    ],
    overhead: "Only the entry tracepoints of the sync family are hooked: each call costs one ring \
buffer event, and -p filters in the kernel. These calls are rare on most systems; on a database \
that syncs every commit, the output follows its commit rate. Events the ring buffer had no room \
for are counted and reported at exit.",
    see_also: &["biolatency", "biopattern", "syscount"],
    upstream: &[
        "TIME(s) is read in nanoseconds and printed in double precision; upstream reads microseconds and prints them through a float, whose 24-bit mantissa rounds seconds since boot to about 7 significant digits (milliseconds after a day of uptime): kept.",
        "-p PID, -T (wall-clock time), -d and --json (with pid and tid) are additions; upstream has only -v: kept, they do not clash.",
        "The table has no PID column, as upstream's; -p filters by pid and --json has it.",
    ],
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
    /// Print the wall-clock time (HH:MM:SS) instead of seconds since boot
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

    // libbpf-tools' layout: "%-18.9f %-16s %-16s".
    let json = args.common.json;
    let out = Columns::new()
        .when(args.timestamp, [Column::left("TIME", 8)])
        .when(!args.timestamp || json, [Column::left("TIME(s)", 18)])
        .always([Column::left("COMM", 16), Column::left("CALL", 0)])
        .when(json, [Column::left("PID", 0), Column::left("TID", 0)])
        .stdout(json);

    tool.trace(&out, "sync syscalls", duration, |data| {
        let e: event = libtools::decode(data);
        out.row(&[
            Value::now(),
            Value::Fixed(e.ts_ns as f64 / 1e9, 9),
            Value::Bytes(libtools::c_bytes(&e.comm)),
            Value::Str(syscalls::name(e.sys).unwrap_or("unknown")),
            Value::Uint(e.pid.into()),
            Value::Uint(e.tid.into()),
        ]);
    })
}
