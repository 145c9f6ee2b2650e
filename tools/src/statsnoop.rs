//! statsnoop: trace the stat family of syscalls system-wide.

use std::cell::Cell;
use std::mem::MaybeUninit;

use clap::Parser;
use libbpf_rs::skel::{OpenSkel, Skel, SkelBuilder};
use libtools::{bpf, run, AttachPoint, Column, Common, HookPlan, Output, Prog, Result, Value};

mod skel {
    libtools::skel!("statsnoop");
}
use skel::{types::event, StatsnoopSkelBuilder};

unsafe impl plain::Plain for event {}

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
};

/// Trace stat family syscalls: statfs(2), stat(2), lstat(2), fstatat(2) and statx(2).
///
/// Hooks: the syscalls:sys_{enter,exit}_{statfs,newstat,statx,newfstatat,newlstat}
/// tracepoints, those the kernel has; else the raw sys_enter/sys_exit
/// tracepoints.
#[derive(Parser, Debug)]
#[command(name = "statsnoop", version = libtools::version!(), after_help = EXAMPLES)]
pub struct Args {
    /// Trace for this many seconds
    #[arg(short, long, allow_negative_numbers = true)]
    duration: Option<i64>,
    /// Only trace this process ID
    #[arg(short, long)]
    pid: Option<u32>,
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
    vec![
        AttachPoint::new("stat entry")
            .or([
                Prog::tracepoint("tp_enter_statfs", "syscalls:sys_enter_statfs").optional(),
                Prog::tracepoint("tp_enter_newstat", "syscalls:sys_enter_newstat").optional(),
                Prog::tracepoint("tp_enter_statx", "syscalls:sys_enter_statx"),
                Prog::tracepoint("tp_enter_newfstatat", "syscalls:sys_enter_newfstatat").optional(),
                Prog::tracepoint("tp_enter_newlstat", "syscalls:sys_enter_newlstat").optional(),
            ])
            .or([Prog::raw_tp("raw_sys_enter", "sys_enter")]),
        AttachPoint::new("stat exit")
            .or([
                Prog::tracepoint("tp_exit_statfs", "syscalls:sys_exit_statfs").optional(),
                Prog::tracepoint("tp_exit_newstat", "syscalls:sys_exit_newstat").optional(),
                Prog::tracepoint("tp_exit_statx", "syscalls:sys_exit_statx"),
                Prog::tracepoint("tp_exit_newfstatat", "syscalls:sys_exit_newfstatat").optional(),
                Prog::tracepoint("tp_exit_newlstat", "syscalls:sys_exit_newlstat").optional(),
            ])
            .or([Prog::raw_tp("raw_sys_exit", "sys_exit")]),
    ]
}

pub fn main() -> ! {
    libtools::main("statsnoop", run)
}

fn run(args: Args) -> Result<()> {
    libtools::setup(&args.common)?;
    let duration = run::duration(args.duration)?;
    libtools::check_pid(args.pid)?;

    let mut storage = MaybeUninit::uninit();
    let mut open = StatsnoopSkelBuilder::default().open(&mut storage)?;
    let rodata = open
        .maps
        .rodata_data
        .as_deref_mut()
        .expect("statsnoop has rodata");
    rodata.targ_tgid = args.pid.unwrap_or(0);
    rodata.targ_failed = args.failed;
    bpf::set_ring_size(open.open_object_mut(), 1 << 20)?;

    let plan = HookPlan::select(&hooks())?;
    let skel = bpf::load(open, &plan)?;
    let _links = plan.attach(skel.object())?;

    let mut columns = Vec::new();
    if args.timestamp {
        columns.push(Column::left("TIME(s)", 14));
    }
    columns.extend([
        Column::left("PID", 7),
        Column::left("COMM", 16),
        Column::right("RET", 4),
        Column::right("ERR", 4),
        Column::left("PATH", 0),
    ]);
    let out = Output::stdout(args.common.json, columns);
    out.ready("stat syscalls");

    let first_ts = Cell::new(0u64);
    let mut path = Vec::with_capacity(256);
    run::poll_events(&skel.maps.events, duration, &out, |data| {
        let e: event = libtools::decode(data);
        let mut cells = Vec::with_capacity(6);
        if args.timestamp {
            if first_ts.get() == 0 {
                first_ts.set(e.ts_ns);
            }
            let secs = e.ts_ns.saturating_sub(first_ts.get()) as f64 / 1e9;
            cells.push(Value::Fixed(secs, 3));
        }
        let (ret, err) = if e.ret >= 0 { (e.ret, 0) } else { (-1, -e.ret) };
        path.clear();
        libtools::append_sized(&mut path, &e.path, e.path_len, e.truncated);
        cells.extend([
            Value::Uint(e.pid.into()),
            Value::Bytes(libtools::c_bytes(&e.comm)),
            Value::Int(ret.into()),
            Value::Errno(err),
            Value::Bytes(&path),
        ]);
        out.row(&cells);
    })?;
    bpf::report_dropped(skel.object());
    Ok(())
}
