//! biolatency: block I/O latency as log2 histograms, overall, per disk or
//! per request flags.

use clap::Parser;
use libtools::hist::{MillisArg, Scale, Summary, TimestampArg};
use libtools::run::{self, Interval};
use libtools::{disks, lifecycle, maps, metrics, AttachPoint, CgroupArg, Common, Prog, Result, Spec, Value};

libtools::skel!("biolatency");
use skel::{types::hist_ext, types::hist_key, BiolatencySkelBuilder as Builder};

const EXAMPLES: &str = "EXAMPLES:
    biolatency              # summarize block I/O latency as a histogram
    biolatency 1 10         # print 1 second summaries, 10 times
    biolatency -mT 1        # 1s summaries, milliseconds, and timestamps
    biolatency -Q           # include OS queued time in I/O time
    biolatency -D           # show each disk device separately
    biolatency -F           # show I/O flags separately
    biolatency -d vda       # trace vda only
    biolatency -e           # add the average and total per histogram
    biolatency -c CG        # trace processes in cgroup (v2) CG only";
pub const DOC: crate::Doc = crate::Doc {
    columns: &[
        ("time", "the wall-clock time, HH:MM:SS, on a line before each summary (-T)"),
        ("usecs", "the time from the request's issue to the device (-Q: its insertion into the OS queue) to its completion, as a log2 bucket low -> high in microseconds (msecs with -m); --json gives each bucket's low, high and count"),
        ("count", "the number of requests in the bucket"),
        ("distribution", "stars in proportion to the largest bucket's count"),
        ("disk = NAME", "a histogram per disk, named from /proc/partitions, else MAJOR:MINOR (-D)"),
        ("flags = FLAGS", "a histogram per set of request flags and operation, as Sync-Write or ReadAhead-Read (-F)"),
        ("Average, Total, Count", "a line after each histogram: the mean latency, the sum of the latencies (each in whole units) and the number of requests (-e)"),
    ],
    overhead: "Each block I/O request runs one program when it is issued to the device (with -Q also \
one when it is inserted into the OS queue), which stores a timestamp in a hash map by request, and \
one at completion, which adds the latency to a histogram in the kernel. Nothing is sent per I/O; \
user space reads the histograms at each interval (with --metrics at each scrape, never clearing them). The cost per request is small next to the I/O \
itself, but is paid on every request of every disk, so it becomes measurable on devices doing \
very many I/Os a second. -d and -c filter in the kernel when a request starts. At most 10240 \
requests are timed at once: requests beyond that are not counted.",
    see_also: &["biopattern", "bitesize", "funclatency"],
    upstream: &[
        "-d DISK's long name is --disk-name: libbpf-tools gives both -D and -d the long name --disk, and getopt takes the first, so its --disk is -D (as here) and its -d has no working long name.",
    ],
    hooks: crate::Hooks::Declared { object: "biolatency", points: hooks },
};

/// Summarize block device I/O latency as a histogram: from issue to the
/// device (or with -Q from insertion into the OS queue) to completion.
#[derive(Parser, Debug)]
#[command(name = "biolatency", version = libtools::version!(), after_help = EXAMPLES)]
pub struct Args {
    #[command(flatten)]
    interval: Interval,
    #[command(flatten)]
    timestamp: TimestampArg,
    /// Include OS queued time in I/O time
    #[arg(short = 'Q', long)]
    queued: bool,
    #[command(flatten)]
    ms: MillisArg,
    /// Print a histogram per disk device
    #[arg(short = 'D', long)]
    disk: bool,
    /// Print a histogram per set of I/O flags
    #[arg(short = 'F', long)]
    flag: bool,
    /// Trace this disk only
    #[arg(short = 'd', long = "disk-name", value_name = "DISK")]
    disk_name: Option<String>,
    /// Extended output: the average and total per histogram
    #[arg(short, long)]
    extension: bool,
    #[command(flatten)]
    cgroup: CgroupArg,
    #[command(flatten)]
    metrics: metrics::MetricsArg,
    #[command(flatten)]
    common: Common,
}

fn hooks() -> Vec<AttachPoint> {
    vec![
        AttachPoint::new("request start")
            .or([
                Prog::tp_btf("tp_btf_insert", "block_rq_insert"),
                Prog::tp_btf("tp_btf_issue", "block_rq_issue"),
            ])
            .or([
                Prog::raw_tp("raw_insert", "block_rq_insert"),
                Prog::raw_tp("raw_issue", "block_rq_issue"),
            ]),
        AttachPoint::new("request completion")
            .or([Prog::tp_btf("tp_btf_complete", "block_rq_complete")])
            .or([Prog::raw_tp("raw_complete", "block_rq_complete")]),
    ]
}

pub fn run(args: Args) -> Result<()> {
    libtools::setup(&args.common)?;
    let dev = args.disk_name.as_deref().map(disks::lookup).transpose()?;

    let spec = Spec::hooks(hooks()).cgroup(&args.cgroup)?;
    let tool = lifecycle::start(Builder::default(), spec, |open| {
        let rodata = open.rodata()?;
        rodata.targ_per_disk = args.disk;
        rodata.targ_per_flag = args.flag;
        rodata.targ_queued = args.queued;
        rodata.targ_ms = args.ms.milliseconds;
        rodata.targ_dev = dev.unwrap_or(0);
        rodata.block_rq_queue_arg = disks::rq_queue_arg();
        Ok(())
    })?;

    let flags = disks::ReqFlags::load();
    if args.metrics.addr.is_some() {
        return serve(&args, &tool.maps.hists, &flags, || tool.dropped());
    }
    let unit = args.ms.unit();
    let summary = Summary::new(args.common.json, unit, Scale::Log2, args.timestamp.timestamp);
    summary.ready("block device I/O");
    run::summaries(&args.interval, || {
        let parts = disks::partitions();
        let mut hists: Vec<(hist_key, hist_ext)> = maps::drain_as(&tool.maps.hists)?;
        hists.sort_by_key(|(k, _)| (k.dev, k.cmd_flags));
        summary.begin();
        for (key, h) in &hists {
            let disk = disks::name(&parts, key.dev);
            let flag = flags.describe(key.cmd_flags);
            let mut heading = Vec::new();
            let mut fields = Vec::new();
            if args.disk {
                heading.push(format!("disk = {disk}"));
                fields.push(("disk", Value::Str(&disk)));
            }
            if args.flag {
                heading.push(format!("flags = {flag}"));
                fields.push(("flags", Value::Str(&flag)));
            }
            let heading = (!heading.is_empty()).then(|| heading.join("\t"));
            summary.section(heading.as_deref(), &fields, &h.hist.slots);
            if args.extension {
                let count: u64 = h.hist.slots.iter().sum();
                let avg = h.total as f64 / count.max(1) as f64;
                let line = format!(
                    "\nAverage: {avg:.2} {unit}, Total: {} {unit}, Count: {count}\n",
                    h.total
                );
                summary.record(
                    &line,
                    &[
                        ("avg", Value::Fixed(avg, 2)),
                        ("total", Value::Uint(h.total)),
                        ("count", Value::Uint(count)),
                    ],
                );
            }
        }
        Ok(summary.end())
    })
}

/// --metrics: the running histograms (never cleared), by disk with -D and
/// by flags with -F, in seconds.
fn serve(
    args: &Args,
    hists: &dyn libbpf_rs::MapCore,
    flags: &disks::ReqFlags,
    lost: impl Fn() -> u64,
) -> Result<()> {
    let per_second = if args.ms.milliseconds { 1e3 } else { 1e6 };
    metrics::serve(
        &args.metrics,
        |m| {
            let parts = disks::partitions();
            for (key, h) in maps::read_as::<hist_key, hist_ext>(hists)? {
                let disk = disks::name(&parts, key.dev);
                let flag = flags.describe(key.cmd_flags);
                let mut labels: Vec<(&str, &[u8])> = Vec::new();
                if args.disk {
                    labels.push(("disk", disk.as_bytes()));
                }
                if args.flag {
                    labels.push(("flags", flag.as_bytes()));
                }
                let help = "Block I/O latency, issue (-Q: queueing) to completion";
                m.log2_histogram("bpftk_block_io_latency_seconds", help, &labels, &h.hist.slots, per_second, h.total);
            }
            Ok(())
        },
        lost,
    )
}
