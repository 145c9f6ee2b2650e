/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
#ifndef __SLABRATETOP_H
#define __SLABRATETOP_H

/* libbpf-tools' CACHE_NAME_SIZE: longer names are cut there. */
#define SLABRATETOP_NAME_LEN 32

/* One cache's allocations in the interval, keyed by the cache's address. */
struct slabrate_info {
	__u64 count;
	__u64 size; /* the sum of the cache's object size (s->size) per allocation */
	char name[SLABRATETOP_NAME_LEN];
};

#endif /* __SLABRATETOP_H */
