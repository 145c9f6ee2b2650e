//! biopattern: random and sequential block I/O per disk.

use std::collections::HashMap;

use clap::Parser;
use libtools::run::{self, Interval};
use libtools::{disks, lifecycle, maps, AttachPoint, Column, Columns, Common, Prog, Result};
use libtools::{Spec, Value};

libtools::skel!("biopattern");
use skel::{types::counter, BiopatternSkelBuilder as Builder};

const EXAMPLES: &str = "EXAMPLES:
    biopattern              # show block I/O pattern
    biopattern 1 10         # print 1 second summaries, 10 times
    biopattern -T 1         # 1s summaries with timestamps
    biopattern -d vda       # trace vda only";
pub const DOC: crate::Doc = crate::Doc {
    columns: &[
        ("TIME", "the wall-clock time of the summary, HH:MM:SS (-T)"),
        ("DISK", "the disk, named from /proc/partitions, else MAJOR:MINOR"),
        ("%RND", "the share of requests that did not start where the disk's previous completed request ended, in whole percent rounded down; --json key rnd_pct"),
        ("%SEQ", "the share of requests that started where the previous one ended, in whole percent rounded down (with %RND it may add up to 99); --json key seq_pct"),
        ("COUNT", "the number of requests judged in the interval, each against the disk's previous request, also across intervals; the disk's first request since the tool started only sets where the next should start"),
        ("KBYTES", "the bytes those requests transferred, divided by 1024"),
    ],
    overhead: "Every completed block I/O request runs one program, which updates the disk's counters \
in a hash map in the kernel; nothing is sent per I/O, and user space reads the counters at each \
interval. The cost per request is small next to the I/O itself but is paid on every request of \
every disk; -d filters in the kernel. Requests are judged in the order they complete, so several \
streams on one disk can make sequential I/O look random.",
    see_also: &["biolatency", "bitesize"],
    upstream: &[],
    hooks: crate::Hooks::Declared { object: "biopattern", points: hooks },
};

/// Show block device I/O pattern: the share of random and sequential
/// requests per disk (a request is sequential when it starts where the
/// disk's previous one ended), their count and size.
#[derive(Parser, Debug)]
#[command(name = "biopattern", version = libtools::version!(), after_help = EXAMPLES)]
pub struct Args {
    #[command(flatten)]
    interval: Interval,
    /// Include a timestamp column
    #[arg(short = 'T', long)]
    timestamp: bool,
    #[command(flatten)]
    disk: disks::DiskArg,
    #[command(flatten)]
    common: Common,
}

fn hooks() -> Vec<AttachPoint> {
    vec![AttachPoint::new("request completion")
        .or([Prog::tp_btf("tp_btf_complete", "block_rq_complete")])
        .or([Prog::raw_tp("raw_complete", "block_rq_complete")])]
}

pub fn run(args: Args) -> Result<()> {
    libtools::setup(&args.common)?;
    let dev = args.disk.dev()?;

    let tool = lifecycle::start(Builder::default(), Spec::hooks(hooks()), |open| {
        open.rodata()?.targ_dev = dev;
        Ok(())
    })?;

    let json = args.common.json;
    let out = Columns::new()
        .when(args.timestamp, [Column::left("TIME", 9)])
        .always([
            Column::left("DISK", 7),
            Column::right("%RND", 5).key("rnd_pct"),
            Column::right("%SEQ", 5).key("seq_pct"),
            Column::right("COUNT", 8),
            Column::right("KBYTES", 10),
        ])
        .stdout(json);
    if !json {
        out.text("Tracing block device I/O requested seeks... Hit Ctrl-C to end.\n");
    }
    out.ready("block device I/O requested seeks");

    // The BPF side keeps its counters running (so that the first request
    // of an interval is still compared with the last of the one before);
    // each interval shows what they grew by since the last.
    let mut before: HashMap<u32, counter> = HashMap::new();
    run::summaries(&args.interval, || {
        let parts = disks::partitions();
        let mut counters: Vec<(u32, counter)> = Vec::new();
        for (dev, now) in maps::read_as::<u32, counter>(&tool.maps.counters)? {
            counters.push((dev, since(&now, before.get(&dev))));
            before.insert(dev, now);
        }
        counters.sort_by_key(|c| c.0);
        let now = libtools::output::now();
        for (dev, c) in &counters {
            let total = u64::from(c.sequential) + u64::from(c.random);
            if total == 0 {
                continue;
            }
            out.row(&[
                Value::Time(now),
                Value::Str(&disks::name(&parts, *dev)),
                Value::Uint(u64::from(c.random) * 100 / total),
                Value::Uint(u64::from(c.sequential) * 100 / total),
                Value::Uint(total),
                Value::Uint(c.bytes / 1024),
            ]);
        }
        Ok(out.end_report())
    })
}

/// What a disk's counters grew by since `before` (all of them, the first time).
fn since(now: &counter, before: Option<&counter>) -> counter {
    let Some(b) = before else {
        return *now;
    };
    counter {
        last_sector: now.last_sector,
        bytes: now.bytes.wrapping_sub(b.bytes),
        sequential: now.sequential.wrapping_sub(b.sequential),
        random: now.random.wrapping_sub(b.random),
    }
}
