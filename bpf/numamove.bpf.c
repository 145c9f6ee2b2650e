// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0)
/* numamove: migrations of pages that NUMA balancing found on the wrong
 * node, and the time they took, in per-CPU counters user space reads every
 * interval.
 * Hook alternatives, in order of preference:
 *   fentry+fexit  migrate_misplaced_folio (6.x), else migrate_misplaced_page,
 *                 as libbpf-tools: each call from its entry to its return
 *   kprobe+kretprobe  the same functions
 *   tracepoint    migrate:mm_migrate_pages_start to migrate:mm_migrate_pages
 *                 where the reason is MR_NUMA_MISPLACED: the migration
 *                 proper, without the isolation of the page before it */
#include "bpftk.bpf.h"
#include "counters.bpf.h"
#include "numamove.h"

BPFTK_COUNTERS(S_MAXSTAT);
BPFTK_HASH(start, __u32, __u64, 10240);

static __always_inline int begin(void)
{
	__u64 ts = bpf_ktime_get_ns();

	thread_entry_set(&start, &ts);
	return 0;
}

static __always_inline int end(void)
{
	__u64 ts;

	if (!thread_entry_take(&start, &ts))
		return 0;
	count(S_MIGRATIONS);
	count_n(S_LATENCY_NS, bpf_ktime_get_ns() - ts);
	return 0;
}

/* The target is set at run time: migrate_misplaced_folio or _page. */
BPFTK_FENTRY(migrate_misplaced_folio, fentry_migrate, begin())
BPFTK_FEXIT(migrate_misplaced_folio, fexit_migrate, end())
BPFTK_KPROBE(migrate_misplaced_folio, kprobe_migrate, begin())
BPFTK_KRETPROBE(migrate_misplaced_folio, kretprobe_migrate, end())

/* The reason's number differs across releases: CO-RE finds it. */
static __always_inline bool numa_misplaced(int reason)
{
	return reason == bpf_core_enum_value(enum migrate_reason, MR_NUMA_MISPLACED);
}

SEC("tracepoint/migrate/mm_migrate_pages_start")
int tp_migrate_start(struct trace_event_raw_mm_migrate_pages_start *ctx)
{
	return numa_misplaced(BPF_CORE_READ(ctx, reason)) ? begin() : 0;
}

SEC("tracepoint/migrate/mm_migrate_pages")
int tp_migrate_done(struct trace_event_raw_mm_migrate_pages *ctx)
{
	return numa_misplaced(BPF_CORE_READ(ctx, reason)) ? end() : 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
