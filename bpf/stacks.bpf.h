/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
/* The stack map of the stack tools; user space sizes it before load
 * (libtools::stacks::StackStorage: --stack-storage-size entries of
 * --perf-max-stack-depth frames). */
#ifndef __BPFTK_STACKS_BPF_H
#define __BPFTK_STACKS_BPF_H

#define BPFTK_MAX_STACK_DEPTH 127

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, 16384);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, BPFTK_MAX_STACK_DEPTH * sizeof(__u64));
} stackmap SEC(".maps");

#endif /* __BPFTK_STACKS_BPF_H */
