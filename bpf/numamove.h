/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
#ifndef __NUMAMOVE_H
#define __NUMAMOVE_H

/* The counters: migrations of misplaced NUMA pages, and their time. */
#define S_MIGRATIONS 0
#define S_LATENCY_NS 1
#define S_MAXSTAT 2

#endif /* __NUMAMOVE_H */
