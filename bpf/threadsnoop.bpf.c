// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0)
/* threadsnoop: threads created with pthread_create(3). Hook: a uprobe on
 * pthread_create in the C library; its third argument is the new thread's
 * start function, named by user space in the calling process. */
#include "bpftk.bpf.h"
#include "threadsnoop.h"

const volatile __u32 targ_tgid = 0;

BPFTK_EXPORT_TYPE(event);

SEC("uprobe")
int BPF_UPROBE(uprobe_pthread_create, void *thread, const void *attr, void *start_routine)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct event e = {};

	if (targ_tgid && targ_tgid != id >> 32)
		return 0;
	e.ts_ns = bpf_ktime_get_ns();
	e.start = (__u64)start_routine;
	e.pid = id >> 32;
	e.tid = (__u32)id;
	bpf_get_current_comm(&e.comm, sizeof(e.comm));
	emit(&e, sizeof(e));
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
