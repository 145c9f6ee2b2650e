//! runqslower: tasks that waited in the run queue longer than a threshold.

use clap::Parser;
use libtools::{lifecycle, Column, Columns, Common, DurationArg, Result, Spec, Value};

libtools::skel!("runqslower");
use skel::{types::event, RunqslowerSkelBuilder as Builder};

const EXAMPLES: &str = "EXAMPLES:
    runqslower         # trace latency higher than 10000 us (default)
    runqslower 1000    # trace latency higher than 1000 us
    runqslower -p 123  # trace pid 123
    runqslower -t 123  # trace tid 123 (use for threads only)
    runqslower -P      # also show previous task name and TID
    runqslower -c fio  # trace tasks whose name starts with fio
    runqslower --json  # JSON Lines, one object per event";
pub const DOC: crate::Doc = crate::Doc {
    columns: &[
        ("TIME", "the wall-clock time the event was printed, HH:MM:SS"),
        ("COMM", "the name of the task that waited, at most 15 characters"),
        ("TID", "its thread ID"),
        ("LAT(us)", "microseconds it waited in the run queue, from its wakeup (or preemption) until it ran; only waits over MIN_US"),
        ("PREV COMM", "the name of the task switched out for it (-P)"),
        ("PREV TID", "that task's thread ID (-P)"),
        ("PID", "the process ID of the task that waited (--json only)"),
    ],
    overhead: "The sched_wakeup and sched_wakeup_new programs run at every wakeup on the system \
and the sched_switch program at every context switch, which on a busy system is very often. A \
wakeup of a traced task, or a switch that leaves a preempted task runnable, stores a timestamp in \
a hash map; a switch looks up and deletes the timestamp of the task switched in. Only waits over \
MIN_US cost a ring buffer event, so the output stays small unless MIN_US is low (0 reports every \
wait). -p, -t and -c filter in the kernel, before the timestamp is stored. The map holds 10240 queued \
threads; waits beyond that go unmeasured. Events the ring buffer had no room for are counted and \
reported at exit.",
    see_also: &["runqlat", "runqlen", "cpudist", "offcputime"],
    upstream: &[],
    hooks: crate::Hooks::Declared { object: "runqslower", points: libtools::sched::wakeup_and_switch_hooks },
};

/// Trace high run queue latency: tasks that waited longer than MIN_US
/// between becoming runnable (woken, created, or preempted) and running.
#[derive(Parser, Debug)]
#[command(name = "runqslower", version = libtools::version!(), after_help = EXAMPLES)]
pub struct Args {
    /// Minimum run queue latency to trace, in microseconds (0: trace all)
    #[arg(value_name = "MIN_US", default_value_t = 10000)]
    min_us: u64,
    /// Trace this process ID only
    #[arg(short, long, conflicts_with = "tid")]
    pid: Option<u32>,
    /// Trace this thread ID only
    #[arg(short, long)]
    tid: Option<u32>,
    /// Trace tasks whose name starts with COMM only
    #[arg(short, long, value_parser = comm_prefix)]
    comm: Option<String>,
    /// Also show the previous task's name and TID
    #[arg(short = 'P', long)]
    previous: bool,
    #[command(flatten)]
    duration: DurationArg,
    #[command(flatten)]
    common: Common,
}

/// -c: a name's first bytes, at most the 15 a task name has.
fn comm_prefix(s: &str) -> std::result::Result<String, String> {
    match s.len() {
        0 => Err("an empty name would match every task".into()),
        1..=15 => Ok(s.into()),
        n => Err(format!("{n} bytes: a task name has at most 15")),
    }
}

pub fn run(args: Args) -> Result<()> {
    libtools::setup(&args.common)?;
    let duration = args.duration.get()?;
    libtools::check_pid(args.pid)?;
    libtools::check_pid(args.tid)?;

    let spec = Spec::hooks(libtools::sched::wakeup_and_switch_hooks());
    let tool = lifecycle::start(Builder::default(), spec, |open| {
        let rodata = open.rodata()?;
        rodata.min_us = args.min_us;
        rodata.targ_tgid = args.pid.unwrap_or(0);
        rodata.targ_tid = args.tid.unwrap_or(0);
        if let Some(c) = &args.comm {
            libtools::set_c_bytes(&mut rodata.targ_comm, c.as_bytes());
        }
        Ok(())
    })?;

    let json = args.common.json;
    let out = Columns::new()
        .always([
            Column::left("TIME", 8),
            Column::left("COMM", 16),
            Column::left("TID", 6),
            Column::right("LAT(us)", 14),
        ])
        .when(args.previous, [Column::left("PREV COMM", 16)])
        .when(args.previous, [Column::left("PREV TID", 6)])
        // The table keeps libbpf-tools' columns.
        .when(json, [Column::left("PID", 0)])
        .stdout(json);
    if !json {
        out.text(&format!(
            "Tracing run queue latency higher than {} us\n",
            args.min_us
        ));
    }
    tool.trace(&out, "run queue latency", duration, |data| {
        let e: event = libtools::decode(data);
        out.row(&[
            Value::now(),
            Value::Bytes(libtools::c_bytes(&e.comm)),
            Value::Uint(e.tid.into()),
            Value::Uint(e.delta_us),
            Value::Bytes(libtools::c_bytes(&e.prev_comm)),
            Value::Uint(e.prev_tid.into()),
            Value::Uint(e.pid.into()),
        ]);
    })
}
