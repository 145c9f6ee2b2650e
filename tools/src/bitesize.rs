//! bitesize: block I/O sizes as histograms, by the issuing task's name.

use clap::Parser;
use libtools::hist::{Scale, Summary, TimestampArg};
use libtools::run::{self, Interval};
use libtools::{bail, disks, lifecycle, maps, AttachPoint, Common, Prog, Result, Spec, Value};

libtools::skel!("bitesize");
use skel::{types::comm_key, types::hist, BitesizeSkelBuilder as Builder};

const EXAMPLES: &str = "EXAMPLES:
    bitesize              # trace block I/O sizes until Ctrl-C
    bitesize 1 10         # print 1 second summaries, 10 times
    bitesize -T 1         # 1s summaries with timestamps
    bitesize -c fio       # trace fio only
    bitesize -d vda       # trace vda only";
pub const DOC: crate::Doc = crate::Doc {
    columns: &[
        ("time", "the wall-clock time, HH:MM:SS, on a line before each summary (-T)"),
        ("Process Name = COMM", "a histogram per name of the task running when the request was issued to the device, which can be a kernel worker rather than the process that asked for the I/O"),
        ("Kbytes", "the request's size as a log2 bucket low -> high in kilobytes (bytes divided by 1024, so requests under 2048 bytes fall in 0 -> 1); --json gives each bucket's low, high and count"),
        ("count", "the number of requests in the bucket"),
        ("distribution", "stars in proportion to the largest bucket's count"),
    ],
    overhead: "Every block I/O request issued to a device runs one program, which adds its size to a \
histogram in a hash map keyed by task name, in the kernel. Nothing is sent per I/O; user space \
reads the histograms at each interval. -c and -d filter in the kernel. The cost per request is \
small next to the I/O itself, but is paid on every request of every disk.",
    see_also: &["biolatency", "biopattern"],
    upstream: &[],
    hooks: crate::Hooks::Declared { object: "bitesize", points: hooks },
};

/// Summarize block device I/O sizes as histograms (Kbytes), by the name of
/// the task that issued them.
#[derive(Parser, Debug)]
#[command(name = "bitesize", version = libtools::version!(), after_help = EXAMPLES)]
pub struct Args {
    #[command(flatten)]
    interval: Interval,
    /// Trace this command name only
    #[arg(short, long)]
    comm: Option<String>,
    #[command(flatten)]
    disk: disks::DiskArg,
    #[command(flatten)]
    timestamp: TimestampArg,
    #[command(flatten)]
    common: Common,
}

fn hooks() -> Vec<AttachPoint> {
    vec![AttachPoint::new("request issue")
        .or([Prog::tp_btf("tp_btf_issue", "block_rq_issue")])
        .or([Prog::raw_tp("raw_issue", "block_rq_issue")])]
}

pub fn run(args: Args) -> Result<()> {
    libtools::setup(&args.common)?;
    let dev = args.disk.dev()?;
    if args.comm.as_ref().is_some_and(|c| c.len() > 15) {
        bail!("command names are at most 15 bytes: {}", args.comm.unwrap());
    }

    let tool = lifecycle::start(Builder::default(), Spec::hooks(hooks()), |open| {
        let rodata = open.rodata()?;
        rodata.targ_dev = dev;
        rodata.block_rq_queue_arg = disks::rq_queue_arg();
        if let Some(c) = &args.comm {
            rodata.filter_comm = true;
            libtools::set_c_bytes(&mut rodata.targ_comm, c.as_bytes());
        }
        Ok(())
    })?;

    let json = args.common.json;
    let summary = Summary::new(json, "Kbytes", Scale::Log2, args.timestamp.timestamp);
    summary.ready("block device I/O");
    run::summaries(&args.interval, || {
        let mut hists: Vec<(comm_key, hist)> = maps::drain_as(&tool.maps.hists)?;
        hists.sort_by_key(|h| h.0.comm);
        summary.begin();
        for (key, h) in &hists {
            let comm = libtools::c_bytes(&key.comm);
            let heading = format!("Process Name = {}", String::from_utf8_lossy(comm));
            summary.section(Some(&heading), &[("comm", Value::Bytes(comm))], &h.slots);
        }
        Ok(summary.end())
    })
}
