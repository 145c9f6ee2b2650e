// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0)
/* execsnoop: execve(2) and execveat(2) with their arguments and results.
 * Hook alternatives, in order of preference:
 *   tracepoint  syscalls:sys_{enter,exit}_execve{,at}
 *   raw_tp      sys_enter / sys_exit  (kernels without syscall tracepoints)
 *   raw_tp      sched_process_exec  (always: argv again from the new image)
 * The arguments are read at entry (the old image is still mapped) and sent
 * at exit. */
#include "bpftk.bpf.h"
#include "cgroup.bpf.h"
#include "syscalls.bpf.h"
#include "execsnoop.h"

const volatile __u32 targ_uid = BPFTK_INVALID_UID;
const volatile __u32 targ_ppid = 0;
const volatile bool targ_failed = false; /* also report failed execs */
const volatile __u32 max_args = EXECSNOOP_DEFAULT_MAX_ARGS;

static const struct event empty_event = {};

/* In-flight execs by thread id; the event is too large for the BPF stack.
 * 1024 execs between entry and return at once is far more than a busy
 * machine has; an exec beyond is counted as lost. The map is preallocated
 * (8 MB): 10240 entries took 16 ms of the tool's start. */
BPFTK_HASH(execs, __u32, struct event, 1024);

/* Mark argument i cut when reading it filled the buffer. Checking for more
 * bytes beyond would cost a read per argument, which the verifier's budget
 * for 60 arguments does not allow: an argument of exactly
 * EXECSNOOP_ARGSIZE - 1 bytes is marked too. */
static __always_inline void mark_cut(struct event *e, int i, long ret)
{
	if (ret == EXECSNOOP_ARGSIZE)
		e->cut_args |= 1ULL << (i & 63);
}

/* Read argv[1..] into e after the filename; false when a read failed
 * before the end of argv or of max_args. */
static __always_inline bool read_argv(struct event *e, const char *const *argv)
{
	const char *argp;
	long ret;
	int i;

	for (i = 1; i < EXECSNOOP_TOTAL_MAX_ARGS && i < max_args; i++) {
		/* Read back from the map, not carried in a register: the verifier
		 * then knows only the bound checked below, and every pass of the
		 * loop looks alike to it. A register would carry each path's own
		 * range (argument cut or not), so that no pass could be pruned
		 * and loading took about 100 ms per program. */
		__u32 size = *(volatile __u32 *)&e->args_size;

		if (bpf_probe_read_user(&argp, sizeof(argp), &argv[i]))
			return false;
		if (!argp || size > EXECSNOOP_LAST_ARG)
			return true;
		ret = bpf_probe_read_user_str(&e->args[size], EXECSNOOP_ARGSIZE, argp);
		if (ret < 0)
			return false;
		mark_cut(e, i, ret);
		e->args_count++;
		e->args_size = size + ret;
	}
	/* Is there an argument beyond the last one read? */
	if (i < EXECSNOOP_TOTAL_MAX_ARGS + 1 &&
	    !bpf_probe_read_user(&argp, sizeof(argp), &argv[i]) && argp)
		e->truncated = 1;
	return true;
}

static __always_inline int trace_enter(const char *filename, const char *const *argv)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id, uid = (__u32)bpf_get_current_uid_gid();
	struct task_struct *task;
	struct event *e;
	long ret;

	if (!uid_allowed(targ_uid, uid))
		return 0;
	if (!cgroup_allowed())
		return 0;
	task = (struct task_struct *)bpf_get_current_task();
	__u32 ppid = BPF_CORE_READ(task, real_parent, tgid);
	if (targ_ppid && targ_ppid != ppid)
		return 0;

	if (bpf_map_update_elem(&execs, &tid, &empty_event, BPF_ANY)) {
		count_dropped();
		return 0;
	}
	e = bpf_map_lookup_elem(&execs, &tid);
	if (!e)
		return 0;
	e->pid = id >> 32;
	e->tid = tid;
	e->ppid = ppid;
	e->uid = uid;
	e->unread = 1;

	ret = bpf_probe_read_user_str(e->args, EXECSNOOP_ARGSIZE, filename);
	if (ret < 0)
		return 0;
	mark_cut(e, 0, ret);
	e->args_size = ret;
	e->path_size = ret;
	e->args_count = 1;
	e->unread = !read_argv(e, argv);
	return 0;
}

/* The new program is in place (its stack holds argv as the kernel copied
 * it): what the caller's memory could not give at entry is read from
 * there. A thread other than the leader that execs takes the leader's id
 * (de_thread), so its in-flight entry moves to that id for the exit. */
SEC("raw_tp/sched_process_exec")
int raw_exec_image(struct bpf_raw_tracepoint_args *ctx)
{
	__u32 old = (__u32)ctx->args[1], tid = (__u32)bpf_get_current_pid_tgid();
	struct linux_binprm *bprm = (struct linux_binprm *)ctx->args[2];
	struct task_struct *task;
	const char *filename;
	struct event *e;
	long ret;

	e = bpf_map_lookup_elem(&execs, &old);
	if (!e)
		return 0;
	if (old != tid) {
		if (bpf_map_update_elem(&execs, &tid, e, BPF_ANY))
			count_dropped();
		bpf_map_delete_elem(&execs, &old);
		e = bpf_map_lookup_elem(&execs, &tid);
		if (!e)
			return 0;
	}
	if (!e->unread)
		return 0;
	/* A #! script or binfmt_misc: the new argv is the interpreter's, not
	 * the one the caller passed; the event stays marked unread. */
	filename = BPF_CORE_READ(bprm, filename);
	if (BPF_CORE_READ(bprm, interp) != filename)
		return 0;
	if (!e->args_count) {
		ret = bpf_probe_read_kernel_str(e->args, EXECSNOOP_ARGSIZE, filename);
		if (ret < 0)
			return 0;
		mark_cut(e, 0, ret);
		e->path_size = ret;
	}
	e->args_size = e->path_size;
	e->args_count = 1;
	e->cut_args &= 1;
	e->truncated = 0;
	/* The ELF loader leaves the stack pointer at argc, argv[] above it. */
	task = (struct task_struct *)bpf_get_current_task();
	unsigned long sp = BPF_CORE_READ(task, mm, start_stack);
	e->unread = !read_argv(e, (const char *const *)(sp + sizeof(long)));
	return 0;
}

static __always_inline int trace_exit(long ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct event *e = bpf_map_lookup_elem(&execs, &tid);
	__u32 size;

	if (!e)
		return 0;
	if (ret && !targ_failed)
		goto cleanup;
	e->ret = ret;
	bpf_get_current_comm(&e->comm, sizeof(e->comm));
	size = e->args_size;
	if (size > EXECSNOOP_ARGS_MAX)
		size = EXECSNOOP_ARGS_MAX;
	emit(e, offsetof(struct event, args) + size);
cleanup:
	bpf_map_delete_elem(&execs, &tid);
	return 0;
}

SYSCALL_ENTER(execve, trace_enter((const char *)ctx->args[0], (const char *const *)ctx->args[1]))
SYSCALL_ENTER(execveat, trace_enter((const char *)ctx->args[1], (const char *const *)ctx->args[2]))
SYSCALL_EXIT(execve, trace_exit(ctx->ret))
SYSCALL_EXIT(execveat, trace_exit(ctx->ret))

/* Kernels without syscall tracepoints: the exec calls among all. */
static __always_inline int raw_enter(struct bpf_raw_tracepoint_args *ctx, long nr)
{
	if (nr == NR_execve)
		return trace_enter((const char *)RAW_SYSCALL_ARG(ctx, 1),
				   (const char *const *)RAW_SYSCALL_ARG(ctx, 2));
	if (nr == NR_execveat)
		return trace_enter((const char *)RAW_SYSCALL_ARG(ctx, 2),
				   (const char *const *)RAW_SYSCALL_ARG(ctx, 3));
	return 0;
}

RAW_SYS_ENTER(raw_enter(ctx, nr))

RAW_SYS_EXIT(trace_exit(RAW_SYSCALL_RET(ctx)))

char LICENSE[] SEC("license") = "Dual BSD/GPL";
