// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0)
/* profile: CPU samples by stack, from a software CPU-clock perf event per
 * CPU; counted in the kernel, symbolized by user space at the end. */
#include "bpftk.bpf.h"
#include "stacks.bpf.h"
#include "profile.h"

const volatile bool user_stacks_only = false;
const volatile bool kernel_stacks_only = false;
const volatile bool include_idle = false;
const volatile bool filter_by_tgid = false;
const volatile bool filter_by_tid = false;

/* Preallocated: perf_event programs may not allocate before 6.1. */
BPFTK_HASH(counts, struct key_t, __u64, 16384);

/* -p / -L: the pids or tids to sample. */
BPFTK_HASH(pids, __u32, __u8, 1024);

BPFTK_HASH(tids, __u32, __u8, 1024);

/* Samples that found the counts map full. */
BPFTK_PERCPU_SLOT(lost_samples, __u64);

SEC("perf_event")
int do_sample(struct bpf_perf_event_data *ctx)
{
	__u64 id = bpf_get_current_pid_tgid(), one = 1, *count;
	__u32 pid = id >> 32, tid = (__u32)id;
	struct key_t key = {};

	if (!include_idle && tid == 0)
		return 0;
	if (filter_by_tgid && !bpf_map_lookup_elem(&pids, &pid))
		return 0;
	if (filter_by_tid && !bpf_map_lookup_elem(&tids, &tid))
		return 0;

	key.pid = pid;
	bpf_get_current_comm(&key.comm, sizeof(key.comm));
	key.kern_stack_id = user_stacks_only ? -1 : bpf_get_stackid(&ctx->regs, &stackmap, 0);
	key.user_stack_id =
		kernel_stacks_only ? -1 : bpf_get_stackid(&ctx->regs, &stackmap, BPF_F_USER_STACK);

	count = bpf_map_lookup_elem(&counts, &key);
	if (count) {
		__sync_fetch_and_add(count, 1);
		return 0;
	}
	if (bpf_map_update_elem(&counts, &key, &one, BPF_NOEXIST) == 0)
		return 0;
	count = bpf_map_lookup_elem(&counts, &key);
	if (count) { /* another CPU added it first */
		__sync_fetch_and_add(count, 1);
		return 0;
	}
	count = percpu_slot(&lost_samples);
	if (count)
		*count += 1;
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
