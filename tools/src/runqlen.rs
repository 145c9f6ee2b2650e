//! runqlen: run queue length, sampled on every CPU, as a histogram or as
//! occupancy (the share of samples with tasks waiting).

use clap::Parser;
use libtools::hist::{self, Scale, Summary, TimestampArg};
use libtools::run::{self, Interval};
use libtools::{lifecycle, maps, perf, Common, Result, Spec, Value};

libtools::skel!("runqlen");
use skel::{types::hist as Hist, RunqlenSkelBuilder};

const EXAMPLES: &str = "EXAMPLES:
    runqlen         # summarize run queue length as a histogram
    runqlen 1 10    # print 1 second summaries, 10 times
    runqlen -T 1    # 1s summaries and timestamps
    runqlen -O      # report run queue occupancy
    runqlen -C      # show each CPU separately
    runqlen -H      # the CPU's whole run queue, not the task's CFS queue
    runqlen -f 199  # sample at 199 Hz";
pub const DOC: crate::Doc = crate::Doc {
    columns: &[
        ("time", "the wall-clock time, HH:MM:SS, on a line before each summary (-T)"),
        ("runqlen", "the number of tasks waiting besides the running one, in the sampled task's CFS run queue (-H: in the CPU's whole run queue); only lengths seen are shown, and 31 also counts longer queues; --json gives each bucket's low, high and count"),
        ("count", "the number of samples that saw that length"),
        ("distribution", "stars in proportion to the largest bucket's count"),
        ("cpu = N", "a histogram per CPU (-C)"),
        ("runqocc", "in place of the histograms (-O): the percentage of samples that saw a task waiting, for all CPUs, or per CPU with -C as runqocc, CPU N"),
    ],
    overhead: "A CPU-clock perf event fires -f times a second (99 by default) on every CPU, busy or \
idle; each sample reads a run queue count and increments a slot of a per-CPU histogram, about as \
little as a BPF program can do. Nothing is sent per sample, and user space reads the histograms at \
each interval. The cost grows with the frequency and the number of CPUs only.",
    see_also: &["runqlat", "runqslower", "cpudist"],
    upstream: &[],
    hooks: crate::Hooks::Described(
        "a software CPU-clock perf event per online CPU (no tracepoint).",
    ),
};

/// Summarize scheduler run queue length as a histogram, sampled on every
/// CPU: 0 means no task waiting besides the one running.
#[derive(Parser, Debug)]
#[command(name = "runqlen", version = libtools::version!(), after_help = EXAMPLES)]
pub struct Args {
    #[command(flatten)]
    interval: Interval,
    /// Print output for each CPU separately
    #[arg(short = 'C', long = "cpus")]
    per_cpu: bool,
    /// Sample this many times a second on each CPU
    #[arg(short, long, default_value_t = 99, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    frequency: u64,
    /// Report the CPU's whole run queue length (all classes, all groups)
    #[arg(short = 'H', long)]
    host: bool,
    /// Report run queue occupancy: the share of samples with tasks waiting
    #[arg(short = 'O', long)]
    runqocc: bool,
    #[command(flatten)]
    timestamp: TimestampArg,
    #[command(flatten)]
    common: Common,
}

pub fn run(args: Args) -> Result<()> {
    libtools::setup(&args.common)?;

    let spec = Spec::no_hook_plan();
    let mut tool = lifecycle::start(RunqlenSkelBuilder::default(), spec, |open| {
        open.rodata()?.targ_host = args.host;
        Ok(())
    })?;
    let links = perf::attach_sampling(&tool.progs.do_sample, perf::Rate::Hertz(args.frequency), None)?;
    tool.keep(links);

    let scale = Scale::Linear { base: 0, step: 1 };
    let summary = Summary::new(args.common.json, "runqlen", scale, args.timestamp.timestamp);
    summary.ready("run queue length");
    run::summaries(&args.interval, || {
        let hists: Vec<Hist> = maps::take_percpu(&tool.maps.hists, 0)?;
        summary.begin();
        let cpus = perf::online_cpus()?;
        if args.per_cpu {
            for &cpu in &cpus {
                let h = &hists[cpu as usize];
                show(&summary, &args, Some(cpu), &h.slots);
            }
        } else {
            let total = hist::summed(hists.iter().map(|h| &h.slots[..]));
            show(&summary, &args, None, &total);
        }
        Ok(summary.end())
    })
}

/// One histogram, or one occupancy figure, for one CPU or for all.
fn show(summary: &Summary, args: &Args, cpu: Option<u32>, slots: &[u64]) {
    if args.runqocc {
        let samples: u64 = slots.iter().sum();
        let queued = samples - slots.first().copied().unwrap_or(0);
        let pct = 100.0 * queued as f64 / samples.max(1) as f64;
        let line = match cpu {
            Some(c) => format!("runqocc, CPU {c:<3} {pct:6.2}%\n"),
            None => format!("runqocc: {pct:0.2}%\n"),
        };
        let mut fields = Vec::with_capacity(3);
        if let Some(c) = cpu {
            fields.push(("cpu", Value::Uint(c.into())));
        }
        fields.push(("runqocc_pct", Value::Fixed(pct, 2)));
        fields.push(("samples", Value::Uint(samples)));
        summary.record(&line, &fields);
    } else {
        match cpu {
            Some(c) => summary.section(
                Some(&format!("cpu = {c}")),
                &[("cpu", Value::Uint(c.into()))],
                slots,
            ),
            None => summary.section(None, &[], slots),
        }
    }
}
