/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
/* Mounts, for the tools that walk paths through them. */
#ifndef __BPFTK_MOUNTS_BPF_H
#define __BPFTK_MOUNTS_BPF_H

/* The mount a vfsmount is part of (fs/mount.h's real_mount). */
static __always_inline struct mount *real_mount(struct vfsmount *m)
{
	return (void *)m - bpf_core_field_offset(struct mount, mnt);
}

#endif /* __BPFTK_MOUNTS_BPF_H */
