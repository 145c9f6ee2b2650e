/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
#ifndef __BIOLATENCY_H
#define __BIOLATENCY_H

#include "hist.h"

/* The histograms' key: the disk with -D, the request flags with -F. */
struct hist_key {
	__u32 dev;
	__u32 cmd_flags;
};

/* A histogram and, for -e, the total it counts. */
struct hist_ext {
	struct hist hist;
	__u64 total;
};

#endif /* __BIOLATENCY_H */
