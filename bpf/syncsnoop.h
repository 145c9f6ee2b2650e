/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
#ifndef __SYNCSNOOP_H
#define __SYNCSNOOP_H

/* Which call of the sync family (the SYSCALL column). */
enum sync_syscall {
	SYS_SYNC = 0,
	SYS_FSYNC = 1,
	SYS_FDATASYNC = 2,
	SYS_MSYNC = 3,
	SYS_SYNC_FILE_RANGE = 4,
	SYS_SYNCFS = 5,
};

/* One sync-family call, sent when it is entered. */
struct event {
	__u32 pid;
	__u32 tid;
	__u32 sys;       /* enum sync_syscall */
	__u32 pad;
	char comm[16];
};

#endif /* __SYNCSNOOP_H */
