// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0)
/* funclatency: a function's latency, entry to return, as a log2 histogram.
 * The function is given at run time; one program pair per kind of probe:
 *   uprobe + uretprobe   a user function
 *   fentry + fexit       a kernel function (where the kernel allows it)
 *   kprobe + kretprobe   a kernel function */
#include "bpftk.bpf.h"
#include "cgroup.bpf.h"
#include "hist.bpf.h"
#include "start.bpf.h"
#include "funclatency.h"

#define UNIT_NS 0
#define UNIT_US 1
#define UNIT_MS 2

const volatile __u32 targ_tgid = 0;
const volatile int units = UNIT_NS;

BPFTK_MAP(latencies, BPF_MAP_TYPE_ARRAY, __u32, struct latency, 1);

static __always_inline int entry(void)
{
	__u64 id = bpf_get_current_pid_tgid();

	if (id_allowed(targ_tgid, id >> 32) && cgroup_allowed())
		start_now((__u32)id);
	return 0;
}

static __always_inline int exit(void)
{
	__u32 zero = 0;
	struct latency *l;
	__s64 delta;

	if (!start_take((__u32)bpf_get_current_pid_tgid(), bpf_ktime_get_ns(), &delta) ||
	    delta < 0)
		return 0;
	if (units == UNIT_US)
		delta /= 1000;
	else if (units == UNIT_MS)
		delta /= 1000000;
	l = bpf_map_lookup_elem(&latencies, &zero);
	if (!l)
		return 0;
	hist_add_log2(&l->hist, delta);
	__sync_fetch_and_add(&l->total, delta);
	__sync_fetch_and_add(&l->count, 1);
	return 0;
}

SEC("uprobe")
int uprobe_entry(struct pt_regs *ctx) { return entry(); }
SEC("uretprobe")
int uretprobe_exit(struct pt_regs *ctx) { return exit(); }
SEC("kprobe")
int kprobe_entry(struct pt_regs *ctx) { return entry(); }
SEC("kretprobe")
int kretprobe_exit(struct pt_regs *ctx) { return exit(); }
SEC("fentry")
int BPF_PROG(fentry_entry) { return entry(); }
SEC("fexit")
int BPF_PROG(fexit_exit) { return exit(); }

char LICENSE[] SEC("license") = "Dual BSD/GPL";
