// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0)
/* biolatency: block I/O latency, from issue (or with -Q insertion into the
 * OS queue) to completion, as log2 histograms.
 * Hook alternatives, in order of preference:
 *   tp_btf  block_rq_insert, block_rq_issue, block_rq_complete
 *   raw_tp  the same tracepoints */
#include "bpftk.bpf.h"
#include "block.bpf.h"
#include "cgroup.bpf.h"
#include "hist.bpf.h"
#include "biolatency.h"

const volatile bool targ_per_disk = false;
const volatile bool targ_per_flag = false;
const volatile bool targ_queued = false;
const volatile bool targ_ms = false;
const volatile __u32 targ_dev = 0; /* 0: every disk */

BPFTK_HASH(start, struct request *, __u64, 10240);

BPFTK_HASH_NO_PREALLOC(hists, struct hist_key, struct hist_ext, 1024);

static const struct hist_ext zero_hist;

/* With -Q a request is timed from its insertion into the OS queue; one that
 * is issued without being queued (blk-mq's direct issue) from its issue. */
static __always_inline int trace_start(struct request *rq, bool insert)
{
	__u64 flags = targ_queued && !insert ? BPF_NOEXIST : BPF_ANY;
	__u64 ts;

	if (insert && !targ_queued)
		return 0;
	if (!cgroup_allowed())
		return 0;
	if (targ_dev && rq_dev(rq) != targ_dev)
		return 0;
	ts = bpf_ktime_get_ns();
	bpf_map_update_elem(&start, &rq, &ts, flags);
	return 0;
}

static __always_inline int trace_done(struct request *rq)
{
	struct hist_key key = {};
	struct hist_ext *h;
	__u64 *tsp, delta;

	tsp = bpf_map_lookup_elem(&start, &rq);
	if (!tsp)
		return 0;
	delta = bpf_ktime_get_ns() - *tsp;
	bpf_map_delete_elem(&start, &rq);
	if ((__s64)delta < 0)
		return 0;
	if (targ_per_disk)
		key.dev = rq_dev(rq);
	if (targ_per_flag)
		key.cmd_flags = BPF_CORE_READ(rq, cmd_flags);
	h = lookup_or_init(&hists, &key, &zero_hist);
	if (!h)
		return 0;
	delta /= targ_ms ? 1000000 : 1000;
	hist_add_log2(&h->hist, delta);
	__sync_fetch_and_add(&h->total, delta);
	return 0;
}

BLOCK_RQ_PROGRAMS(insert, trace_start(rq, true))
BLOCK_RQ_PROGRAMS(issue, trace_start(rq, false))
BLOCK_RQ_COMPLETE_PROGRAMS(trace_done(rq))

char LICENSE[] SEC("license") = "Dual BSD/GPL";
