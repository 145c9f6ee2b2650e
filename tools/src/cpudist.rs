//! cpudist: on-CPU (or, with -O, off-CPU) time per scheduling slice, as
//! log2 histograms.

use clap::Parser;
use libtools::hist::{print_hists, MillisArg, PerTask, Scale, Summary, TimestampArg};
use libtools::run::{self, Interval};
use libtools::{lifecycle, CgroupArg, Common, PidArg, Result, Spec};

libtools::skel!("cpudist");
use skel::{types::hist, CpudistSkelBuilder};

const EXAMPLES: &str = "EXAMPLES:
    cpudist              # summarize on-CPU time as a histogram
    cpudist -O           # summarize off-CPU time as a histogram
    cpudist 1 10         # print 1 second summaries, 10 times
    cpudist -mT 1        # 1s summaries, milliseconds, and timestamps
    cpudist -P           # show each PID separately
    cpudist -p 185       # trace PID 185 only
    cpudist -I           # include CPU idle time
    cpudist -c CG        # trace processes in cgroup (v2) CG only";
pub const DOC: crate::Doc = crate::Doc {
    columns: &[
        ("time", "the wall-clock time, HH:MM:SS, on a line before each summary (-T)"),
        ("usecs", "the time a task ran each time it was switched in, until it was switched out (-O: the time it spent off the CPU, blocked or waiting to run), as a log2 bucket low -> high in microseconds (msecs with -m); --json gives each bucket's low, high and count"),
        ("count", "the number of slices in the bucket"),
        ("distribution", "stars in proportion to the largest bucket's count"),
        ("pid = PID COMM", "a histogram per process, named after the first of its threads seen (-P); with -I the CPUs' idle tasks, together, as pid = 0 swapper/N"),
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
    upstream: &[
        "Every slice is counted, voluntary or preempted, where libbpf-tools counts on-CPU time only for preempted tasks: kept, because a slice ended by blocking is CPU time too.",
        "bcc's -e (average, total and count after each histogram) is not offered yet.",
    ],
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
    #[command(flatten)]
    timestamp: TimestampArg,
    #[command(flatten)]
    ms: MillisArg,
    #[command(flatten)]
    per: PerTask,
    #[command(flatten)]
    pid: PidArg,
    /// Include CPU idle time: the idle tasks (PID 0, swapper/N), one per CPU
    #[arg(short = 'I', long = "include-idle")]
    include_idle: bool,
    #[command(flatten)]
    cgroup: CgroupArg,
    #[command(flatten)]
    common: Common,
}

pub fn run(args: Args) -> Result<()> {
    libtools::setup(&args.common)?;

    let spec = Spec::hooks(libtools::sched::switch_hooks())
        .pid(&args.pid)?
        .cgroup(&args.cgroup)?;
    let tool = lifecycle::start(CpudistSkelBuilder::default(), spec, |open| {
        let rodata = open.rodata()?;
        rodata.targ_offcpu = args.offcpu;
        rodata.targ_include_idle = args.include_idle;
        rodata.targ_per_process = args.per.per_process;
        rodata.targ_per_thread = args.per.per_thread;
        rodata.targ_ms = args.ms.milliseconds;
        Ok(())
    })?;

    let json = args.common.json;
    let summary = Summary::new(json, args.ms.unit(), Scale::Log2, args.timestamp.timestamp);
    summary.ready(if args.offcpu {
        "off-CPU time"
    } else {
        "on-CPU time"
    });
    run::summaries(&args.interval, || {
        print_hists(&summary, &tool.maps.hists, args.per.label(), |h: &hist| {
            (&h.slots[..], &h.comm[..])
        })
    })
}
