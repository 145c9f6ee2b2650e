/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
/* Filling a struct hist (hist.h) from BPF. */
#ifndef __BPFTK_HIST_BPF_H
#define __BPFTK_HIST_BPF_H

#include "hist.h"

_Static_assert((BPFTK_HIST_SLOTS & (BPFTK_HIST_SLOTS - 1)) == 0,
	       "the slot mask below needs a power of two");

/* floor(log2(v)) for v > 0, and 0 for 0. */
static __always_inline __u32 log2_u32(__u32 v)
{
	__u32 r, shift;

	r = (v > 0xFFFF) << 4; v >>= r;
	shift = (v > 0xFF) << 3; v >>= shift; r |= shift;
	shift = (v > 0xF) << 2; v >>= shift; r |= shift;
	shift = (v > 0x3) << 1; v >>= shift; r |= shift;
	r |= (v >> 1);
	return r;
}

static __always_inline __u32 log2_u64(__u64 v)
{
	__u32 hi = v >> 32;

	return hi ? log2_u32(hi) + 32 : log2_u32(v);
}

/* Count one in slots[slot], the slot clamped to the last. The mask after
 * the clamp is a no-op, but the bound older verifiers (6.1) can follow:
 * they lose the clamp's when clang compares in 32 bits and indexes in 64;
 * the empty asm keeps clang from dropping the mask as redundant. */
static __always_inline void hist_count(struct hist *h, __u64 slot)
{
	if (slot >= BPFTK_HIST_SLOTS)
		slot = BPFTK_HIST_SLOTS - 1;
	asm volatile("" : "+r"(slot));
	slot &= BPFTK_HIST_SLOTS - 1;
	__sync_fetch_and_add(&h->slots[slot], 1);
}

/* Count `value` in its log2 slot (the last slot takes everything above). */
static __always_inline void hist_add_log2(struct hist *h, __u64 value)
{
	hist_count(h, log2_u64(value));
}

/* Count `value` in slot value/step (linear histograms). */
static __always_inline void hist_add_linear(struct hist *h, __u64 value, __u64 step)
{
	hist_count(h, value / step);
}

#endif /* __BPFTK_HIST_BPF_H */
