/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
/* What every bpftk BPF program shares: the kernel types, libbpf's helpers,
 * the `events` ring buffer and the count of events it could not take. */
#ifndef __BPFTK_BPF_H
#define __BPFTK_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

/* The running kernel's version, known at load time (libbpf fills it in):
 * a branch on it is dead code to the verifier on the other kernels. */
extern int LINUX_KERNEL_VERSION __kconfig;

#define BPFTK_COMM_LEN 16
#define BPFTK_INVALID_UID ((__u32)-1)

/* User space sizes this map before load (libtools' --ring-size logic). */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

/* The maps of the tools, one line each: `_entries` values of type `_value`
 * by `_key`, in a map of type `_kind` (BPF_MAP_TYPE_...), named `_name`. */
#define BPFTK_MAP(_name, _kind, _key, _value, _entries)				\
	struct {								\
		__uint(type, _kind);						\
		__uint(max_entries, _entries);					\
		__type(key, _key);						\
		__type(value, _value);						\
	} _name SEC(".maps")
#define BPFTK_HASH(_name, _key, _value, _entries)				\
	BPFTK_MAP(_name, BPF_MAP_TYPE_HASH, _key, _value, _entries)
#define BPFTK_LRU_HASH(_name, _key, _value, _entries)				\
	BPFTK_MAP(_name, BPF_MAP_TYPE_LRU_HASH, _key, _value, _entries)
/* A hash map whose entries are allocated as they are added (most runs of a
 * summary tool use one key of its histograms). */
#define BPFTK_HASH_NO_PREALLOC(_name, _key, _value, _entries)			\
	struct {								\
		__uint(type, BPF_MAP_TYPE_HASH);				\
		__uint(max_entries, _entries);					\
		__uint(map_flags, BPF_F_NO_PREALLOC);				\
		__type(key, _key);						\
		__type(value, _value);						\
	} _name SEC(".maps")
/* One `_value` per CPU (key 0), read and written with percpu_slot(). */
#define BPFTK_PERCPU_SLOT(_name, _value)					\
	BPFTK_MAP(_name, BPF_MAP_TYPE_PERCPU_ARRAY, __u32, _value, 1)
/* `scratch`: where an event too large for the BPF stack is built (and,
 * being a map's value, its struct is in the BTF the skeleton reads). */
#define BPFTK_SCRATCH(_value) BPFTK_PERCPU_SLOT(scratch, _value)

/* This CPU's value of a BPFTK_PERCPU_SLOT map. */
static __always_inline void *percpu_slot(void *map)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(map, &zero);
}

/* Events that found the ring buffer full; libtools reports the sum at exit. */
BPFTK_PERCPU_SLOT(dropped_events, __u64);

static __always_inline void count_dropped(void)
{
	__u64 *n = percpu_slot(&dropped_events);

	if (n)
		*n += 1; /* per-CPU slot: no other writer */
}

/* Wake the reader only once the buffer is an eighth full: it polls every
 * few milliseconds anyway (libtools::run), and a wakeup per event costs the
 * traced task more than the event itself under a storm. */
static __always_inline __u64 wakeup_flags(void)
{
	__u64 avail = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);
	__u64 size = bpf_ringbuf_query(&events, BPF_RB_RING_SIZE);

	return avail > size / 8 ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
}

/* Copy `size` bytes of `data` into the ring buffer, counting a failure. */
static __always_inline long emit(void *data, __u64 size)
{
	long err = bpf_ringbuf_output(&events, data, size, wakeup_flags());

	if (err)
		count_dropped();
	return err;
}

/* A path (or any string) from user memory into `buf` of `size` bytes (a
 * constant). Returns its length without the NUL; sets *truncated when the
 * string goes on beyond the buffer. */
static __always_inline __u32 read_user_path(char *buf, __u32 size, const char *src,
					    __u8 *truncated)
{
	long len = bpf_probe_read_user_str(buf, size, src);

	*truncated = 0;
	if (len < 1)
		return 0;
	len -= 1; /* drop the NUL */
	if (len == size - 1) {
		/* The buffer is full: is there more beyond it? */
		char next = 0;

		bpf_probe_read_user(&next, 1, src + size - 1);
		*truncated = next != 0;
	}
	if (len > size)
		len = size;
	return len;
}

/* The value for `key` in a hash map, created from `init` if missing. */
static __always_inline void *lookup_or_init(void *map, const void *key, const void *init)
{
	void *v = bpf_map_lookup_elem(map, key);
	long err;

	if (v)
		return v;
	err = bpf_map_update_elem(map, key, init, BPF_NOEXIST);
	if (err && err != -17 /* EEXIST: another CPU was first */)
		return 0;
	return bpf_map_lookup_elem(map, key);
}

/* True when `want` is 0 (no filter) or `id` (a pid, tid, tgid) is `want`. */
static __always_inline bool id_allowed(__u32 want, __u32 id)
{
	return !want || want == id;
}

/* The same for a uid filter, whose "none" is BPFTK_INVALID_UID. */
static __always_inline bool uid_allowed(__u32 want, __u32 uid)
{
	return want == BPFTK_INVALID_UID || want == uid;
}

/* The current thread's entry in `map`, a hash by thread id (a call in
 * flight between its entry and its return), or NULL. */
static __always_inline void *thread_entry(void *map)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	return bpf_map_lookup_elem(map, &tid);
}

/* Store what is in flight (a call between entry and return, a request
 * between start and end) under `key`: where the map is full, what it would
 * have become is lost, and counted as a lost event. */
static __always_inline long inflight_set(void *map, const void *key, const void *value)
{
	long err = bpf_map_update_elem(map, key, value, BPF_ANY);

	if (err)
		count_dropped();
	return err;
}

static __always_inline long thread_entry_set(void *map, const void *value)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	return inflight_set(map, &tid, value);
}

static __always_inline void thread_entry_clear(void *map)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	bpf_map_delete_elem(map, &tid);
}

/* Take the current thread's entry out of `map` into *out (of the map's
 * value type: a typed copy, word by word): false when there was none. */
#define thread_entry_take(map, out)						\
	({									\
		typeof(out) __entry = thread_entry(map);			\
										\
		if (__entry) {							\
			*(out) = *__entry;					\
			thread_entry_clear(map);				\
		}								\
		__entry != 0;							\
	})

/* A task's scheduler state, `__state` since 5.14, `state` before. */
struct task_struct___pre_5_14 {
	long state;
} __attribute__((preserve_access_index));

static __always_inline long task_state(struct task_struct *t)
{
	struct task_struct___pre_5_14 *old = (void *)t;

	if (bpf_core_field_exists(t->__state))
		return BPF_CORE_READ(t, __state);
	return BPF_CORE_READ(old, state);
}

/* Not the idle task (pid 0), and in process `tgid` when that is set (-p). */
static __always_inline bool task_allowed(struct task_struct *t, __u32 tgid)
{
	return BPF_CORE_READ(t, pid) && id_allowed(tgid, BPF_CORE_READ(t, tgid));
}

/* Put `struct NAME` into the object's BTF, so that the skeleton generates its
 * Rust type, for events that are never a map's value type. */
#define BPFTK_EXPORT_TYPE(name) struct name __bpftk_export_##name __attribute__((unused))

/* One-line programs on a kernel function `fn`: SEC("<kind>/fn") `int name(args)`
 * returning `call` (of the arguments). The arguments are the rest. */
#define BPFTK_FENTRY(fn, name, call, ...)					\
	SEC("fentry/" #fn) int BPF_PROG(name, ##__VA_ARGS__) { return call; }
#define BPFTK_FEXIT(fn, name, call, ...)					\
	SEC("fexit/" #fn) int BPF_PROG(name, ##__VA_ARGS__) { return call; }
#define BPFTK_KPROBE(fn, name, call, ...)					\
	SEC("kprobe/" #fn) int BPF_KPROBE(name, ##__VA_ARGS__) { return call; }
#define BPFTK_KRETPROBE(fn, name, call, ...)					\
	SEC("kretprobe/" #fn) int BPF_KRETPROBE(name, ##__VA_ARGS__) { return call; }
/* The fentry program and its kprobe alternative, alike. */
#define BPFTK_FENTRY_KPROBE(fn, fentry_name, kprobe_name, call, ...)		\
	BPFTK_FENTRY(fn, fentry_name, call, ##__VA_ARGS__)			\
	BPFTK_KPROBE(fn, kprobe_name, call, ##__VA_ARGS__)

#endif /* __BPFTK_BPF_H */
