/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
/* The current task's open files: a descriptor to its struct file, for the
 * syscall routes of the tools that need the file behind an fd (filetop,
 * fsslower, fsdist), and the directory of a *at(2) call (opensnoop -F,
 * filelife). Include after bpftk.bpf.h. */
#ifndef __BPFTK_TASK_FILES_BPF_H
#define __BPFTK_TASK_FILES_BPF_H

/* The file behind descriptor `fd` of the current task, or NULL. */
static __always_inline struct file *fd_file(__u64 fd)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **fds, *file = NULL;

	if (!fdt || fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	fds = BPF_CORE_READ(fdt, fd);
	bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]);
	return file;
}

#define AT_FDCWD -100

/* The directory a *at(2) call resolves a relative path from: the file
 * behind `dfd`, or the working directory for AT_FDCWD. False when `dfd` is
 * no open file. */
static __always_inline bool start_dir(__s32 dfd, struct dentry **dir, struct vfsmount **mnt)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct file *file;

	if (dfd == AT_FDCWD) {
		*dir = BPF_CORE_READ(task, fs, pwd.dentry);
		*mnt = BPF_CORE_READ(task, fs, pwd.mnt);
		return true;
	}
	file = fd_file((__u32)dfd);
	if (!file)
		return false;
	*dir = BPF_CORE_READ(file, f_path.dentry);
	*mnt = BPF_CORE_READ(file, f_path.mnt);
	return true;
}

#endif /* __BPFTK_TASK_FILES_BPF_H */
