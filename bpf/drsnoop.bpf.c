// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0)
/* drsnoop: direct reclaim, a task reclaiming pages itself because its
 * allocation found too few free: the whole system's (global) or its memory
 * cgroup's (at the cgroup's limit), with the time it took.
 * Hook alternatives, in order of preference:
 *   tp_btf  mm_vmscan_direct_reclaim_begin/end, mm_vmscan_memcg_reclaim_begin/end
 *   raw_tp  the same tracepoints */
#include "bpftk.bpf.h"
#include "drsnoop.h"

const volatile __u32 targ_tgid = 0;
const volatile __u32 targ_tid = 0;
const volatile __u32 targ_uid = BPFTK_INVALID_UID;
/* -e: the address of vm_zone_stat (from /proc/kallsyms), else 0. */
const volatile __u64 vm_zone_stat_kaddr = 0;

struct begin {
	__u64 ts_ns;
	__u64 nr_free_pages;
};

/* Reclaims in flight, by thread: one a thread, as a reclaim cannot nest
 * (the reclaiming task allocates with PF_MEMALLOC). */
BPFTK_HASH(begins, __u32, struct begin, 8192);

BPFTK_EXPORT_TYPE(event);

static __always_inline int on_begin(void)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;
	struct begin b = {};
	long *stat = (long *)vm_zone_stat_kaddr;
	long free = 0;

	if (!id_allowed(targ_tgid, id >> 32) || !id_allowed(targ_tid, tid) ||
	    !uid_allowed(targ_uid, (__u32)bpf_get_current_uid_gid()))
		return 0;
	b.ts_ns = bpf_ktime_get_ns();
	if (stat) {
		bpf_probe_read_kernel(&free, sizeof(free),
				      &stat[bpf_core_enum_value(enum zone_stat_item, NR_FREE_PAGES)]);
		b.nr_free_pages = free > 0 ? free : 0;
	}
	inflight_set(&begins, &tid, &b);
	return 0;
}

static __always_inline int on_end(unsigned long nr_reclaimed, __u32 kind)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct begin *b = thread_entry(&begins);
	struct event e = {};

	if (!b)
		return 0; /* begun before the tool attached, or filtered out */
	e.ts_ns = bpf_ktime_get_ns();
	e.delta_ns = e.ts_ns - b->ts_ns;
	e.nr_free_pages = b->nr_free_pages;
	thread_entry_clear(&begins);
	e.nr_reclaimed = nr_reclaimed;
	e.pid = id >> 32;
	e.tid = (__u32)id;
	e.uid = (__u32)bpf_get_current_uid_gid();
	e.kind = kind;
	bpf_get_current_comm(&e.comm, sizeof(e.comm));
	emit(&e, sizeof(e));
	return 0;
}

/* The four programs of one hook kind (tp_btf, raw_tp), named PREFIX_... */
#define RECLAIM_PROGRAMS(kind, prefix)						\
	SEC(#kind "/mm_vmscan_direct_reclaim_begin")				\
	int BPF_PROG(prefix##_direct_begin) { return on_begin(); }		\
	SEC(#kind "/mm_vmscan_direct_reclaim_end")				\
	int BPF_PROG(prefix##_direct_end, unsigned long nr_reclaimed)		\
	{									\
		return on_end(nr_reclaimed, DRSNOOP_GLOBAL);			\
	}									\
	SEC(#kind "/mm_vmscan_memcg_reclaim_begin")				\
	int BPF_PROG(prefix##_memcg_begin) { return on_begin(); }		\
	SEC(#kind "/mm_vmscan_memcg_reclaim_end")				\
	int BPF_PROG(prefix##_memcg_end, unsigned long nr_reclaimed)		\
	{									\
		return on_end(nr_reclaimed, DRSNOOP_MEMCG);			\
	}

RECLAIM_PROGRAMS(tp_btf, tp_btf)
RECLAIM_PROGRAMS(raw_tp, raw)

char LICENSE[] SEC("license") = "Dual BSD/GPL";
