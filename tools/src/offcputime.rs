//! offcputime: time threads spend blocked (off CPU), summed by stack.

use clap::Parser;
use libtools::stacks::{Counted, Delimited, FormatArgs, Measure, ReportArgs, ShownStacks};
use libtools::stacks::StackReport;
use libtools::{filters, lifecycle, Common, Result, Spec};

libtools::skel!("offcputime");
use skel::{types::key_t, types::val_t, OffcputimeSkelBuilder as Builder};

const EXAMPLES: &str = "EXAMPLES:
    offcputime             # trace off-CPU stack time until Ctrl-C
    offcputime 5           # trace for 5 seconds only
    offcputime -m 1000     # trace only events that last more than 1000 usec
    offcputime -M 10000    # trace only events that last less than 10000 usec
    offcputime -p 185      # only trace threads for PID 185
    offcputime -t 188      # only trace thread 188
    offcputime -u          # only trace user threads (no kernel)
    offcputime -k          # only trace kernel threads (no user)
    offcputime -U          # only show user space stacks (no kernel)
    offcputime -K          # only show kernel space stacks (no user)
    offcputime -df 5 | flamegraph --colors io --countname us > off.svg
    offcputime --format pprof -o off.pb.gz 5  # a pprof profile of off-CPU time";
pub const DOC: crate::Doc = crate::Doc {
    columns: &[
        ("kernel frames", "the kernel stack the thread blocked in, one frame a line, innermost first (not with -U)"),
        ("--", "a line between kernel and user frames when both stacks have some (-d)"),
        ("user frames", "the user stack the thread blocked in, innermost first (not with -K); a kernel thread has none and shows [Missed User Stack]"),
        ("-  COMM (TID)", "the thread's name and thread ID; --json gives one object per stack with pid, comm, count, user_stack and kernel_stack (frames innermost first, null when lost)"),
        ("COUNT", "the total time the thread was blocked in these stacks, in microseconds, on a line of its own; stacks are printed smallest first"),
        ("COMM;FRAMES COUNT", "one line per stack (-f): the thread's name, the user frames root to leaf, - with -d, the kernel frames root to leaf, a space and the microseconds, as flamegraph reads them"),
        ("[Missed Kernel Stack]", "in place of a kernel stack that could not be stored, [Missed User Stack] of a user one (the stack map was full, or two stacks collided in it); a warning at exit counts them"),
        ("[unknown]", "a frame that could not be named: lib.so+0x1a2b when its file is known, [unknown: process exited] when the process was gone before its memory map could be read"),
        ("--format pprof", "a gzip-compressed pprof profile instead (-o FILE, else standard output): per stack, off-cpu/microseconds, the time blocked (blocks are not counted, so there is no count); the process ID, thread ID (where it differs) and thread name as labels pid, tid and comm; kernel frames in the mapping [kernel.kallsyms], user frames in their files' mappings with build IDs; -d does not apply"),
    ],
    overhead: "Every context switch on every CPU runs the program. For the thread switched out it \
applies -p, -t, -u, -k and --state in the kernel, walks its kernel and user stacks into the stack \
map and updates two hash maps; for the thread switched in, it adds the time it was blocked to its \
stacks' total. Walking stacks on every switch makes this one of the costlier tools on a busy \
system: narrow it with -p or -t where you can (-m and -M are only checked when the thread runs \
again, after its stacks were taken). Nothing is sent per event; while tracing, user space reads \
the map five times a second to note the memory maps of new processes, and the stacks are named \
when tracing ends, which can take a while for large programs. At most 16384 thread and stack \
pairs are kept, later ones are not counted; stacks that did not fit in the stack map are counted \
in a warning at exit (see --stack-storage-size).",
    see_also: &["wakeuptime", "profile", "cpudist", "flamegraph"],
    upstream: &[],
    hooks: crate::Hooks::Declared { object: "offcputime", points: libtools::sched::switch_hooks },
};

/// Summarize off-CPU time by stack trace: how long threads were blocked,
/// and in which kernel and user stacks they blocked, in microseconds.
#[derive(Parser, Debug)]
#[command(name = "offcputime", version = libtools::version!(), after_help = EXAMPLES)]
pub struct Args {
    /// Trace these processes only (comma-separated PIDs)
    #[arg(short, long, value_delimiter = ',')]
    pid: Vec<u32>,
    /// Trace these threads only (comma-separated TIDs)
    #[arg(short, long, value_delimiter = ',')]
    tid: Vec<u32>,
    /// User threads only (no kernel threads)
    #[arg(
        short = 'u',
        long = "user-threads-only",
        conflicts_with = "kernel_threads_only"
    )]
    user_threads_only: bool,
    /// Kernel threads only (no user threads)
    #[arg(short = 'k', long = "kernel-threads-only")]
    kernel_threads_only: bool,
    #[command(flatten)]
    stacks: ShownStacks,
    #[command(flatten)]
    block: filters::BlockTimes,
    /// Only trace threads in this state when switched out (a bitmask, e.g.
    /// 0 running, 1 interruptible sleep, 2 uninterruptible sleep)
    #[arg(long)]
    state: Option<u32>,
    #[command(flatten)]
    delimited: Delimited,
    #[command(flatten)]
    report: ReportArgs,
    #[command(flatten)]
    format: FormatArgs,
    #[command(flatten)]
    common: Common,
}

pub fn run(args: Args) -> Result<()> {
    libtools::setup(&args.common)?;
    filters::check_id_lists(&args.pid, &args.tid)?;
    args.block.check()?;
    let pprof = args.format.pprof(Measure::total("off-cpu", "microseconds"))?;

    let spec = Spec::hooks(libtools::sched::switch_hooks());
    let tool = lifecycle::load(Builder::default(), spec, |open| {
        let rodata = open.rodata()?;
        rodata.user_threads_only = args.user_threads_only;
        rodata.kernel_threads_only = args.kernel_threads_only;
        rodata.user_stacks = !args.stacks.kernel_stacks_only;
        rodata.kernel_stacks = !args.stacks.user_stacks_only;
        rodata.min_block_us = args.block.min_block_time;
        rodata.max_block_us = args.block.max_block_time;
        rodata.filter_by_tgid = !args.pid.is_empty();
        rodata.filter_by_tid = !args.tid.is_empty();
        rodata.state = args.state.map_or(-1, i64::from);
        args.report.storage.apply(&mut open.maps.stackmap)
    })?;
    filters::fill_id_set(&tool.maps.tgids, &args.pid)?;
    filters::fill_id_set(&tool.maps.pids, &args.tid)?;
    let mut tool = tool.attach()?;

    let parts = args.stacks.parts().delimited(args.delimited.on);
    let mut report = StackReport::new(parts, args.report.folded, args.common.json).pprof(pprof);
    report.ready(&header(&args));
    let entry = |k: key_t, v: val_t| {
        let ids = (k.user_stack_id, k.kern_stack_id);
        Counted::new(k.pid, k.tgid, &v.comm, ids, v.delta_us)
    };
    report.trace(args.report.duration(), &tool.maps.info, entry);
    // Hooks still attached keep changing the map under the final batch
    // read, which on 5.10 has spun in the kernel (scripts/test-kernels).
    tool.detach();
    report.print(&tool.maps.info, &tool.maps.stackmap, entry)?;
    Ok(())
}

/// `Tracing off-CPU time (us) of all threads by user + kernel stack...`
fn header(args: &Args) -> String {
    let all = if args.user_threads_only {
        "user threads"
    } else if args.kernel_threads_only {
        "kernel threads"
    } else {
        "all threads"
    };
    let target = args.stacks.describe(&args.pid, &args.tid, all);
    format!("Tracing off-CPU time (us) of {target}{}", args.report.until())
}
