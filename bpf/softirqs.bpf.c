// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0)
/* softirqs: soft interrupt handler time (or counts), by vector.
 * Hook alternatives, in order of preference:
 *   tp_btf  softirq_entry / softirq_exit
 *   raw_tp  the same tracepoints */
#include "bpftk.bpf.h"
#include "irqs.bpf.h"

BPFTK_MAP(infos, BPF_MAP_TYPE_ARRAY, __u32, struct irqs_info, IRQS_NR_SOFTIRQS);

static __always_inline int on_exit(unsigned int vec)
{
	irq_account(bpf_map_lookup_elem(&infos, &vec));
	return 0;
}

IRQ_PROGRAMS(softirq_entry, softirq_exit, on_exit(vec), unsigned int vec)

char LICENSE[] SEC("license") = "Dual BSD/GPL";
