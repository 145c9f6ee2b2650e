/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
#ifndef __OOMKILL_H
#define __OOMKILL_H

#define OOMKILL_UNKNOWN ((__u64)-1)

/* One OOM kill: the task that triggered it (the one that was allocating)
 * and the victim, with the memory figures the hook knows (OOMKILL_UNKNOWN
 * where it does not: the tracepoint has no page total, the kprobe no RSS). */
struct event {
	__u64 pages;        /* the OOM context's total pages (kprobe) */
	__u64 total_vm_kb;  /* the victim's, from the tracepoint (6.1+) */
	__u64 anon_rss_kb;
	__u64 file_rss_kb;
	__u64 shmem_rss_kb;
	__u64 pgtables_kb;
	__u32 fpid;
	__u32 tpid;
	__u32 uid;          /* the victim's; OOMKILL_UNKNOWN truncated where unknown */
	__s32 oom_score_adj;
	char fcomm[16];
	char tcomm[16];
};

#endif /* __OOMKILL_H */
