// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0)
/* stackcount: count the stacks that lead to an event: a tracepoint, a user
 * function (uprobe) or a kernel function (fentry, else kprobe). The target
 * is given at run time; one program per kind, attached by user space. */
#include "bpftk.bpf.h"
#include "stacks.bpf.h"
#include "stackcount.h"

const volatile __u32 targ_tgid = 0;
const volatile __s32 targ_cpu = -1;
const volatile bool per_process = false;
const volatile bool user_stacks = true;
const volatile bool kernel_stacks = true;

BPFTK_HASH(counts, struct key_t, __u64, 16384);

static __always_inline int count(void *ctx)
{
	__u64 id = bpf_get_current_pid_tgid(), zero = 0, *n;
	struct key_t key = {};

	if (!id_allowed(targ_tgid, id >> 32))
		return 0;
	if (targ_cpu >= 0 && bpf_get_smp_processor_id() != (__u32)targ_cpu)
		return 0;
	/* User frames belong to a process: keep it apart whenever they are shown. */
	if (per_process || user_stacks) {
		key.tgid = id >> 32;
		bpf_get_current_comm(&key.comm, sizeof(key.comm));
	}
	key.user_stack_id = user_stacks ? bpf_get_stackid(ctx, &stackmap, BPF_F_USER_STACK) : -1;
	key.kern_stack_id = kernel_stacks ? bpf_get_stackid(ctx, &stackmap, 0) : -1;
	n = lookup_or_init(&counts, &key, &zero);
	if (n)
		__sync_fetch_and_add(n, 1);
	return 0;
}

SEC("tracepoint")
int tp_count(void *ctx)
{
	return count(ctx);
}

SEC("uprobe")
int uprobe_count(struct pt_regs *ctx)
{
	return count(ctx);
}

SEC("kprobe")
int kprobe_count(struct pt_regs *ctx)
{
	return count(ctx);
}

SEC("fentry")
int BPF_PROG(fentry_count)
{
	return count(ctx);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
