// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0)
/* fsdist: one file system's read, write, open, fsync and getattr latency,
 * a log2 histogram per operation (the hooks: fs_ops.bpf.h). */
#include "bpftk.bpf.h"
#include "hist.bpf.h"
#include "fs_ops.h"

const volatile bool in_ms = false;

BPFTK_HASH(hists, __u32, struct hist, FS_OP_MAX);

#define FS_OPS_GETATTR
#include "fs_ops.bpf.h"

static __always_inline int fs_op_done(const struct fs_call *c, __u64 end_ns, __u64 delta_ns,
				      __s64 ret)
{
	static const struct hist zero;
	__u32 op = c->op;
	struct hist *h = lookup_or_init(&hists, &op, &zero);

	if (!h)
		return 0;
	hist_add_log2(h, delta_ns / (in_ms ? 1000000 : 1000));
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
