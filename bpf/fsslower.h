/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
#ifndef __FSSLOWER_H
#define __FSSLOWER_H

#include "fs_ops.h"

/* One operation slower than the threshold. */
struct fs_event {
	__u64 end_ns;
	__u64 delta_us;
	__s64 size; /* bytes done (or an error) for reads and writes; fsync: the range */
	__s64 offset; /* the file offset at entry */
	__u32 pid;
	__u32 tid;
	__u32 op; /* FS_OP_* */
	__u32 pad;
	char comm[16];
	char file[FS_FILE_NAME_LEN];
};

#endif /* __FSSLOWER_H */
