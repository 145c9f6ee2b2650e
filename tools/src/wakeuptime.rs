//! wakeuptime: time threads spend blocked, summed by the kernel stack of
//! the task that woke them.

use std::time::Duration;

use clap::Parser;
use libtools::stacks::{FormatArgs, Measure, StackParts, StackReport, StackStorage};
use libtools::{filters, lifecycle, run, AttachPoint, Common, Prog, Result, Spec};

libtools::skel!("wakeuptime");
use skel::{types::key_t, WakeuptimeSkelBuilder as Builder};

const EXAMPLES: &str = "EXAMPLES:
    wakeuptime             # trace blocked time with waker stacks until Ctrl-C
    wakeuptime 5           # trace for 5 seconds only
    wakeuptime -f 5        # 5 seconds, in folded format
    wakeuptime -u          # don't include kernel threads (user only)
    wakeuptime -p 185      # trace threads of PID 185 only
    wakeuptime -m 1000     # only blocks of more than 1000 usec
    wakeuptime -f 5 | flamegraph --colors wakeup --countname us > wakeup.svg
    wakeuptime --format pprof -o wakeup.pb.gz 5  # a pprof profile of the waker stacks";
pub const DOC: crate::Doc = crate::Doc {
    columns: &[
        ("TARGET", "the name of the threads that were blocked, on a target: line over the stack"),
        ("WAKER_STACK", "the kernel stack of the wakeup, innermost first, one function per line; [Missed Kernel Stack] when lost"),
        ("WAKER", "the name of the task that woke them, on a waker: line; for a wakeup from an interrupt or a timer, whatever task it interrupted"),
        ("US", "the total microseconds those threads were blocked, switched out until woken, over the blocks between -m and -M; entries are printed smallest first"),
        ("folded", "one line per entry instead (-f): WAKER;stack outermost first;TARGET US, for flamegraph"),
        ("--format pprof", "a gzip-compressed pprof profile instead (-o FILE, else standard output): per waker stack, blocked/microseconds; the waker's and the blocked threads' names as labels waker and target; the frames in the mapping [kernel.kallsyms]"),
    ],
    overhead: "The switch program runs at every context switch on the system and stores a \
timestamp for the thread switched out (-p and -u filter it in the kernel); the wakeup program runs \
at every wakeup and, for a thread with a timestamp, walks the waker's kernel stack and adds the \
blocked time to a hash map. Both fire very often on a busy system. Nothing is sent per event: user \
space reads the map once, at the end. The timestamp map holds 10240 threads and the count map \
16384 entries; blocks beyond them are not counted. Stacks that do not fit the stack map \
(--stack-storage-size) show as [Missed Kernel Stack] and are counted in a warning at exit.",
    see_also: &["offcputime", "runqslower", "stackcount"],
    upstream: &[],
    hooks: crate::Hooks::Declared { object: "wakeuptime", points: hooks },
};

/// Summarize blocked time by the kernel stack of the waker: who woke the
/// blocked threads, from where, and how long they had waited (microseconds).
#[derive(Parser, Debug)]
#[command(name = "wakeuptime", version = libtools::version!(), after_help = EXAMPLES)]
pub struct Args {
    /// Trace threads of this process only (the blocked ones)
    #[arg(short, long)]
    pid: Option<u32>,
    /// User threads only (no kernel threads)
    #[arg(short = 'u', long = "user-threads-only", visible_alias = "useronly")]
    user_threads_only: bool,
    #[command(flatten)]
    block: filters::BlockTimes,
    /// Output folded format (waker;stack root to leaf;target count)
    #[arg(short, long, conflicts_with = "format")]
    folded: bool,
    #[command(flatten)]
    format: FormatArgs,
    #[command(flatten)]
    storage: StackStorage,
    /// Duration of the trace, in seconds (default: until Ctrl-C)
    #[arg(value_parser = clap::value_parser!(u64).range(1..))]
    duration: Option<u64>,
    #[command(flatten)]
    common: Common,
}

/// sched_switch, then sched_wakeup alone: a new task has not blocked yet.
fn hooks() -> Vec<AttachPoint> {
    let mut points = libtools::sched::switch_hooks();
    points.push(
        AttachPoint::new("wakeup")
            .or([Prog::tp_btf("tp_btf_wakeup", "sched_wakeup")])
            .or([Prog::raw_tp("raw_wakeup", "sched_wakeup")]),
    );
    points
}

pub fn run(args: Args) -> Result<()> {
    libtools::setup(&args.common)?;
    libtools::check_pid(args.pid)?;
    args.block.check()?;
    let pprof = args.format.pprof(Measure::total("blocked", "microseconds"))?;

    let mut tool = lifecycle::start(Builder::default(), Spec::hooks(hooks()), |open| {
        let rodata = open.rodata()?;
        rodata.targ_tgid = args.pid.unwrap_or(0);
        rodata.user_threads_only = args.user_threads_only;
        rodata.min_block_us = args.block.min_block_time;
        rodata.max_block_us = args.block.max_block_time;
        args.storage.apply(&mut open.maps.stackmap)
    })?;

    let parts = StackParts::default();
    let mut report = StackReport::new(parts, args.folded, args.common.json).pprof(pprof);
    report.ready(&header(&args));
    run::sleep_for(args.duration.map(Duration::from_secs));
    // Hooks still attached keep changing the map under the final batch
    // read, which on 5.10 has spun in the kernel (scripts/test-kernels).
    tool.detach();
    report.print_wakeups(&tool.maps.counts, &tool.maps.stackmap, |k: &key_t| {
        (&k.waker[..], &k.target[..], k.w_k_stack_id)
    })?;
    Ok(())
}

/// `Tracing blocked time (us) by kernel stack of the waker, of all threads...`
fn header(args: &Args) -> String {
    let target = match args.pid {
        Some(p) => format!("PID {p}"),
        None if args.user_threads_only => "user threads".into(),
        None => "all threads".into(),
    };
    let what = format!("Tracing blocked time (us) by kernel stack of the waker, of {target}");
    match args.duration {
        Some(d) => format!("{what}, for {d} secs."),
        None => format!("{what}... Hit Ctrl-C to end."),
    }
}
