/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
/* The current task's open files: a descriptor to its struct file, for the
 * syscall routes of the tools that need the file behind an fd (filetop,
 * fsslower, fsdist). Include after bpftk.bpf.h. */
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

#endif /* __BPFTK_TASK_FILES_BPF_H */
