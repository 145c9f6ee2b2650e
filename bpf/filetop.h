/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
#ifndef __FILETOP_H
#define __FILETOP_H

#define FILETOP_NAME_LEN 256
#define FILETOP_COMM_LEN 16

/* One thread's reads and writes of one file in the interval. */
struct file_id {
	__u64 inode;
	__u32 dev; /* the file system's (i_sb->s_dev), kernel dev_t */
	__u32 rdev; /* the device's, for device files */
	__u32 pid;
	__u32 tid;
};

struct file_stat {
	__u64 reads;
	__u64 read_bytes;
	__u64 writes;
	__u64 write_bytes;
	__u32 pid;
	__u32 tid;
	char kind; /* R regular, S socket, O other */
	char pad[7];
	char comm[FILETOP_COMM_LEN];
	char filename[FILETOP_NAME_LEN];
};

#endif /* __FILETOP_H */
