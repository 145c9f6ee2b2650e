// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0)
/* biosnoop: one line per block I/O request, with the process that started
 * it and its latency. The process is taken where the request starts
 * (block_io_start since 6.5, else its insertion into the OS queue), and at
 * issue for a request issued directly, in the submitter's context. */
#include "bpftk.bpf.h"
#include "block.bpf.h"
#include "cgroup.bpf.h"
#include "biosnoop.h"

const volatile __u32 targ_dev = 0; /* 0: every disk */

BPFTK_EXPORT_TYPE(event);

/* A request in flight: who started it, when it was started and issued. */
struct stage {
	__u64 start_ns;
	__u64 issue_ns;
	__u64 sector;
	__u32 len;
	__u32 pid;
	char comm[BIOSNOOP_COMM_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, struct request *);
	__type(value, struct stage);
} start SEC(".maps");

static __always_inline bool wanted(struct request *rq)
{
	return cgroup_allowed() && (!targ_dev || rq_dev(rq) == targ_dev);
}

/* Where the request starts, in the context of the task that asked for it. */
static __always_inline int on_start(struct request *rq)
{
	struct stage s = {};

	if (!wanted(rq))
		return 0;
	s.start_ns = bpf_ktime_get_ns();
	s.pid = bpf_get_current_pid_tgid() >> 32;
	bpf_get_current_comm(s.comm, sizeof(s.comm));
	/* A full map loses the request: counted, as a lost event. */
	if (bpf_map_update_elem(&start, &rq, &s, BPF_ANY))
		count_dropped();
	return 0;
}

static __always_inline int on_issue(struct request *rq)
{
	struct stage *s = bpf_map_lookup_elem(&start, &rq);
	struct stage fresh = {};

	if (s) {
		s->issue_ns = bpf_ktime_get_ns();
		s->sector = BPF_CORE_READ(rq, __sector);
		s->len = BPF_CORE_READ(rq, __data_len);
		return 0;
	}
	/* Issued with no start seen: directly, in the submitter's context. */
	if (!wanted(rq))
		return 0;
	fresh.issue_ns = bpf_ktime_get_ns();
	fresh.sector = BPF_CORE_READ(rq, __sector);
	fresh.len = BPF_CORE_READ(rq, __data_len);
	fresh.pid = bpf_get_current_pid_tgid() >> 32;
	bpf_get_current_comm(fresh.comm, sizeof(fresh.comm));
	if (bpf_map_update_elem(&start, &rq, &fresh, BPF_ANY))
		count_dropped();
	return 0;
}

static __always_inline int on_complete(struct request *rq)
{
	struct stage *s = bpf_map_lookup_elem(&start, &rq);
	struct event e = {};

	if (!s)
		return 0;
	if (!s->issue_ns) {
		/* Completed without an issue seen (started before tracing). */
		bpf_map_delete_elem(&start, &rq);
		return 0;
	}
	e.ts_ns = bpf_ktime_get_ns();
	e.delta_ns = e.ts_ns - s->issue_ns;
	e.qdelta_ns = s->start_ns ? s->issue_ns - s->start_ns : 0;
	e.sector = s->sector;
	e.len = s->len;
	e.pid = s->pid;
	__builtin_memcpy(e.comm, s->comm, sizeof(e.comm));
	e.dev = rq_dev(rq);
	e.cmd_flags = BPF_CORE_READ(rq, cmd_flags);
	bpf_map_delete_elem(&start, &rq);
	emit(&e, sizeof(e));
	return 0;
}

SEC("tp_btf/block_io_start")
int BPF_PROG(tp_btf_io_start, struct request *rq)
{
	return on_start(rq);
}

SEC("raw_tp/block_io_start")
int BPF_PROG(raw_io_start, struct request *rq)
{
	return on_start(rq);
}

SEC("tp_btf/block_rq_insert")
int tp_btf_insert(__u64 *ctx)
{
	return on_start(BLOCK_RQ_ARG(ctx));
}

SEC("raw_tp/block_rq_insert")
int raw_insert(struct bpf_raw_tracepoint_args *ctx)
{
	return on_start(BLOCK_RQ_ARG(ctx->args));
}

SEC("tp_btf/block_rq_issue")
int tp_btf_issue(__u64 *ctx)
{
	return on_issue(BLOCK_RQ_ARG(ctx));
}

SEC("raw_tp/block_rq_issue")
int raw_issue(struct bpf_raw_tracepoint_args *ctx)
{
	return on_issue(BLOCK_RQ_ARG(ctx->args));
}

SEC("tp_btf/block_rq_complete")
int BPF_PROG(tp_btf_complete, struct request *rq, int error, unsigned int nr_bytes)
{
	return on_complete(rq);
}

SEC("raw_tp/block_rq_complete")
int BPF_PROG(raw_complete, struct request *rq, int error, unsigned int nr_bytes)
{
	return on_complete(rq);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
