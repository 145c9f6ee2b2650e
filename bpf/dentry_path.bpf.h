/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
/* The absolute path of a directory, from its dentry and mount, as the
 * current task sees it (up to its root, across mounts): what d_path gives
 * programs that may not call bpf_d_path. Include after bpftk.bpf.h. */
#ifndef __BPFTK_DENTRY_PATH_BPF_H
#define __BPFTK_DENTRY_PATH_BPF_H

#include "mounts.bpf.h"

#define DPATH_MAX 4096       /* the path's bytes at most */
#define DPATH_MAX_DEPTH 64   /* its components at most */

/* The components, leaf first, as the walk up finds them. */
struct dpath_parts {
	const unsigned char *name[DPATH_MAX_DEPTH];
	__u32 len[DPATH_MAX_DEPTH];
	/* The counts live here, not in registers: the verifier then does not
	 * tell loop iterations apart by them (it would explore them all). */
	__u32 n, off;
};
BPFTK_PERCPU_SLOT(dpath_parts, struct dpath_parts);

/* Write the path of (`d`, `vfsmnt`) to `out`, which has room for DPATH_MAX
 * + 256 bytes: "/a/b" ("" for the root), no NUL. Returns its length, or -1
 * when it is deeper than DPATH_MAX_DEPTH or longer than DPATH_MAX. */
static __always_inline long dentry_path(char *out, struct dentry *d, struct vfsmount *vfsmnt)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct dentry *root = BPF_CORE_READ(task, fs, root.dentry);
	struct mount *root_mnt = real_mount(BPF_CORE_READ(task, fs, root.mnt));
	struct dpath_parts *p = percpu_slot(&dpath_parts);
	struct mount *m = real_mount(vfsmnt), *up;
	struct dentry *parent;

	if (!p)
		return -1;
	p->n = 0;
	p->off = 0;
	/* Up: each step a component, or from a mount's root to where it is
	 * mounted. */
	for (int i = 0; i < 2 * DPATH_MAX_DEPTH; i++) {
		__u32 n = p->n;

		if (d == root && m == root_mnt)
			goto down;
		if (d == BPF_CORE_READ(m, mnt.mnt_root)) {
			up = BPF_CORE_READ(m, mnt_parent);
			if (up == m)
				goto down; /* the root of the namespace */
			d = BPF_CORE_READ(m, mnt_mountpoint);
			m = up;
			continue;
		}
		if (n >= DPATH_MAX_DEPTH)
			return -1;
		p->name[n & (DPATH_MAX_DEPTH - 1)] = BPF_CORE_READ(d, d_name.name);
		p->len[n & (DPATH_MAX_DEPTH - 1)] = BPF_CORE_READ(d, d_name.len);
		p->n = n + 1;
		parent = BPF_CORE_READ(d, d_parent);
		if (parent == d)
			goto down; /* a file system's root, mounted nowhere we know */
		d = parent;
	}
	return -1;
down:
	/* Down: the components root first, each after a slash. */
	for (int i = 0; i < DPATH_MAX_DEPTH; i++) {
		__u32 n = p->n, off = p->off, k, len;

		if (i >= n)
			break;
		k = (n - 1 - i) & (DPATH_MAX_DEPTH - 1);
		len = p->len[k] & 255;
		if (off + 1 + len > DPATH_MAX)
			return -1;
		out[off & (DPATH_MAX - 1)] = '/';
		off++;
		bpf_probe_read_kernel(out + (off & (DPATH_MAX - 1)), len, p->name[k]);
		p->off = off + len;
	}
	return p->off;
}

#endif /* __BPFTK_DENTRY_PATH_BPF_H */
