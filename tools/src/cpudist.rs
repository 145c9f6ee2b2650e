//! cpudist: on-CPU (or, with -O, off-CPU) time per scheduling slice, as
//! log2 histograms.

use clap::Parser;
use libtools::hist::{print_hists, us_or_ms, Scale, Summary};
use libtools::run::{self, Interval};
use libtools::{lifecycle, CgroupArg, Common, Result, Spec};

libtools::skel!("cpudist");
use skel::{types::hist, CpudistSkelBuilder};

const EXAMPLES: &str = "EXAMPLES:
    cpudist              # summarize on-CPU time as a histogram
    cpudist -O           # summarize off-CPU time as a histogram
    cpudist 1 10         # print 1 second summaries, 10 times
    cpudist -mT 1        # 1s summaries, milliseconds, and timestamps
    cpudist -P           # show each PID separately
    cpudist -p 185       # trace PID 185 only
    cpudist -c CG        # trace processes in cgroup (v2) CG only";
pub const DOC: crate::Doc = crate::Doc {
    columns: &[
        ("time", "the wall-clock time, HH:MM:SS, on a line before each summary (-T)"),
        ("usecs", "the time a task ran each time it was switched in, until it was switched out (-O: the time it spent off the CPU, blocked or waiting to run), as a log2 bucket low -> high in microseconds (msecs with -m); --json gives each bucket's low, high and count"),
        ("count", "the number of slices in the bucket"),
        ("distribution", "stars in proportion to the largest bucket's count"),
        ("pid = PID COMM", "a histogram per process, named after the first of its threads seen (-P)"),
        ("tid = TID COMM", "a histogram per thread (-L)"),
    ],
    overhead: "Every context switch on every CPU runs the program: it takes the time of the task \
leaving the CPU (with -O, of the one arriving) from a hash map by thread, adds it to a histogram, \
and stores a timestamp for the other task, all in the kernel. Context switches are among the most \
frequent kernel events on a busy system, and the cost is paid on each: -p and -c filter in the \
kernel but the program still runs on every switch, and -c walks the task's cgroup ancestry each \
time. Nothing is sent per event; user space reads the histograms at each interval. At most 10240 \
threads are followed at once.",
    see_also: &["runqlat", "offcputime", "profile"],
    hooks: crate::Hooks::Declared { object: "cpudist", points: libtools::sched::switch_hooks },
};

/// Summarize on-CPU time per task as a histogram: how long each task runs
/// every time it is switched in (every slice, voluntary or preempted), or
/// with -O how long it is off the CPU.
#[derive(Parser, Debug)]
#[command(name = "cpudist", version = libtools::version!(), after_help = EXAMPLES)]
pub struct Args {
    #[command(flatten)]
    interval: Interval,
    /// Measure off-CPU time
    #[arg(short = 'O', long)]
    offcpu: bool,
    /// Include a timestamp (HH:MM:SS) before each summary
    #[arg(short = 'T', long)]
    timestamp: bool,
    /// Millisecond histogram
    #[arg(short, long)]
    milliseconds: bool,
    /// Print a histogram per process ID
    #[arg(short = 'P', long = "pids", group = "per")]
    per_process: bool,
    /// Print a histogram per thread ID
    #[arg(short = 'L', long = "tids", group = "per")]
    per_thread: bool,
    /// Trace this process ID only
    #[arg(short, long)]
    pid: Option<u32>,
    #[command(flatten)]
    cgroup: CgroupArg,
    #[command(flatten)]
    common: Common,
}

pub fn run(args: Args) -> Result<()> {
    libtools::setup(&args.common)?;
    libtools::check_pid(args.pid)?;

    let spec = Spec::hooks(libtools::sched::switch_hooks()).cgroup(&args.cgroup)?;
    let tool = lifecycle::start(CpudistSkelBuilder::default(), spec, |open| {
        let rodata = open.rodata()?;
        rodata.targ_tgid = args.pid.unwrap_or(0);
        rodata.targ_offcpu = args.offcpu;
        rodata.targ_per_process = args.per_process;
        rodata.targ_per_thread = args.per_thread;
        rodata.targ_ms = args.milliseconds;
        Ok(())
    })?;

    let unit = us_or_ms(args.milliseconds);
    let summary = Summary::new(args.common.json, unit, Scale::Log2, args.timestamp);
    summary.ready(if args.offcpu {
        "off-CPU time"
    } else {
        "on-CPU time"
    });
    let label = if args.per_process {
        Some("pid")
    } else {
        args.per_thread.then_some("tid")
    };
    run::summaries(&args.interval, || {
        print_hists(&summary, &tool.maps.hists, label, |h: &hist| {
            (&h.slots[..], &h.comm[..])
        })
    })
}
