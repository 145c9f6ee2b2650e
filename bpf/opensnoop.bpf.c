// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0)
/* opensnoop: open(2), openat(2) and openat2(2) with their results.
 * Hook alternatives, in order of preference:
 *   tracepoint  syscalls:sys_{enter,exit}_open{,at,at2}  (fires only for these calls)
 *   raw_tp      sys_enter / sys_exit                     (kernels without syscall tracepoints) */
#include "bpftk.bpf.h"
#include "syscalls.bpf.h"
#include "opensnoop.h"

const volatile __u32 targ_tgid = 0;
const volatile __u32 targ_pid = 0;
const volatile __u32 targ_uid = BPFTK_INVALID_UID;
/* -f: O_* bits of which one must be set, and a bitmap of accepted access modes
 * (bit 0 O_RDONLY, bit 1 O_WRONLY, bit 2 O_RDWR); both zero means no filter. */
const volatile __u64 targ_flag_bits = 0;
const volatile __u32 targ_accmodes = 0;
/* -c: the callers' user stack, two frames (no CO-RE relocation: free to
 * load without it). */
const volatile bool targ_callers = false;

struct args {
	const char *fname;
	__u64 flags;
	__u32 mode;
	__s32 dfd;
};

static __always_inline void fill(struct event *e, const struct args *a)
{
	e->uid = (__u32)bpf_get_current_uid_gid();
	e->flags = a->flags;
	e->mode = a->mode;
	e->pad0 = 0;
	e->callers[0] = 0;
	e->callers[1] = 0;
	if (targ_callers)
		bpf_get_task_stack(bpf_get_current_task_btf(), e->callers, sizeof(e->callers),
				   BPF_F_USER_STACK);
}

/* -F: relative paths made absolute here, against the directory the call
 * resolved them from (the dirfd's, or the working directory), while the
 * process still has it; by programs of their own (the _full exits). */
#include "task_files.bpf.h"
#include "dentry_path.bpf.h"

/* The directory's path, a slash and the path given, built in `buf`. */
struct full_path_buf {
	char buf[2 * OPENSNOOP_PATH_MAX];
};
BPFTK_PERCPU_SLOT(full_paths, struct full_path_buf);

static __always_inline __u32 prefix_dir(struct event *e, const struct args *a, __u32 len)
{
	struct full_path_buf *f = percpu_slot(&full_paths);
	struct dentry *dir;
	struct vfsmount *mnt;
	long dlen;
	__u32 total;

	if (!f || !start_dir(a->dfd, &dir, &mnt))
		return len; /* user space counts it unresolved */
	dlen = dentry_path(f->buf, dir, mnt);
	if (dlen < 0)
		return len;
	dlen &= OPENSNOOP_PATH_MAX - 1;
	f->buf[dlen] = '/';
	len &= OPENSNOOP_PATH_MAX - 1;
	bpf_probe_read_kernel(f->buf + dlen + 1, len, e->path);
	total = dlen + 1 + len;
	if (total > OPENSNOOP_PATH_MAX) {
		total = OPENSNOOP_PATH_MAX;
		e->truncated = 1;
	}
	bpf_probe_read_kernel(e->path, sizeof(e->path), f->buf);
	return total;
}
#define PATH_CALLS_FULL_PATH prefix_dir

#include "path_calls.bpf.h"

static __always_inline bool flags_match(__u64 flags)
{
	if (!targ_flag_bits && !targ_accmodes)
		return true;
	if (flags & targ_flag_bits)
		return true;
	return targ_accmodes & (1 << (flags & 3));
}

static __always_inline int trace_enter(const char *fname, __u64 flags, __u32 mode, __s32 dfd)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct args args = { .fname = fname, .flags = flags, .mode = mode, .dfd = dfd };

	if (!id_allowed(targ_tgid, id >> 32) || !id_allowed(targ_pid, (__u32)id))
		return 0;
	if (!uid_allowed(targ_uid, (__u32)bpf_get_current_uid_gid()))
		return 0;
	if (flags_match(flags))
		thread_entry_set(&start, &args);
	return 0;
}

SYSCALL_ENTER(open, trace_enter((const char *)ctx->args[0], ctx->args[1], ctx->args[2],
				AT_FDCWD))
SYSCALL_ENTER(openat, trace_enter((const char *)ctx->args[1], ctx->args[2], ctx->args[3],
				  ctx->args[0]))

static __always_inline int enter_openat2(int dfd, const char *fname, struct open_how *how)
{
	struct open_how h = {};

	bpf_probe_read_user(&h, sizeof(h), how);
	return trace_enter(fname, h.flags, h.mode, dfd);
}

SYSCALL_ENTER(openat2, enter_openat2(ctx->args[0], (const char *)ctx->args[1],
				     (struct open_how *)ctx->args[2]))
SYSCALL_EXIT(open, path_call_exit(ctx->ret))
SYSCALL_EXIT(openat, path_call_exit(ctx->ret))
SYSCALL_EXIT(openat2, path_call_exit(ctx->ret))

/* One -F program at the three exits. */
SEC("tracepoint/syscalls/sys_exit_openat")
int tp_exit_full(struct syscall_trace_exit *ctx)
{
	return path_call_exit_as(ctx->ret, true);
}

/* Kernels without syscall tracepoints: the open family among all calls. */
static __always_inline int raw_enter(struct bpf_raw_tracepoint_args *ctx, long nr)
{
	if (nr == NR_open)
		return trace_enter((const char *)RAW_SYSCALL_ARG(ctx, 1), RAW_SYSCALL_ARG(ctx, 2),
				   RAW_SYSCALL_ARG(ctx, 3), AT_FDCWD);
	if (nr == NR_openat)
		return trace_enter((const char *)RAW_SYSCALL_ARG(ctx, 2), RAW_SYSCALL_ARG(ctx, 3),
				   RAW_SYSCALL_ARG(ctx, 4), RAW_SYSCALL_ARG(ctx, 1));
	if (nr == NR_openat2)
		return enter_openat2(RAW_SYSCALL_ARG(ctx, 1), (const char *)RAW_SYSCALL_ARG(ctx, 2),
				     (struct open_how *)RAW_SYSCALL_ARG(ctx, 3));
	return 0;
}

RAW_SYS_ENTER(raw_enter(ctx, nr))

/* Only calls that trace_enter recorded have an entry in `start`. */
RAW_SYS_EXIT(path_call_exit(RAW_SYSCALL_RET(ctx)))

SEC("raw_tp/sys_exit")
int raw_sys_exit_full(struct bpf_raw_tracepoint_args *ctx)
{
	return path_call_exit_as(RAW_SYSCALL_RET(ctx), true);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
