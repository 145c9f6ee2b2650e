//! Interrupts for hardirqs and softirqs: the softirq vectors' names, and
//! the two tools' tables of totals, in libbpf-tools' layouts.

use std::cmp::Reverse;

use crate::hist::Summary;
use crate::output::Value;

/// The softirq vectors by number, as the kernel's softirq_to_name names
/// them (include/linux/interrupt.h; the same on every architecture).
pub const SOFTIRQ_VECTORS: [&str; 10] = [
    "hi", "timer", "net_tx", "net_rx", "block", "irq_poll", "tasklet", "sched", "hrtimer", "rcu",
];

/// One interrupt action's or softirq vector's figures for an interval.
pub struct Irq<'a> {
    pub name: String,
    pub count: u64,
    pub total_ns: u64,
    pub slots: &'a [u64],
}

/// What to show of them: the tools' flags.
pub struct Show {
    /// softirqs (else hardirqs)
    pub soft: bool,
    /// -C: hardirqs shows counts in place of times, softirqs beside them
    pub counts: bool,
    /// -d: a histogram per interrupt in place of the table
    pub distributed: bool,
    /// -N
    pub nanoseconds: bool,
}

/// One interval: the table (or -d histograms) of the interrupts that ran.
pub fn print(summary: &Summary, show: &Show, mut irqs: Vec<Irq>) {
    let units = if show.nanoseconds { "nsecs" } else { "usecs" };
    let kind = if show.soft { "softirq" } else { "hardirq" };
    irqs.retain(|r| r.count > 0);
    summary.begin();
    if show.distributed {
        irqs.sort_by(|a, b| a.name.cmp(&b.name));
        for r in &irqs {
            let heading = format!("{kind} = {}", r.name);
            summary.section(Some(&heading), &[(kind, Value::Str(&r.name))], r.slots);
        }
        return;
    }
    let times = show.soft || !show.counts;
    irqs.sort_by_key(|r| Reverse(if times { r.total_ns } else { r.count }));
    let width = if show.soft { 16 } else { 26 };
    let mut text = format!("{:<width$} ", kind.to_uppercase());
    if times {
        text.push_str(&format!("{:>6}{units:>5}", "TOTAL_"));
    }
    if show.soft {
        let counts = if show.counts { "TOTAL_count" } else { "" };
        text.push_str(&format!("  {counts:<11}"));
    } else if show.counts {
        text.push_str(&format!("{:>11}", "TOTAL_count"));
    }
    text.push('\n');
    for r in &irqs {
        let time = if show.nanoseconds {
            r.total_ns
        } else {
            r.total_ns / 1000
        };
        let mut fields = vec![(kind, Value::Str(&r.name))];
        text.push_str(&format!("{:<width$} ", r.name));
        if times {
            text.push_str(&format!("{time:>11}"));
            fields.push((units, Value::Uint(time)));
        }
        if show.soft && show.counts {
            text.push_str(&format!("  {:<11}", r.count));
        } else if show.counts {
            text.push_str(&format!("{:>11}", r.count));
        }
        if show.soft || show.counts {
            fields.push(("count", Value::Uint(r.count)));
        }
        text.push('\n');
        if summary.is_json() {
            summary.record("", &fields);
        }
    }
    summary.text(&text);
}
