//! Interrupts for hardirqs and softirqs: the softirq vectors' names, and
//! the two tools' tables of totals, in libbpf-tools' layouts.

use std::cmp::Reverse;

use crate::hist::{self, Scale, Summary};
use crate::output::Value;

/// The softirq vectors by number, as the kernel's softirq_to_name names
/// them (include/linux/interrupt.h; the same on every architecture).
pub const SOFTIRQ_VECTORS: [&str; 10] = [
    "hi", "timer", "net_tx", "net_rx", "block", "irq_poll", "tasklet", "sched", "hrtimer", "rcu",
];

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
