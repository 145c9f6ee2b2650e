/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
/* The file system operations fsslower and fsdist time (fs_ops.bpf.h), in
 * the order libbpf-tools numbers them. */
#ifndef __BPFTK_FS_OPS_H
#define __BPFTK_FS_OPS_H

#define FS_OP_READ 0
#define FS_OP_WRITE 1
#define FS_OP_OPEN 2
#define FS_OP_FSYNC 3
#define FS_OP_GETATTR 4
#define FS_OP_MAX 5

#define FS_FILE_NAME_LEN 256

#endif /* __BPFTK_FS_OPS_H */
