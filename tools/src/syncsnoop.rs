//! syncsnoop: trace the sync family of syscalls system-wide.

use std::mem::MaybeUninit;

use clap::Parser;
use libbpf_rs::skel::{Skel, SkelBuilder};
use libtools::{bpf, run, AttachPoint, Column, Common, HookPlan, Output, Prog, Result, Value};

mod skel {
    libtools::skel!("syncsnoop");
}
use skel::{types::event, SyncsnoopSkelBuilder};

unsafe impl plain::Plain for event {}

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
};

/// Trace sync family syscalls: sync(2), fsync(2), fdatasync(2), msync(2),
/// sync_file_range(2) and syncfs(2).
///
/// Hooks: the syscalls:sys_enter_<call> tracepoints (sync required, the
/// others used where the kernel has them).
#[derive(Parser, Debug)]
#[command(name = "syncsnoop", version = libtools::version!(), after_help = EXAMPLES)]
pub struct Args {
    /// Trace for this many seconds
    #[arg(short, long, allow_negative_numbers = true)]
    duration: Option<i64>,
    /// Only trace this process ID
    #[arg(short, long)]
    pid: Option<u32>,
    /// Print a timestamp column
    #[arg(short = 'T', long)]
    timestamp: bool,
    #[command(flatten)]
    common: Common,
}

/// Names by `enum sync_syscall` (bpf/syncsnoop.h).
const SYSCALLS: &[&str] = &[
    "sync",
    "fsync",
    "fdatasync",
    "msync",
    "sync_file_range",
    "syncfs",
];

fn syscall_name(sys: u32) -> &'static str {
    SYSCALLS.get(sys as usize).copied().unwrap_or("unknown")
}

fn hooks() -> Vec<AttachPoint> {
    vec![AttachPoint::new("sync entry").or([
        Prog::tracepoint("tp_sync", "syscalls:sys_enter_sync"),
        Prog::tracepoint("tp_fsync", "syscalls:sys_enter_fsync").optional(),
        Prog::tracepoint("tp_fdatasync", "syscalls:sys_enter_fdatasync").optional(),
        Prog::tracepoint("tp_msync", "syscalls:sys_enter_msync").optional(),
        Prog::tracepoint("tp_sync_file_range", "syscalls:sys_enter_sync_file_range").optional(),
        Prog::tracepoint("tp_syncfs", "syscalls:sys_enter_syncfs").optional(),
    ])]
}

pub fn main() -> ! {
    libtools::main("syncsnoop", run)
}

fn run(args: Args) -> Result<()> {
    libtools::setup(&args.common)?;
    let duration = run::duration(args.duration)?;
    libtools::check_pid(args.pid)?;

    let mut storage = MaybeUninit::uninit();
    let mut open = SyncsnoopSkelBuilder::default().open(&mut storage)?;
    let rodata = open
        .maps
        .rodata_data
        .as_deref_mut()
        .expect("syncsnoop has rodata");
    rodata.targ_tgid = args.pid.unwrap_or(0);

    let plan = HookPlan::select(&hooks())?;
    let skel = bpf::load(open, &plan)?;
    let _links = plan.attach(skel.object())?;

    let mut columns = Vec::new();
    if args.timestamp {
        columns.push(Column::left("TIME", 8));
    }
    columns.extend([
        Column::left("PID", 7),
        Column::left("COMM", 16),
        Column::left("SYSCALL", 0),
    ]);
    let out = Output::stdout(args.common.json, columns);
    out.ready("sync syscalls");

    run::poll_events(&skel.maps.events, duration, &out, |data| {
        let e: event = libtools::decode(data);
        let mut cells = Vec::with_capacity(4);
        if args.timestamp {
            cells.push(Value::Time(libtools::output::now()));
        }
        cells.extend([
            Value::Uint(e.pid.into()),
            Value::Bytes(libtools::c_bytes(&e.comm)),
            Value::Str(syscall_name(e.sys)),
        ]);
        out.row(&cells);
    })?;
    bpf::report_dropped(skel.object());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syscall_names_follow_the_c_enum() {
        assert_eq!(syscall_name(0), "sync");
        assert_eq!(syscall_name(1), "fsync");
        assert_eq!(syscall_name(5), "syncfs");
        assert_eq!(syscall_name(99), "unknown");
    }
}
