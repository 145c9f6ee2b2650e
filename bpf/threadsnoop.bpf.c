// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0)
/* threadsnoop: threads created with pthread_create(3). Hook: a uprobe on
 * pthread_create in the C library; its third argument is the new thread's
 * start function. The file mapped there and the offset in it are found
 * here, while the process has its memory map (bpf_find_vma, 5.17+), so that
 * user space can name the function after the process has exited.
 * Hook alternatives, in order of preference:
 *   uprobe  pthread_create, with bpf_find_vma
 *   uprobe  pthread_create (the function named from the live process) */
#include "bpftk.bpf.h"
#include "dentry_path.bpf.h"
#include "threadsnoop.h"

const volatile __u32 targ_tgid = 0;

BPFTK_SCRATCH(struct event);

struct vma_found {
	__u64 addr;
	__u64 file_offset;
	struct file *file;
};

static long on_vma(struct task_struct *task, struct vm_area_struct *vma, void *ctx)
{
	struct vma_found *v = ctx;

	v->file = BPF_CORE_READ(vma, vm_file);
	v->file_offset = v->addr - BPF_CORE_READ(vma, vm_start) +
			 (BPF_CORE_READ(vma, vm_pgoff) << 12);
	return 0;
}

/* The file behind `e->start` and the offset in it. */
static __always_inline void find_file(struct event *e)
{
	struct vma_found v = { .addr = e->start };
	struct file *file;
	long len;

	if (bpf_find_vma(bpf_get_current_task_btf(), e->start, on_vma, &v, 0) || !v.file)
		return;
	file = v.file; /* CO-RE reads go through a kernel type */
	len = dentry_path(e->path, BPF_CORE_READ(file, f_path.dentry),
			  BPF_CORE_READ(file, f_path.mnt));
	if (len <= 0)
		return;
	e->path_len = len & (THREADSNOOP_PATH_MAX - 1);
	e->file_offset = v.file_offset;
}

static __always_inline int created(void *start_routine, bool with_file)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct event *e;

	if (targ_tgid && targ_tgid != id >> 32)
		return 0;
	e = percpu_slot(&scratch);
	if (!e)
		return 0;
	e->ts_ns = bpf_ktime_get_ns();
	e->start = (__u64)start_routine;
	e->pid = id >> 32;
	e->tid = (__u32)id;
	e->path_len = 0;
	bpf_get_current_comm(&e->comm, sizeof(e->comm));
	if (with_file)
		find_file(e);
	emit(e, offsetof(struct event, path) + (e->path_len & (THREADSNOOP_PATH_MAX - 1)));
	return 0;
}

/* Two programs: a kernel before 5.13 refuses the callback's subprogram even
 * where the call to bpf_find_vma is dead code. */
SEC("uprobe")
int BPF_UPROBE(uprobe_pthread_create_vma, void *thread, const void *attr, void *start_routine)
{
	return created(start_routine, true);
}

SEC("uprobe")
int BPF_UPROBE(uprobe_pthread_create, void *thread, const void *attr, void *start_routine)
{
	return created(start_routine, false);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
