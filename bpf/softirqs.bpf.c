// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0)
/* softirqs: soft interrupt handler time (or counts), by vector.
 * Hook alternatives, in order of preference:
 *   tp_btf  softirq_entry / softirq_exit
 *   raw_tp  the same tracepoints */
#include "bpftk.bpf.h"
#include "irqs.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, IRQS_NR_SOFTIRQS);
	__type(key, __u32);
	__type(value, struct irqs_info);
} infos SEC(".maps");

static __always_inline int on_exit(unsigned int vec)
{
	irq_account(bpf_map_lookup_elem(&infos, &vec));
	return 0;
}

SEC("tp_btf/softirq_entry")
int BPF_PROG(tp_btf_entry, unsigned int vec)
{
	irq_enter();
	return 0;
}

SEC("tp_btf/softirq_exit")
int BPF_PROG(tp_btf_exit, unsigned int vec)
{
	return on_exit(vec);
}

SEC("raw_tp/softirq_entry")
int BPF_PROG(raw_entry, unsigned int vec)
{
	irq_enter();
	return 0;
}

SEC("raw_tp/softirq_exit")
int BPF_PROG(raw_exit, unsigned int vec)
{
	return on_exit(vec);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
