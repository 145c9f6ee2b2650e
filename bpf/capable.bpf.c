// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0)
/* capable: security capability checks (cap_capable()) and their verdicts.
 * Hook alternatives, in order of preference:
 *   tp_btf      cap_capable              (recent kernels; no audit/insetid)
 *   tracepoint  capability:cap_capable   (the same, without BTF)
 *   fexit       cap_capable              (with the options)
 *   kprobe      cap_capable + kretprobe  (with the options) */
#include "bpftk.bpf.h"
#include "cgroup.bpf.h"
#include "stacks.bpf.h"
#include "capable.h"

#define CAP_OPT_NOAUDIT (1 << 1)
#define CAP_OPT_INSETID (1 << 2)

const volatile __u32 targ_tgid = 0;
const volatile __u32 my_tgid = 0; /* capable's own checks are not shown */
const volatile bool kernel_stack = false;
const volatile bool user_stack = false;
const volatile int unique_type = CAPABLE_UNIQUE_OFF;

BPFTK_EXPORT_TYPE(event);

struct unique_key {
	__u64 id; /* tgid or cgroup id */
	__s32 cap;
	__u32 pad;
};

/* -u: what has been reported already. */
BPFTK_LRU_HASH(seen, struct unique_key, __u8, 10240);

struct args {
	__s32 cap;
	__s32 audit;
	__s32 insetid;
	__s32 kern_stack_id;
	__s32 user_stack_id;
};

/* kprobe alternative: the arguments, by thread, until the return. */
BPFTK_HASH(start, __u32, struct args, 10240);

static __always_inline bool wanted(void)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;

	if (tgid == my_tgid)
		return false;
	return id_allowed(targ_tgid, tgid) && cgroup_allowed();
}

static __always_inline void take_stacks(void *ctx, struct args *a)
{
	a->kern_stack_id = kernel_stack ? bpf_get_stackid(ctx, &stackmap, 0) : -1;
	a->user_stack_id = user_stack ? bpf_get_stackid(ctx, &stackmap, BPF_F_USER_STACK) : -1;
}

/* Already reported under -u? Marks it reported otherwise. */
static __always_inline bool reported(__s32 cap)
{
	struct unique_key k = { .cap = cap };
	__u8 one = 1;

	if (unique_type == CAPABLE_UNIQUE_OFF)
		return false;
	if (unique_type == CAPABLE_UNIQUE_PID)
		k.id = bpf_get_current_pid_tgid() >> 32;
	else
		k.id = bpf_get_current_cgroup_id();
	return bpf_map_update_elem(&seen, &k, &one, BPF_NOEXIST) != 0;
}

static __always_inline void report(struct args *a, int ret)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct event e = {};

	if (reported(a->cap))
		return;
	e.pid = id >> 32;
	e.tid = (__u32)id;
	e.uid = (__u32)bpf_get_current_uid_gid();
	e.cap = a->cap;
	e.ret = ret;
	e.audit = a->audit;
	e.insetid = a->insetid;
	e.kern_stack_id = a->kern_stack_id;
	e.user_stack_id = a->user_stack_id;
	bpf_get_current_comm(&e.comm, sizeof(e.comm));
	emit(&e, sizeof(e));
}

static __always_inline int on_tracepoint(void *ctx, int cap, int ret)
{
	struct args a = { .cap = cap, .audit = -1, .insetid = -1 };

	if (!wanted())
		return 0;
	take_stacks(ctx, &a);
	report(&a, ret);
	return 0;
}

SEC("tp_btf/cap_capable")
int BPF_PROG(tp_btf_capable, const struct cred *cred, struct user_namespace *target_ns,
	     const struct user_namespace *capable_ns, int cap, int ret)
{
	return on_tracepoint(ctx, cap, ret);
}

/* The tracepoint's record: cred, target_ns, capable_ns, cap, ret. */
struct cap_capable_record {
	struct trace_entry ent;
	const void *cred;
	const void *target_ns;
	const void *capable_ns;
	int cap;
	int ret;
};

SEC("tracepoint/capability/cap_capable")
int tp_capable(struct cap_capable_record *ctx)
{
	return on_tracepoint(ctx, ctx->cap, ctx->ret);
}

/* The fexit and kprobe alternatives: the arguments with the options. */
static __always_inline bool with_options(void *ctx, struct args *a, int cap, unsigned int opts)
{
	if (!wanted())
		return false;
	a->cap = cap;
	a->audit = (opts & CAP_OPT_NOAUDIT) == 0;
	a->insetid = (opts & CAP_OPT_INSETID) != 0;
	take_stacks(ctx, a);
	return true;
}

SEC("fexit/cap_capable")
int BPF_PROG(fexit_capable, const struct cred *cred, struct user_namespace *target_ns, int cap,
	     unsigned int opts, int ret)
{
	struct args a = {};

	if (with_options(ctx, &a, cap, opts))
		report(&a, ret);
	return 0;
}

SEC("kprobe/cap_capable")
int BPF_KPROBE(kprobe_capable, const struct cred *cred, struct user_namespace *target_ns, int cap,
	       unsigned int opts)
{
	struct args a = {};

	if (with_options(ctx, &a, cap, opts))
		thread_entry_set(&start, &a);
	return 0;
}

SEC("kretprobe/cap_capable")
int BPF_KRETPROBE(kretprobe_capable, int ret)
{
	struct args a;

	if (thread_entry_take(&start, &a))
		report(&a, ret);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
