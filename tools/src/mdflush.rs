//! mdflush: flush requests to md (software RAID) devices.

use clap::Parser;
use libtools::{bail, disks, lifecycle, table, AttachPoint, Column, Columns, Common, DurationArg};
use libtools::{Prog, Result, Spec, Value};

libtools::skel!("mdflush");
use skel::{types::event, MdflushSkelBuilder as Builder};

const EXAMPLES: &str = "EXAMPLES:
    mdflush            # trace md flush requests
    mdflush -d 60      # for a minute only
    mdflush --json     # JSON Lines, one object per flush";
pub const DOC: crate::Doc = crate::Doc {
    columns: &[
        ("TIME", "the wall-clock time, HH:MM:SS"),
        ("PID", "the process that asked for the flush (--json also has the thread, tid); often a file system's journal thread"),
        ("COMM", "the thread's name"),
        ("DEVICE", "the md device, md0 say"),
    ],
    overhead: "md_flush_request runs once per flush request to an md device: rare, a few per \
fsync(2) at most. Where the kernel offers neither fentry nor kprobes, the hook is \
block_bio_queue, which runs for every bio submitted on the system; the program tests two fields \
and returns for all but md flushes, a cost that follows the system's I/O rate. Events the ring \
buffer had no room for are counted and reported at exit.",
    see_also: &["biosnoop", "syncsnoop", "biolatency"],
    upstream: &[],
    hooks: crate::Hooks::Declared { object: "mdflush", points: hooks },
};

/// Trace md flush events: the flush requests sent to md (software RAID)
/// devices, a flush of their member disks' write caches, usually at the
/// end of an fsync(2) or a journal commit.
#[derive(Parser, Debug)]
#[command(name = "mdflush", version = libtools::version!(), after_help = EXAMPLES)]
pub struct Args {
    #[command(flatten)]
    duration: DurationArg,
    #[command(flatten)]
    common: Common,
}

fn hooks() -> Vec<AttachPoint> {
    vec![AttachPoint::new("md flush")
        .or([Prog::fentry("fentry_md_flush_request", "md_flush_request")])
        .or([Prog::kprobe("kprobe_md_flush_request", "md_flush_request")])
        .or([Prog::tp_btf("tp_btf_bio_queue", "block_bio_queue")])
        .or([Prog::raw_tp("raw_bio_queue", "block_bio_queue")])
        .or([Prog::tracepoint("tp_bio_queue", "block:block_bio_queue")])]
}

pub fn run(args: Args) -> Result<()> {
    libtools::setup(&args.common)?;
    let duration = args.duration.get()?;

    let md_major = disks::block_major("md");
    let tool = lifecycle::start(Builder::default(), Spec::hooks(hooks()), |open| {
        let rodata = open.rodata()?;
        rodata.block_bio_queue_arg = libtools::btf::tracepoint_args("block_bio_queue") == Some(2);
        rodata.md_major = md_major.unwrap_or(9);
        rodata.mdp_major = disks::block_major("mdp").unwrap_or(0);
        Ok(())
    })?;
    if md_major.is_none() {
        bail!("this kernel has no md (software RAID) driver loaded: no md in /proc/devices (modprobe md_mod)");
    }

    let json = args.common.json;
    let out = Columns::new()
        .always([Column::left("TIME", 8), Column::left("PID", 7)])
        .when(json, [Column::left("TID", 7)])
        .always([Column::left("COMM", 16), Column::left("DEVICE", 0)])
        .stdout(json);

    let mut names = disks::Names::load();
    tool.trace(&out, "md flush requests", duration, |data| {
        let e: event = libtools::decode(data);
        let disk = libtools::c_bytes(&e.disk);
        let named;
        let device = if disk.is_empty() {
            named = names.name(e.dev);
            named.as_bytes()
        } else {
            disk
        };
        out.row(&[
            Value::now(),
            Value::Uint(e.pid.into()),
            Value::Uint(e.tid.into()),
            table::comm_cell(json, 16, &e.comm),
            Value::Bytes(device),
        ]);
    })
}
