/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
/* For the raw_tp sys_enter/sys_exit alternative of the syscall tools: every
 * syscall passes there, so programs filter on these numbers (per
 * architecture; -1 where the architecture has no such call) and read the
 * arguments from the saved user registers. A program attached to several
 * syscall tracepoints tells them apart by the same numbers. */
#ifndef __BPFTK_SYSCALLS_BPF_H
#define __BPFTK_SYSCALLS_BPF_H

#if defined(__TARGET_ARCH_x86)
#define NR_open 2
#define NR_stat 4
#define NR_fstat 5
#define NR_lstat 6
#define NR_execve 59
#define NR_statfs 137
#define NR_openat 257
#define NR_newfstatat 262
#define NR_execveat 322
#define NR_statx 332
#define NR_rename 82
#define NR_unlink 87
#define NR_unlinkat 263
#define NR_renameat 264
#define NR_renameat2 316
#define NR_futex 202
#elif defined(__TARGET_ARCH_arm64)
#define NR_open -1
#define NR_stat -1
#define NR_fstat 80
#define NR_lstat -1
#define NR_execve 221
#define NR_statfs 43
#define NR_openat 56
#define NR_newfstatat 79
#define NR_execveat 281
#define NR_statx 291
#define NR_rename -1
#define NR_unlink -1
#define NR_unlinkat 35
#define NR_renameat 38
#define NR_renameat2 276
#define NR_futex 98
#else
#error "bpftk: syscall numbers for this architecture are missing"
#endif
#define NR_openat2 437 /* the same everywhere since 5.6 */

/* raw_tp/sys_enter: args[0] is the task's pt_regs, args[1] the number. */
#define RAW_SYSCALL_NR(ctx) ((long)(ctx)->args[1])
#define RAW_SYSCALL_ARG(ctx, n) PT_REGS_PARM##n##_CORE_SYSCALL((struct pt_regs *)(ctx)->args[0])
/* raw_tp/sys_exit: args[1] is the return value; the number is in the
 * saved registers. */
#define RAW_SYSCALL_RET(ctx) ((long)(ctx)->args[1])
#if defined(__TARGET_ARCH_x86)
#define RAW_SYSCALL_EXIT_NR(ctx) BPF_CORE_READ((struct pt_regs *)(ctx)->args[0], orig_ax)
#elif defined(__TARGET_ARCH_arm64)
#define RAW_SYSCALL_EXIT_NR(ctx) BPF_CORE_READ((struct pt_regs *)(ctx)->args[0], syscallno)
#endif

/* One-line programs on the syscalls:sys_enter_CALL and sys_exit_CALL
 * tracepoints, named tp_enter_CALL and tp_exit_CALL as libtools'
 * syscall_hooks! has them, returning `expr` (of `ctx`). */
#define SYSCALL_ENTER(call, expr)						\
	SEC("tracepoint/syscalls/sys_enter_" #call)				\
	int tp_enter_##call(struct syscall_trace_enter *ctx) { return expr; }
#define SYSCALL_EXIT(call, expr)						\
	SEC("tracepoint/syscalls/sys_exit_" #call)				\
	int tp_exit_##call(struct syscall_trace_exit *ctx) { return expr; }
/* raw_sys_enter: every syscall's entry, returning `expr` (of `ctx` and its
 * number `nr`). */
#define RAW_SYS_ENTER(expr)							\
	SEC("raw_tp/sys_enter")							\
	int raw_sys_enter(struct bpf_raw_tracepoint_args *ctx)			\
	{									\
		long nr = RAW_SYSCALL_NR(ctx);					\
										\
		return expr;							\
	}
/* raw_sys_exit: every syscall's exit, returning `expr` (of `ctx`). */
#define RAW_SYS_EXIT(expr)							\
	SEC("raw_tp/sys_exit")							\
	int raw_sys_exit(struct bpf_raw_tracepoint_args *ctx) { return expr; }

#endif /* __BPFTK_SYSCALLS_BPF_H */
