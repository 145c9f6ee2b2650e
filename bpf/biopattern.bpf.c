// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0)
/* biopattern: random and sequential block I/O per disk. A request that
 * starts where the disk's previous one ended is sequential.
 * Hook alternatives, in order of preference:
 *   tp_btf  block_rq_complete
 *   raw_tp  block_rq_complete */
#include "bpftk.bpf.h"
#include "block.bpf.h"
#include "biopattern.h"

const volatile __u32 targ_dev = 0;

BPFTK_HASH(counters, __u32, struct counter, 64);

static const struct counter zero_counter;

static __always_inline int on_complete(struct request *rq, unsigned int nr_bytes)
{
	__u32 dev = rq_dev(rq);
	__u64 sector = BPF_CORE_READ(rq, __sector);
	struct counter *c;

	if (!dev || (targ_dev && dev != targ_dev))
		return 0;
	c = lookup_or_init(&counters, &dev, &zero_counter);
	if (!c)
		return 0;
	if (c->last_sector) {
		if (c->last_sector == sector)
			__sync_fetch_and_add(&c->sequential, 1);
		else
			__sync_fetch_and_add(&c->random, 1);
		__sync_fetch_and_add(&c->bytes, nr_bytes);
	}
	c->last_sector = sector + nr_bytes / 512;
	return 0;
}

BLOCK_RQ_COMPLETE_PROGRAMS(on_complete(rq, nr_bytes))

char LICENSE[] SEC("license") = "Dual BSD/GPL";
