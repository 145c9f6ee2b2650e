// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0)
/* exitsnoop: process and thread exits with their exit codes and ages.
 * Hook alternatives, in order of preference:
 *   tp_btf      sched_process_exit  (the task is its argument)
 *   tracepoint  sched:sched_process_exit  (the task through bpf_get_current_task + CO-RE) */
#include "bpftk.bpf.h"
#include "cgroup.bpf.h"
#include "exitsnoop.h"

const volatile __u32 targ_tgid = 0;
const volatile bool targ_failed = false;
const volatile bool trace_by_process = true;

BPFTK_EXPORT_TYPE(event);

static __always_inline int trace_exit(struct task_struct *task)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = id >> 32, pid = (__u32)id;
	struct event e = {};
	int exit_code;

	if (targ_tgid && targ_tgid != tgid)
		return 0;
	/* By process: only the thread-group leader's exit, the process ending. */
	if (trace_by_process && pid != tgid)
		return 0;
	if (!cgroup_allowed())
		return 0;
	exit_code = BPF_CORE_READ(task, exit_code);
	if (targ_failed && exit_code == 0)
		return 0;

	e.age_ns = bpf_ktime_get_ns() - BPF_CORE_READ(task, start_time);
	e.pid = tgid;
	e.tid = pid;
	e.ppid = BPF_CORE_READ(task, real_parent, tgid);
	e.exit_code = exit_code;
	bpf_get_current_comm(&e.comm, sizeof(e.comm));
	emit(&e, sizeof(e));
	return 0;
}

/* The exiting task is current; its argument, not bpf_get_current_task_btf()
 * (5.11+: 5.10 rejects the program, found by scripts/test-kernels). */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(tp_btf_exit, struct task_struct *p)
{
	return trace_exit(p);
}

SEC("tracepoint/sched/sched_process_exit")
int tp_exit(void *ctx)
{
	return trace_exit((struct task_struct *)bpf_get_current_task());
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
