// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0)
/* hardirqs: hard interrupt handler time (or counts), by the action's name.
 * Hook alternatives, in order of preference:
 *   tp_btf  irq_handler_entry / irq_handler_exit
 *   raw_tp  the same tracepoints */
#include "bpftk.bpf.h"
#include "irqs.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct irqs_key);
	__type(value, struct irqs_info);
} infos SEC(".maps");

static const struct irqs_info zero_info;

static __always_inline int on_exit(struct irqaction *action)
{
	struct irqs_key key = {};

	bpf_probe_read_kernel_str(&key.name, sizeof(key.name), BPF_CORE_READ(action, name));
	irq_account(lookup_or_init(&infos, &key, &zero_info));
	return 0;
}

SEC("tp_btf/irq_handler_entry")
int BPF_PROG(tp_btf_entry, int irq, struct irqaction *action)
{
	irq_enter();
	return 0;
}

SEC("tp_btf/irq_handler_exit")
int BPF_PROG(tp_btf_exit, int irq, struct irqaction *action)
{
	return on_exit(action);
}

SEC("raw_tp/irq_handler_entry")
int BPF_PROG(raw_entry, int irq, struct irqaction *action)
{
	irq_enter();
	return 0;
}

SEC("raw_tp/irq_handler_exit")
int BPF_PROG(raw_exit, int irq, struct irqaction *action)
{
	return on_exit(action);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
