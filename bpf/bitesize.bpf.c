// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0)
/* bitesize: block I/O sizes as log2 histograms (Kbytes), by the name of the
 * task that issued them.
 * Hook alternatives, in order of preference:
 *   tp_btf  block_rq_issue
 *   raw_tp  block_rq_issue */
#include "bpftk.bpf.h"
#include "block.bpf.h"
#include "hist.bpf.h"
#include "bitesize.h"

const volatile __u32 targ_dev = 0;
const volatile bool filter_comm = false;
const volatile char targ_comm[16] = {};

BPFTK_HASH_NO_PREALLOC(hists, struct comm_key, struct hist, 10240);

static const struct hist zero_hist;

static __always_inline bool comm_matches(const char *comm)
{
	int i;

	for (i = 0; i < 16; i++) {
		if (comm[i] != targ_comm[i])
			return false;
		if (!comm[i])
			return true;
	}
	return true;
}

static __always_inline int on_issue(struct request *rq)
{
	struct comm_key key = {};
	struct hist *h;

	if (targ_dev && rq_dev(rq) != targ_dev)
		return 0;
	bpf_get_current_comm(&key.comm, sizeof(key.comm));
	if (filter_comm && !comm_matches(key.comm))
		return 0;
	h = lookup_or_init(&hists, &key, &zero_hist);
	if (h)
		hist_add_log2(h, BPF_CORE_READ(rq, __data_len) / 1024);
	return 0;
}

BLOCK_RQ_PROGRAMS(issue, on_issue(rq))

char LICENSE[] SEC("license") = "Dual BSD/GPL";
