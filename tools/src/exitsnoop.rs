//! exitsnoop: trace process (or thread) exits with their exit codes and ages.

use clap::Parser;
use libtools::{lifecycle, names, AttachPoint, CgroupArg, Column, Columns, Common, DurationArg};
use libtools::{PidArg, Prog, Result, Spec, Value};

libtools::skel!("exitsnoop");
use skel::{types::event, ExitsnoopSkelBuilder as Builder};

const EXAMPLES: &str = "EXAMPLES:
    exitsnoop             # trace process exit events
    exitsnoop -t          # include timestamps
    exitsnoop -x          # trace error exits only
    exitsnoop -p 1216     # only trace PID 1216
    exitsnoop -T          # trace by thread
    exitsnoop -c /sys/fs/cgroup/user.slice  # only trace this cgroup
    exitsnoop -d 10       # trace for 10 seconds only
    exitsnoop --json      # JSON Lines, one object per exit";
pub const DOC: crate::Doc = crate::Doc {
    columns: &[
        ("TIME", "the wall-clock time, HH:MM:SS (-t)"),
        ("PCOMM", "the exiting task's name, at most 15 characters (the thread's own with -T)"),
        ("PID", "the process ID (the thread group)"),
        ("PPID", "the parent's process ID"),
        ("TID", "the ID of the exiting thread; without -T only the main thread's exit is shown, so it equals PID"),
        ("AGE(s)", "seconds since the exiting thread started, with two decimals"),
        ("EXIT_CODE", "0, code N for a non-zero exit status, or signal N (DESCRIPTION) for a death by signal, the description as strsignal(3) gives it (signal 9 (Killed)), with , core dumped when it dumped core"),
    ],
    overhead: "The tracepoint fires once for every thread that exits on the system, and the program \
filters in the kernel (-p, -c, -x, and without -T every thread but the main one); each exit that \
passes costs one ring buffer event. Exits are as frequent as process and thread creation, so the \
cost is small except under heavy fork or thread churn. Events the ring buffer had no room for are \
counted and reported at exit.",
    see_also: &["execsnoop", "killsnoop", "oomkill"],
    upstream: &[
        "-t's column is headed TIME, as it holds the wall-clock HH:MM:SS; upstream heads it TIME(s): kept, TIME(s) elsewhere means seconds since an event or boot.",
        "-T shows every thread's exit; upstream's -T sets what is already its default (whole processes), so it changes nothing there: kept, it does what the flag says.",
        "-d DURATION and --json are additions: kept, they do not clash.",
    ],
    hooks: crate::Hooks::Declared { object: "exitsnoop", points: hooks },
};

/// Trace process termination: exit code or signal, age and parent.
#[derive(Parser, Debug)]
#[command(name = "exitsnoop", version = libtools::version!(), after_help = EXAMPLES)]
pub struct Args {
    #[command(flatten)]
    duration: DurationArg,
    /// Include a timestamp column
    #[arg(short, long)]
    timestamp: bool,
    /// Trace error exits only (non-zero code or a signal)
    #[arg(short = 'x', long)]
    failed: bool,
    #[command(flatten)]
    pid: PidArg,
    /// Trace every thread's exit, not only whole processes
    #[arg(short = 'T', long)]
    threaded: bool,
    #[command(flatten)]
    cgroup: CgroupArg,
    #[command(flatten)]
    common: Common,
}

fn hooks() -> Vec<AttachPoint> {
    vec![AttachPoint::new("process exit")
        .or([Prog::tp_btf("tp_btf_exit", "sched_process_exit")])
        .or([Prog::tracepoint("tp_exit", "sched:sched_process_exit")])]
}

pub fn run(args: Args) -> Result<()> {
    libtools::setup(&args.common)?;
    let duration = args.duration.get()?;

    let spec = Spec::hooks(hooks()).pid(&args.pid)?.cgroup(&args.cgroup)?;
    let tool = lifecycle::start(Builder::default(), spec, |open| {
        let rodata = open.rodata()?;
        rodata.targ_failed = args.failed;
        rodata.trace_by_process = !args.threaded;
        Ok(())
    })?;

    let out = Columns::new()
        .when(args.timestamp, [Column::left("TIME", 8)])
        .always([
            Column::left("PCOMM", 16),
            Column::left("PID", 7),
            Column::left("PPID", 7),
            Column::left("TID", 7),
            Column::left("AGE(s)", 7),
            Column::left("EXIT_CODE", 0),
        ])
        .stdout(args.common.json);

    tool.trace(&out, "process exits", duration, |data| {
        let e: event = libtools::decode(data);
        out.row(&[
            Value::now(),
            Value::Bytes(libtools::c_bytes(&e.comm)),
            Value::Uint(e.pid.into()),
            Value::Uint(e.ppid.into()),
            Value::Uint(e.tid.into()),
            Value::Fixed(e.age_ns as f64 / 1e9, 2),
            Value::Str(&names::exit_status(e.exit_code)),
        ]);
    })
}
