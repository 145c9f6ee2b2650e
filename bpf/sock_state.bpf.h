/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
/* A socket's state change (sock:inet_sock_set_state) as tcplife and
 * tcpstates see it, whether the hook is the tp_btf (the struct sock and the
 * two states) or the classic tracepoint (its recorded fields).
 * Include after bpftk.bpf.h and net.bpf.h. */
#ifndef __BPFTK_SOCK_STATE_BPF_H
#define __BPFTK_SOCK_STATE_BPF_H

#define BPFTK_IPPROTO_TCP 6

struct sock_state {
	const struct sock *sk;
	struct net_tuple t;
	int oldstate;
	int newstate;
	__u16 protocol;
};

/* From the tp_btf arguments: read the tuple from the socket itself. */
static __always_inline void sock_state_from_sock(struct sock_state *s, const struct sock *sk,
						 int oldstate, int newstate)
{
	s->sk = sk;
	sock_tuple(sk, &s->t);
	s->oldstate = oldstate;
	s->newstate = newstate;
	s->protocol = BPF_CORE_READ(sk, sk_protocol);
}

/* From the tracepoint's own fields (ports in host order, as recorded). */
static __always_inline void sock_state_from_tp(struct sock_state *s,
					       struct trace_event_raw_inet_sock_set_state *ctx)
{
	__builtin_memset(&s->t, 0, sizeof(s->t));
	s->sk = ctx->skaddr;
	s->oldstate = ctx->oldstate;
	s->newstate = ctx->newstate;
	s->protocol = ctx->protocol;
	s->t.family = ctx->family;
	s->t.sport = ctx->sport;
	s->t.dport = ctx->dport;
	if (s->t.family == BPFTK_AF_INET6) {
		bpf_probe_read_kernel(s->t.saddr, 16, ctx->saddr_v6);
		bpf_probe_read_kernel(s->t.daddr, 16, ctx->daddr_v6);
	} else {
		bpf_probe_read_kernel(s->t.saddr, 4, ctx->saddr);
		bpf_probe_read_kernel(s->t.daddr, 4, ctx->daddr);
	}
}

/* The two programs of libtools::tcp::state_change_hooks() (tcplife,
 * tcpstates): tp_btf_set_state and tp_set_state, each handing the change
 * to HANDLER, an `int HANDLER(struct sock_state *)`. */
#define SOCK_STATE_PROGRAMS(HANDLER)						\
SEC("tp_btf/inet_sock_set_state")						\
int BPF_PROG(tp_btf_set_state, const struct sock *sk, const int oldstate,	\
	     const int newstate)						\
{										\
	struct sock_state s;							\
										\
	sock_state_from_sock(&s, sk, oldstate, newstate);			\
	return HANDLER(&s);							\
}										\
										\
SEC("tracepoint/sock/inet_sock_set_state")					\
int tp_set_state(struct trace_event_raw_inet_sock_set_state *ctx)		\
{										\
	struct sock_state s;							\
										\
	sock_state_from_tp(&s, ctx);						\
	return HANDLER(&s);							\
}

#endif /* __BPFTK_SOCK_STATE_BPF_H */
