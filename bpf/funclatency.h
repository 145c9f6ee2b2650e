/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
#ifndef __FUNCLATENCY_H
#define __FUNCLATENCY_H

#include "hist.h"

/* The one histogram, and the total and count for the average. */
struct latency {
	struct hist hist;
	__u64 total;
	__u64 count;
};

#endif /* __FUNCLATENCY_H */
