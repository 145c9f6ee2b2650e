//! fsdist: one file system's read, write, open, fsync and getattr latency
//! as a histogram per operation; ext4dist, xfsdist, ... are its aliases.

use clap::Parser;
use libtools::args::PidArg;
use libtools::fs::{self, FsArg};
use libtools::hist::{MillisArg, Scale, Summary, TimestampArg};
use libtools::run::{self, Interval};
use libtools::{lifecycle, maps, AttachPoint, Common, Result, Spec, Value};

libtools::skel!("fsdist");
use skel::{types::hist, FsdistSkelBuilder as Builder};

const EXAMPLES: &str = "EXAMPLES:
    fsdist -t ext4             # show ext4 operations latency as a histogram
    fsdist -t nfs -p 1216      # trace nfs operations with PID 1216 only
    fsdist -t xfs 1 10         # trace xfs operations, 1s summaries, 10 times
    fsdist -t btrfs -m 5       # trace btrfs operation, 5s summaries, in ms
    fsdist -t ext4 --json 1    # JSON Lines, a histogram per operation every second";
/// An alias's examples (`libtools::fs::preset`).
pub const ALIAS_EXAMPLES: &str = "EXAMPLES:
    {alias}            # show {fs} operations latency as a histogram
    {alias} -p 1216    # trace PID 1216 only
    {alias} 1 10       # 1s summaries, 10 times
    {alias} -m 5       # 5s summaries, in ms
    {alias} -T 1       # 1s summaries with timestamps";
pub const DOC: crate::Doc = crate::Doc {
    columns: &[
        ("operation = 'OP'", "a histogram of one operation: read, write, open, fsync or getattr (--json key operation)"),
        ("usecs (msecs with -m)", "the log2 range of latencies, from the call to its return"),
        ("count", "calls in that range in the interval"),
        ("distribution", "the counts as bars"),
    ],
    overhead: "Every read, write, open, fsync and getattr of the traced file system (or, by the \
syscall route, every read, write, open, fsync and fstat-like syscall on the system) stores a start \
time in a hash map by thread, and its return adds one to a histogram in the kernel; nothing is sent \
per call and user space reads the histograms once an interval. The syscall route resolves each \
descriptor through the task's file table and compares the file's superblock with the file system's \
magic, so it follows the rate of all file I/O; -v says what it does not see (mmap page faults, \
io_uring, kernel-internal I/O, stat(2) by path). -p filters in the kernel. At most 10240 calls in \
flight are timed at once; calls beyond that are counted as lost and reported at exit.",
    see_also: &["fsslower", "biolatency", "funclatency"],
    upstream: &[],
    hooks: crate::Hooks::Described(crate::fsslower::FS_HOOKS),
};

/// An alias's hooks, those of its file system.
pub fn hooks_for(fs: &str) -> Vec<AttachPoint> {
    fs::op_hooks(fs::by_name(fs).expect("an alias of a known file system"), true)
}

/// Summarize file system operations latency: a histogram of reads,
/// writes, opens, fsyncs and getattrs each, every interval or at Ctrl-C.
#[derive(Parser, Debug)]
#[command(name = "fsdist", version = libtools::version!(), after_help = EXAMPLES)]
pub struct Args {
    #[command(flatten)]
    timestamp: TimestampArg,
    #[command(flatten)]
    ms: MillisArg,
    #[command(flatten)]
    pid: PidArg,
    #[command(flatten)]
    fs: FsArg,
    #[command(flatten)]
    interval: Interval,
    #[command(flatten)]
    common: Common,
}

pub fn run(args: Args) -> Result<()> {
    libtools::setup(&args.common)?;
    let fs = args.fs.fs;
    let spec = Spec::hooks(fs::op_hooks(fs, true)).pid(&args.pid)?;
    let tool = lifecycle::start(Builder::default(), spec, |open| {
        let rodata = open.rodata()?;
        rodata.in_ms = args.ms.milliseconds;
        rodata.fs_magic = fs.magic;
        Ok(())
    })?;
    fs::note_blind_spots(tool.plan(), fs);

    let summary = Summary::new(args.common.json, args.ms.unit(), Scale::Log2, args.timestamp.timestamp);
    summary.ready(&format!("{} operation latency", fs.name));
    run::summaries(&args.interval, || {
        let mut hists: Vec<(u32, hist)> = maps::drain_as(&tool.maps.hists)?;
        hists.sort_by_key(|(op, _)| *op);
        summary.begin();
        for (op, h) in &hists {
            let name = fs::op_name(*op);
            let heading = format!("operation = '{name}'");
            summary.section(Some(&heading), &[("operation", Value::Str(name))], &h.slots);
        }
        Ok(summary.end())
    })?;
    tool.report_dropped();
    Ok(())
}
