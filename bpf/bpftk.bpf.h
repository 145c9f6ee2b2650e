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

/* Events that found the ring buffer full; libtools reports the sum at exit. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} dropped_events SEC(".maps");

static __always_inline void count_dropped(void)
{
	__u32 zero = 0;
	__u64 *n = bpf_map_lookup_elem(&dropped_events, &zero);

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

/* Put `struct NAME` into the object's BTF, so that the skeleton generates its
 * Rust type, for events that are never a map's value type. */
#define BPFTK_EXPORT_TYPE(name) struct name __bpftk_export_##name __attribute__((unused))

#endif /* __BPFTK_BPF_H */
