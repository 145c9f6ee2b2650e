/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
#ifndef __VFSSTAT_H
#define __VFSSTAT_H

/* The counters, in the order of the columns. */
#define S_READ 0
#define S_WRITE 1
#define S_FSYNC 2
#define S_OPEN 3
#define S_CREATE 4
#define S_UNLINK 5
#define S_MKDIR 6
#define S_RMDIR 7
#define S_MAXSTAT 8

#endif /* __VFSSTAT_H */
