//! profile: sample stack traces on every CPU at a frequency and report
//! them by count, as bcc's multi-line form, folded lines or JSON.

use clap::Parser;
use libtools::stacks::{self, Counted, Delimited, FormatArgs, Measure, ReportArgs, ShownStacks};
use libtools::stacks::StackReport;
use libtools::{filters, lifecycle, perf, Common, Result, Spec};

libtools::skel!("profile");
use skel::{types::key_t, ProfileSkelBuilder};

const EXAMPLES: &str = "EXAMPLES:
    profile             # profile stack traces at 49 Hertz until Ctrl-C
    profile -F 99       # profile stack traces at 99 Hertz
    profile -c 1000000  # profile stack traces every 1 in a million events
    profile 5           # profile at 49 Hertz for 5 seconds only
    profile -f 5        # output in folded format for flame graphs
    profile -af 30 | flamegraph > cpu.svg  # a flame graph, kernel frames coloured
    profile --format pprof -o cpu.pb.gz 10  # a pprof profile: go tool pprof -top cpu.pb.gz
    profile -p 185      # only profile process with PID 185
    profile -L 185      # only profile thread with TID 185
    profile -U          # only show user space stacks (no kernel)
    profile -K          # only show kernel space stacks (no user)
    profile -C 0        # only profile CPU 0";
pub const DOC: crate::Doc = crate::Doc {
    columns: &[
        ("kernel frames", "the kernel stack sampled, one frame a line, innermost first, each with _[k] after it under -a (not with -U)"),
        ("--", "a line between kernel and user frames when both stacks have some (-d)"),
        ("user frames", "the user stack sampled, innermost first (not with -K); none for kernel threads"),
        ("-  COMM (PID)", "the sampled thread's name and its process ID; --json gives one object per stack with pid, comm, count, user_stack and kernel_stack (frames innermost first, null when lost)"),
        ("COUNT", "the number of samples with this process, thread name and stacks, on a line of its own; stacks are printed smallest first"),
        ("COMM;FRAMES COUNT", "one line per stack (-f): the thread's name, the user frames root to leaf, - with -d, the kernel frames root to leaf (with _[k] under -a), a space and the count, as flamegraph reads them"),
        ("[Missed Kernel Stack]", "in place of a kernel stack that could not be stored, [Missed User Stack] of a user one (the stack map was full, or two stacks collided in it); a warning at exit counts them"),
        ("[unknown]", "a frame that could not be named: lib.so+0x1a2b when its file is known, [unknown: process exited] when the process was gone before its memory map could be read"),
        ("--format pprof", "a gzip-compressed pprof profile instead (-o FILE, else standard output): per stack, samples/count and cpu/nanoseconds (the samples times the period, 1/-F seconds, or -c nanoseconds; what go tool pprof shows by default); the thread's process ID and name as labels pid and comm; kernel frames in the mapping [kernel.kallsyms], user frames in their files' mappings with build IDs; -a and -d do not apply"),
    ],
    overhead: "A CPU-clock perf event fires -F times a second (49 by default), or with -c once every \
that many nanoseconds of CPU clock, on every CPU, or on the one -C names, busy or not. Each sample applies the idle, -p and -L filters in the kernel, walks the \
kernel and user stacks into the stack map and counts them in a hash map; the cost grows with the \
frequency and the number of CPUs, not with the workload, and stays modest at the default rate. \
Nothing is sent per sample; while sampling, user space reads the counts five times a second to \
note the memory maps of new processes, and the stacks are named when sampling ends, which can take \
a while for large programs. Samples that found the counts map full, and stacks that did not fit \
in the stack map, are counted in warnings at exit (see --stack-storage-size).",
    see_also: &["offcputime", "stackcount", "flamegraph", "cpudist"],
    upstream: &[
        "-c COUNT samples every COUNT CPU-clock events as bcc's profile.py does (libbpf-tools lists -c in its examples but has no such flag); neither bcc nor libbpf-tools has a -A flag, so there is none here.",
    ],
    hooks: crate::Hooks::Described(
        "a software CPU-clock perf event per online CPU (no hardware counters needed). Kernel frames are named from kallsyms, user frames from the process's files (ELF symbols, DWARF where present, demangled); a frame that cannot be named shows its module and offset.",
    ),
};

/// Profile CPU usage by sampling stack traces at a timed interval.
#[derive(Parser, Debug)]
#[command(name = "profile", version = libtools::version!(), after_help = EXAMPLES)]
pub struct Args {
    /// Profile these processes only (comma-separated PIDs)
    #[arg(short, long, value_delimiter = ',', conflicts_with = "tid")]
    pid: Vec<u32>,
    /// Profile these threads only (comma-separated TIDs)
    #[arg(short = 'L', long, value_delimiter = ',')]
    tid: Vec<u32>,
    #[command(flatten)]
    stacks: ShownStacks,
    /// Sample frequency in Hertz (49 unless -c)
    #[arg(short = 'F', long, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    frequency: Option<u64>,
    /// Sample period: one sample every COUNT events of the CPU clock, a
    /// nanosecond each (-c 1000000: every millisecond of CPU time)
    #[arg(short = 'c', long = "count", value_name = "COUNT", conflicts_with = "frequency", value_parser = clap::value_parser!(u64).range(1..))]
    count: Option<u64>,
    #[command(flatten)]
    delimited: Delimited,
    /// Add _[k] annotations to kernel frames (flame graphs colour them apart)
    #[arg(short, long)]
    annotations: bool,
    /// Include CPU idle stacks
    #[arg(short = 'I', long = "include-idle")]
    include_idle: bool,
    #[command(flatten)]
    report: ReportArgs,
    #[command(flatten)]
    format: FormatArgs,
    /// CPU number to run profile on
    #[arg(short = 'C', long)]
    cpu: Option<u32>,
    #[command(flatten)]
    common: Common,
}

pub fn run(args: Args) -> Result<()> {
    libtools::setup(&args.common)?;
    filters::check_id_lists(&args.pid, &args.tid)?;
    let rate = match (args.count, args.frequency) {
        (Some(n), _) => perf::Rate::Every(n),
        (None, f) => perf::Rate::Hertz(f.unwrap_or(49)),
    };
    let period_ns = match rate {
        perf::Rate::Every(n) => i64::try_from(n).unwrap_or(i64::MAX),
        perf::Rate::Hertz(f) => 1_000_000_000 / f as i64,
    };
    let pprof = args.format.pprof(Measure::sampled("cpu", period_ns))?;

    let spec = Spec::no_hook_plan();
    let mut tool = lifecycle::load(ProfileSkelBuilder::default(), spec, |open| {
        let rodata = open.rodata()?;
        rodata.user_stacks_only = args.stacks.user_stacks_only;
        rodata.kernel_stacks_only = args.stacks.kernel_stacks_only;
        rodata.include_idle = args.include_idle;
        rodata.filter_by_tgid = !args.pid.is_empty();
        rodata.filter_by_tid = !args.tid.is_empty();
        args.report.storage.apply(&mut open.maps.stackmap)?;
        let size = args.report.storage.stack_storage_size;
        Ok(open.maps.counts.set_max_entries(size)?)
    })?;
    filters::fill_id_set(&tool.maps.pids, &args.pid)?;
    filters::fill_id_set(&tool.maps.tids, &args.tid)?;
    let links = perf::attach_sampling(&tool.progs.do_sample, rate, args.cpu)?;
    tool.keep(links);

    let parts = args.stacks.parts().delimited(args.delimited.on).annotated(args.annotations);
    let mut report = StackReport::new(parts, args.report.folded, args.common.json).pprof(pprof);
    report.ready(&header(&args, rate));
    let entry = |k: key_t, count: u64| {
        let ids = (k.user_stack_id, k.kern_stack_id);
        Counted::new(k.pid, k.pid, &k.comm, ids, count)
    };
    report.trace(args.report.duration(), &tool.maps.counts, entry);
    report.print(&tool.maps.counts, &tool.maps.stackmap, entry)?;
    stacks::warn_lost_samples(&tool.maps.lost_samples, &args.report.storage)
}

/// bcc's header: `Sampling at 49 Hertz of all threads by user + kernel
/// stack... Hit Ctrl-C to end.` (-c: `at every N events`).
fn header(args: &Args, rate: perf::Rate) -> String {
    let target = args.stacks.describe(&args.pid, &args.tid, "all threads");
    let cpu = args.cpu.map(|c| format!(" on CPU#{c}")).unwrap_or_default();
    let until = args.report.until();
    format!("Sampling at {rate} of {target}{cpu}{until}")
}
