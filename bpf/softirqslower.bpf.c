// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0)
/* softirqslower: soft interrupts slower than a threshold, one event each:
 * the wait from the raise to the handler's entry, and the handler's run.
 * Hook alternatives, in order of preference:
 *   tp_btf  softirq_raise, softirq_entry / softirq_exit
 *   raw_tp  the same tracepoints */
#include "bpftk.bpf.h"
#include "irqs.bpf.h"
#include "softirqslower.h"

/* The threshold, in microseconds: times are compared as upstream does,
 * truncated to whole microseconds. */
const volatile __u64 min_us = 0;

/* When each vector was raised on this CPU (a softirq runs where it was
 * raised), until its handler starts; 0 when it is not pending. */
BPFTK_MAP(raised, BPF_MAP_TYPE_PERCPU_ARRAY, __u32, __u64, IRQS_NR_SOFTIRQS);

BPFTK_EXPORT_TYPE(event);

static __always_inline void report(__u32 stage, __u32 vec, __u64 delta_ns)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct event e = {};

	if (delta_ns / 1000 < min_us)
		return;
	e.delta_ns = delta_ns;
	e.stage = stage;
	e.vec = vec;
	e.cpu = bpf_get_smp_processor_id();
	e.pid = id >> 32;
	e.tid = (__u32)id;
	bpf_get_current_comm(&e.comm, sizeof(e.comm));
	emit(&e, sizeof(e));
}

/* A raise while the vector is pending already changes nothing: its wait
 * is measured from the first. */
static __always_inline int on_raise(unsigned int vec)
{
	__u64 *ts = bpf_map_lookup_elem(&raised, &vec);

	if (ts && !*ts && irq_wanted())
		*ts = bpf_ktime_get_ns();
	return 0;
}

static __always_inline int on_entry(unsigned int vec)
{
	__u64 *ts = bpf_map_lookup_elem(&raised, &vec);

	if (ts && *ts) {
		report(SOFTIRQSLOWER_RAISE, vec, bpf_ktime_get_ns() - *ts);
		*ts = 0;
	}
	/* The handler is timed even when its raise was not seen. */
	irq_enter();
	return 0;
}

static __always_inline int on_exit(unsigned int vec)
{
	__u64 delta;

	if (vec < IRQS_NR_SOFTIRQS && irq_elapsed(&delta))
		report(SOFTIRQSLOWER_RUN, vec, delta);
	return 0;
}

IRQ_PROGRAMS_ENTRY(softirq_entry, softirq_exit, on_entry(vec), on_exit(vec), unsigned int vec)

SEC("tp_btf/softirq_raise")
int BPF_PROG(tp_btf_raise, unsigned int vec) { return on_raise(vec); }
SEC("raw_tp/softirq_raise")
int BPF_PROG(raw_raise, unsigned int vec) { return on_raise(vec); }

char LICENSE[] SEC("license") = "Dual BSD/GPL";
