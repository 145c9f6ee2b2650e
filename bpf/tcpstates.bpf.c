// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0)
/* tcpstates: every TCP state change with the time spent in the old state.
 * Hooks: tp_btf inet_sock_set_state, else tracepoint sock:inet_sock_set_state. */
#include "bpftk.bpf.h"
#include "net.bpf.h"
#include "sock_state.bpf.h"
#include "tcpstates.h"

#define MAX_ENTRIES 10240
#define TCP_STATE_CLOSE 7

const volatile __u16 targ_lports[BPFTK_MAX_PORTS] = {};
const volatile __u32 targ_lports_len = 0;
const volatile __u16 targ_rports[BPFTK_MAX_PORTS] = {};
const volatile __u32 targ_rports_len = 0;

/* When each socket entered its current state. */
BPFTK_HASH(entered, __u64, __u64, MAX_ENTRIES);

BPFTK_SCRATCH(struct event);

static __always_inline int handle(struct sock_state *s)
{
	__u64 sk = (__u64)s->sk, now, *since, delta_us;
	struct event *e;

	if (s->protocol != BPFTK_IPPROTO_TCP)
		return 0;
	/* Time every socket, filtered or not: a connecting socket has no local
	 * port yet when it enters SYN_SENT, and -L would miss that moment. */
	now = bpf_ktime_get_ns();
	since = bpf_map_lookup_elem(&entered, &sk);
	delta_us = since ? (now - *since) / 1000 : 0;
	if (s->newstate == TCP_STATE_CLOSE)
		bpf_map_delete_elem(&entered, &sk);
	else
		inflight_set(&entered, &sk, &now);

	if (!family_allowed(s->t.family) || !port_listed(targ_lports, targ_lports_len, s->t.sport) ||
	    !port_listed(targ_rports, targ_rports_len, s->t.dport))
		return 0;
	e = percpu_slot(&scratch);
	if (!e)
		return 0;
	e->t = s->t;
	e->skaddr = sk;
	e->ts_us = now / 1000;
	e->delta_us = delta_us;
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->oldstate = s->oldstate;
	e->newstate = s->newstate;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	emit(e, sizeof(*e));
	return 0;
}

SOCK_STATE_PROGRAMS(handle)

char LICENSE[] SEC("license") = "Dual BSD/GPL";
