// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0)
/* readahead: how many pages readahead brings in that are used, and how long
 * each stayed unused before its first access. A thread is in readahead
 * between the entry and the return of page_cache_ra_unbounded or
 * page_cache_ra_order (which nest: a depth per thread); a page (folio) the
 * page cache allocates meanwhile is a readahead page, born then; its first
 * folio_mark_accessed (mark_page_accessed before 5.16) uses it. fentry and
 * fexit, else kprobes and kretprobes: no tracepoint marks an access. */
#include "bpftk.bpf.h"
#include "hist.bpf.h"
#include "readahead.h"

/* Thread id → readahead calls it is in. */
BPFTK_HASH(in_readahead, __u32, __u32, 10240);
/* Readahead page (its struct page or folio) → when it was allocated: a
 * large map, allocated as it fills, for the pages of a big readahead that
 * are not read yet. */
BPFTK_HASH_NO_PREALLOC(born, __u64, __u64, 1 << 17);
/* One for all CPUs, added to atomically. */
BPFTK_MAP(stats, BPF_MAP_TYPE_ARRAY, __u32, struct readahead_stats, 1);

static __always_inline struct readahead_stats *figures(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&stats, &zero);
}

static __always_inline int readahead_enter(void)
{
	__u32 *depth = thread_entry(&in_readahead);
	__u32 one = 1;

	if (depth)
		*depth += 1; /* this thread's entry: no other writer */
	else
		thread_entry_set(&in_readahead, &one);
	return 0;
}

static __always_inline int readahead_exit(void)
{
	__u32 *depth = thread_entry(&in_readahead);

	if (depth && *depth > 1)
		*depth -= 1;
	else if (depth)
		thread_entry_clear(&in_readahead);
	return 0;
}

static __always_inline int allocated(__u64 page)
{
	struct readahead_stats *s = figures();
	__u64 now = bpf_ktime_get_ns();

	if (!page || !s || !thread_entry(&in_readahead))
		return 0;
	if (inflight_set(&born, &page, &now))
		return 0; /* lost, and counted as lost: not in the figures */
	__sync_fetch_and_add(&s->total, 1);
	return 0;
}

static __always_inline int accessed(__u64 page)
{
	struct readahead_stats *s = figures();
	__u64 *born_ns = bpf_map_lookup_elem(&born, &page);
	__u64 now = bpf_ktime_get_ns();

	if (!born_ns || !s)
		return 0;
	if (now > *born_ns)
		hist_add_log2(&s->unused_ms, (now - *born_ns) / 1000000);
	else
		hist_add_log2(&s->unused_ms, 0);
	__sync_fetch_and_add(&s->used, 1);
	bpf_map_delete_elem(&born, &page);
	return 0;
}

/* The readahead functions, entry and return. */
#define READAHEAD_CALL(fn, name)							\
	BPFTK_FENTRY(fn, fentry_##name, readahead_enter())				\
	BPFTK_FEXIT(fn, fexit_##name, readahead_exit())					\
	BPFTK_KPROBE(fn, kprobe_##name, readahead_enter())				\
	BPFTK_KRETPROBE(fn, kretprobe_##name, readahead_exit())

READAHEAD_CALL(page_cache_ra_unbounded, ra_unbounded)
READAHEAD_CALL(page_cache_ra_order, ra_order)

/* The page cache's allocation, by its return value: filemap_alloc_folio
 * (_noprof since 6.10, which 6.19 gave a third argument: the return value
 * is read with bpf_get_func_ret, wherever it is), else __page_cache_alloc. */
SEC("fexit/filemap_alloc_folio_noprof")
int fexit_alloc_folio(__u64 *ctx)
{
	__u64 folio = 0;

	bpf_get_func_ret(ctx, &folio);
	return allocated(folio);
}

BPFTK_FEXIT(__page_cache_alloc, fexit_page_cache_alloc, allocated((__u64)page), gfp_t gfp,
	    struct page *page)
BPFTK_KRETPROBE(filemap_alloc_folio_noprof, kretprobe_alloc, allocated(PT_REGS_RC(ctx)))

/* The first access: a folio's address is its first page's. */
BPFTK_FENTRY_KPROBE(folio_mark_accessed, fentry_accessed, kprobe_accessed, accessed((__u64)page),
		    void *page)

char LICENSE[] SEC("license") = "Dual BSD/GPL";
