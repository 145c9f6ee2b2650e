//! profile: sample stack traces on every CPU at a frequency and report
//! them by count, as bcc's multi-line form, folded lines or JSON.

use std::collections::HashSet;
use std::mem::MaybeUninit;
use std::time::Duration;

use clap::Parser;
use libbpf_rs::skel::SkelBuilder;
use libbpf_rs::{MapCore, MapFlags};
use libtools::stacks::{self, Sample, StackParts, StackResolver};
use libtools::{bail, bpf, maps, perf, run, Common, HookPlan, Result};

mod skel {
    libtools::skel!("profile");
}
use skel::{types::key_t, ProfileSkelBuilder};

unsafe impl plain::Plain for key_t {}

const EXAMPLES: &str = "EXAMPLES:
    profile             # profile stack traces at 49 Hertz until Ctrl-C
    profile -F 99       # profile stack traces at 99 Hertz
    profile 5           # profile at 49 Hertz for 5 seconds only
    profile -f 5        # output in folded format for flame graphs
    profile -af 30 | flamegraph > cpu.svg  # a flame graph, kernel frames coloured
    profile -p 185      # only profile process with PID 185
    profile -L 185      # only profile thread with TID 185
    profile -U          # only show user space stacks (no kernel)
    profile -K          # only show kernel space stacks (no user)
    profile -C 0        # only profile CPU 0";

/// Profile CPU usage by sampling stack traces at a timed interval.
///
/// Hooks: a software CPU-clock perf event per online CPU (no hardware
/// counters needed). Kernel frames are named from kallsyms, user frames from
/// the process's files (ELF symbols, DWARF where present, demangled); a
/// frame that cannot be named shows its module and offset.
#[derive(Parser, Debug)]
#[command(name = "profile", version = libtools::version!(), after_help = EXAMPLES)]
pub struct Args {
    /// Profile these processes only (comma-separated PIDs)
    #[arg(short, long, value_delimiter = ',', conflicts_with = "tid")]
    pid: Vec<u32>,
    /// Profile these threads only (comma-separated TIDs)
    #[arg(short = 'L', long, value_delimiter = ',')]
    tid: Vec<u32>,
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
    /// Sample frequency in Hertz
    #[arg(short = 'F', long, default_value_t = 49, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    frequency: u64,
    /// Insert a delimiter between kernel and user stacks
    #[arg(short, long)]
    delimited: bool,
    /// Add _[k] annotations to kernel frames (flame graphs colour them apart)
    #[arg(short, long)]
    annotations: bool,
    /// Include CPU idle stacks
    #[arg(short = 'I', long = "include-idle")]
    include_idle: bool,
    /// Output folded format, one line per stack (for flame graphs)
    #[arg(short, long)]
    folded: bool,
    /// The number of unique stack traces that can be stored and displayed
    #[arg(long, default_value_t = 16384, value_parser = clap::value_parser!(u32).range(1..=1 << 20))]
    stack_storage_size: u32,
    /// The limit for both kernel and user stack traces
    #[arg(long, default_value_t = 127, value_parser = clap::value_parser!(u32).range(1..=127))]
    perf_max_stack_depth: u32,
    /// CPU number to run profile on
    #[arg(short = 'C', long)]
    cpu: Option<u32>,
    /// Duration of the trace, in seconds (default: until Ctrl-C)
    #[arg(value_parser = clap::value_parser!(u64).range(1..))]
    duration: Option<u64>,
    #[command(flatten)]
    common: Common,
}

pub fn main() -> ! {
    libtools::main("profile", run)
}

fn run(args: Args) -> Result<()> {
    libtools::setup(&args.common)?;
    for &p in args.pid.iter().chain(&args.tid) {
        libtools::check_pid(Some(p))?;
    }
    if args.pid.len() > 1024 || args.tid.len() > 1024 {
        bail!("at most 1024 PIDs or TIDs");
    }

    let mut storage = MaybeUninit::uninit();
    let mut open = ProfileSkelBuilder::default().open(&mut storage)?;
    let rodata = open
        .maps
        .rodata_data
        .as_deref_mut()
        .expect("profile has rodata");
    rodata.user_stacks_only = args.user_stacks_only;
    rodata.kernel_stacks_only = args.kernel_stacks_only;
    rodata.include_idle = args.include_idle;
    rodata.filter_by_pid = !args.pid.is_empty();
    rodata.filter_by_tid = !args.tid.is_empty();
    open.maps
        .stackmap
        .set_value_size(args.perf_max_stack_depth * 8)?;
    open.maps
        .stackmap
        .set_max_entries(args.stack_storage_size)?;
    open.maps.counts.set_max_entries(args.stack_storage_size)?;

    let plan = HookPlan::select(&[])?;
    let skel = bpf::load(open, &plan)?;
    for (map, ids) in [(&skel.maps.pids, &args.pid), (&skel.maps.tids, &args.tid)] {
        for id in ids {
            map.update(&id.to_ne_bytes(), &[1], MapFlags::ANY)?;
        }
    }
    let _links = perf::attach_sampling(&skel.progs.do_sample, args.frequency, args.cpu)?;

    let header = header(&args);
    if args.folded || args.common.json {
        eprintln!("{header}");
    } else {
        println!("{header}");
    }

    // Sample; five times a second, remember the memory map of each new
    // process, so that those that exit before the report still get named
    // frames. A batched read of the counts costs a few system calls.
    let mut resolver = StackResolver::new();
    let mut seen = HashSet::new();
    let deadline = run::Deadline::after(args.duration.map(Duration::from_secs));
    while !run::stopping() && !deadline.passed() {
        run::sleep(Some(deadline.remaining(Duration::from_millis(200))));
        if let Ok(entries) = skel
            .maps
            .counts
            .lookup_batch(1024, MapFlags::ANY, MapFlags::ANY)
        {
            for (k, _) in entries {
                let key: key_t = libtools::decode(&k);
                if seen.insert(key.pid) {
                    resolver.remember(key.pid);
                }
            }
        }
    }

    let parts = StackParts {
        user: !args.kernel_stacks_only,
        kernel: !args.user_stacks_only,
        delimiter: args.delimited,
        annotate: args.annotations,
    };
    let mut samples: Vec<(key_t, u64)> = maps::drain(&skel.maps.counts)?
        .iter()
        .map(|(k, v)| (libtools::decode(k), libtools::decode(v)))
        .collect();
    samples.sort_by_key(|(k, count)| (*count, k.pid));

    let started = std::time::Instant::now();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut missing = 0u64;
    for (key, count) in &samples {
        let kernel = frames(
            &skel.maps.stackmap,
            key.kern_stack_id,
            parts.kernel,
            &mut missing,
        )
        .map(|a| resolver.kernel(&a));
        let user = frames(
            &skel.maps.stackmap,
            key.user_stack_id,
            parts.user,
            &mut missing,
        )
        .map(|a| resolver.user(key.pid, &a));
        let s = Sample {
            pid: key.pid,
            comm: libtools::c_bytes(&key.comm),
            count: *count,
            user: user.as_deref(),
            kernel: kernel.as_deref(),
        };
        let text = if args.common.json {
            parts.json(&s)
        } else if args.folded {
            parts.folded(&s) + "\n"
        } else {
            parts.multiline(&s)
        };
        if std::io::Write::write_all(&mut out, text.as_bytes()).is_err() {
            break; // the reader went away
        }
    }
    let _ = std::io::Write::flush(&mut out);
    libtools::verbose!(
        "{} stacks symbolized and printed in {} ms",
        samples.len(),
        started.elapsed().as_millis()
    );

    if missing > 0 {
        eprintln!(
            "WARNING: {missing} stack traces could not be displayed. Consider increasing --stack-storage-size."
        );
    }
    let lost: u64 = skel
        .maps
        .lost_samples
        .lookup_percpu(&0u32.to_ne_bytes(), MapFlags::ANY)?
        .unwrap_or_default()
        .iter()
        .map(|b| libtools::decode::<u64>(b))
        .sum();
    if lost > 0 {
        eprintln!(
            "WARNING: {lost} samples lost: more distinct stacks than --stack-storage-size {}.",
            args.stack_storage_size
        );
    }
    Ok(())
}

/// The addresses of one stack, or None where it was lost (counted).
/// A user stack id of -EFAULT (a kernel thread has none) is an empty stack.
fn frames(map: &dyn MapCore, id: i32, wanted: bool, missing: &mut u64) -> Option<Vec<u64>> {
    if !wanted {
        return Some(Vec::new());
    }
    if stacks::stack_lost(id) {
        *missing += 1;
        return None;
    }
    Some(stacks::stack_addrs(map, id).unwrap_or_default())
}

/// bcc's header: `Sampling at 49 Hertz of all threads by user + kernel
/// stack... Hit Ctrl-C to end.`
fn header(args: &Args) -> String {
    let list = |ids: &[u32]| ids.iter().map(u32::to_string).collect::<Vec<_>>().join(",");
    let threads = if !args.pid.is_empty() {
        format!("PID {}", list(&args.pid))
    } else if !args.tid.is_empty() {
        format!("TID {}", list(&args.tid))
    } else {
        "all threads".into()
    };
    let stack = if args.user_stacks_only {
        "user"
    } else if args.kernel_stacks_only {
        "kernel"
    } else {
        "user + kernel"
    };
    let mut h = format!(
        "Sampling at {} Hertz of {threads} by {stack} stack",
        args.frequency
    );
    if let Some(c) = args.cpu {
        h.push_str(&format!(" on CPU#{c}"));
    }
    match args.duration {
        Some(d) => h.push_str(&format!(" for {d} secs.")),
        None => h.push_str("... Hit Ctrl-C to end."),
    }
    h
}
