//! wakeuptime: time threads spend blocked, summed by the kernel stack of
//! the task that woke them.

use std::mem::MaybeUninit;
use std::time::Duration;

use clap::Parser;
use libbpf_rs::skel::{Skel, SkelBuilder};
use libtools::output::{json_field, json_string, Value};
use libtools::stacks::{self, StackResolver, StackStorage};
use libtools::{bail, bpf, maps, run, AttachPoint, Common, HookPlan, Prog, Result};

mod skel {
    libtools::skel!("wakeuptime");
}
use skel::{types::key_t, WakeuptimeSkelBuilder};

unsafe impl plain::Plain for key_t {}

const EXAMPLES: &str = "EXAMPLES:
    wakeuptime             # trace blocked time with waker stacks until Ctrl-C
    wakeuptime 5           # trace for 5 seconds only
    wakeuptime -f 5        # 5 seconds, in folded format
    wakeuptime -u          # don't include kernel threads (user only)
    wakeuptime -p 185      # trace threads of PID 185 only
    wakeuptime -m 1000     # only blocks of more than 1000 usec
    wakeuptime -f 5 | flamegraph --colors wakeup --countname us > wakeup.svg";
pub const DOC: crate::Doc = crate::Doc {
    columns: &[
        ("TARGET", "the name of the threads that were blocked, on a target: line over the stack"),
        ("WAKER_STACK", "the kernel stack of the wakeup, innermost first, one function per line; [Missed Kernel Stack] when lost"),
        ("WAKER", "the name of the task that woke them, on a waker: line; for a wakeup from an interrupt or a timer, whatever task it interrupted"),
        ("US", "the total microseconds those threads were blocked, switched out until woken, over the blocks between -m and -M; entries are printed smallest first"),
        ("folded", "one line per entry instead (-f): WAKER;stack outermost first;TARGET US, for flamegraph"),
    ],
    overhead: "The switch program runs at every context switch on the system and stores a \
timestamp for the thread switched out (-p and -u filter it in the kernel); the wakeup program runs \
at every wakeup and, for a thread with a timestamp, walks the waker's kernel stack and adds the \
blocked time to a hash map. Both fire very often on a busy system. Nothing is sent per event: user \
space reads the map once, at the end. The timestamp map holds 10240 threads and the count map \
16384 entries; blocks beyond them are not counted. Stacks that do not fit the stack map \
(--stack-storage-size) show as [Missed Kernel Stack] and are counted in a warning at exit.",
    see_also: &["offcputime", "runqslower", "stackcount"],
};

/// Summarize blocked time by the kernel stack of the waker: who woke the
/// blocked threads, from where, and how long they had waited (microseconds).
///
/// Hooks: the sched_switch and sched_wakeup tracepoints, as tp_btf where BTF
/// allows, else as raw tracepoints.
#[derive(Parser, Debug)]
#[command(name = "wakeuptime", version = libtools::version!(), after_help = EXAMPLES)]
pub struct Args {
    /// Trace threads of this process only (the blocked ones)
    #[arg(short, long)]
    pid: Option<u32>,
    /// User threads only (no kernel threads)
    #[arg(short = 'u', long = "useronly")]
    user_threads_only: bool,
    /// Only blocks longer than this, in microseconds
    #[arg(short = 'm', long = "min-block-time", default_value_t = 1)]
    min_block_time: u64,
    /// Only blocks shorter than this, in microseconds
    #[arg(short = 'M', long = "max-block-time", default_value_t = u64::MAX)]
    max_block_time: u64,
    /// Output folded format (waker;stack root to leaf;target count)
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

fn hooks() -> Vec<AttachPoint> {
    vec![
        AttachPoint::new("switch")
            .or([Prog::tp_btf("tp_btf_switch", "sched_switch")])
            .or([Prog::raw_tp("raw_switch", "sched_switch")]),
        AttachPoint::new("wakeup")
            .or([Prog::tp_btf("tp_btf_wakeup", "sched_wakeup")])
            .or([Prog::raw_tp("raw_wakeup", "sched_wakeup")]),
    ]
}

pub fn main() -> ! {
    libtools::main("wakeuptime", run)
}

fn run(args: Args) -> Result<()> {
    libtools::setup(&args.common)?;
    libtools::check_pid(args.pid)?;
    if args.min_block_time > args.max_block_time {
        bail!(
            "min block time {} us is over max block time {} us",
            args.min_block_time,
            args.max_block_time
        );
    }

    let mut storage = MaybeUninit::uninit();
    let mut open = WakeuptimeSkelBuilder::default().open(&mut storage)?;
    let rodata = open
        .maps
        .rodata_data
        .as_deref_mut()
        .expect("wakeuptime has rodata");
    rodata.targ_tgid = args.pid.unwrap_or(0);
    rodata.user_threads_only = args.user_threads_only;
    rodata.min_block_us = args.min_block_time;
    rodata.max_block_us = args.max_block_time;
    args.storage.apply(&mut open.maps.stackmap)?;

    let plan = HookPlan::select(&hooks())?;
    let skel = bpf::load(open, &plan)?;
    let links = plan.attach(skel.object())?;

    let target = match args.pid {
        Some(p) => format!("PID {p}"),
        None if args.user_threads_only => "user threads".into(),
        None => "all threads".into(),
    };
    let header = match args.duration {
        Some(d) => format!("Tracing blocked time (us) by kernel stack of the waker, of {target}, for {d} secs."),
        None => format!("Tracing blocked time (us) by kernel stack of the waker, of {target}... Hit Ctrl-C to end."),
    };
    if args.folded || args.common.json {
        eprintln!("{header}");
    } else {
        println!("{header}");
    }
    run::sleep_for(args.duration.map(Duration::from_secs));
    // Detach before the final read: the scheduler hooks would otherwise
    // keep changing the map under the batch read, which on 5.10 has spun
    // in the kernel (soft lockups found by scripts/test-kernels).
    drop(links);

    let mut counted: Vec<(key_t, u64)> = maps::drain(&skel.maps.counts)?
        .iter()
        .map(|(k, v)| (libtools::decode(k), libtools::decode(v)))
        .collect();
    counted.sort_by_key(|(k, us)| (*us, k.w_k_stack_id));
    let mut resolver = StackResolver::new();
    let mut lost = 0u64;
    let mut out = String::new();
    for (key, us) in &counted {
        let waker = String::from_utf8_lossy(libtools::c_bytes(&key.waker)).into_owned();
        let target = String::from_utf8_lossy(libtools::c_bytes(&key.target)).into_owned();
        let frames = if stacks::stack_lost(key.w_k_stack_id) {
            lost += 1;
            vec![stacks::MISSED_KERNEL.to_string()]
        } else {
            let addrs =
                stacks::stack_addrs(&skel.maps.stackmap, key.w_k_stack_id).unwrap_or_default();
            resolver.kernel(&addrs)
        };
        if args.common.json {
            let mut buf = Vec::with_capacity(256);
            buf.push(b'{');
            json_field(&mut buf, "waker", &Value::Str(&waker));
            buf.push(b',');
            json_field(&mut buf, "target", &Value::Str(&target));
            buf.push(b',');
            json_field(&mut buf, "us", &Value::Uint(*us));
            buf.extend_from_slice(b",\"waker_stack\":[");
            for (i, f) in frames.iter().enumerate() {
                if i > 0 {
                    buf.push(b',');
                }
                json_string(&mut buf, f.as_bytes());
            }
            buf.extend_from_slice(b"]}\n");
            out.push_str(&String::from_utf8_lossy(&buf));
        } else if args.folded {
            let mut line = vec![waker.as_str()];
            line.extend(frames.iter().rev().map(String::as_str));
            line.push(&target);
            out.push_str(&format!("{} {us}\n", line.join(";")));
        } else {
            out.push_str(&format!("\n    {:<16} {target}\n", "target:"));
            for f in &frames {
                out.push_str(&format!("    {f}\n"));
            }
            out.push_str(&format!("    {:<16} {waker}\n        {us}\n", "waker:"));
        }
    }
    libtools::output::print_or_quit(&out);
    if lost > 0 {
        eprintln!("WARNING: {lost} stack traces could not be displayed. Consider increasing --stack-storage-size.");
    }
    Ok(())
}
