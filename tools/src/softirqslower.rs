//! softirqslower: soft interrupts slower than a threshold, one line each:
//! the wait from the raise to the handler, or the handler's run.

use clap::Parser;
use libtools::irqs::{self, SOFTIRQ_VECTORS};
use libtools::{lifecycle, output, AttachPoint, Column, Columns, Common, DurationArg, Prog};
use libtools::{Result, Spec, Value};

libtools::skel!("softirqslower");
use skel::{consts, types::event, SoftirqslowerSkelBuilder as Builder};

const EXAMPLES: &str = "EXAMPLES:
    softirqslower        # trace softirq latency higher than 10000 us (default)
    softirqslower 100000 # trace softirq latency higher than 100000 us
    softirqslower -c 1   # trace softirq latency on CPU 1 only
    softirqslower 0 -d 5 # every softirq for 5 seconds
    softirqslower --json # JSON Lines, one object per slow softirq";

pub const DOC: crate::Doc = crate::Doc {
    columns: &[
        ("TIME", "the wall-clock time the event was printed, HH:MM:SS"),
        ("STAGE", "what took long: `irq(hard) to softirq`, the wait from the softirq's raise (mostly by a hard interrupt) until its handler started, or `softirq runtime`, the handler's run, hard interrupts taken meanwhile included"),
        ("SOFTIRQ", "the vector: hi, timer, net_tx, net_rx, block, irq_poll, tasklet, sched, hrtimer or rcu"),
        ("LAT(us)", "the stage's time in whole microseconds; only times of MIN_US or more"),
        ("CPU", "the CPU the softirq ran on (where it was raised)"),
        ("COMM", "the task on that CPU when the stage ended: the task the softirq interrupted, the one that ran it on leaving a bottom-half-disabled section, ksoftirqd/N, or swapper/N for an idle CPU"),
        ("PID", "that task's process ID (0 for swapper) (--json only)"),
        ("TID", "its thread ID (--json only)"),
    ],
    overhead: "Every softirq raise, handler entry and handler exit on every CPU runs a program: the \
raise stores a timestamp in a per-CPU slot per vector (unless the vector is pending already), the \
entry reads it and stores the handler's start, the exit reads that. Only a stage of MIN_US or more \
costs a ring buffer event, so the output is small at the default 10 ms; 0 reports every softirq, \
thousands a second on an idle system and far more on a busy network host. -c filters in the \
kernel, but the programs still run every time. The time the programs take is added to the time \
being measured. Events the ring buffer had no room for are counted and reported at exit.",
    see_also: &["softirqs", "hardirqs", "runqslower"],
    upstream: &[
        "MIN_US 0 traces every softirq, as bcc's softirqslower does; libbpf-tools' rejects 0 (its threshold must be positive).",
        "-d/--duration and --json are additions; --json adds the task's pid and tid, which the table leaves out as upstream does.",
        "The handler's start is kept per CPU rather than per vector and CPU: softirq handlers do not nest on a CPU, so the times are the same.",
    ],
    hooks: crate::Hooks::Declared { object: "softirqslower", points: hooks },
};

/// Trace slow soft IRQ (interrupt): each softirq whose wait from its raise
/// to its handler, or whose handler's run, took MIN_US or more.
#[derive(Parser, Debug)]
#[command(name = "softirqslower", version = libtools::version!(), after_help = EXAMPLES)]
pub struct Args {
    /// Minimum softirq latency to trace, in microseconds (0: trace all)
    #[arg(value_name = "MIN_US", default_value_t = 10000)]
    min_us: u64,
    /// Trace this CPU only
    #[arg(short = 'c', long = "cpu", value_name = "CPU")]
    cpu: Option<u32>,
    #[command(flatten)]
    duration: DurationArg,
    #[command(flatten)]
    common: Common,
}

/// STAGE by the event's stage (bpf/softirqslower.h), as upstream words them.
const STAGES: [(u64, &str); 2] = [
    (consts::SOFTIRQSLOWER_RAISE, "irq(hard) to softirq"),
    (consts::SOFTIRQSLOWER_RUN, "softirq runtime"),
];

/// softirq_raise, then the handler's entry and exit (softirqs' hooks).
fn hooks() -> Vec<AttachPoint> {
    let raise = AttachPoint::new("softirq raise")
        .or([Prog::tp_btf("tp_btf_raise", "softirq_raise")])
        .or([Prog::raw_tp("raw_raise", "softirq_raise")]);
    let mut points = vec![raise];
    points.extend(irqs::hooks("softirq_entry", "softirq_exit"));
    points
}

pub fn run(args: Args) -> Result<()> {
    libtools::setup(&args.common)?;
    let duration = args.duration.get()?;
    libtools::perf::check_cpu(args.cpu)?;
    let tool = lifecycle::start(Builder::default(), Spec::hooks(hooks()), |open| {
        let rodata = open.rodata()?;
        rodata.min_us = args.min_us;
        rodata.targ_cpu = args.cpu.map_or(-1, |c| c as i32);
        Ok(())
    })?;

    // libbpf-tools' layout: "%-8s %-20s %-8s %-14llu %-6u %-16s".
    let json = args.common.json;
    let out = Columns::new()
        .always([
            Column::left("TIME", 8),
            Column::left("STAGE", 20),
            Column::left("SOFTIRQ", 8),
            Column::left("LAT(us)", 14),
            Column::left("CPU", 6),
            Column::left("COMM", 16),
        ])
        // The table keeps libbpf-tools' columns.
        .when(json, [Column::left("PID", 0), Column::left("TID", 0)])
        .stdout(json);
    let what = format!("softirq latency higher than {} us", args.min_us);
    if !json {
        out.text(&output::tracing_line(&what, duration));
    }
    tool.trace(&out, &what, duration, |data| {
        let e: event = libtools::decode(data);
        let stage = STAGES.iter().find(|(s, _)| *s == u64::from(e.stage));
        out.row(&[
            Value::now(),
            Value::Str(stage.map_or("unknown", |(_, name)| name)),
            Value::Str(SOFTIRQ_VECTORS.get(e.vec as usize).copied().unwrap_or("unknown")),
            Value::Uint(e.delta_ns / 1000),
            Value::Uint(e.cpu.into()),
            Value::Bytes(libtools::c_bytes(&e.comm)),
            Value::Uint(e.pid.into()),
            Value::Uint(e.tid.into()),
        ]);
    })
}
