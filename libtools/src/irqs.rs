//! Names for interrupts.

/// The softirq vectors by number, as the kernel's softirq_to_name names
/// them (include/linux/interrupt.h; the same on every architecture).
pub const SOFTIRQ_VECTORS: [&str; 10] = [
    "hi", "timer", "net_tx", "net_rx", "block", "irq_poll", "tasklet", "sched", "hrtimer", "rcu",
];
