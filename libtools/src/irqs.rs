//! Interrupts for hardirqs and softirqs: the softirq vectors' names, and
//! the two tools' tables of totals, in libbpf-tools' layouts.

use std::cmp::Reverse;

use libbpf_rs::skel::{OpenSkel, SkelBuilder};

use crate::hist::{self, Scale, Summary};
use crate::lifecycle::{self, Loaded};
use crate::output::Value;
use crate::{rodata, AttachPoint, CgroupArg, Prog, Result, Spec};

/// The softirq vectors by number, as the kernel's softirq_to_name names
/// them (include/linux/interrupt.h; the same on every architecture).
pub const SOFTIRQ_VECTORS: [&str; 10] = [
    "hi", "timer", "net_tx", "net_rx", "block", "irq_poll", "tasklet", "sched", "hrtimer", "rcu",
];

/// The handler's entry and exit tracepoints (irq_handler_*, softirq_*):
/// tp_btf, else raw_tp.
pub fn hooks(entry: &str, exit: &str) -> Vec<AttachPoint> {
    vec![
        AttachPoint::new("handler entry")
            .or([Prog::tp_btf("tp_btf_entry", entry)])
            .or([Prog::raw_tp("raw_entry", entry)]),
        AttachPoint::new("handler exit")
            .or([Prog::tp_btf("tp_btf_exit", exit)])
            .or([Prog::raw_tp("raw_exit", exit)]),
    ]
}

/// What [`start`] sets in either tool's object (bpf/irqs.bpf.h).
pub struct Filters<'a> {
    pub cpu: Option<u32>,
    pub per_cpu: bool,
    pub distributed: bool,
    pub nanoseconds: bool,
    pub cgroup: &'a CgroupArg,
}

/// Either tool's object, loaded and attached at `entry` and `exit`. Their
/// rodata is the same but their skeletons' types are not: it is set by name.
pub fn start<B: SkelBuilder<'static>>(
    builder: B,
    f: &Filters,
    entry: &str,
    exit: &str,
) -> Result<Loaded<<B::Output as OpenSkel<'static>>::Output>> {
    crate::perf::check_cpu(f.cpu)?;
    let spec = Spec::hooks(hooks(entry, exit)).cgroup(f.cgroup)?;
    lifecycle::start(builder, spec, |open| {
        let obj = open.open_object_mut();
        rodata::set(obj, "targ_dist", &[f.distributed.into()])?;
        rodata::set(obj, "targ_ns", &[f.nanoseconds.into()])?;
        rodata::set(obj, "targ_per_cpu", &[f.per_cpu.into()])?;
        let cpu = f.cpu.map_or(-1, |c| c as i32);
        rodata::set(obj, "targ_cpu", &cpu.to_ne_bytes())
    })
}

/// One interrupt action's or softirq vector's figures for an interval.
pub struct Irq<'a> {
    pub name: String,
    /// hardirqs -C: the CPU it ran on
    pub cpu: u32,
    pub count: u64,
    pub total_ns: u64,
    pub max_ns: u64,
    pub slots: &'a [u64],
}

/// What to show of them: the tools' flags.
pub struct Show {
    /// softirqs (else hardirqs)
    pub soft: bool,
    /// softirqs -C: a TOTAL_count column beside the time
    pub counts: bool,
    /// hardirqs -C: a row (or histogram) per action and CPU
    pub per_cpu: bool,
    /// -d: a histogram per interrupt in place of the table
    pub distributed: bool,
    /// -N
    pub nanoseconds: bool,
}

/// One interval: the table (or -d histograms) of the interrupts that ran,
/// laid out as libbpf-tools' hardirqs and softirqs print them.
pub fn print(summary: &Summary, show: &Show, mut irqs: Vec<Irq>) {
    let units = if show.nanoseconds { "nsecs" } else { "usecs" };
    let kind = if show.soft { "softirq" } else { "hardirq" };
    let time = |ns: u64| if show.nanoseconds { ns } else { ns / 1000 };
    irqs.retain(|r| r.count > 0);
    summary.begin();
    if show.distributed {
        irqs.sort_by(|a, b| (&a.name, a.cpu).cmp(&(&b.name, b.cpu)));
        for r in &irqs {
            let mut key = vec![(kind, Value::Str(&r.name))];
            if show.per_cpu {
                key.insert(0, ("cpu", Value::Uint(r.cpu.into())));
            }
            if summary.is_json() {
                summary.section(None, &key, r.slots);
                continue;
            }
            let mut text = String::new();
            if show.per_cpu {
                text.push_str(&format!("cpu = {} ", r.cpu));
            }
            text.push_str(&format!("{kind} = {}\n", r.name));
            hist::table(&mut text, r.slots, Scale::Log2, units);
            // softirqs leaves an empty line after each histogram.
            if show.soft {
                text.push('\n');
            }
            summary.text(&text);
        }
        return;
    }
    irqs.sort_by(|a, b| {
        (Reverse(a.total_ns), &a.name, a.cpu).cmp(&(Reverse(b.total_ns), &b.name, b.cpu))
    });
    let total_key = format!("total_{units}");
    let max_key = format!("max_{units}");
    let mut text = if show.soft {
        let counts = if show.counts { "TOTAL_count" } else { "" };
        format!("{:<16} {:<6}{units:<5}  {counts:<11}", "SOFTIRQ", "TOTAL_")
    } else {
        let mut h = format!(
            "{:<33} {:>11} {:>6}{units:>5} {:>4}{units:>5}",
            "HARDIRQ", "TOTAL_count", "TOTAL_", "MAX_"
        );
        if show.per_cpu {
            h.push_str(&format!(" {:>3}", "CPU"));
        }
        h
    };
    text.push('\n');
    for r in &irqs {
        let mut fields = vec![(kind, Value::Str(&r.name))];
        if show.soft {
            text.push_str(&format!("{:<16} {:>11}", r.name, time(r.total_ns)));
            fields.push((total_key.as_str(), Value::Uint(time(r.total_ns))));
            if show.counts {
                text.push_str(&format!("  {:>11}", r.count));
                fields.push(("total_count", Value::Uint(r.count)));
            }
        } else {
            text.push_str(&format!(
                "{:<33} {:>11} {:>11} {:>9}",
                r.name,
                r.count,
                time(r.total_ns),
                time(r.max_ns)
            ));
            fields.push(("total_count", Value::Uint(r.count)));
            fields.push((total_key.as_str(), Value::Uint(time(r.total_ns))));
            fields.push((max_key.as_str(), Value::Uint(time(r.max_ns))));
            if show.per_cpu {
                text.push_str(&format!(" {:>3}", r.cpu));
                fields.push(("cpu", Value::Uint(r.cpu.into())));
            }
        }
        text.push('\n');
        if summary.is_json() {
            summary.record("", &fields);
        }
    }
    summary.text(&text);
}
