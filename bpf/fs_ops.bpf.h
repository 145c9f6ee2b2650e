/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
/* The hook layer fsslower and fsdist share: one file system's read, write,
 * open, fsync (and with FS_OPS_GETATTR, getattr) calls, timed from entry
 * to return, by three routes:
 *   - fentry/fexit or kprobe/kretprobe on the file system's own functions
 *     (the attach targets are set at run time from libtools::fs);
 *   - else the syscall tracepoints, the descriptor resolved to its file
 *     through the task's file table (an open's at its exit) and kept only
 *     when the file's superblock is of the wanted file system (s_magic).
 * The tool defines fs_op_done() before including this: what one finished
 * call becomes (an event, a histogram count). Include after bpftk.bpf.h. */
#ifndef __BPFTK_FS_OPS_BPF_H
#define __BPFTK_FS_OPS_BPF_H

#include "task_files.bpf.h"
#include "syscalls.bpf.h"
#include "fs_ops.h"

#define FS_AT_EMPTY_PATH 0x1000
#define FS_S_IFMT 00170000
#define FS_S_IFREG 0100000
#define FS_LLONG_MAX 0x7fffffffffffffffLL

const volatile __u32 targ_tgid = 0;
/* The wanted file system's superblock magic (libtools::fs). */
const volatile __u64 fs_magic = 0;

/* A call in flight, by thread. */
struct fs_call {
	__u64 ts;
	__s64 start; /* the file offset at entry (fsync: the range's start) */
	__s64 end; /* fsync: the range's end */
	struct dentry *dentry; /* NULL for an open(2) until its exit */
	__u32 op;
	__u32 pad;
};

BPFTK_HASH(fs_calls, __u32, struct fs_call, 10240);

static __always_inline bool fs_wanted(struct dentry *d)
{
	return d && BPF_CORE_READ(d, d_sb, s_magic) == fs_magic;
}

/* The syscall route keeps regular files only, those whose calls reach the
 * file system's file operations (not a FIFO or a device node on it). */
static __always_inline bool fs_regular(struct file *f)
{
	return (BPF_CORE_READ(f, f_inode, i_mode) & FS_S_IFMT) == FS_S_IFREG;
}

/* A call of `op` began on `d` (NULL: an open(2) whose file is known only
 * at its exit). */
static __always_inline int fs_op_start(struct dentry *d, __s64 start, __s64 end, __u32 op)
{
	struct fs_call c = {};

	if (!id_allowed(targ_tgid, bpf_get_current_pid_tgid() >> 32))
		return 0;
	if (d && !fs_wanted(d))
		return 0;
	c.ts = bpf_ktime_get_ns();
	c.start = start;
	c.end = end;
	c.dentry = d;
	c.op = op;
	thread_entry_set(&fs_calls, &c);
	return 0;
}

static __always_inline int fs_file_start(struct file *f, __s64 start, __s64 end, __u32 op)
{
	if (!f)
		return 0;
	return fs_op_start(BPF_CORE_READ(f, f_path.dentry), start, end, op);
}

static __always_inline int fs_iocb_start(struct kiocb *iocb, __u32 op)
{
	return fs_file_start(BPF_CORE_READ(iocb, ki_filp), BPF_CORE_READ(iocb, ki_pos), 0, op);
}

static __always_inline int fs_op_done(const struct fs_call *c, __u64 end_ns, __u64 delta_ns,
				      __s64 ret);

/* The current thread's call returned `ret`. */
static __always_inline int fs_op_end(__s64 ret)
{
	struct fs_call c;
	__u64 now;

	if (!thread_entry_take(&fs_calls, &c))
		return 0;
	if (!c.dentry) {
		/* open(2): the file is the descriptor it returned. */
		struct file *f = ret >= 0 ? fd_file(ret) : NULL;

		if (!f || !fs_regular(f))
			return 0;
		c.dentry = BPF_CORE_READ(f, f_path.dentry);
		if (!fs_wanted(c.dentry))
			return 0;
		ret = 0;
	}
	now = bpf_ktime_get_ns();
	return fs_op_done(&c, now, now - c.ts, ret);
}

/* The file system's functions: the entry programs of `name`, which begin
 * the call with `start` (of the named arguments). */
#define FS_FUNC(name, start, ...)						\
	SEC("fentry") int BPF_PROG(fentry_fs_##name, ##__VA_ARGS__) { return start; }	\
	SEC("kprobe") int BPF_KPROBE(kprobe_fs_##name, ##__VA_ARGS__) { return start; }
FS_FUNC(read, fs_iocb_start(iocb, FS_OP_READ), struct kiocb *iocb)
FS_FUNC(write, fs_iocb_start(iocb, FS_OP_WRITE), struct kiocb *iocb)
FS_FUNC(open, fs_file_start(file, 0, 0, FS_OP_OPEN), struct inode *inode,
	struct file *file)
FS_FUNC(fsync, fs_file_start(file, start, end, FS_OP_FSYNC), struct file *file,
	loff_t start, loff_t end)

/* The returns: of a read or a write, the bytes done or an error. */
SEC("fexit") int BPF_PROG(fexit_fs_read, struct kiocb *iocb, struct iov_iter *to, ssize_t ret)
{
	return fs_op_end(ret);
}
SEC("fexit") int BPF_PROG(fexit_fs_write, struct kiocb *iocb, struct iov_iter *from, ssize_t ret)
{
	return fs_op_end(ret);
}
SEC("kretprobe") int BPF_KRETPROBE(kretprobe_fs_read, ssize_t ret) { return fs_op_end(ret); }
SEC("kretprobe") int BPF_KRETPROBE(kretprobe_fs_write, ssize_t ret) { return fs_op_end(ret); }
/* Open, fsync and getattr report no size: their result is not needed (nor,
 * for getattr, at a fixed place across kernels). */
SEC("fexit") int BPF_PROG(fexit_fs_open) { return fs_op_end(0); }
SEC("fexit") int BPF_PROG(fexit_fs_fsync) { return fs_op_end(0); }
SEC("kretprobe") int BPF_KRETPROBE(kretprobe_fs_open) { return fs_op_end(0); }
SEC("kretprobe") int BPF_KRETPROBE(kretprobe_fs_fsync) { return fs_op_end(0); }

#ifdef FS_OPS_GETATTR
/* getattr(idmap or userns, path, ...) since 5.12, getattr(path, ...) before. */
static __always_inline int fs_getattr_start(const struct path *first, const struct path *second)
{
	const struct path *p;

	/* Both loaded as they are: clang would otherwise load from a ctx
	 * offset chosen at run time, which the verifier refuses for kprobes. */
	barrier_var(first);
	barrier_var(second);
	p = LINUX_KERNEL_VERSION >= KERNEL_VERSION(5, 12, 0) ? second : first;

	return fs_op_start(BPF_CORE_READ(p, dentry), 0, 0, FS_OP_GETATTR);
}
FS_FUNC(getattr, fs_getattr_start(a, b), void *a, void *b)
SEC("fexit") int BPF_PROG(fexit_fs_getattr) { return fs_op_end(0); }
SEC("kretprobe") int BPF_KRETPROBE(kretprobe_fs_getattr) { return fs_op_end(0); }
#endif

/* The syscall route. A descriptor's call: `pos` < 0 means at the file's
 * offset. */
static __always_inline int fs_sys_start(__u64 fd, __s64 pos, __s64 end, __u32 op)
{
	struct file *f = fd_file(fd);

	if (!f || !fs_regular(f))
		return 0;
	if (pos < 0)
		pos = BPF_CORE_READ(f, f_pos);
	return fs_file_start(f, pos, end, op);
}

#define FS_SYSCALL(call, start)							\
	SYSCALL_ENTER(call, start)						\
	SYSCALL_EXIT(call, fs_op_end(ctx->ret))

FS_SYSCALL(read, fs_sys_start(ctx->args[0], -1, 0, FS_OP_READ))
FS_SYSCALL(readv, fs_sys_start(ctx->args[0], -1, 0, FS_OP_READ))
FS_SYSCALL(pread64, fs_sys_start(ctx->args[0], ctx->args[3], 0, FS_OP_READ))
FS_SYSCALL(preadv, fs_sys_start(ctx->args[0], ctx->args[3], 0, FS_OP_READ))
FS_SYSCALL(preadv2, fs_sys_start(ctx->args[0], ctx->args[3], 0, FS_OP_READ))
FS_SYSCALL(write, fs_sys_start(ctx->args[0], -1, 0, FS_OP_WRITE))
FS_SYSCALL(writev, fs_sys_start(ctx->args[0], -1, 0, FS_OP_WRITE))
FS_SYSCALL(pwrite64, fs_sys_start(ctx->args[0], ctx->args[3], 0, FS_OP_WRITE))
FS_SYSCALL(pwritev, fs_sys_start(ctx->args[0], ctx->args[3], 0, FS_OP_WRITE))
FS_SYSCALL(pwritev2, fs_sys_start(ctx->args[0], ctx->args[3], 0, FS_OP_WRITE))
/* fsync(2) and fdatasync(2) sync the whole file, as vfs_fsync asks the
 * file system to: the same range the function route sees. */
FS_SYSCALL(fsync, fs_sys_start(ctx->args[0], 0, FS_LLONG_MAX, FS_OP_FSYNC))
FS_SYSCALL(fdatasync, fs_sys_start(ctx->args[0], 0, FS_LLONG_MAX, FS_OP_FSYNC))
FS_SYSCALL(open, fs_op_start(NULL, 0, 0, FS_OP_OPEN))
FS_SYSCALL(creat, fs_op_start(NULL, 0, 0, FS_OP_OPEN))
FS_SYSCALL(openat, fs_op_start(NULL, 0, 0, FS_OP_OPEN))
FS_SYSCALL(openat2, fs_op_start(NULL, 0, 0, FS_OP_OPEN))

#ifdef FS_OPS_GETATTR
/* A stat of a descriptor: fstat(2), or fstatat(2)/statx(2) with
 * AT_EMPTY_PATH and an empty (or, since 6.11, no) path. A stat by path
 * names no file the syscall route can find: not seen. */
static __always_inline int fs_sys_stat_at(__u64 dfd, const char *path, __u64 flags)
{
	char c = 0;

	if (!(flags & FS_AT_EMPTY_PATH))
		return 0;
	if (path && bpf_probe_read_user(&c, 1, path) == 0 && c)
		return 0;
	return fs_sys_start(dfd, 0, 0, FS_OP_GETATTR);
}
FS_SYSCALL(newfstat, fs_sys_start(ctx->args[0], 0, 0, FS_OP_GETATTR))
FS_SYSCALL(newfstatat, fs_sys_stat_at(ctx->args[0], (const char *)ctx->args[1], ctx->args[3]))
FS_SYSCALL(statx, fs_sys_stat_at(ctx->args[0], (const char *)ctx->args[1], ctx->args[2]))
#endif

#endif /* __BPFTK_FS_OPS_BPF_H */
