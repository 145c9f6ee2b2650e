/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
#ifndef __MEMLEAK_H
#define __MEMLEAK_H

/* Outstanding allocations held at once, as upstream sizes its map. */
#define MEMLEAK_ALLOCS_MAX 1000000
/* Stacks summed for --combined-only. */
#define MEMLEAK_COMBINED_MAX 10240

/* What one -t/--trace event reports. */
#define MEMLEAK_ALLOC_ENTER 0 /* an allocator was called for `size` bytes */
#define MEMLEAK_ALLOC_EXIT 1  /* it returned `address` */
#define MEMLEAK_FREE 2        /* `address`, of `size` bytes, was freed */

/* One outstanding allocation, by its address. */
struct alloc_info {
	__u64 size;
	__u64 timestamp_ns; /* bpf_ktime_get_ns() when it returned */
	__s32 stack_id;     /* in stackmap: the user stack (-p, -c), else the kernel's */
	__u32 tgid;
};

/* The outstanding allocations of one stack (--combined-only), by stack id. */
struct combined_alloc_info {
	__u64 total_size;
	__u64 number_of_allocs;
};

/* One allocator call or free (-t). */
struct event {
	__u64 address;
	__u64 size;
	__u32 pid;
	__u32 kind; /* MEMLEAK_ALLOC_ENTER, MEMLEAK_ALLOC_EXIT or MEMLEAK_FREE */
};

#endif /* __MEMLEAK_H */
