// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0)
/* offcputime: time threads spend blocked (off CPU), summed by the stacks
 * they blocked in. A thread's stacks are taken as it is switched out and
 * the time is counted when it is switched back in.
 * Hook alternatives, in order of preference:
 *   tp_btf  sched_switch
 *   raw_tp  sched_switch */
#include "bpftk.bpf.h"
#include "stacks.bpf.h"
#include "offcputime.h"

#define PF_KTHREAD 0x00200000

const volatile bool kernel_threads_only = false;
const volatile bool user_threads_only = false;
const volatile bool user_stacks = true;   /* -K leaves them out */
const volatile bool kernel_stacks = true; /* -U leaves them out */
const volatile __u64 min_block_us = 1;
const volatile __u64 max_block_us = (__u64)-1;
const volatile bool filter_by_tgid = false;
const volatile bool filter_by_tid = false;
const volatile long state = -1;

struct start_t {
	__u64 ts;
	struct key_t key;
};

/* Threads switched out, by thread id. */
BPFTK_HASH(start, __u32, struct start_t, 10240);
BPFTK_HASH(info, struct key_t, struct val_t, 16384);
/* -p / -t: the processes or threads to trace. */
BPFTK_HASH(tgids, __u32, __u8, 1024);
BPFTK_HASH(pids, __u32, __u8, 1024);

static __always_inline bool allow_record(struct task_struct *t)
{
	__u32 tgid = BPF_CORE_READ(t, tgid), pid = BPF_CORE_READ(t, pid);
	bool kthread = BPF_CORE_READ(t, flags) & PF_KTHREAD;

	if (filter_by_tgid && !bpf_map_lookup_elem(&tgids, &tgid))
		return false;
	if (filter_by_tid && !bpf_map_lookup_elem(&pids, &pid))
		return false;
	if (user_threads_only && kthread)
		return false;
	if (kernel_threads_only && !kthread)
		return false;
	if (state != -1 && task_state(t) != state)
		return false;
	return true;
}

static __always_inline int on_switch(void *ctx, struct task_struct *prev, struct task_struct *next)
{
	struct start_t s = {}, *sp;
	struct val_t val = {}, *vp;
	__s64 delta;
	__u32 pid;

	if (allow_record(prev)) {
		pid = BPF_CORE_READ(prev, pid);
		/* Idle threads all have pid 0: tell the CPUs' apart. */
		if (!pid)
			pid = bpf_get_smp_processor_id();
		s.key.pid = pid;
		s.key.tgid = BPF_CORE_READ(prev, tgid);
		s.ts = bpf_ktime_get_ns();
		if (!user_stacks || (BPF_CORE_READ(prev, flags) & PF_KTHREAD))
			s.key.user_stack_id = -1;
		else
			s.key.user_stack_id = bpf_get_stackid(ctx, &stackmap, BPF_F_USER_STACK);
		s.key.kern_stack_id = kernel_stacks ? bpf_get_stackid(ctx, &stackmap, 0) : -1;
		inflight_set(&start, &pid, &s);
		BPF_CORE_READ_STR_INTO(&val.comm, prev, comm);
		bpf_map_update_elem(&info, &s.key, &val, BPF_NOEXIST);
	}

	pid = BPF_CORE_READ(next, pid);
	sp = bpf_map_lookup_elem(&start, &pid);
	if (!sp)
		return 0;
	delta = (__s64)(bpf_ktime_get_ns() - sp->ts);
	if (delta < 0)
		goto cleanup;
	delta /= 1000;
	if (delta < min_block_us || delta > max_block_us)
		goto cleanup;
	vp = bpf_map_lookup_elem(&info, &sp->key);
	if (vp)
		__sync_fetch_and_add(&vp->delta_us, delta);
cleanup:
	bpf_map_delete_elem(&start, &pid);
	return 0;
}

#define SCHED_HOOKS_SWITCH_ONLY
#include "sched_hooks.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";
