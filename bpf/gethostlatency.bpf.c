// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0)
/* gethostlatency: how long getaddrinfo(), gethostbyname() and
 * gethostbyname2() take. Hook: a uprobe and a uretprobe on each of them in
 * libc; the entry keeps the name looked up by thread, the return sends it
 * with the latency. */
#include "bpftk.bpf.h"
#include "gethostlatency.h"

const volatile __u32 targ_tgid = 0;

BPFTK_HASH(lookups, __u32, struct event, 10240);
BPFTK_SCRATCH(struct event);

SEC("uprobe")
int BPF_UPROBE(uprobe_lookup, const char *name)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct event *e;

	/* getaddrinfo(NULL, service, ...) resolves no host. */
	if (!name || !id_allowed(targ_tgid, id >> 32))
		return 0;
	e = percpu_slot(&scratch);
	if (!e)
		return 0;
	e->pid = id >> 32;
	e->tid = (__u32)id;
	bpf_get_current_comm(&e->comm, sizeof(e->comm));
	e->len = read_user_path(e->host, sizeof(e->host), name, &e->truncated);
	e->start_ns = bpf_ktime_get_ns();
	thread_entry_set(&lookups, e);
	return 0;
}

SEC("uretprobe")
int uretprobe_lookup(struct pt_regs *ctx)
{
	struct event *e = thread_entry(&lookups);

	if (!e)
		return 0;
	e->start_ns = bpf_ktime_get_ns() - e->start_ns;
	emit(e, sizeof(*e));
	thread_entry_clear(&lookups);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
