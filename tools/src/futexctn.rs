//! futexctn: futex contention, how long threads waited in FUTEX_WAIT, as
//! log2 histograms per thread, lock and user stack.

use std::cell::RefCell;

use clap::Parser;
use libtools::hist::{MillisArg, Scale, Summary, TimestampArg};
use libtools::run::{self, Interval};
use libtools::stacks::{self, StackResolver, StackStorage};
use libtools::{lifecycle, maps, output, AttachPoint, Common, PidArg, Result, Spec, Value};

libtools::skel!("futexctn");
use skel::{types::futexctn_hist, types::futexctn_key, FutexctnSkelBuilder as Builder};

const EXAMPLES: &str = "EXAMPLES:
    futexctn              # summarize futex contention latency as a histogram
    futexctn 1 10         # print 1 second summaries, 10 times
    futexctn -mT 1        # 1s summaries, milliseconds, and timestamps
    futexctn -s 1         # 1s summaries, without stack traces
    futexctn -l 0x8187bb8 # only trace lock 0x8187bb8
    futexctn -p 123       # only trace threads for PID 123
    futexctn -t 125       # only trace thread 125
    futexctn --json 5 1   # one JSON object per lock and stack, after 5 seconds";
pub const DOC: crate::Doc = crate::Doc {
    columns: &[
        ("HH:MM:SS", "the wall-clock time, on a line before each summary (-T)"),
        ("COMM[TID]", "the name and thread ID of the thread that waited (with -s the process ID; the name is the last waiter's); --json gives comm, pid and tid (no tid with -s)"),
        ("lock 0xADDR", "the lock: the user address of the futex word waited on, as -l takes it"),
        ("contended N times", "how many waits on the lock ended (woken) in this interval from this thread and stack"),
        ("avg, max, min", "the waits' mean (rounded down), longest and shortest, in microseconds (milliseconds with -m), as usecs or msecs"),
        ("-  frames  -", "the user stack of the waiting thread when its wait ended, innermost first, one function a line between two - lines (not with -s); [Missed User Stack] when the stack map was full; --json gives user_stack, an array, null when missed"),
        ("usecs", "the waits as a log2 bucket low -> high in microseconds (msecs with -m); --json gives each bucket's low, high and count"),
        ("count", "the number of waits in the bucket"),
        ("distribution", "stars in proportion to the largest bucket's count"),
    ],
    overhead: "Two programs run for every futex(2) call on the system, and with the raw_tp \
fallback for every system call: at the call's entry a FUTEX_WAIT of a traced thread (-p, -t and \
-l filter in the kernel) stores a timestamp in a hash map by thread, and at its return, if the wait \
succeeded, the thread's user stack is walked (up to --perf-max-stack-depth frames) into the stack \
map and the wait is added to a histogram, all in the kernel; nothing is sent per wait. Programs \
with heavily contended locks make many such calls, each a little slower. User space reads and \
clears the histograms at each interval, naming the frames, and notes the memory maps of new \
processes five times a second. At most 10240 waits in flight and 10240 histograms are kept; \
waits beyond are counted as lost at exit, stacks that do not fit the stack map \
(--stack-storage-size) show as [Missed User Stack], with a warning.",
    see_also: &["offcputime", "wakeuptime", "stackcount", "runqlat"],
    upstream: &[
        "A line Tracing futex contention... Hit Ctrl-C to end. is printed once every program is attached (on stderr with --json); upstream prints nothing before its first summary: added, as every bpftk tool says when it is ready.",
        "Histograms are printed sorted by process, thread, lock and stack; upstream prints them in its hash map's order: changed, so that a process's locks come together and two runs compare.",
        "min is the shortest wait; upstream's is replaced by the next wait whenever it is 0 (a wait under a millisecond with -m), and it sets min and max with one compare-and-swap that can lose a race: changed, a fix. Each thread's histogram has one writer, so both are exact; with -s two threads of a process ending waits on one lock at the same instant can still lose one update (plain stores: 5.10 has no compare-and-swap).",
        "[Missed User Stack] is printed in the stack's place, on standard output; upstream prints it on standard error: changed, it belongs to that histogram. -v is bpftk's (libbpf's log and the chosen hooks); upstream's -v also shows each frame's address, offset and file: kept as bpftk's.",
        "--stack-storage-size defaults to 16384 as in bpftk's other stack tools, upstream's to 1024; the last bucket is 2^31 and up, upstream's 2^35: kept, bpftk's shared stack map and histograms. --json is an addition.",
    ],
    hooks: crate::Hooks::Declared { object: "futexctn", points: hooks },
};

/// Summarize futex contention latency as a histogram: how long threads
/// waited in futex(2)'s FUTEX_WAIT, per thread, lock and user stack.
#[derive(Parser, Debug)]
#[command(name = "futexctn", version = libtools::version!(), after_help = EXAMPLES)]
pub struct Args {
    #[command(flatten)]
    pid: PidArg,
    /// Only trace this thread ID
    #[arg(short, long)]
    tid: Option<u32>,
    /// Only trace this lock: the futex word's address, in hex (0x optional)
    #[arg(short, long, value_parser = lock_address)]
    lock: Option<u64>,
    #[command(flatten)]
    timestamp: TimestampArg,
    #[command(flatten)]
    ms: MillisArg,
    /// Summary futex contention latency: per process and lock, without stacks
    #[arg(short, long)]
    summary: bool,
    #[command(flatten)]
    storage: StackStorage,
    #[command(flatten)]
    interval: Interval,
    #[command(flatten)]
    common: Common,
}

/// `-l`: a user address in hex, as upstream reads it (strtol base 16).
fn lock_address(s: &str) -> std::result::Result<u64, String> {
    let hex = s.strip_prefix("0x").or(s.strip_prefix("0X")).unwrap_or(s);
    match u64::from_str_radix(hex, 16) {
        Ok(0) => Err("a lock address cannot be 0".into()),
        Ok(a) => Ok(a),
        Err(_) => Err("not a hexadecimal address (like 0x7f2a1c0010a0)".into()),
    }
}

fn hooks() -> Vec<AttachPoint> {
    libtools::syscall_hooks!("futex entry", "futex exit"; futex; raw)
}

pub fn run(args: Args) -> Result<()> {
    libtools::setup(&args.common)?;
    libtools::check_tid(args.tid)?;

    let spec = Spec::hooks(hooks()).pid(&args.pid)?;
    let tool = lifecycle::start(Builder::default(), spec, |open| {
        let rodata = open.rodata()?;
        rodata.targ_tgid = args.pid.tgid();
        rodata.targ_tid = args.tid.unwrap_or(0);
        rodata.targ_lock = args.lock.unwrap_or(0);
        rodata.targ_ms = args.ms.milliseconds;
        rodata.targ_summary = args.summary;
        args.storage.apply(&mut open.maps.stackmap)
    })?;

    let unit = args.ms.unit();
    let summary = Summary::new(args.common.json, unit, Scale::Log2, args.timestamp.timestamp);
    summary.ready("futex contention");
    let resolver = RefCell::new(StackResolver::new());
    let mut lost = 0u64;
    let wait = |d| match args.summary {
        true => run::sleep(d),
        // Note new processes' memory maps, to name their frames if they exit.
        false => resolver.borrow_mut().trace(d, &tool.maps.hists, |k, v| {
            let (k, v): (futexctn_key, futexctn_hist) = (libtools::decode(k), libtools::decode(v));
            ((k.pid_tgid >> 32) as u32, libtools::c_bytes(&v.hist.comm).to_vec())
        }),
    };
    run::summaries_waiting(&args.interval, wait, || {
        let mut entries: Vec<(futexctn_key, futexctn_hist)> = maps::drain_as(&tool.maps.hists)?;
        // A key the BPF side created but has not counted in yet.
        entries.retain(|(_, h)| h.contended > 0);
        entries.sort_by_key(|(k, _)| (k.pid_tgid, k.uaddr, k.user_stack_id));
        summary.begin();
        let mut resolver = resolver.borrow_mut();
        for (k, h) in &entries {
            // With -s the key holds the process ID alone.
            let (pid, id) = match args.summary {
                true => (k.pid_tgid as u32, k.pid_tgid as u32),
                false => ((k.pid_tgid >> 32) as u32, k.pid_tgid as u32),
            };
            let comm = libtools::c_bytes(&h.hist.comm);
            let avg = h.total_elapsed / h.contended;
            let lock = format!("{:#x}", k.uaddr);
            // libbpf-tools: "\n\n%s[%u] lock 0x%llx contended %llu times, %llu avg %s [max: %llu %s, min %llu %s]\n"
            let mut heading = format!(
                "\n{}[{id}] lock {lock} contended {} times, {avg} avg {unit} [max: {} {unit}, min {} {unit}]",
                output::escaped(comm),
                h.contended,
                h.max,
                h.min
            );
            let missed = !args.summary && stacks::stack_lost(k.user_stack_id);
            lost += u64::from(missed);
            let frames = (!args.summary)
                .then(|| resolver.stack(&tool.maps.stackmap, k.user_stack_id, Some(pid)));
            if let Some(f) = &frames {
                heading.push_str("\n    -\n");
                heading.push_str(&stacks::frames_below(f, "    "));
                heading.push_str("    -");
            }
            let frame_bytes = frames.as_deref().map(stacks::frame_bytes);
            let mut fields = vec![("comm", Value::Bytes(comm)), ("pid", Value::Uint(pid.into()))];
            if !args.summary {
                fields.push(("tid", Value::Uint(id.into())));
            }
            fields.extend([
                ("lock", Value::Str(&lock)),
                ("contended", Value::Uint(h.contended)),
                ("avg", Value::Uint(avg)),
                ("max", Value::Uint(h.max)),
                ("min", Value::Uint(h.min)),
            ]);
            if let Some(f) = &frame_bytes {
                fields.push(("user_stack", if missed { Value::Null } else { Value::Strings(f) }));
            }
            summary.section(Some(&heading), &fields, &h.hist.slots);
        }
        Ok(summary.end())
    })?;
    tool.report_dropped();
    stacks::warn_lost(lost);
    Ok(())
}
