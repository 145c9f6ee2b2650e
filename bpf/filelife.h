/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
#ifndef __FILELIFE_H
#define __FILELIFE_H

#define FILELIFE_NAME_LEN 256

/* A file deleted after bpftk saw it created. */
struct event {
	__u64 age_ns;        /* from its creation to its deletion */
	__u32 pid;           /* the process that deleted it */
	__u32 tid;
	__u32 creator_pid;   /* the process that created it */
	__u32 name_len;      /* bytes of name, without the NUL */
	char comm[16];       /* the deleting thread's name */
	char name[FILELIFE_NAME_LEN]; /* its last path component */
};

#endif /* __FILELIFE_H */
