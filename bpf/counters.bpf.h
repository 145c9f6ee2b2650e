/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
/* Counters that user space reads every interval (vfsstat, cachestat). */
#ifndef __BPFTK_COUNTERS_BPF_H
#define __BPFTK_COUNTERS_BPF_H

/* `stats`, `n` u64 counters per CPU (so that counting costs no shared cache
 * line; user space sums the CPUs and prints the difference from the last
 * interval), count(stat), which adds one, and count_n(stat, by), by. */
#define BPFTK_COUNTERS(n)							\
	BPFTK_MAP(stats, BPF_MAP_TYPE_PERCPU_ARRAY, __u32, __u64, n);		\
										\
	static __always_inline int count_n(__u32 stat, __u64 by)		\
	{									\
		__u64 *v = bpf_map_lookup_elem(&stats, &stat);			\
										\
		if (v)								\
			*v += by; /* this CPU's slot: no other writer */		\
		return 0;							\
	}									\
										\
	static __always_inline int count(__u32 stat)				\
	{									\
		return count_n(stat, 1);					\
	}

#endif /* __BPFTK_COUNTERS_BPF_H */
