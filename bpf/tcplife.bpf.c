// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0)
/* tcplife: TCP connections with their bytes and duration, at close.
 * Hooks: tp_btf inet_sock_set_state, else tracepoint sock:inet_sock_set_state. */
#include "bpftk.bpf.h"
#include "net.bpf.h"
#include "sock_state.bpf.h"
#include "tcplife.h"

#define MAX_ENTRIES 10240
#define TCP_STATE_ESTABLISHED 1
#define TCP_STATE_SYN_SENT 2
#define TCP_STATE_FIN_WAIT1 4
#define TCP_STATE_CLOSE 7
#define TCP_STATE_LAST_ACK 9

const volatile __u32 targ_tgid = 0;
const volatile __u16 targ_lports[BPFTK_MAX_PORTS] = {};
const volatile __u32 targ_lports_len = 0;
const volatile __u16 targ_rports[BPFTK_MAX_PORTS] = {};
const volatile __u32 targ_rports_len = 0;

/* When the connection was born (its last state before FIN_WAIT1), by socket. */
BPFTK_HASH(birth, __u64, __u64, MAX_ENTRIES);

BPFTK_HASH(idents, __u64, struct ident, MAX_ENTRIES);

BPFTK_EXPORT_TYPE(event);

static __always_inline int handle(struct sock_state *s)
{
	__u64 sk = (__u64)s->sk, now, *start;
	struct tcp_sock *tp = (struct tcp_sock *)s->sk;
	struct ident ident = {}, *idp;
	struct event e = {};
	__u32 tgid;

	if (s->protocol != BPFTK_IPPROTO_TCP || !family_allowed(s->t.family))
		return 0;
	if (!port_listed(targ_lports, targ_lports_len, s->t.sport) ||
	    !port_listed(targ_rports, targ_rports_len, s->t.dport))
		return 0;

	if (s->newstate < TCP_STATE_FIN_WAIT1) {
		now = bpf_ktime_get_ns();
		inflight_set(&birth, &sk, &now);
	}
	/* These changes happen in the owner's context: connect(2), and
	 * close(2) or shutdown(2) on either side. A passive socket that its
	 * owner closes first is named at FIN_WAIT1. */
	if (s->newstate == TCP_STATE_SYN_SENT || s->newstate == TCP_STATE_LAST_ACK ||
	    (s->newstate == TCP_STATE_FIN_WAIT1 && s->oldstate == TCP_STATE_ESTABLISHED)) {
		tgid = bpf_get_current_pid_tgid() >> 32;
		if (targ_tgid && tgid != targ_tgid)
			return 0;
		ident.pid = tgid;
		bpf_get_current_comm(ident.comm, sizeof(ident.comm));
		bpf_map_update_elem(&idents, &sk, &ident,
				    s->newstate == TCP_STATE_FIN_WAIT1 ? BPF_NOEXIST : BPF_ANY);
	}
	if (s->newstate != TCP_STATE_CLOSE)
		return 0;

	start = bpf_map_lookup_elem(&birth, &sk);
	if (!start) {
		bpf_map_delete_elem(&idents, &sk);
		return 0;
	}
	now = bpf_ktime_get_ns();
	e.ts_us = now / 1000;
	e.span_us = (now - *start) / 1000;
	idp = bpf_map_lookup_elem(&idents, &sk);
	if (idp) {
		e.pid = idp->pid;
		__builtin_memcpy(e.comm, idp->comm, sizeof(e.comm));
	} else {
		e.pid = bpf_get_current_pid_tgid() >> 32;
		bpf_get_current_comm(e.comm, sizeof(e.comm));
	}
	if (!targ_tgid || e.pid == targ_tgid) {
		e.t = s->t;
		e.rx_b = BPF_CORE_READ(tp, bytes_received);
		e.tx_b = BPF_CORE_READ(tp, bytes_acked);
		emit(&e, sizeof(e));
	}
	bpf_map_delete_elem(&birth, &sk);
	bpf_map_delete_elem(&idents, &sk);
	return 0;
}

SOCK_STATE_PROGRAMS(handle)

char LICENSE[] SEC("license") = "Dual BSD/GPL";
