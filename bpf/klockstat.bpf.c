// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0)
/* klockstat: kernel lock waits and hold times by the caller's stack (or by
 * thread, -P), as libbpf-tools' klockstat.
 * Hook alternatives, in order of preference:
 *   fentry/fexit        mutex_lock*, mutex_trylock, mutex_unlock, down_read*,
 *                       up_read, down_write*, up_write (the *_nested twins
 *                       where CONFIG_DEBUG_LOCK_ALLOC renames them): the
 *                       time in the lock function is the wait, the time to
 *                       the unlock the hold
 *   kprobe/kretprobe    the same functions
 *   tp_btf, raw_tp      lock:contention_begin/end (5.19+): the wait of
 *                       contended acquisitions of every kind of lock; no
 *                       hold times */
#include "bpftk.bpf.h"
#include "stacks.bpf.h"
#include "klockstat.h"

const volatile __u32 targ_tgid = 0;
const volatile __u32 targ_pid = 0;
const volatile __u64 targ_lock = 0;
const volatile bool per_thread = false;

/* A task waiting for or holding one lock (a task holds a lock once). */
struct task_lock {
	__u64 task_id;
	__u64 lock_ptr;
};

struct holder {
	__s32 stack_id;
	__u32 flags;
	__u64 task_id;
	__u64 try_at;
	__u64 acq_at;
	__u64 lock_ptr;
};

BPFTK_HASH(holders, struct task_lock, struct holder, 10240);
/* By stack id, or by thread id with -P. */
BPFTK_HASH(stat_map, __u32, struct lock_stat, 10240);
/* kprobes: the lock of a call in flight, by thread, for its kretprobe. */
BPFTK_HASH(locks, __u32, __u64, 10240);

static __always_inline bool tracing_task(__u64 task_id)
{
	return id_allowed(targ_tgid, task_id >> 32) && id_allowed(targ_pid, (__u32)task_id);
}

static __always_inline bool traced(__u64 lock)
{
	return (!targ_lock || targ_lock == lock) && tracing_task(bpf_get_current_pid_tgid());
}

/* A wait for `lock` begins (a contention, or a call of a lock function). */
static __always_inline void lock_contended(void *ctx, __u64 lock, __u32 flags)
{
	struct task_lock tl = {.task_id = bpf_get_current_pid_tgid(), .lock_ptr = lock};
	struct holder h = {}, *old;

	if (!traced(lock))
		return;
	/* A mutex reports its contention twice, spinning then sleeping: the
	 * wait began at the first. */
	old = bpf_map_lookup_elem(&holders, &tl);
	if (old) {
		old->flags |= flags;
		return;
	}
	h.stack_id = bpf_get_stackid(ctx, &stackmap, BPF_F_FAST_STACK_CMP);
	if (h.stack_id < 0 && !per_thread) {
		count_dropped();
		return;
	}
	h.flags = flags;
	h.task_id = tl.task_id;
	h.lock_ptr = lock;
	h.try_at = bpf_ktime_get_ns();
	inflight_set(&holders, &tl, &h);
}

static __always_inline struct holder *holder_of(__u64 lock)
{
	struct task_lock tl = {.task_id = bpf_get_current_pid_tgid(), .lock_ptr = lock};

	if (!traced(lock))
		return 0;
	return bpf_map_lookup_elem(&holders, &tl);
}

static __always_inline void forget(__u64 lock)
{
	struct task_lock tl = {.task_id = bpf_get_current_pid_tgid(), .lock_ptr = lock};

	bpf_map_delete_elem(&holders, &tl);
}

static __always_inline void lock_aborted(__u64 lock)
{
	if (holder_of(lock))
		forget(lock);
}

static __always_inline void lock_acquired(__u64 lock)
{
	struct holder *h = holder_of(lock);

	if (h)
		h->acq_at = bpf_ktime_get_ns();
}

static __always_inline struct lock_stat *stat_of(struct holder *h)
{
	struct lock_stat fresh = {}, *ls;
	__u32 key = per_thread ? (__u32)h->task_id : (__u32)h->stack_id;

	ls = bpf_map_lookup_elem(&stat_map, &key);
	if (ls)
		return ls;
	if (per_thread)
		bpf_get_current_comm(&fresh.acq_max_comm, sizeof(fresh.acq_max_comm));
	ls = lookup_or_init(&stat_map, &key, &fresh);
	if (!ls)
		count_dropped();
	return ls;
}

/* Racy by design, as upstream: the maxima of two CPUs may interleave. */
static __always_inline void account_wait(struct lock_stat *ls, struct holder *h)
{
	__u64 delta = h->acq_at - h->try_at;

	ls->flags |= h->flags; /* the same bits from every CPU: no atomic needed */
	__sync_fetch_and_add(&ls->acq_count, 1);
	__sync_fetch_and_add(&ls->acq_total_time, delta);
	if (delta > ls->acq_max_time) {
		ls->acq_max_time = delta;
		ls->acq_max_id = h->task_id;
		ls->acq_max_lock_ptr = h->lock_ptr;
		if (!per_thread)
			bpf_get_current_comm(&ls->acq_max_comm, sizeof(ls->acq_max_comm));
	}
}

static __always_inline void account_hold(struct lock_stat *ls, struct holder *h, __u64 now)
{
	__u64 delta = now - h->acq_at;

	__sync_fetch_and_add(&ls->hld_count, 1);
	__sync_fetch_and_add(&ls->hld_total_time, delta);
	if (delta > ls->hld_max_time) {
		ls->hld_max_time = delta;
		ls->hld_max_id = h->task_id;
		ls->hld_max_lock_ptr = h->lock_ptr;
		if (!per_thread)
			bpf_get_current_comm(&ls->hld_max_comm, sizeof(ls->hld_max_comm));
	}
}

/* fentry and kprobe routes: both times at the unlock, as upstream. */
static __always_inline void lock_released(__u64 lock)
{
	struct holder *h = holder_of(lock);
	struct lock_stat *ls;

	if (!h)
		return;
	if (h->acq_at) {
		ls = stat_of(h);
		if (ls) {
			account_wait(ls, h);
			account_hold(ls, h, bpf_ktime_get_ns());
		}
	}
	forget(lock);
}

/* The contention route: the wait ends, acquired (ret 0) or given up. */
static __always_inline void contention_end(__u64 lock, int ret)
{
	struct holder *h = holder_of(lock);
	struct lock_stat *ls;

	if (!h)
		return;
	if (!ret) {
		h->acq_at = bpf_ktime_get_ns();
		ls = stat_of(h);
		if (ls)
			account_wait(ls, h);
	}
	forget(lock);
}

/* fentry/fexit: a blocking lock function, its trylock, its unlock. */
#define FENTRY_LOCK(func, flags, may_fail)					\
	SEC("fentry/" #func)							\
	int BPF_PROG(fentry_##func, void *lock)					\
	{									\
		lock_contended(ctx, (__u64)lock, flags);			\
		return 0;							\
	}									\
	SEC("fexit/" #func)							\
	int BPF_PROG(fexit_##func, void *lock, long ret)			\
	{									\
		if (may_fail && ret)						\
			lock_aborted((__u64)lock);				\
		else								\
			lock_acquired((__u64)lock);				\
		return 0;							\
	}
#define FEXIT_TRYLOCK(func, flags)						\
	SEC("fexit/" #func)							\
	int BPF_PROG(fexit_##func, void *lock, long ret)			\
	{									\
		if (ret == 1) {							\
			lock_contended(ctx, (__u64)lock, flags);		\
			lock_acquired((__u64)lock);				\
		}								\
		return 0;							\
	}
#define FENTRY_UNLOCK(func)							\
	SEC("fentry/" #func)							\
	int BPF_PROG(fentry_##func, void *lock)					\
	{									\
		lock_released((__u64)lock);					\
		return 0;							\
	}

/* kprobe/kretprobe: the same, the lock kept for the return by thread. */
static __always_inline void kprobe_enter(void *ctx, void *lock, __u32 flags, bool contend)
{
	__u64 l = (__u64)lock;

	if (!traced(l))
		return;
	thread_entry_set(&locks, &l);
	if (contend)
		lock_contended(ctx, l, flags);
}

#define KPROBE_LOCK(func, flags, may_fail, trylock)				\
	SEC("kprobe/" #func)							\
	int BPF_KPROBE(kprobe_##func, void *lock)				\
	{									\
		kprobe_enter(ctx, lock, flags, !trylock);			\
		return 0;							\
	}									\
	SEC("kretprobe/" #func)							\
	int BPF_KRETPROBE(kretprobe_##func, long ret)				\
	{									\
		__u64 lock;							\
										\
		if (!thread_entry_take(&locks, &lock))				\
			return 0;						\
		if (trylock) {							\
			if (ret == 1) {						\
				lock_contended(ctx, lock, flags);		\
				lock_acquired(lock);				\
			}							\
		} else if (may_fail && ret) {					\
			lock_aborted(lock);					\
		} else {							\
			lock_acquired(lock);					\
		}							\
		return 0;							\
	}
#define KPROBE_UNLOCK(func)							\
	SEC("kprobe/" #func)							\
	int BPF_KPROBE(kprobe_##func, void *lock)				\
	{									\
		lock_released((__u64)lock);					\
		return 0;							\
	}

/* The programs are named after the plain functions; user space points
 * them at the _nested twins where those are what the kernel has. The
 * void ones always acquire; the others return 0 when they did. */
#define LOCK_FUNCTIONS(LOCK, TRYLOCK, UNLOCK)					\
	LOCK(mutex_lock, LCB_F_MUTEX, false)					\
	LOCK(mutex_lock_interruptible, LCB_F_MUTEX, true)			\
	LOCK(mutex_lock_killable, LCB_F_MUTEX, true)				\
	TRYLOCK(mutex_trylock, LCB_F_MUTEX)					\
	UNLOCK(mutex_unlock)							\
	LOCK(down_read, LCB_F_READ, false)					\
	LOCK(down_read_interruptible, LCB_F_READ, true)				\
	LOCK(down_read_killable, LCB_F_READ, true)				\
	TRYLOCK(down_read_trylock, LCB_F_READ)					\
	UNLOCK(up_read)								\
	LOCK(down_write, LCB_F_WRITE, false)					\
	LOCK(down_write_killable, LCB_F_WRITE, true)				\
	TRYLOCK(down_write_trylock, LCB_F_WRITE)				\
	UNLOCK(up_write)

#define KPROBE_BLOCKING(func, flags, may_fail) KPROBE_LOCK(func, flags, may_fail, false)
#define KPROBE_TRYLOCK(func, flags) KPROBE_LOCK(func, flags, false, true)

LOCK_FUNCTIONS(FENTRY_LOCK, FEXIT_TRYLOCK, FENTRY_UNLOCK)
LOCK_FUNCTIONS(KPROBE_BLOCKING, KPROBE_TRYLOCK, KPROBE_UNLOCK)

/* lock:contention_begin/end, as tp_btf and as raw_tp. */
#define CONTENTION_PROGRAMS(kind, prefix)					\
	SEC(#kind "/contention_begin")						\
	int BPF_PROG(prefix##_contention_begin, void *lock, unsigned int flags)	\
	{									\
		lock_contended(ctx, (__u64)lock, flags);			\
		return 0;							\
	}									\
	SEC(#kind "/contention_end")						\
	int BPF_PROG(prefix##_contention_end, void *lock, int ret)		\
	{									\
		contention_end((__u64)lock, ret);				\
		return 0;							\
	}

CONTENTION_PROGRAMS(tp_btf, tp_btf)
CONTENTION_PROGRAMS(raw_tp, raw)

char LICENSE[] SEC("license") = "Dual BSD/GPL";
