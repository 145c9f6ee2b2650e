//! hardirqs and softirqs: interrupt handler time and counts, by interrupt
//! action name or softirq vector, as totals or distributions.

use std::path::PathBuf;

use clap::Parser;
use libtools::hist::{Scale, Summary};
use libtools::irqs::{self, Irq, Show, SOFTIRQ_VECTORS};
use libtools::run::{self, Interval};
use libtools::{maps, CgroupArg, Common, Result};

libtools::skel!(hard: "hardirqs");
libtools::skel!(soft: "softirqs");

// bpf/irqs.h's struct, the same in both objects: softirqs' values are read
// as hardirqs' type.
use hard::types::irqs_info as Info;

pub const HARDIRQS_DOC: crate::Doc = crate::Doc {
    columns: &[
        ("time", "the wall-clock time, HH:MM:SS, on a line before each summary (-T)"),
        ("HARDIRQ", "the interrupt action's name, as /proc/interrupts shows it, at most 31 characters; actions of the same name are added together"),
        ("TOTAL_count", "the number of times the handler ran during the interval"),
        ("TOTAL_usecs", "the time spent in the action's handler during the interval, in microseconds (TOTAL_nsecs with -N); rows sorted by it, largest first"),
        ("MAX_usecs", "the longest single run of the handler during the interval (MAX_nsecs with -N)"),
        ("CPU", "the CPU the handler ran on: a row per action and CPU (-C)"),
        ("hardirq = NAME", "a histogram per action (per action and CPU with -C: `cpu = N hardirq = NAME`), of each handler run's time, in place of the table (-d)"),
        ("usecs", "the bucket, low -> high in microseconds (nsecs with -N) (-d)"),
        ("count", "the number of handler runs in the bucket (-d)"),
        ("distribution", "stars in proportion to the largest bucket's count (-d)"),
    ],
    overhead: "Every hardware interrupt on every CPU runs the entry and exit programs: the entry \
stores a timestamp in a per-CPU slot, the exit reads the action's name and updates its totals in \
a hash map keyed by that name. Nothing is sent per interrupt; user space reads the totals at each \
interval. -s and -c filter in the kernel, but the programs still run on every interrupt. The \
cost per interrupt is small, but interrupt rates are high on systems with busy network or storage \
devices, where the time the programs take is added to the time being measured.",
    see_also: &["softirqs", "profile", "cpudist"],
    upstream: &[
        "Rows are sorted by TOTAL_usecs, largest first, where libbpf-tools prints them in its hash map's order: kept, the busiest interrupts come first.",
        "TOTAL_usecs is the sum of the handler times in nanoseconds, divided once; libbpf-tools divides each run's time, so its totals of many short runs come out lower: kept, it is the more accurate figure.",
    ],
    hooks: crate::Hooks::Declared { object: "hardirqs", points: || irqs::hooks("irq_handler_entry", "irq_handler_exit") },
};

pub const SOFTIRQS_DOC: crate::Doc = crate::Doc {
    columns: &[
        ("time", "the wall-clock time, HH:MM:SS, on a line before each summary (-T)"),
        ("SOFTIRQ", "the softirq vector: hi, timer, net_tx, net_rx, block, irq_poll, tasklet, sched, hrtimer or rcu"),
        ("TOTAL_usecs", "the time spent in the vector's handler during the interval, hard interrupts taken meanwhile included, in microseconds (TOTAL_nsecs with -N); rows sorted by it, largest first"),
        ("TOTAL_count", "the number of times the vector's handler ran, beside the time (-C)"),
        ("softirq = VECTOR", "a histogram per vector, of each handler run's time, in place of the table (-d)"),
        ("usecs", "the bucket, low -> high in microseconds (nsecs with -N) (-d)"),
        ("count", "the number of handler runs in the bucket (-d)"),
        ("distribution", "stars in proportion to the largest bucket's count (-d)"),
    ],
    overhead: "Every softirq handler run on every CPU runs the entry and exit programs: the entry \
stores a timestamp in a per-CPU slot, the exit updates the vector's totals in an array. Nothing is \
sent per run; user space reads the totals at each interval. -c and --cgroup filter in the kernel, \
but the programs still run every time. Softirqs run very often on busy network systems (net_rx, \
net_tx) and, for timers and RCU, on every system, so the small cost per run adds up and is added \
to the time being measured.",
    see_also: &["hardirqs", "profile", "cpudist"],
    upstream: &[
        "Rows are sorted by TOTAL_usecs, largest first, where libbpf-tools prints them in vector order: kept, the busiest vectors come first.",
        "--cgroup (long only, since -c is the CPU) filters by the cgroup of the task the softirq interrupted; libbpf-tools' softirqs has no cgroup filter: kept as an addition.",
        "-C with -d is a usage error, where libbpf-tools ignores -C: kept, the histograms have no count column to add.",
    ],
    hooks: crate::Hooks::Declared { object: "softirqs", points: || irqs::hooks("softirq_entry", "softirq_exit") },
};

/// The flags both tools have.
#[derive(clap::Args, Debug)]
struct Options {
    #[command(flatten)]
    interval: Interval,
    /// Show distributions as histograms
    #[arg(short, long, visible_alias = "dist")]
    distributed: bool,
    /// Output in nanoseconds
    #[arg(short = 'N', long)]
    nanoseconds: bool,
    /// Include a timestamp (HH:MM:SS) before each summary
    #[arg(short = 'T', long)]
    timestamp: bool,
    #[command(flatten)]
    common: Common,
}

const HARD_EXAMPLES: &str = "EXAMPLES:
    hardirqs            # sum hard irq event time
    hardirqs -d         # show hard irq event time as histograms
    hardirqs 1 10       # print 1 second summaries, 10 times
    hardirqs -c CG      # trace process under cgroup (v2) CG
    hardirqs --cpu 1    # only stat irq on cpu 1
    hardirqs -C         # display separately by CPU
    hardirqs -NT 1      # 1s summaries, nanoseconds, and timestamps";

const SOFT_EXAMPLES: &str = "EXAMPLES:
    softirqs            # sum soft irq event time
    softirqs -d         # show soft irq event time as histograms
    softirqs -c 1       # show soft irq event time on cpu 1
    softirqs -C         # show event counts as well
    softirqs 1 10       # print 1 second summaries, 10 times
    softirqs -NT 1      # 1s summaries, nanoseconds, and timestamps";

/// Summarize hard irq event time and counts by interrupt action name.
#[derive(Parser, Debug)]
#[command(name = "hardirqs", version = libtools::version!(), after_help = HARD_EXAMPLES)]
pub struct HardArgs {
    /// Display separately by CPU (a CPU column, or a histogram per CPU with -d)
    #[arg(short = 'C', long = "CPU")]
    per_cpu: bool,
    /// Only count interrupts on this CPU
    #[arg(short = 's', long = "cpu", value_name = "CPU")]
    cpu: Option<u32>,
    #[command(flatten)]
    cgroup: CgroupArg,
    #[command(flatten)]
    opts: Options,
}

/// Summarize soft irq event time (and counts) by vector: hi, timer, net_tx,
/// net_rx, block, irq_poll, tasklet, sched, hrtimer, rcu.
#[derive(Parser, Debug)]
#[command(name = "softirqs", version = libtools::version!(), after_help = SOFT_EXAMPLES)]
pub struct SoftArgs {
    /// Show event counts with timing
    #[arg(short = 'C', long = "count", conflicts_with = "distributed")]
    counts: bool,
    /// Trace this CPU only
    #[arg(short = 'c', long = "cpu", value_name = "CPU")]
    cpu: Option<u32>,
    /// Only count softirqs that interrupted tasks in this cgroup v2 directory
    #[arg(long = "cgroup", value_name = "PATH")]
    cgroup: Option<PathBuf>,
    #[command(flatten)]
    opts: Options,
}

pub fn hardirqs_run(a: HardArgs) -> Result<()> {
    let builder = hard::HardirqsSkelBuilder::default();
    let o = &a.opts;
    libtools::setup(&o.common)?;
    let filters = irqs::Filters {
        cpu: a.cpu,
        per_cpu: a.per_cpu,
        distributed: o.distributed,
        nanoseconds: o.nanoseconds,
        cgroup: &a.cgroup,
    };
    let tool = irqs::start(builder, &filters, "irq_handler_entry", "irq_handler_exit")?;
    let show = Show {
        soft: false,
        counts: false,
        per_cpu: a.per_cpu,
        distributed: o.distributed,
        nanoseconds: o.nanoseconds,
    };
    summaries(o, &show, "hard irq event time", || {
        let infos: Vec<(hard::types::irqs_key, Info)> = maps::drain_as(&tool.maps.infos)?;
        Ok(infos
            .into_iter()
            .map(|(key, info)| (libtools::c_bytes(&key.name).to_vec(), key.cpu, info))
            .collect())
    })
}

pub fn softirqs_run(a: SoftArgs) -> Result<()> {
    let builder = soft::SoftirqsSkelBuilder::default();
    let o = &a.opts;
    let cgroup = CgroupArg {
        cgroup: a.cgroup.clone(),
    };
    libtools::setup(&o.common)?;
    let filters = irqs::Filters {
        cpu: a.cpu,
        per_cpu: false,
        distributed: o.distributed,
        nanoseconds: o.nanoseconds,
        cgroup: &cgroup,
    };
    let tool = irqs::start(builder, &filters, "softirq_entry", "softirq_exit")?;
    let show = Show {
        soft: true,
        counts: a.counts,
        per_cpu: false,
        distributed: o.distributed,
        nanoseconds: o.nanoseconds,
    };
    summaries(o, &show, "soft irq event time", || {
        let mut infos = Vec::with_capacity(SOFTIRQ_VECTORS.len());
        for (vec, name) in SOFTIRQ_VECTORS.iter().enumerate() {
            if let Some(info) = maps::take(&tool.maps.infos, vec as u32)? {
                infos.push((name.as_bytes().to_vec(), 0, info));
            }
        }
        Ok(infos)
    })
}

/// The ready line, then each interval's figures from `read`, by name and CPU.
fn summaries(
    o: &Options,
    show: &Show,
    what: &str,
    mut read: impl FnMut() -> Result<Vec<(Vec<u8>, u32, Info)>>,
) -> Result<()> {
    let unit = if o.nanoseconds { "nsecs" } else { "usecs" };
    let summary = Summary::new(o.common.json, unit, Scale::Log2, o.timestamp);
    summary.ready(what);
    run::summaries(&o.interval, || {
        let infos = read()?;
        let irqs = infos
            .iter()
            .map(|(name, cpu, i)| Irq {
                name: String::from_utf8_lossy(name).into_owned(),
                cpu: *cpu,
                count: i.count,
                total_ns: i.total_ns,
                max_ns: i.max_ns,
                slots: &i.hist.slots,
            })
            .collect();
        irqs::print(&summary, show, irqs);
        Ok(summary.end())
    })
}
