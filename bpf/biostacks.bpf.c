// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0)
/* biostacks: block I/O latency as log2 histograms by the process, disk and
 * kernel stack that started the I/O (the request's stages:
 * block_stages.bpf.h, with its stack). */
#include "bpftk.bpf.h"
#include "stacks.bpf.h"
#define BLOCK_STAGE_STACKS
#include "block_stages.bpf.h"
#include "hist.bpf.h"
#include "biostacks.h"

const volatile __u32 targ_dev = 0; /* 0: every disk */
const volatile bool targ_ms = false;

BPFTK_HASH(hists, struct stack_key, struct hist, 10240);

static const struct hist zero_hist;

static __always_inline bool rq_wanted(struct request *rq)
{
	return !targ_dev || rq_dev(rq) == targ_dev;
}

static __always_inline void rq_done(struct request *rq, struct rq_stage *s, __u64 now)
{
	struct stack_key key = {};
	struct hist *h;

	key.pid = s->pid;
	key.dev = rq_dev(rq);
	key.kern_stack_id = s->stack_id;
	__builtin_memcpy(key.comm, s->comm, sizeof(key.comm));
	h = lookup_or_init(&hists, &key, &zero_hist);
	if (!h) {
		count_dropped(); /* the map is full: this I/O is lost */
		return;
	}
	hist_add_log2(h, (now - s->issue_ns) / (targ_ms ? 1000000 : 1000));
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
