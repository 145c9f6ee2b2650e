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

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, struct request *);
	__type(value, __u64);
} start SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct hist_key);
	__type(value, struct hist_ext);
} hists SEC(".maps");

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

SEC("tp_btf/block_rq_insert")
int tp_btf_insert(__u64 *ctx)
{
	return trace_start(BLOCK_RQ_ARG(ctx), true);
}

SEC("tp_btf/block_rq_issue")
int tp_btf_issue(__u64 *ctx)
{
	return trace_start(BLOCK_RQ_ARG(ctx), false);
}

SEC("tp_btf/block_rq_complete")
int BPF_PROG(tp_btf_complete, struct request *rq, int error, unsigned int nr_bytes)
{
	return trace_done(rq);
}

SEC("raw_tp/block_rq_insert")
int raw_insert(struct bpf_raw_tracepoint_args *ctx)
{
	return trace_start(BLOCK_RQ_ARG(ctx->args), true);
}

SEC("raw_tp/block_rq_issue")
int raw_issue(struct bpf_raw_tracepoint_args *ctx)
{
	return trace_start(BLOCK_RQ_ARG(ctx->args), false);
}

SEC("raw_tp/block_rq_complete")
int BPF_PROG(raw_complete, struct request *rq, int error, unsigned int nr_bytes)
{
	return trace_done(rq);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
