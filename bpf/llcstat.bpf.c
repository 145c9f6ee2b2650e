// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0)
/* llcstat: last-level cache references and misses by CPU and process,
 * sampled: a hardware perf event per CPU runs a program once every
 * sample_period events, which adds the period to the sampled task's count. */
#include "bpftk.bpf.h"
#include "llcstat.h"

/* -t: one count per thread, not per process. */
const volatile bool targ_per_thread = false;

BPFTK_HASH(counts, struct llc_key, struct llc_counts, LLCSTAT_MAX_ENTRIES);

BPFTK_EXPORT_TYPE(llc_key);
BPFTK_EXPORT_TYPE(llc_counts);

static __always_inline int sample(__u64 period, bool miss)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct llc_key key = {};
	struct llc_counts zero = {}, *c;

	key.cpu = bpf_get_smp_processor_id();
	key.pid = id >> 32;
	key.tid = targ_per_thread ? (__u32)id : key.pid;
	c = lookup_or_init(&counts, &key, &zero);
	if (!c) {
		count_dropped(); /* the map is full */
		return 0;
	}
	if (miss)
		__sync_fetch_and_add(&c->misses, period);
	else
		__sync_fetch_and_add(&c->refs, period);
	bpf_get_current_comm(&c->comm, sizeof(c->comm));
	return 0;
}

SEC("perf_event")
int on_cache_miss(struct bpf_perf_event_data *ctx)
{
	return sample(ctx->sample_period, true);
}

SEC("perf_event")
int on_cache_ref(struct bpf_perf_event_data *ctx)
{
	return sample(ctx->sample_period, false);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
