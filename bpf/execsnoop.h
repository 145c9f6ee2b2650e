/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
#ifndef __EXECSNOOP_H
#define __EXECSNOOP_H

#define EXECSNOOP_ARGSIZE 128        /* bytes per argument, with its NUL */
#define EXECSNOOP_TOTAL_MAX_ARGS 60  /* the most --max-args may ask for */
#define EXECSNOOP_DEFAULT_MAX_ARGS 20
#define EXECSNOOP_ARGS_MAX (EXECSNOOP_TOTAL_MAX_ARGS * EXECSNOOP_ARGSIZE)
#define EXECSNOOP_LAST_ARG (EXECSNOOP_ARGS_MAX - EXECSNOOP_ARGSIZE)

/* One execve(2) or execveat(2), sent when the call returns. `args` holds
 * `args_count` NUL-terminated strings (the filename, then argv[1..]) in its
 * first `args_size` bytes; only those bytes travel through the ring buffer.
 * What the caller's memory could not give at entry (a fork()ed child has
 * not yet faulted in the string literals it passes) is read again from
 * the new program's stack, where the kernel copied argv. */
struct event {
	__u64 cut_args;   /* bit i: argument i (0: the filename) filled EXECSNOOP_ARGSIZE */
	__u32 pid;
	__u32 tid;
	__u32 ppid;
	__u32 uid;
	__s32 ret;
	__u32 args_count;
	__u32 args_size;
	__u8 truncated;   /* argv had more than max_args entries */
	__u8 unread;      /* an argument could be read neither from the caller nor from the new program */
	__u16 path_size;  /* bytes of args[] the filename takes, with its NUL */
	char comm[16];
	char args[EXECSNOOP_ARGS_MAX];
};

#endif /* __EXECSNOOP_H */
