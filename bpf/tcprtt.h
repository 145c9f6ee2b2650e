/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
#ifndef __TCPRTT_H
#define __TCPRTT_H

#include "hist.h"

/* The histograms' key: the local (-b) or remote (-B) address, else zero. */
struct rtt_key {
	__u8 addr[16];
	__u16 family;
	__u16 pad;
};

/* A histogram of smoothed RTTs, with their sum for -e. */
struct rtt_hist {
	struct hist hist;
	__u64 total;
	__u64 count;
};

#endif /* __TCPRTT_H */
