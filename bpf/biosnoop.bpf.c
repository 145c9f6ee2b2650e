// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0)
/* biosnoop: one line per block I/O request, with the process that started
 * it and its latency (the request's stages: block_stages.bpf.h). */
#include "bpftk.bpf.h"
#include "cgroup.bpf.h"
#include "block_stages.bpf.h"
#include "biosnoop.h"

const volatile __u32 targ_dev = 0; /* 0: every disk */

BPFTK_EXPORT_TYPE(event);

static __always_inline bool rq_wanted(struct request *rq)
{
	return cgroup_allowed() && (!targ_dev || rq_dev(rq) == targ_dev);
}

static __always_inline void rq_done(struct request *rq, struct rq_stage *s, __u64 now)
{
	struct event e = {};

	e.ts_ns = now;
	e.delta_ns = now - s->issue_ns;
	e.qdelta_ns = s->start_ns ? s->issue_ns - s->start_ns : 0;
	e.sector = s->sector;
	e.len = s->len;
	e.pid = s->pid;
	__builtin_memcpy(e.comm, s->comm, sizeof(e.comm));
	e.dev = rq_dev(rq);
	e.cmd_flags = BPF_CORE_READ(rq, cmd_flags);
	emit(&e, sizeof(e));
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
