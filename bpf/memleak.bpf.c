// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0)
/* memleak: outstanding allocations, by the stack that made them.
 * User mode (-p, -c): uprobes and uretprobes on the allocator functions of
 * the target's libc (or -O OBJ), attached for that process only.
 * Kernel mode: the kmem (and with --percpu the percpu) tracepoints, through
 * raw_tp, else tp_btf (which 6.1's and 6.12's verifiers refuse: it reads a
 * `const void *` argument); both read the tracepoints' raw arguments:
 *   kmalloc(call_site, ptr, bytes_req, bytes_alloc, ...)            all kernels
 *   kmalloc_node, kmem_cache_alloc_node: the same; gone in 6.1 ("mm/slab_common:
 *     unify NUMA and UMA version of tracepoints")
 *   kmem_cache_alloc(call_site, ptr, s, gfp_flags, node) since 6.1, the size
 *     being s->size ("mm/slab_common: drop kmem_alloc & avoid dereferencing
 *     fields when not using"); before, like kmalloc
 *   kfree, kmem_cache_free(call_site, ptr, ...)
 *   mm_page_alloc(page, order, ...), mm_page_free(page, order)
 *   percpu_alloc_percpu(call_site, reserved, is_atomic, size, align,
 *     base_addr, off, ptr, ...) since 6.0 ("percpu: improve
 *     percpu_alloc_percpu event trace"), before without call_site
 *   percpu_free_percpu(base_addr, off, ptr) */
#include "bpftk.bpf.h"
#include "stacks.bpf.h"
#include "memleak.h"

const volatile __u32 targ_tgid = 0;
const volatile __u64 min_size = 0;
const volatile __u64 max_size = (__u64)-1;
const volatile __u64 page_size = 4096;
const volatile __u64 sample_rate = 1;
const volatile bool trace_all = false;
const volatile bool wa_missing_free = false;
const volatile bool combined_only = false;
/* BPF_F_USER_STACK in user mode, 0 in kernel mode. */
const volatile __u64 stack_flags = 0;

/* The size asked for, by thread, from an allocator's entry to its return. */
BPFTK_HASH(sizes, __u32, __u64, 10240);
/* posix_memalign's memptr, by thread, from its entry to its return. */
BPFTK_HASH(memptrs, __u32, __u64, 10240);
/* Preallocated, as upstream's: in kernel mode a map that allocates its
 * entries as they come would see its own refills (bpf_mem_refill's kmallocs)
 * and record them, which takes more entries, without end. User mode makes
 * it BPF_F_NO_PREALLOC at open: a million entries pin ~100 MB. */
BPFTK_HASH(allocs, __u64, struct alloc_info, MEMLEAK_ALLOCS_MAX);
BPFTK_HASH(combined_allocs, __u64, struct combined_alloc_info, MEMLEAK_COMBINED_MAX);

BPFTK_EXPORT_TYPE(event);

static __always_inline void trace_event(__u32 kind, __u64 address, __u64 size)
{
	struct event e = {};

	if (!trace_all)
		return;
	e.address = address;
	e.size = size;
	e.pid = bpf_get_current_pid_tgid() >> 32;
	e.kind = kind;
	emit(&e, sizeof(e));
}

static __always_inline void combined_add(__s32 stack_id, __u64 size)
{
	struct combined_alloc_info zero = {}, *c;
	__u64 key = (__u64)(__s64)stack_id;

	c = lookup_or_init(&combined_allocs, &key, &zero);
	if (!c)
		return;
	__sync_fetch_and_add(&c->total_size, size);
	__sync_fetch_and_add(&c->number_of_allocs, 1);
}

static __always_inline void combined_del(__s32 stack_id, __u64 size)
{
	__u64 key = (__u64)(__s64)stack_id;
	struct combined_alloc_info *c = bpf_map_lookup_elem(&combined_allocs, &key);

	if (!c)
		return;
	if (c->number_of_allocs > 1) {
		__sync_fetch_and_sub(&c->total_size, size);
		__sync_fetch_and_sub(&c->number_of_allocs, 1);
	} else {
		bpf_map_delete_elem(&combined_allocs, &key);
	}
}

static __always_inline bool wanted(__u64 size)
{
	if (!id_allowed(targ_tgid, bpf_get_current_pid_tgid() >> 32))
		return false;
	if (size < min_size || size > max_size)
		return false;
	return sample_rate <= 1 || bpf_ktime_get_ns() % sample_rate == 0;
}

/* `address`, of `size` bytes, has been allocated here. */
static __always_inline void record(void *ctx, __u64 address, __u64 size)
{
	struct alloc_info info = {};

	if (!address)
		return;
	info.size = size;
	info.timestamp_ns = bpf_ktime_get_ns();
	info.stack_id = bpf_get_stackid(ctx, &stackmap, stack_flags);
	info.tgid = bpf_get_current_pid_tgid() >> 32;
	/* The map full (or its bucket busy): an allocation not followed. */
	if (bpf_map_update_elem(&allocs, &address, &info, BPF_ANY)) {
		count_dropped();
		return;
	}
	if (combined_only)
		combined_add(info.stack_id, size);
}

static __always_inline int free_enter(__u64 address)
{
	struct alloc_info *info;
	__u64 size;
	__s32 stack_id;

	if (!id_allowed(targ_tgid, bpf_get_current_pid_tgid() >> 32))
		return 0;
	info = bpf_map_lookup_elem(&allocs, &address);
	if (!info)
		return 0;
	size = info->size;
	stack_id = info->stack_id;
	bpf_map_delete_elem(&allocs, &address);
	if (combined_only)
		combined_del(stack_id, size);
	trace_event(MEMLEAK_FREE, address, size);
	return 0;
}

/* User mode: the size at the allocator's entry, the address at its return. */
static __always_inline int alloc_enter(__u64 size)
{
	__u32 tid = bpf_get_current_pid_tgid();

	if (!wanted(size))
		return 0;
	if (bpf_map_update_elem(&sizes, &tid, &size, BPF_ANY)) {
		count_dropped();
		return 0;
	}
	trace_event(MEMLEAK_ALLOC_ENTER, 0, size);
	return 0;
}

static __always_inline int alloc_exit(void *ctx, __u64 address)
{
	__u32 tid = bpf_get_current_pid_tgid();
	__u64 *sz = bpf_map_lookup_elem(&sizes, &tid), size;

	if (!sz)
		return 0; /* filtered out, or entered before we attached */
	size = *sz;
	bpf_map_delete_elem(&sizes, &tid);
	record(ctx, address, size);
	trace_event(MEMLEAK_ALLOC_EXIT, address, size);
	return 0;
}

SEC("uprobe")
int BPF_UPROBE(malloc_enter, size_t size) { return alloc_enter(size); }
SEC("uretprobe")
int BPF_URETPROBE(malloc_exit, void *ret) { return alloc_exit(ctx, (__u64)ret); }
SEC("uprobe")
int BPF_UPROBE(free_enter_prog, void *address) { return free_enter((__u64)address); }
SEC("uprobe")
int BPF_UPROBE(calloc_enter, size_t nmemb, size_t size) { return alloc_enter(nmemb * size); }
SEC("uretprobe")
int BPF_URETPROBE(calloc_exit, void *ret) { return alloc_exit(ctx, (__u64)ret); }
SEC("uprobe")
int BPF_UPROBE(realloc_enter, void *ptr, size_t size)
{
	free_enter((__u64)ptr);
	return alloc_enter(size);
}
SEC("uretprobe")
int BPF_URETPROBE(realloc_exit, void *ret) { return alloc_exit(ctx, (__u64)ret); }
SEC("uprobe")
int BPF_UPROBE(mmap_enter, void *addr, size_t length) { return alloc_enter(length); }
SEC("uretprobe")
int BPF_URETPROBE(mmap_exit, void *ret)
{
	/* MAP_FAILED is no allocation. */
	return alloc_exit(ctx, (__s64)ret == -1 ? 0 : (__u64)ret);
}
SEC("uprobe")
int BPF_UPROBE(mremap_enter, void *old_address, size_t old_size, size_t new_size)
{
	free_enter((__u64)old_address);
	return alloc_enter(new_size);
}
SEC("uretprobe")
int BPF_URETPROBE(mremap_exit, void *ret)
{
	return alloc_exit(ctx, (__s64)ret == -1 ? 0 : (__u64)ret);
}
SEC("uprobe")
int BPF_UPROBE(munmap_enter, void *address) { return free_enter((__u64)address); }
SEC("uprobe")
int BPF_UPROBE(posix_memalign_enter, void **memptr, size_t alignment, size_t size)
{
	__u32 tid = bpf_get_current_pid_tgid();
	__u64 p = (__u64)memptr;

	/* Kept whatever alloc_enter decides: the exit finds no size then. */
	bpf_map_update_elem(&memptrs, &tid, &p, BPF_ANY);
	return alloc_enter(size);
}
SEC("uretprobe")
int BPF_URETPROBE(posix_memalign_exit, int ret)
{
	__u32 tid = bpf_get_current_pid_tgid();
	__u64 *p = bpf_map_lookup_elem(&memptrs, &tid);
	void *addr = 0;

	if (!p)
		return 0;
	/* On failure *memptr is left as it was: no allocation. */
	if (ret == 0)
		bpf_probe_read_user(&addr, sizeof(addr), (void *)*p);
	bpf_map_delete_elem(&memptrs, &tid);
	return alloc_exit(ctx, (__u64)addr);
}
SEC("uprobe")
int BPF_UPROBE(aligned_alloc_enter, size_t alignment, size_t size) { return alloc_enter(size); }
SEC("uretprobe")
int BPF_URETPROBE(aligned_alloc_exit, void *ret) { return alloc_exit(ctx, (__u64)ret); }
SEC("uprobe")
int BPF_UPROBE(valloc_enter, size_t size) { return alloc_enter(size); }
SEC("uretprobe")
int BPF_URETPROBE(valloc_exit, void *ret) { return alloc_exit(ctx, (__u64)ret); }
SEC("uprobe")
int BPF_UPROBE(memalign_enter, size_t alignment, size_t size) { return alloc_enter(size); }
SEC("uretprobe")
int BPF_URETPROBE(memalign_exit, void *ret) { return alloc_exit(ctx, (__u64)ret); }
SEC("uprobe")
int BPF_UPROBE(pvalloc_enter, size_t size) { return alloc_enter(size); }
SEC("uretprobe")
int BPF_URETPROBE(pvalloc_exit, void *ret) { return alloc_exit(ctx, (__u64)ret); }

/* Kernel mode: one tracepoint gives both the address and the size. */
static __always_inline int kernel_alloc(void *ctx, __u64 address, __u64 size)
{
	if (wa_missing_free)
		free_enter(address);
	if (!wanted(size))
		return 0;
	trace_event(MEMLEAK_ALLOC_ENTER, 0, size);
	record(ctx, address, size);
	trace_event(MEMLEAK_ALLOC_EXIT, address, size);
	return 0;
}

static __always_inline __u64 cache_alloc_size(__u64 *ctx)
{
	if (bpf_core_type_exists(struct trace_event_raw_kmem_cache_alloc)) {
		struct kmem_cache *s = (void *)ctx[2];

		return BPF_CORE_READ(s, size);
	}
	return ctx[3];
}

static __always_inline int percpu_alloc(__u64 *ctx)
{
	if (bpf_core_field_exists(struct trace_event_raw_percpu_alloc_percpu, call_site))
		return kernel_alloc(ctx, ctx[7], ctx[3]);
	return kernel_alloc(ctx, ctx[6], ctx[2]);
}

/* The programs of one hook kind (tp_btf, raw_tp), named PREFIX_... */
#define KERNEL_PROGRAMS(kind, prefix)							\
	SEC(#kind "/kmalloc")								\
	int BPF_PROG(prefix##_kmalloc) { return kernel_alloc(ctx, ctx[1], ctx[3]); }	\
	SEC(#kind "/kmalloc_node")							\
	int BPF_PROG(prefix##_kmalloc_node) { return kernel_alloc(ctx, ctx[1], ctx[3]); } \
	SEC(#kind "/kmem_cache_alloc")							\
	int BPF_PROG(prefix##_kmem_cache_alloc)						\
	{										\
		return kernel_alloc(ctx, ctx[1], cache_alloc_size(ctx));		\
	}										\
	SEC(#kind "/kmem_cache_alloc_node")						\
	int BPF_PROG(prefix##_kmem_cache_alloc_node)					\
	{										\
		return kernel_alloc(ctx, ctx[1], ctx[3]);				\
	}										\
	SEC(#kind "/kfree")								\
	int BPF_PROG(prefix##_kfree) { return free_enter(ctx[1]); }			\
	SEC(#kind "/kmem_cache_free")							\
	int BPF_PROG(prefix##_kmem_cache_free) { return free_enter(ctx[1]); }		\
	SEC(#kind "/mm_page_alloc")							\
	int BPF_PROG(prefix##_mm_page_alloc)						\
	{										\
		return kernel_alloc(ctx, ctx[0], page_size << (__u32)ctx[1]);		\
	}										\
	SEC(#kind "/mm_page_free")							\
	int BPF_PROG(prefix##_mm_page_free) { return free_enter(ctx[0]); }		\
	SEC(#kind "/percpu_alloc_percpu")						\
	int BPF_PROG(prefix##_percpu_alloc) { return percpu_alloc(ctx); }		\
	SEC(#kind "/percpu_free_percpu")						\
	int BPF_PROG(prefix##_percpu_free) { return free_enter(ctx[2]); }

KERNEL_PROGRAMS(tp_btf, tp_btf)
KERNEL_PROGRAMS(raw_tp, raw)

char LICENSE[] SEC("license") = "Dual BSD/GPL";
