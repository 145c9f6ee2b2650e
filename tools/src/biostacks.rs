//! biostacks: block I/O latency by the kernel stack that started it, as a
//! log2 histogram per process, disk and stack.

use clap::Parser;
use libtools::hist::{self, Scale};
use libtools::output::Format;
use libtools::stacks::{self, FormatArgs, Frames, LabelValue, Measure, PprofSample};
use libtools::stacks::{StackResolver, StackStorage};
use libtools::{disks, lifecycle, maps, run, Common, Output, Result, Spec, Value};

libtools::skel!("biostacks");
use skel::{types::hist as Hist, types::stack_key, BiostacksSkelBuilder};

const EXAMPLES: &str = "EXAMPLES:
    biostacks              # trace block I/O with init stacks
    biostacks 1            # trace for 1 seconds only
    biostacks -d sdc       # trace sdc only
    biostacks --json 5     # JSON Lines, one object per stack
    biostacks --format pprof -o bio.pb.gz 5  # a pprof profile of the I/O stacks";
pub const DOC: crate::Doc = crate::Doc {
    columns: &[
        ("COMM PID DISK", "a heading per histogram: the thread name (cut to 14 characters in the table), process ID and disk of the requests that started with this stack"),
        ("STACK", "the kernel stack where the request started (block_io_start, else where it entered the OS queue, else where it was issued), innermost first, one function a line; [Missed Kernel Stack] when the stack map was full"),
        ("usecs", "issue-to-completion latency as a log2 bucket low -> high (msecs with -m); --json gives each bucket's low, high and count"),
        ("count", "the number of requests in the bucket"),
        ("distribution", "stars in proportion to the largest bucket's count"),
        ("--format pprof", "a gzip-compressed pprof profile instead (-o FILE, else standard output): per process, disk and stack, requests/count, the requests completed (latencies are kept as log2 buckets only, so no total time); the process ID, thread name and disk as labels pid, comm and disk; the frames in the mapping [kernel.kallsyms]"),
    ],
    overhead: "Three programs run for every block I/O request on the system: where it starts (which \
also walks the kernel stack into a stack map) and at its issue they update a hash map entry for the \
request, and at its completion they add its latency to a histogram by process, disk and stack, in \
the kernel. Nothing is sent per I/O; user space reads the histograms at the end. -d filters in the \
kernel. The maps hold 10240 requests in flight and 10240 histograms; I/O beyond that is counted as \
lost, and stacks that do not fit the stack map (--stack-storage-size) show as missed.",
    see_also: &["biosnoop", "biolatency", "stackcount"],
    upstream: &[],
    hooks: crate::Hooks::Declared { object: "biostacks", points: disks::stage_hooks },
};

/// Trace block I/O with init stacks: the latency of requests as a log2
/// histogram per process, disk and the kernel stack that started them,
/// printed at the end.
#[derive(Parser, Debug)]
#[command(name = "biostacks", version = libtools::version!(), after_help = EXAMPLES)]
pub struct Args {
    /// Trace this disk only
    #[arg(short, long)]
    disk: Option<String>,
    /// Millisecond histogram
    #[arg(short, long)]
    milliseconds: bool,
    /// Trace for this many seconds (default: until Ctrl-C)
    #[arg(value_parser = clap::value_parser!(u64).range(1..))]
    duration: Option<u64>,
    #[command(flatten)]
    storage: StackStorage,
    #[command(flatten)]
    format: FormatArgs,
    #[command(flatten)]
    common: Common,
}

pub fn run(args: Args) -> Result<()> {
    libtools::setup(&args.common)?;
    let dev = args.disk.as_deref().map(disks::lookup).transpose()?;
    let mut pprof = args.format.pprof(Measure::total("requests", "count"))?;
    let tool = lifecycle::start(BiostacksSkelBuilder::default(), Spec::hooks(disks::stage_hooks()), |open| {
        let rodata = open.rodata()?;
        rodata.targ_dev = dev.unwrap_or(0);
        rodata.targ_ms = args.milliseconds;
        rodata.block_rq_queue_arg = disks::rq_queue_arg();
        args.storage.apply(&mut open.maps.stackmap)
    })?;

    let out = Output::stdout(args.common.json, Vec::new());
    let ready = "Tracing block I/O with init stacks. Hit Ctrl-C to end.";
    match &mut pprof {
        // stdout may be the profile: the ready line goes to stderr.
        Some(p) => {
            eprintln!("{ready}");
            p.begin(ready);
        }
        None => out.note(&format!("{ready}\n")),
    }
    run::sleep_for(args.duration.map(std::time::Duration::from_secs));
    if let Some(p) = &mut pprof {
        p.end();
    }

    let mut entries: Vec<(stack_key, Hist)> = maps::read_as(&tool.maps.hists)?;
    entries.sort_by_key(|(k, _)| (k.pid, k.dev, k.kern_stack_id, k.comm));
    let mut disks = disks::Names::load();
    let mut resolver = StackResolver::new();
    let unit = hist::us_or_ms(args.milliseconds);
    for (k, h) in &entries {
        let addrs = stacks::stack_addrs(&tool.maps.stackmap, k.kern_stack_id);
        let frames = match &addrs {
            Some(addrs) => resolver.kernel(addrs),
            None => vec![stacks::MISSED_KERNEL.to_string()],
        };
        let comm = libtools::c_bytes(&k.comm);
        let disk = disks.name(k.dev);
        if let Some(p) = &mut pprof {
            let named = addrs.as_ref().map(|_| &frames[..]);
            let labels = vec![
                ("pid", LabelValue::Num(k.pid.into())),
                ("comm", LabelValue::Bytes(comm)),
                ("disk", LabelValue::Bytes(disk.as_bytes())),
            ];
            let s = PprofSample {
                kernel: Some(Frames::of(addrs.as_deref(), named)),
                user: None,
                count: h.slots.iter().sum(),
                labels,
            };
            p.add(&resolver, &s);
            continue;
        }
        if out.format() == Format::Json {
            let frames: Vec<&[u8]> = frames.iter().map(|f| f.as_bytes()).collect();
            let key = [
                ("pid", Value::Uint(k.pid.into())),
                ("comm", Value::Bytes(comm)),
                ("disk", Value::Str(&disk)),
                ("stack", Value::Strings(&frames)),
            ];
            let mut buf = Vec::with_capacity(1024);
            hist::json(&mut buf, None, &key, &h.slots, Scale::Log2, unit);
            out.text(std::str::from_utf8(&buf).expect("JSON is UTF-8"));
            continue;
        }
        let heading = libtools::output::escaped(&comm[..comm.len().min(14)]);
        let mut s = format!("{heading:<14} {:<6} {disk:<7}\n", k.pid);
        for f in &frames {
            s.push_str(f);
            s.push('\n');
        }
        hist::table(&mut s, &h.slots, Scale::Log2, unit);
        s.push('\n');
        out.text(&s);
    }
    match &mut pprof {
        Some(p) => p.write(),
        None => out.flush(),
    }
    tool.report_dropped();
    let missed = entries.iter().filter(|(k, _)| stacks::stack_lost(k.kern_stack_id)).count();
    if missed > 0 {
        eprintln!(
            "biostacks: {missed} histograms have a missed stack: the stack map was full (--stack-storage-size {})",
            args.storage.stack_storage_size
        );
    }
    Ok(())
}
