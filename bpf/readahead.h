/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
#ifndef __READAHEAD_H
#define __READAHEAD_H

#include "hist.h"

/* Pages (folios) readahead allocated, those of them accessed since, and the
 * log2 histogram of milliseconds each of those stayed unused. */
struct readahead_stats {
	__u64 total;
	__u64 used;
	struct hist unused_ms;
};

#endif /* __READAHEAD_H */
