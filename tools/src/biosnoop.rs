//! biosnoop: one line per block I/O request, with the process that started
//! it, the disk, the sector, the size and the latency.

use clap::Parser;
use libtools::disks::{self, ReqFlags};
use libtools::{lifecycle, table, CgroupArg, Column, Columns, Common, Result, SinceFirst, Spec, Value};

libtools::skel!("biosnoop");
use skel::{types::event, BiosnoopSkelBuilder};

const EXAMPLES: &str = "EXAMPLES:
    biosnoop              # trace all block I/O
    biosnoop -Q           # include OS queued time in I/O time
    biosnoop 10           # trace for 10 seconds only
    biosnoop -d sdc       # trace sdc only
    biosnoop -c CG        # trace processes in cgroup CG
    biosnoop --json       # JSON Lines, one object per request";
pub const DOC: crate::Doc = crate::Doc {
    columns: &[
        ("TIME(s)", "seconds since the first request printed, at its completion"),
        ("COMM", "the name of the thread that started the request (at block_io_start, else where it entered the OS queue, else where it was issued), cut to 14 characters in the table"),
        ("PID", "that thread's process ID"),
        ("DISK", "the disk, named from /proc/partitions, else MAJOR:MINOR"),
        ("T", "the request as blktrace's letters: R read, W write, D discard, DE secure erase, F flush, N other; a leading F is a preflush, then F for FUA, A readahead, S sync, M metadata"),
        ("SECTOR", "the first sector, in 512-byte units"),
        ("BYTES", "the size of the request as issued"),
        ("QUE(ms)", "milliseconds from the request's start to its issue to the device, three decimals; 0 for a request issued directly (-Q)"),
        ("LAT(ms)", "milliseconds from issue to completion, three decimals"),
    ],
    overhead: "Three programs run for every block I/O request on the system: where it starts, at \
its issue and at its completion; the first two update a hash map entry, the last reads it and costs \
one ring buffer event and a line of output. The cost per request is small next to the I/O itself, \
but a fast device doing hundreds of thousands of I/Os a second gets as many lines: filter with -d \
or -c (both in the kernel) or send the output to a file. The map holds 10240 requests in flight; \
requests beyond that, and events the ring buffer had no room for, are counted and reported at exit.",
    see_also: &["biolatency", "biopattern", "bitesize"],
    upstream: &[],
    hooks: crate::Hooks::Declared { object: "biosnoop", points: disks::stage_hooks },
};

/// Trace block I/O: one line per request, with the process that started
/// it, its disk, sector and size, and its latency.
#[derive(Parser, Debug)]
#[command(name = "biosnoop", version = libtools::version!(), after_help = EXAMPLES)]
pub struct Args {
    /// Include OS queued time in I/O time (a QUE(ms) column)
    #[arg(short = 'Q', long)]
    queued: bool,
    /// Trace this disk only
    #[arg(short, long)]
    disk: Option<String>,
    #[command(flatten)]
    cgroup: CgroupArg,
    /// Trace for this many seconds (default: until Ctrl-C)
    #[arg(value_parser = clap::value_parser!(u64).range(1..))]
    duration: Option<u64>,
    #[command(flatten)]
    common: Common,
}

pub fn run(args: Args) -> Result<()> {
    libtools::setup(&args.common)?;
    let dev = args.disk.as_deref().map(disks::lookup).transpose()?;
    let spec = Spec::hooks(disks::stage_hooks()).cgroup(&args.cgroup)?;
    let tool = lifecycle::start(BiosnoopSkelBuilder::default(), spec, |open| {
        let rodata = open.rodata()?;
        rodata.targ_dev = dev.unwrap_or(0);
        rodata.block_rq_queue_arg = disks::rq_queue_arg();
        Ok(())
    })?;

    let json = args.common.json;
    let out = Columns::new()
        .always([
            Column::left("TIME(s)", 11),
            Column::left("COMM", 14),
            Column::left("PID", 7),
            Column::left("DISK", 7),
            Column::left("T", 4),
            Column::left("SECTOR", 10),
            Column::left("BYTES", 7),
        ])
        .when(args.queued, [Column::right("QUE(ms)", 7).key("que_ms")])
        .always([Column::right("LAT(ms)", 7).key("lat_ms")])
        .stdout(json);
    let flags = ReqFlags::load();
    let mut disks = disks::Names::load();
    let since = SinceFirst::new();
    let duration = args.duration.map(std::time::Duration::from_secs);
    tool.trace(&out, "block I/O", duration, |data| {
        let e: event = libtools::decode(data);
        let disk = disks.name(e.dev);
        let rwbs = flags.rwbs(e.cmd_flags);
        out.row(&[
            Value::Fixed(since.ns(e.ts_ns) as f64 / 1e9, 6),
            table::comm_cell(json, 14, &e.comm),
            Value::Uint(e.pid.into()),
            Value::Str(&disk),
            Value::Str(&rwbs),
            Value::Uint(e.sector),
            Value::Uint(e.len.into()),
            Value::Fixed(e.qdelta_ns as f64 / 1e6, 3),
            Value::Fixed(e.delta_ns as f64 / 1e6, 3),
        ]);
    })
}
