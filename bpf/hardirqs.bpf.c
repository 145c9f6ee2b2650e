// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0)
/* hardirqs: hard interrupt handler time and counts, by the action's name
 * (and with -C by CPU).
 * Hook alternatives, in order of preference:
 *   tp_btf  irq_handler_entry / irq_handler_exit
 *   raw_tp  the same tracepoints */
#include "bpftk.bpf.h"
#include "irqs.bpf.h"

BPFTK_HASH(infos, struct irqs_key, struct irqs_info, 1024);

static const struct irqs_info zero_info;

static __always_inline int on_exit(struct irqaction *action)
{
	struct irqs_key key = {};

	bpf_probe_read_kernel_str(&key.name, sizeof(key.name), BPF_CORE_READ(action, name));
	if (targ_per_cpu)
		key.cpu = bpf_get_smp_processor_id();
	irq_account(lookup_or_init(&infos, &key, &zero_info));
	return 0;
}

IRQ_PROGRAMS(irq_handler_entry, irq_handler_exit, on_exit(action), int irq,
	     struct irqaction *action)

char LICENSE[] SEC("license") = "Dual BSD/GPL";
