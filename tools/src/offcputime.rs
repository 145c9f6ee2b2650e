//! offcputime: time threads spend blocked (off CPU), summed by stack.

use std::mem::MaybeUninit;
use std::time::Duration;

use clap::Parser;
use libbpf_rs::skel::{Skel, SkelBuilder};
use libbpf_rs::{MapCore, MapFlags};
use libtools::stacks::{self, Counted, Form, StackParts, StackResolver, StackStorage};
use libtools::{bail, bpf, maps, Common, HookPlan, Result};

mod skel {
    libtools::skel!("offcputime");
}
use skel::{types::key_t, types::val_t, OffcputimeSkelBuilder};

unsafe impl plain::Plain for key_t {}
unsafe impl plain::Plain for val_t {}

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
    offcputime -df 5 | flamegraph --colors io --countname us > off.svg";
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
};

/// Summarize off-CPU time by stack trace: how long threads were blocked,
/// and in which kernel and user stacks they blocked, in microseconds.
///
/// Hooks: the sched_switch tracepoint, as tp_btf where BTF allows, else as
/// a raw tracepoint.
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
    /// Show stacks from user space only (no kernel space stacks)
    #[arg(
        short = 'U',
        long = "user-stacks-only",
        conflicts_with = "kernel_stacks_only"
    )]
    user_stacks_only: bool,
    /// Show stacks from kernel space only (no user space stacks)
    #[arg(short = 'K', long = "kernel-stacks-only")]
    kernel_stacks_only: bool,
    /// The amount of time in microseconds over which we store traces
    #[arg(short = 'm', long = "min-block-time", default_value_t = 1)]
    min_block_time: u64,
    /// The amount of time in microseconds under which we store traces
    #[arg(short = 'M', long = "max-block-time", default_value_t = u64::MAX)]
    max_block_time: u64,
    /// Only trace threads in this state when switched out (a bitmask, e.g.
    /// 0 running, 1 interruptible sleep, 2 uninterruptible sleep)
    #[arg(long)]
    state: Option<u32>,
    /// Insert a delimiter between kernel and user stacks
    #[arg(short, long)]
    delimited: bool,
    /// Output folded format, one line per stack (for flame graphs)
    #[arg(short, long)]
    folded: bool,
    #[command(flatten)]
    storage: StackStorage,
    /// Duration of the trace, in seconds (default: until Ctrl-C)
    #[arg(value_parser = clap::value_parser!(u64).range(1..))]
    duration: Option<u64>,
    #[command(flatten)]
    common: Common,
}

pub fn main() -> ! {
    libtools::main("offcputime", run)
}

fn run(args: Args) -> Result<()> {
    libtools::setup(&args.common)?;
    for &p in args.pid.iter().chain(&args.tid) {
        libtools::check_pid(Some(p))?;
    }
    if args.pid.len() > 1024 || args.tid.len() > 1024 {
        bail!("at most 1024 PIDs or TIDs");
    }
    if args.min_block_time > args.max_block_time {
        bail!(
            "min block time {} us is over max block time {} us",
            args.min_block_time,
            args.max_block_time
        );
    }

    let mut storage = MaybeUninit::uninit();
    let mut open = OffcputimeSkelBuilder::default().open(&mut storage)?;
    let rodata = open
        .maps
        .rodata_data
        .as_deref_mut()
        .expect("offcputime has rodata");
    rodata.user_threads_only = args.user_threads_only;
    rodata.kernel_threads_only = args.kernel_threads_only;
    rodata.user_stacks = !args.kernel_stacks_only;
    rodata.kernel_stacks = !args.user_stacks_only;
    rodata.min_block_us = args.min_block_time;
    rodata.max_block_us = args.max_block_time;
    rodata.filter_by_tgid = !args.pid.is_empty();
    rodata.filter_by_pid = !args.tid.is_empty();
    rodata.state = args.state.map_or(-1, i64::from);
    args.storage.apply(&mut open.maps.stackmap)?;

    let plan = HookPlan::select(&crate::sched::switch_hooks())?;
    let skel = bpf::load(open, &plan)?;
    for (map, ids) in [(&skel.maps.tgids, &args.pid), (&skel.maps.pids, &args.tid)] {
        for id in ids {
            map.update(&id.to_ne_bytes(), &[1], MapFlags::ANY)?;
        }
    }
    let links = plan.attach(skel.object())?;

    let header = header(&args);
    if args.folded || args.common.json {
        eprintln!("{header}");
    } else {
        println!("{header}");
    }

    // Remember the memory map of each new process while it lives, so that
    // those that exit before the report still get named frames.
    let mut resolver = StackResolver::new();
    resolver.trace(
        args.duration.map(Duration::from_secs),
        &skel.maps.info,
        |k, v| {
            let comm = libtools::c_bytes(&libtools::decode::<val_t>(v).comm).to_vec();
            (libtools::decode::<key_t>(k).tgid, comm)
        },
    );
    // Detach before the final read: the scheduler hooks would otherwise
    // keep changing the map under the batch read, which on 5.10 has spun
    // in the kernel (soft lockups found by scripts/test-kernels).
    drop(links);

    let mut counted: Vec<Counted> = maps::drain(&skel.maps.info)?
        .iter()
        .filter_map(|(k, v)| {
            let key: key_t = libtools::decode(k);
            let val: val_t = libtools::decode(v);
            (val.delta_us > 0).then(|| Counted {
                pid: key.pid,
                tgid: key.tgid,
                comm: libtools::c_bytes(&val.comm).to_vec(),
                user_stack_id: key.user_stack_id,
                kern_stack_id: key.kern_stack_id,
                count: val.delta_us,
            })
        })
        .collect();
    let parts = StackParts {
        user: !args.kernel_stacks_only,
        kernel: !args.user_stacks_only,
        delimiter: args.delimited,
        annotate: false,
    };
    let form = Form::new(args.folded, args.common.json);
    stacks::print_report(
        &mut counted,
        parts,
        form,
        &skel.maps.stackmap,
        &mut resolver,
    );
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
    let target = stacks::describe_target(
        &args.pid,
        &args.tid,
        all,
        args.user_stacks_only,
        args.kernel_stacks_only,
    );
    match args.duration {
        Some(d) => format!("Tracing off-CPU time (us) of {target} for {d} secs."),
        None => format!("Tracing off-CPU time (us) of {target}... Hit Ctrl-C to end."),
    }
}
