/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
#ifndef __BITESIZE_H
#define __BITESIZE_H

#include "hist.h"

/* I/O sizes are kept by the name of the task that issued them. */
struct comm_key {
	char comm[16];
};

#endif /* __BITESIZE_H */
