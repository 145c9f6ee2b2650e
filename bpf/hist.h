/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
/* A log2 histogram as the summary tools keep it in a map value and
 * libtools::hist prints it: slot i counts values in [2^i, 2^(i+1)), slot 0
 * also counts 0. 64-bit counts, so a long run cannot wrap them. */
#ifndef __BPFTK_HIST_H
#define __BPFTK_HIST_H

#define BPFTK_HIST_SLOTS 32

struct hist {
	__u64 slots[BPFTK_HIST_SLOTS];
	char comm[16]; /* the first task seen for a per-process/thread key */
};

#endif /* __BPFTK_HIST_H */
