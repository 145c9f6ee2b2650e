// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0)
/* vfsstat: counts of VFS calls, read by user space each interval. Each
 * counter has three routes, best first: fentry on the VFS function, a
 * kprobe on it, or the syscalls that lead to it (where the kernel offers
 * neither: counted at entry for reads, writes and fsyncs, and at a
 * successful exit for the calls that change the namespace). */
#include "bpftk.bpf.h"
#include "counters.bpf.h"
#include "vfsstat.h"

#define AT_REMOVEDIR 0x200

BPFTK_COUNTERS(S_MAXSTAT)

/* The VFS functions: fentry and kprobe programs named after them. */
#define VFS_CALL(func, stat) BPFTK_FENTRY_KPROBE(func, fentry_##func, kprobe_##func, count(stat))

VFS_CALL(vfs_read, S_READ)
VFS_CALL(vfs_write, S_WRITE)
VFS_CALL(vfs_fsync, S_FSYNC)
VFS_CALL(vfs_open, S_OPEN)
VFS_CALL(vfs_create, S_CREATE)
VFS_CALL(vfs_unlink, S_UNLINK)
VFS_CALL(vfs_mkdir, S_MKDIR)
VFS_CALL(vfs_rmdir, S_RMDIR)

/* Syscalls counted as they enter. */
#define SYS_ENTER(call, stat)                                      \
	SEC("tracepoint/syscalls/sys_enter_" #call)                \
	int tp_enter_##call(struct syscall_trace_enter *ctx)       \
	{                                                          \
		return count(stat);                                \
	}

/* Syscalls counted when they succeed (a file descriptor or 0). */
#define SYS_EXIT(call, stat)                                       \
	SEC("tracepoint/syscalls/sys_exit_" #call)                 \
	int tp_exit_##call(struct syscall_trace_exit *ctx)         \
	{                                                          \
		return ctx->ret >= 0 ? count(stat) : 0;            \
	}

SYS_ENTER(read, S_READ)
SYS_ENTER(pread64, S_READ)
SYS_ENTER(write, S_WRITE)
SYS_ENTER(pwrite64, S_WRITE)
SYS_ENTER(fsync, S_FSYNC)
SYS_ENTER(fdatasync, S_FSYNC)
SYS_EXIT(open, S_OPEN)
SYS_EXIT(openat, S_OPEN)
SYS_EXIT(openat2, S_OPEN)
SYS_EXIT(creat, S_OPEN)
SYS_EXIT(mknod, S_CREATE)
SYS_EXIT(mknodat, S_CREATE)
SYS_EXIT(unlink, S_UNLINK)
SYS_EXIT(mkdir, S_MKDIR)
SYS_EXIT(mkdirat, S_MKDIR)
SYS_EXIT(rmdir, S_RMDIR)

/* unlinkat(2) removes a file, or with AT_REMOVEDIR a directory: its flags
 * are kept from entry to exit, by thread. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, __u32);
	__type(value, __u32);
} unlinkat_flags SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_unlinkat")
int tp_enter_unlinkat(struct syscall_trace_enter *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u32 flags = (__u32)ctx->args[2];

	inflight_set(&unlinkat_flags, &tid, &flags);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_unlinkat")
int tp_exit_unlinkat(struct syscall_trace_exit *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u32 *flags = bpf_map_lookup_elem(&unlinkat_flags, &tid);

	if (!flags)
		return 0;
	if (ctx->ret == 0)
		count(*flags & AT_REMOVEDIR ? S_RMDIR : S_UNLINK);
	bpf_map_delete_elem(&unlinkat_flags, &tid);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
