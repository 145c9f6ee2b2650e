/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
#ifndef __CACHESTAT_H
#define __CACHESTAT_H

/* The counters: page cache accesses, pages added to the page cache,
 * pages dirtied, buffers dirtied. */
#define C_ACCESSED 0
#define C_ADDED 1
#define C_DIRTIED 2
#define C_BUFFER_DIRTIED 3
#define C_MAX 4

#endif /* __CACHESTAT_H */
