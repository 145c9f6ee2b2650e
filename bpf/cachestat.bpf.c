// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0)
/* cachestat: page cache counters, read by user space each interval. Each
 * counter is an fentry or kprobe program at the kernel function that
 * libbpf-tools counts (attached by hook selection to whichever name this
 * kernel has: folio_mark_accessed or mark_page_accessed, ...), or a
 * tracepoint in that same function where the kernel offers one: every
 * counter but the accesses has one. */
#include "bpftk.bpf.h"
#include "counters.bpf.h"
#include "cachestat.h"

BPFTK_COUNTERS(C_MAX)

BPFTK_FENTRY_KPROBE(folio_mark_accessed, fentry_accessed, kprobe_accessed, count(C_ACCESSED))
BPFTK_FENTRY_KPROBE(filemap_add_folio, fentry_added, kprobe_added, count(C_ADDED))
BPFTK_FENTRY_KPROBE(folio_account_dirtied, fentry_dirtied, kprobe_dirtied, count(C_DIRTIED))
BPFTK_FENTRY_KPROBE(mark_buffer_dirty, fentry_buffer_dirtied, kprobe_buffer_dirtied,
		    count(C_BUFFER_DIRTIED))

/* __filemap_add_folio (__add_to_page_cache_locked before 5.16). */
SEC("tracepoint/filemap/mm_filemap_add_to_page_cache")
int tp_added(void *ctx)
{
	return count(C_ADDED);
}

/* folio_account_dirtied: writeback_dirty_folio, writeback_dirty_page
 * before 5.17; hook selection attaches this to the one there is. */
SEC("tracepoint/writeback/writeback_dirty_folio")
int tp_dirtied(void *ctx)
{
	return count(C_DIRTIED);
}

/* mark_buffer_dirty. */
SEC("tracepoint/block/block_dirty_buffer")
int tp_buffer_dirtied(void *ctx)
{
	return count(C_BUFFER_DIRTIED);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
