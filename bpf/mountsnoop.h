/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
#ifndef __MOUNTSNOOP_H
#define __MOUNTSNOOP_H

#define MOUNTSNOOP_STR_LEN 512

enum mount_op {
	MOUNTSNOOP_MOUNT,
	MOUNTSNOOP_UMOUNT,
	MOUNTSNOOP_FSOPEN,
	MOUNTSNOOP_FSCONFIG,
	MOUNTSNOOP_FSMOUNT,
	MOUNTSNOOP_MOVE_MOUNT,
};

/* One call of the mount family, sent when it returns. What the fields hold
 * depends on the call:
 *   mount       str: source, target, fs type, data;  flags: MS_*
 *   umount      str[1]: target;                       flags: MNT_*
 *   fsopen      str[2]: fs type;                      flags: FSOPEN_*
 *   fsconfig    fd1: fd, cmd, str[0]: key, str[1]: value (strings), aux
 *   fsmount     fd1: fs fd;  flags: FSMOUNT_*, attr: MOUNT_ATTR_*
 *   move_mount  fd1: from dfd, str[0]: from path, fd2: to dfd, str[1]: to path, flags */
struct event {
	__u64 delta_ns;
	__u64 flags;
	__u32 pid;
	__u32 tid;
	__u32 mnt_ns;
	__s32 ret;
	__u32 op;
	__s32 fd1;
	__s32 fd2;
	__u32 attr;
	__s32 cmd;
	__s32 aux;
	char comm[16];
	/* str[0..3] above (separate arrays: the skeleton's Rust types want them so) */
	char str0[MOUNTSNOOP_STR_LEN];
	char str1[MOUNTSNOOP_STR_LEN];
	char str2[MOUNTSNOOP_STR_LEN];
	char str3[MOUNTSNOOP_STR_LEN];
};

#endif /* __MOUNTSNOOP_H */
