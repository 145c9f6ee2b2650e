//! runqlat: run-queue (scheduler) latency as a log2 histogram.

use clap::Parser;
use libtools::hist::{MillisArg, PerTask, Scale, Summary, TimestampArg};
use libtools::run::{self, Interval};
use libtools::{lifecycle, CgroupArg, Common, PidArg, Result, Spec};

libtools::skel!("runqlat");
use skel::{types::hist, RunqlatSkelBuilder as Builder};

const EXAMPLES: &str = "EXAMPLES:
    runqlat         # summarize run queue latency as a histogram
    runqlat 1 10    # print 1 second summaries, 10 times
    runqlat -mT 1   # 1s summaries, milliseconds, and timestamps
    runqlat -P      # show each PID separately
    runqlat -p 185  # trace PID 185 only
    runqlat -c /sys/fs/cgroup/unified/user.slice  # trace this cgroup only
    runqlat --json  # one JSON object per histogram";
pub const DOC: crate::Doc = crate::Doc {
    columns: &[
        ("time", "the wall-clock time, HH:MM:SS, on a line before each summary (-T)"),
        ("usecs", "the time from a task becoming runnable (woken, created, or preempted while running) until it runs, as a log2 bucket low -> high in microseconds (msecs with -m); --json gives each bucket's low, high and count"),
        ("count", "the number of waits in the bucket"),
        ("distribution", "stars in proportion to the largest bucket's count"),
        ("pid = PID COMM", "a histogram per process, named after the first of its threads seen (-P)"),
        ("tid = TID COMM", "a histogram per thread (-L)"),
        ("pidns = INUM COMM", "a histogram per PID namespace, by its inode number, with the name of the first task seen in it (--pidnss)"),
    ],
    overhead: "Every wakeup and every context switch on every CPU runs a program: a wakeup stores a \
timestamp in a hash map by thread, a switch stores one for a task preempted while running and \
turns the next task's wait into a histogram count, all in the kernel. These are among the most \
frequent kernel events on a busy system, so the cost, small per event, is paid very often. -p and \
-c filter in the kernel (-c walks the task's cgroup ancestry each time), but the programs still \
run on every event. Nothing is sent per event; user space reads the histograms at each interval. \
At most 10240 runnable threads are followed at once.",
    see_also: &["runqlen", "runqslower", "cpudist"],
    upstream: &[],
    hooks: crate::Hooks::Declared { object: "runqlat", points: libtools::sched::wakeup_and_switch_hooks },
};

/// Summarize run queue (scheduler) latency as a histogram: the time from a
/// task becoming runnable (woken, created, or preempted) until it runs.
#[derive(Parser, Debug)]
#[command(name = "runqlat", version = libtools::version!(), after_help = EXAMPLES)]
pub struct Args {
    #[command(flatten)]
    interval: Interval,
    #[command(flatten)]
    timestamp: TimestampArg,
    #[command(flatten)]
    ms: MillisArg,
    #[command(flatten)]
    per: PerTask,
    /// Print a histogram per PID namespace
    #[arg(long = "pidnss", group = "per")]
    per_pidns: bool,
    #[command(flatten)]
    pid: PidArg,
    #[command(flatten)]
    cgroup: CgroupArg,
    #[command(flatten)]
    common: Common,
}

pub fn run(args: Args) -> Result<()> {
    libtools::setup(&args.common)?;

    let spec = Spec::hooks(libtools::sched::wakeup_and_switch_hooks())
        .pid(&args.pid)?
        .cgroup(&args.cgroup)?;
    let tool = lifecycle::start(Builder::default(), spec, |open| {
        let rodata = open.rodata()?;
        rodata.targ_per_process = args.per.per_process;
        rodata.targ_per_thread = args.per.per_thread;
        rodata.targ_per_pidns = args.per_pidns;
        rodata.targ_ms = args.ms.milliseconds;
        Ok(())
    })?;

    let json = args.common.json;
    let summary = Summary::new(json, args.ms.unit(), Scale::Log2, args.timestamp.timestamp);
    summary.ready("run queue latency");
    let label = args.per.label().or(args.per_pidns.then_some("pidns"));
    run::summaries(&args.interval, || {
        libtools::hist::print_hists(&summary, &tool.maps.hists, label, |h: &hist| {
            (&h.slots[..], &h.comm[..])
        })
    })
}
