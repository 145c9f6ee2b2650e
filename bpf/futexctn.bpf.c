// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0)
/* futexctn: futex contention, the time threads wait in futex(2)'s
 * FUTEX_WAIT, as a log2 histogram per thread, lock and user stack (per
 * process and lock with -s). The wait is timed from the call's entry to its
 * return; waits that fail (a timeout, a signal, a lock word that changed
 * before the wait began) are not counted. The user stack is taken at the
 * return, in the waiting thread.
 * Hook alternatives, in order of preference:
 *   tracepoint  syscalls:sys_enter_futex / sys_exit_futex
 *   raw_tp      sys_enter / sys_exit, on the futex syscall's number */
#include "bpftk.bpf.h"
#include "hist.bpf.h"
#include "stacks.bpf.h"
#include "syscalls.bpf.h"
#include "futexctn.h"

/* include/uapi/linux/futex.h: FUTEX_WAIT, with or without the flags that
 * do not change the command (FUTEX_WAIT_PRIVATE is what glibc's mutexes
 * use). FUTEX_WAIT_BITSET, FUTEX_LOCK_PI and futex_waitv(2) are other
 * commands and not counted, as upstream. */
#define FUTEX_WAIT 0
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_CLOCK_REALTIME 256
#define FUTEX_CMD_MASK (~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME))

const volatile __u32 targ_tgid = 0;
const volatile __u32 targ_tid = 0;
const volatile __u64 targ_lock = 0;
const volatile bool targ_ms = false;
const volatile bool targ_summary = false;

struct wait {
	__u64 ts_ns;
	__u64 uaddr;
};

/* Waits in flight, by thread id: a thread waits on one futex at a time. */
BPFTK_HASH(start, __u32, struct wait, 10240);
BPFTK_HASH(hists, struct futexctn_key, struct futexctn_hist, 10240);

/* A new key's value: min starts above every wait. */
static struct futexctn_hist initial_hist = { .min = (__u64)-1 };

static __always_inline int on_enter(__u64 uaddr, int op)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct wait w = {};

	if ((op & FUTEX_CMD_MASK) != FUTEX_WAIT)
		return 0;
	if (!id_allowed(targ_tgid, id >> 32) || !id_allowed(targ_tid, (__u32)id))
		return 0;
	if (targ_lock && targ_lock != uaddr)
		return 0;
	w.uaddr = uaddr;
	w.ts_ns = bpf_ktime_get_ns();
	thread_entry_set(&start, &w);
	return 0;
}

static __always_inline int on_exit(void *ctx, long ret)
{
	__u64 id = bpf_get_current_pid_tgid(), now = bpf_ktime_get_ns(), delta;
	struct futexctn_key key = {};
	struct futexctn_hist *h;
	struct wait w;

	if (!thread_entry_take(&start, &w))
		return 0; /* no FUTEX_WAIT, filtered out, or begun before we attached */
	if (ret < 0 || now < w.ts_ns)
		return 0;
	delta = (now - w.ts_ns) / (targ_ms ? 1000000 : 1000);
	key.uaddr = w.uaddr;
	if (targ_summary) {
		key.pid_tgid = id >> 32;
		key.user_stack_id = -1;
	} else {
		key.pid_tgid = id;
		key.user_stack_id = bpf_get_stackid(ctx, &stackmap, BPF_F_USER_STACK);
	}
	h = lookup_or_init(&hists, &key, &initial_hist);
	if (!h) {
		count_dropped(); /* the map is full */
		return 0;
	}
	hist_add_log2(&h->hist, delta);
	__sync_fetch_and_add(&h->contended, 1);
	__sync_fetch_and_add(&h->total_elapsed, delta);
	/* Plain stores: a key is one thread's, but with -s two threads of a
	 * process can race here, and one minimum or maximum can be lost (a
	 * compare-and-swap needs 5.12). */
	if (delta < h->min)
		h->min = delta;
	if (delta > h->max)
		h->max = delta;
	bpf_get_current_comm(&h->hist.comm, sizeof(h->hist.comm));
	return 0;
}

SYSCALL_ENTER(futex, on_enter(ctx->args[0], (int)ctx->args[1]))
SYSCALL_EXIT(futex, on_exit(ctx, ctx->ret))

/* Kernels without syscall tracepoints: futex(2) among all calls. */
RAW_SYS_ENTER(nr == NR_futex ? on_enter(RAW_SYSCALL_ARG(ctx, 1), (int)RAW_SYSCALL_ARG(ctx, 2)) : 0)
RAW_SYS_EXIT(RAW_SYSCALL_EXIT_NR(ctx) == NR_futex ? on_exit(ctx, RAW_SYSCALL_RET(ctx)) : 0)

char LICENSE[] SEC("license") = "Dual BSD/GPL";
