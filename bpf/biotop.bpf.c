// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0)
/* biotop: block I/O per process, disk and direction, summed in a hash map
 * that user space drains every interval (the request's stages:
 * block_stages.bpf.h). */
#include "bpftk.bpf.h"
#include "cgroup.bpf.h"
#include "block_stages.bpf.h"
#include "biotop.h"

const volatile __u32 targ_tgid = 0;

BPFTK_HASH(counts, struct io_key, struct io_val, 10240);

static const struct io_val zero_val;

static __always_inline bool rq_wanted(struct request *rq)
{
	return cgroup_allowed() && (!targ_tgid || bpf_get_current_pid_tgid() >> 32 == targ_tgid);
}

static __always_inline void rq_done(struct request *rq, struct rq_stage *s, __u64 now)
{
	struct io_key key = {};
	struct io_val *v;

	key.pid = s->pid;
	key.dev = rq_dev(rq);
	key.write = (BPF_CORE_READ(rq, cmd_flags) & 0xff) == 1; /* REQ_OP_WRITE */
	__builtin_memcpy(key.comm, s->comm, sizeof(key.comm));
	v = lookup_or_init(&counts, &key, &zero_val);
	if (!v) {
		count_dropped(); /* the map is full: this I/O is lost */
		return;
	}
	__sync_fetch_and_add(&v->bytes, s->len);
	__sync_fetch_and_add(&v->us, (now - s->issue_ns) / 1000);
	__sync_fetch_and_add(&v->io, 1);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
