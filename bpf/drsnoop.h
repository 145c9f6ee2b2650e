/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
#ifndef __DRSNOOP_H
#define __DRSNOOP_H

/* Which reclaim a task did itself, stalled in an allocation. */
#define DRSNOOP_GLOBAL 0 /* the system was short of free pages */
#define DRSNOOP_MEMCG 1  /* its memory cgroup was at its limit */

/* One direct reclaim, sent when it ends. */
struct event {
	__u64 ts_ns;         /* bpf_ktime_get_ns() at the end */
	__u64 delta_ns;      /* from its beginning */
	__u64 nr_reclaimed;  /* pages */
	__u64 nr_free_pages; /* the system's, at its beginning (-e), else 0 */
	__u32 pid;
	__u32 tid;
	__u32 uid;
	__u32 kind;          /* DRSNOOP_GLOBAL or DRSNOOP_MEMCG */
	char comm[16];
};

#endif /* __DRSNOOP_H */
