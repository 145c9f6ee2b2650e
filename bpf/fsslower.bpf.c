// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0)
/* fsslower: one file system's reads, writes, opens and fsyncs slower than
 * a threshold, one event each (the hooks: fs_ops.bpf.h). */
#include "bpftk.bpf.h"
#include "fsslower.h"

const volatile __u64 min_lat_ns = 0;

BPFTK_SCRATCH(struct fs_event);

#include "fs_ops.bpf.h"

static __always_inline int fs_op_done(const struct fs_call *c, __u64 end_ns, __u64 delta_ns,
				      __s64 ret)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct dentry *d = c->dentry; /* outside BPF_CORE_READ: fs_call is ours */
	struct fs_event *e;

	if (delta_ns <= min_lat_ns)
		return 0;
	e = percpu_slot(&scratch);
	if (!e)
		return 0;
	e->end_ns = end_ns;
	e->delta_us = delta_ns / 1000;
	e->size = c->op == FS_OP_FSYNC ? c->end - c->start : ret;
	e->offset = c->start;
	e->pid = id >> 32;
	e->tid = (__u32)id;
	e->op = c->op;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	bpf_probe_read_kernel_str(e->file, sizeof(e->file), BPF_CORE_READ(d, d_name.name));
	emit(e, sizeof(*e));
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
