// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0)
/* slabratetop: kmem cache allocations by cache, summed in a hash map that
 * user space drains every interval.
 * Hook alternatives, in order of preference:
 *   tp_btf  kmem_cache_alloc(call_site, ptr, s, ...), where its third argument
 *           is the cache (user space checks the kernel's BTF): on 6.1 and
 *           later at least; older kernels' tracepoint passed sizes only
 *   raw_tp  the same tracepoint
 *   fentry  kmem_cache_alloc_noprof (its name since 6.10, "mm/slab: enable
 *           slab allocation tagging for kmalloc and friends"), else
 *           kmem_cache_alloc
 *   kprobe  the same functions, as libbpf-tools hooks them */
#include "bpftk.bpf.h"
#include "slabratetop.h"

const volatile __u32 targ_tgid = 0;

BPFTK_HASH(slab_entries, __u64, struct slabrate_info, 10240);

static __always_inline int account(struct kmem_cache *s)
{
	__u64 key = (__u64)s;
	struct slabrate_info *v;

	if (!s || !id_allowed(targ_tgid, bpf_get_current_pid_tgid() >> 32))
		return 0;
	v = bpf_map_lookup_elem(&slab_entries, &key);
	if (!v) {
		struct slabrate_info init = {};

		bpf_probe_read_kernel_str(init.name, sizeof(init.name), BPF_CORE_READ(s, name));
		v = lookup_or_init(&slab_entries, &key, &init);
		if (!v) {
			count_dropped(); /* the map is full: this allocation is lost */
			return 0;
		}
	}
	__sync_fetch_and_add(&v->count, 1);
	__sync_fetch_and_add(&v->size, BPF_CORE_READ(s, size));
	return 0;
}

/* The cache is the third argument; the second, the object (NULL when the
 * allocation failed), is not read: 6.1's and 6.12's verifiers refuse a
 * tp_btf program's access to a `const void *` argument ("invalid
 * bpf_context access off=8"). Failed allocations are counted, as upstream's
 * kprobe at the call counts them. */
SEC("tp_btf/kmem_cache_alloc")
int tp_btf_kmem_cache_alloc(__u64 *ctx)
{
	return account((struct kmem_cache *)ctx[2]);
}

SEC("raw_tp/kmem_cache_alloc")
int raw_kmem_cache_alloc(struct bpf_raw_tracepoint_args *ctx)
{
	return account((struct kmem_cache *)ctx->args[2]);
}

/* The target is set at run time: kmem_cache_alloc_noprof or kmem_cache_alloc. */
BPFTK_FENTRY_KPROBE(kmem_cache_alloc, fentry_kmem_cache_alloc, kprobe_kmem_cache_alloc,
		    account(s), struct kmem_cache *s)

char LICENSE[] SEC("license") = "Dual BSD/GPL";
