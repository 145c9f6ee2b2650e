//! stackcount: count the stacks that lead to an event (a tracepoint, a user
//! function or a kernel function).

use std::time::Duration;

use clap::Parser;
use libtools::stacks::{Counted, Delimited, FormatArgs, Measure, StackParts, StackReport};
use libtools::stacks::StackStorage;
use libtools::{bail, elf, lifecycle, run, AttachPoint, Common, PidArg, Prog, Result, Spec};

libtools::skel!("stackcount");
use skel::{types::key_t, StackcountSkelBuilder as Builder};

const EXAMPLES: &str = "EXAMPLES:
    stackcount t:sched:sched_switch       # count stacks leading to context switches
    stackcount -P t:syscalls:sys_enter_getppid  # ... per process
    stackcount -p 185 u:c:malloc          # malloc() stacks of PID 185
    stackcount u:/usr/bin/bash:readline   # a function in a binary
    stackcount -K vfs_read                # kernel stacks of vfs_read() (fentry or kprobe)
    stackcount -i 1 -D 10 t:block:block_rq_issue  # print every second for 10 s
    stackcount -f -D 5 t:sched:sched_switch | flamegraph > switches.svg
    stackcount --format pprof -o switches.pb.gz -D 5 t:sched:sched_switch  # for go tool pprof";
pub const DOC: crate::Doc = crate::Doc {
    columns: &[
        ("KERNEL_STACK", "the kernel frames, innermost first, one per line (not with -U); [Missed Kernel Stack] when the stack was lost"),
        ("USER_STACK", "the user frames, innermost first, after the kernel frames and a -- line (-d) (not with -K): function names, module+offset where there is no symbol, [unknown: process exited] when the process was gone before it was read; [Missed User Stack] when lost"),
        ("COMM", "the process's name, on a line - COMM (PID) under the frames: whenever user frames are shown, and with -P"),
        ("PID", "its process ID, on that line"),
        ("COUNT", "how many times the event fired with this stack, on the last line; stacks are printed fewest first"),
        ("folded", "one line per stack instead (-f): COMM;user frames;kernel frames COUNT, outermost first, for flamegraph; a - between user and kernel frames (-d)"),
        ("HH:MM:SS", "the time, before each interval's report (-i with -T)"),
        ("--format pprof", "a gzip-compressed pprof profile of the whole trace instead (-o FILE, else standard output; not with -i): per stack, calls/count, how many times the event fired; the process ID and name as labels pid and comm where the stacks are per process; kernel frames in the mapping [kernel.kallsyms], user frames in their files' mappings with build IDs; -d does not apply"),
    ],
    overhead: "The program runs at every firing of the counted event, in the task that hit it: a \
tracepoint, a uprobe (a trap into the kernel at every call of the function) or a kernel function \
through fentry or a kprobe. Each firing walks the kernel and the user stack (up to \
--perf-max-stack-depth frames each; -K or -U walks one) and adds one to a count in a hash map; \
nothing is sent per event. Counting a hot event (sched_switch, malloc) system-wide therefore costs \
two stack walks per occurrence: narrow it with -p or -c, which filter in the kernel before the \
walk. The count map holds 16384 stacks; stacks that do not fit the stack map \
(--stack-storage-size) show as [Missed Kernel Stack] or [Missed User Stack], with a warning after \
the report. Naming the frames happens in user space at each report; a process's memory map is read \
while it lives, a few times a second, so short-lived processes may only show [unknown: process \
exited].",
    see_also: &["profile", "offcputime", "flamegraph", "funclatency"],
    upstream: &[],
    hooks: crate::Hooks::Described(
        "the tracepoint itself; a uprobe; fentry, else a kprobe, for kernel functions (where the kernel offers them).",
    ),
};

/// Count the stacks that lead to an event: `t:CATEGORY:EVENT` (a
/// tracepoint), `u:LIB:FUNC` (a user function: LIB a path or a library name
/// like `c` for libc) or `k:FUNC`/`FUNC` (a kernel function).
#[derive(Parser, Debug)]
#[command(name = "stackcount", version = libtools::version!(), after_help = EXAMPLES)]
pub struct Args {
    /// What to count: t:CATEGORY:EVENT, u:LIB:FUNC, or k:FUNC
    pattern: String,
    #[command(flatten)]
    pid: PidArg,
    /// Trace this CPU only
    #[arg(short, long)]
    cpu: Option<u32>,
    /// Print the counts every INTERVAL seconds (and clear them)
    #[arg(short, long, value_parser = clap::value_parser!(u64).range(1..), conflicts_with = "format")]
    interval: Option<u64>,
    /// Trace for this many seconds in total
    #[arg(short = 'D', long, value_parser = clap::value_parser!(u64).range(1..))]
    duration: Option<u64>,
    /// Print the time with each interval
    #[arg(short = 'T', long)]
    timestamp: bool,
    /// Count per process (the comm and pid under each stack)
    #[arg(short = 'P', long = "perpid")]
    per_process: bool,
    /// Show kernel stacks only
    #[arg(
        short = 'K',
        long = "kernel-stacks-only",
        conflicts_with = "user_stacks_only"
    )]
    kernel_stacks_only: bool,
    /// Show user stacks only
    #[arg(short = 'U', long = "user-stacks-only")]
    user_stacks_only: bool,
    #[command(flatten)]
    delimited: Delimited,
    /// Output folded format, one line per stack (for flame graphs)
    #[arg(short, long, conflicts_with = "format")]
    folded: bool,
    #[command(flatten)]
    format: FormatArgs,
    #[command(flatten)]
    storage: StackStorage,
    #[command(flatten)]
    common: Common,
}

/// What the pattern names, as hook alternatives.
fn hooks(pattern: &str, pid: Option<u32>) -> Result<AttachPoint> {
    if pattern.contains(['*', '?', '[']) {
        bail!("{pattern}: wildcards are not supported: name one event or function");
    }
    let parts: Vec<&str> = pattern.splitn(3, ':').collect();
    let point = AttachPoint::new("counted event");
    Ok(match parts[..] {
        ["t", cat, event] if !cat.is_empty() && !event.is_empty() => {
            point.or([Prog::tracepoint("tp_count", &format!("{cat}:{event}"))])
        }
        ["u", lib, func] if !lib.is_empty() && !func.is_empty() => {
            let path = elf::resolve_function(lib, func, pid)
                .map_err(|e| libtools::anyhow!("{pattern}: {e}"))?;
            point.or([Prog::uprobe("uprobe_count", &path.to_string_lossy(), func)])
        }
        ["k", func] | [func] if !func.is_empty() => point
            .or([Prog::fentry("fentry_count", func)])
            .or([Prog::kprobe("kprobe_count", func)]),
        _ => bail!("{pattern}: not t:CATEGORY:EVENT, u:LIB:FUNC, k:FUNC or FUNC"),
    })
}

pub fn run(args: Args) -> Result<()> {
    libtools::setup(&args.common)?;
    args.pid.check()?;
    libtools::perf::check_cpu(args.cpu)?;
    let pprof = args.format.pprof(Measure::total("calls", "count"))?;

    // One program per kind of event; those for the other kinds stay out.
    let spec = Spec::hooks(vec![hooks(&args.pattern, args.pid.pid)?]).chosen_only();
    let tool = lifecycle::start(Builder::default(), spec, |open| {
        let rodata = open.rodata()?;
        rodata.targ_tgid = args.pid.tgid();
        rodata.targ_cpu = args.cpu.map_or(-1, |c| c as i32);
        rodata.per_process = args.per_process;
        rodata.user_stacks = !args.kernel_stacks_only;
        rodata.kernel_stacks = !args.user_stacks_only;
        args.storage.apply(&mut open.maps.stackmap)
    })?;

    let parts = StackParts::shown(args.user_stacks_only, args.kernel_stacks_only)
        .delimited(args.delimited.on);
    let mut report = StackReport::new(parts, args.folded, args.common.json).pprof(pprof);
    let header = format!("Tracing \"{}\"... Hit Ctrl-C to end.", args.pattern);
    report.ready(&header);
    // The key has no tgid only when no user stacks are taken (-K without -P).
    let entry = |k: key_t, count: u64| {
        let ids = (k.user_stack_id, k.kern_stack_id);
        Counted::new(k.tgid, k.tgid, &k.comm, ids, count)
    };
    let deadline = run::Deadline::after(args.duration.map(Duration::from_secs));
    loop {
        let wait = match args.interval {
            Some(s) => Some(deadline.remaining(Duration::from_secs(s))),
            None => args.duration.map(|_| deadline.remaining(Duration::MAX)),
        };
        report.trace(wait, &tool.maps.counts, entry);
        if args.interval.is_some() {
            report.interval_heading(args.timestamp);
        }
        report.print(&tool.maps.counts, &tool.maps.stackmap, entry)?;
        if args.interval.is_none() || run::stopping() || deadline.passed() {
            return Ok(());
        }
    }
}
