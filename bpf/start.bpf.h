/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
/* `start`: when each thread (by thread id) began what a tool times: a call,
 * a wait in the run queue, a slice on or off a CPU. Include after
 * bpftk.bpf.h. */
#ifndef __BPFTK_START_BPF_H
#define __BPFTK_START_BPF_H

BPFTK_HASH(start, __u32, __u64, 10240);

static __always_inline void start_at(__u32 tid, __u64 ts)
{
	inflight_set(&start, &tid, &ts);
}

static __always_inline void start_now(__u32 tid)
{
	start_at(tid, bpf_ktime_get_ns());
}

/* Take `tid`'s start (its entry is deleted): *delta is the time from it to
 * `now`, negative when the clock went back. False when there was none. */
static __always_inline bool start_take(__u32 tid, __u64 now, __s64 *delta)
{
	__u64 *tsp = bpf_map_lookup_elem(&start, &tid);

	if (!tsp)
		return false;
	*delta = now - *tsp;
	bpf_map_delete_elem(&start, &tid);
	return true;
}

#endif /* __BPFTK_START_BPF_H */
