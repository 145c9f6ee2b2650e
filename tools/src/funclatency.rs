//! funclatency: a function's latency, entry to return, as a histogram.

use clap::Parser;
use libtools::hist::{Scale, Summary};
use libtools::{elf, lifecycle, maps, periodic, AttachPoint, CgroupArg, Common, Prog, Result};
use libtools::{PidArg, Spec, Value};

libtools::skel!("funclatency");
use skel::{types::latency, FunclatencySkelBuilder as Builder};

const EXAMPLES: &str = "EXAMPLES:
    funclatency do_sys_open         # time do_sys_open (kernel: fentry or kprobe)
    funclatency -u vfs_read         # time vfs_read in microseconds
    funclatency -m do_nanosleep     # time do_nanosleep in milliseconds
    funclatency -i 2 -d 10 c:read   # read() of libc, print every 2 seconds for 10
    funclatency -k vfs_read         # a kernel function, with kprobes rather than fentry
    funclatency -p 181 c:read       # read() of the libc process 181 has loaded
    funclatency -p 181 :foo         # foo() of process 181's program
    funclatency bash:readline       # readline() of the bash on PATH
    funclatency -p 181 /usr/bin/bash:readline  # a function in a binary, one process
    funclatency -c CG vfs_read      # processes in cgroup (v2) CG only";
pub const DOC: crate::Doc = crate::Doc {
    columns: &[
        ("time", "the wall-clock time, HH:MM:SS, on a line before each summary (-T)"),
        ("nsecs", "the function's latency from entry to return, as a log2 bucket low -> high in nanoseconds (usecs with -u, msecs with -m); the 2147483648 -> 4294967295 bucket also holds every longer latency; --json gives each bucket's low, high and count"),
        ("count", "the number of calls in the bucket"),
        ("distribution", "stars in proportion to the largest bucket's count"),
        ("avg, total, count", "a line after the histogram: the mean latency in whole units, the sum of the latencies and the number of calls timed"),
    ],
    overhead: "Every call of the function, in every process, runs the entry and return programs: the \
entry stores a timestamp in a hash map by thread, the return adds the latency to the histogram, \
in the kernel; nothing is sent per call. For a kernel function, fentry and fexit cost little per \
call and kprobes somewhat more; a user function's uprobe and uretprobe trap into the kernel at \
each call and each return, which makes a hot function such as malloc markedly slower. -p and -c \
filter in the kernel, but the probes still fire for every caller. At most 10240 threads are timed \
at once, and a recursive call replaces its caller's start time, so only the innermost call of a \
recursion is timed.",
    see_also: &["stackcount", "syscount", "biolatency"],
    upstream: &[
        "NAME:FUNC without -p finds the program NAME on PATH as upstream does, and then, where \
there is none, the library libNAME (c:malloc), which upstream cannot find without -p: added, \
as bcc does. With -p, a NAME that process has no library libNAME of names its program if it is \
called NAME, where upstream fails: added.",
        "-k with a user function (NAME:FUNC) is a usage error; upstream ignores -k there: kept, \
kprobes are for kernel functions.",
        "-n (nanoseconds, the default) and --json are additions: kept, they do not clash.",
    ],
    hooks: crate::Hooks::Described(
        "uprobe+uretprobe for user functions; fentry+fexit, else kprobe+kretprobe, for kernel functions where the kernel offers them.",
    ),
};

/// Time a function from entry to return and summarize the latency as a
/// histogram: a kernel function (FUNC), one of process -p's program
/// (:FUNC), a library's or a program's by name (NAME:FUNC: with -p the
/// library libNAME that process has loaded, else the program NAME on PATH,
/// else the library libNAME: c:malloc), or a file's (/PATH:FUNC).
#[derive(Parser, Debug)]
#[command(name = "funclatency", version = libtools::version!(), after_help = EXAMPLES)]
pub struct Args {
    /// The function: FUNC (kernel), :FUNC, NAME:FUNC or /PATH:FUNC (user)
    function: String,
    /// Output in milliseconds
    #[arg(short, long, group = "unit")]
    milliseconds: bool,
    /// Output in microseconds
    #[arg(short = 'u', long, group = "unit")]
    microseconds: bool,
    /// Output in nanoseconds (the default)
    #[arg(short = 'n', long, group = "unit")]
    nanoseconds: bool,
    #[command(flatten)]
    pid: PidArg,
    #[command(flatten)]
    every: periodic::Every,
    /// Print a timestamp with each summary
    #[arg(short = 'T', long)]
    timestamp: bool,
    /// Use kprobes instead of fentry for a kernel function
    #[arg(short = 'k', long)]
    kprobes: bool,
    #[command(flatten)]
    cgroup: CgroupArg,
    #[command(flatten)]
    common: Common,
}

fn hooks(function: &str, pid: Option<u32>, kprobes: bool) -> Result<AttachPoint> {
    let point = AttachPoint::new("function entry and return");
    Ok(match function.rsplit_once(':') {
        Some((binary, func)) if !func.is_empty() => {
            if kprobes {
                libtools::bail!("-k is for kernel functions: {function} is a user function");
            }
            let path = elf::resolve_function(binary, func, pid)?;
            let path = path.to_string_lossy();
            point.or([
                Prog::uprobe("uprobe_entry", &path, func),
                Prog::uretprobe("uretprobe_exit", &path, func),
            ])
        }
        None if !function.is_empty() => {
            let kprobe = [
                Prog::kprobe("kprobe_entry", function),
                Prog::kretprobe("kretprobe_exit", function),
            ];
            let fentry = [
                Prog::fentry("fentry_entry", function),
                Prog::fexit("fexit_exit", function),
            ];
            match kprobes {
                true => point.or(kprobe),
                false => point.or(fentry).or(kprobe),
            }
        }
        _ => libtools::bail!("{function}: not FUNC, :FUNC, NAME:FUNC or /PATH:FUNC"),
    })
}

pub fn run(args: Args) -> Result<()> {
    libtools::setup(&args.common)?;
    args.pid.check()?;
    let point = hooks(&args.function, args.pid.pid, args.kprobes)?;
    let (units, unit) = if args.milliseconds {
        (2, "msecs")
    } else if args.microseconds {
        (1, "usecs")
    } else {
        (0, "nsecs")
    };

    let spec = Spec::hooks(vec![point])
        .chosen_only()
        .cgroup(&args.cgroup)?;
    let tool = lifecycle::start(Builder::default(), spec, |open| {
        let rodata = open.rodata()?;
        rodata.targ_tgid = args.pid.tgid();
        rodata.units = units;
        Ok(())
    })?;

    let summary = Summary::new(args.common.json, unit, Scale::Log2, args.timestamp);
    summary.ready_line(&format!("Tracing {}.  Hit Ctrl-C to exit", args.function));
    let function = [("function", Value::Str(&args.function))];
    periodic::reports(&args.every, || {
        let l: latency = maps::take(&tool.maps.latencies, 0)?.unwrap_or_default();
        summary.begin();
        summary.section(None, &function, &l.hist.slots);
        let avg = l.total / l.count.max(1);
        let line = format!(
            "\navg = {avg} {unit}, total: {} {unit}, count: {}\n",
            l.total, l.count
        );
        summary.record(
            &line,
            &[
                function[0],
                ("avg", Value::Uint(avg)),
                ("total", Value::Uint(l.total)),
                ("count", Value::Uint(l.count)),
            ],
        );
        Ok(summary.end())
    })?;
    summary.text(&format!("Exiting trace of {}\n", args.function));
    summary.end();
    Ok(())
}
