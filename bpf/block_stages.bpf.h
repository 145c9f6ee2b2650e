/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
/* Block I/O requests followed from their start to their completion, for
 * the tools that report per request (biosnoop) or per process (biotop):
 * who started the request (at block_io_start since 6.5, else where it
 * entered the OS queue, else at a direct issue in the submitter's context),
 * when it was started and issued, its sector and size.
 *
 * A tool defines `static bool rq_wanted(struct request *rq)` and
 * `static void rq_done(struct request *rq, struct rq_stage *s, __u64 now)`,
 * includes this header, and gets every program of libtools'
 * disks::stage_hooks(). With BLOCK_STAGE_STACKS defined (and stacks.bpf.h
 * included), each request also keeps the kernel stack that started it. */
#ifndef __BPFTK_BLOCK_STAGES_BPF_H
#define __BPFTK_BLOCK_STAGES_BPF_H

#include "block.bpf.h"

struct rq_stage {
	__u64 start_ns; /* 0: issued directly */
	__u64 issue_ns; /* 0: not issued yet */
	__u64 sector;
	__u32 len;
	__u32 pid;
	__s32 stack_id; /* with BLOCK_STAGE_STACKS */
	char comm[BPFTK_COMM_LEN];
};

BPFTK_HASH(rq_stages, struct request *, struct rq_stage, 10240);

static __always_inline bool rq_wanted(struct request *rq);
static __always_inline void rq_done(struct request *rq, struct rq_stage *s, __u64 now);

static __always_inline void rq_stage_new(void *ctx, struct request *rq, struct rq_stage *s)
{
	s->pid = bpf_get_current_pid_tgid() >> 32;
	bpf_get_current_comm(s->comm, sizeof(s->comm));
#ifdef BLOCK_STAGE_STACKS
	s->stack_id = bpf_get_stackid(ctx, &stackmap, 0);
#endif
	inflight_set(&rq_stages, &rq, s);
}

static __always_inline int rq_on_start(void *ctx, struct request *rq)
{
	struct rq_stage s = {};

	if (!rq_wanted(rq))
		return 0;
	s.start_ns = bpf_ktime_get_ns();
	rq_stage_new(ctx, rq, &s);
	return 0;
}

static __always_inline int rq_on_issue(void *ctx, struct request *rq)
{
	struct rq_stage *s = bpf_map_lookup_elem(&rq_stages, &rq);
	struct rq_stage fresh = {};

	if (s) {
		s->issue_ns = bpf_ktime_get_ns();
		s->sector = BPF_CORE_READ(rq, __sector);
		s->len = BPF_CORE_READ(rq, __data_len);
		return 0;
	}
	if (!rq_wanted(rq))
		return 0;
	fresh.issue_ns = bpf_ktime_get_ns();
	fresh.sector = BPF_CORE_READ(rq, __sector);
	fresh.len = BPF_CORE_READ(rq, __data_len);
	rq_stage_new(ctx, rq, &fresh);
	return 0;
}

static __always_inline int rq_on_complete(struct request *rq)
{
	struct rq_stage *s = bpf_map_lookup_elem(&rq_stages, &rq);

	if (!s)
		return 0;
	/* Issued before tracing began: no issue time to count from. */
	if (s->issue_ns)
		rq_done(rq, s, bpf_ktime_get_ns());
	bpf_map_delete_elem(&rq_stages, &rq);
	return 0;
}

BLOCK_TP_PROGRAMS(block_io_start, io_start, rq_on_start(ctx, rq), struct request *rq)
BLOCK_RQ_PROGRAMS(insert, rq_on_start(ctx, rq))
BLOCK_RQ_PROGRAMS(issue, rq_on_issue(ctx, rq))
BLOCK_RQ_COMPLETE_PROGRAMS(rq_on_complete(rq))

#endif /* __BPFTK_BLOCK_STAGES_BPF_H */
