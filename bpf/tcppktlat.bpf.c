// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0)
/* tcppktlat: how long received TCP data waits for the application to read
 * it, per socket: from a data segment's arrival (tcp:tcp_probe, in
 * tcp_rcv_established, mostly in softirq context) to the next time the
 * application copies received data out (tcp:tcp_rcv_space_adjust, in
 * tcp_recvmsg, in the reader's context). tcp:tcp_destroy_sock forgets a
 * socket's arrival that was never read.
 *
 * Hook alternatives, in order of preference, the three tracepoints each:
 *   tp_btf      the socket (and skb); the socket's address is the key
 *   raw_tp      the same arguments, read with probes
 *   tracepoint  the recorded fields; the socket cookie is the key, as not
 *               every kernel's tcp_probe record holds the socket's address */
#include "bpftk.bpf.h"
#include "net.bpf.h"
#include "tcppktlat.h"

const volatile __u32 targ_tgid = 0;
const volatile __u32 targ_tid = 0;
const volatile __u16 targ_lport = 0;
const volatile __u16 targ_rport = 0;
const volatile __u64 targ_min_us = 0;

/* When data last arrived on a socket not read since, by socket. LRU: a
 * socket whose destruction we missed (it began before we attached) cannot
 * hold an entry for ever. */
BPFTK_LRU_HASH(arrivals, __u64, __u64, 10240);

BPFTK_EXPORT_TYPE(event);

/* A segment arrived on socket `key`: remember when, if it carries data
 * (`data_len` bytes past the TCP header; pure ACKs are nothing to read)
 * and the ports pass -l and -r (host order). */
static __always_inline int arrived(__u64 key, __u16 lport, __u16 rport, __u32 data_len)
{
	__u64 ts;

	if (!data_len)
		return 0;
	if ((targ_lport && targ_lport != lport) || (targ_rport && targ_rport != rport))
		return 0;
	ts = bpf_ktime_get_ns();
	inflight_set(&arrivals, &key, &ts);
	return 0;
}

/* The current task reads from socket `key`: take its arrival, and fill *e
 * (all but the tuple) when the reader passes -p, -t and the minimum. */
static __always_inline bool took(__u64 key, struct event *e)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u64 *tsp = bpf_map_lookup_elem(&arrivals, &key);
	__u64 now;
	bool keep;

	if (!tsp)
		return false;
	now = bpf_ktime_get_ns();
	e->delta_ns = now > *tsp ? now - *tsp : 0;
	/* libbpf-tools keeps what is above the minimum in whole microseconds. */
	keep = id_allowed(targ_tgid, id >> 32) && id_allowed(targ_tid, (__u32)id) &&
	       e->delta_ns / 1000 > targ_min_us;
	bpf_map_delete_elem(&arrivals, &key);
	if (!keep)
		return false;
	e->ts_ns = now;
	e->pid = id >> 32;
	e->tid = (__u32)id;
	bpf_get_current_comm(&e->comm, sizeof(e->comm));
	return true;
}

/* tcp_probe with the socket and skb: skb->data is at the TCP header, and
 * skb->len counts it (the tracepoint's own data_len is the same). */
static __always_inline int probe_sk(const struct sock *sk, const struct sk_buff *skb)
{
	unsigned char *head = BPF_CORE_READ(skb, head);
	__u16 th = BPF_CORE_READ(skb, transport_header);
	__u32 len = BPF_CORE_READ(skb, len), hdr;
	__u8 doff = 0;

	bpf_probe_read_kernel(&doff, 1, head + th + 12); /* data offset, high nibble */
	hdr = (doff >> 4) * 4;
	return arrived((__u64)sk, port_from_be(BPF_CORE_READ((const struct inet_sock *)sk, inet_sport)),
		       port_from_be(BPF_CORE_READ(sk, __sk_common.skc_dport)),
		       len > hdr ? len - hdr : 0);
}

static __always_inline int read_sk(const struct sock *sk)
{
	struct event e = {};

	if (!took((__u64)sk, &e))
		return 0;
	sock_tuple(sk, &e.t);
	emit(&e, sizeof(e));
	return 0;
}

static __always_inline int destroy(__u64 key)
{
	bpf_map_delete_elem(&arrivals, &key);
	return 0;
}

/* The three programs of one kind (tp_btf, raw_tp), named PREFIX_... */
#define PKTLAT_PROGRAMS(kind, prefix)						\
	SEC(#kind "/tcp_probe")							\
	int BPF_PROG(prefix##_probe, struct sock *sk, struct sk_buff *skb)	\
	{									\
		return probe_sk(sk, skb);					\
	}									\
	SEC(#kind "/tcp_rcv_space_adjust")					\
	int BPF_PROG(prefix##_rcv_space_adjust, struct sock *sk)		\
	{									\
		return read_sk(sk);						\
	}									\
	SEC(#kind "/tcp_destroy_sock")						\
	int BPF_PROG(prefix##_destroy_sock, struct sock *sk)			\
	{									\
		return destroy((__u64)sk);					\
	}

PKTLAT_PROGRAMS(tp_btf, tp_btf)
PKTLAT_PROGRAMS(raw_tp, raw)

/* The classic tracepoints: ports in host order, as recorded. */
SEC("tracepoint/tcp/tcp_probe")
int tp_probe(struct trace_event_raw_tcp_probe *ctx)
{
	return arrived(ctx->sock_cookie, ctx->sport, ctx->dport, ctx->data_len);
}

SEC("tracepoint/tcp/tcp_rcv_space_adjust")
int tp_rcv_space_adjust(struct trace_event_raw_tcp_event_sk *ctx)
{
	struct event e = {};

	if (!took(ctx->sock_cookie, &e))
		return 0;
	e.t.family = ctx->family;
	e.t.sport = ctx->sport;
	e.t.dport = ctx->dport;
	if (e.t.family == BPFTK_AF_INET6) {
		bpf_probe_read_kernel(e.t.saddr, 16, ctx->saddr_v6);
		bpf_probe_read_kernel(e.t.daddr, 16, ctx->daddr_v6);
	} else {
		bpf_probe_read_kernel(e.t.saddr, 4, ctx->saddr);
		bpf_probe_read_kernel(e.t.daddr, 4, ctx->daddr);
	}
	emit(&e, sizeof(e));
	return 0;
}

SEC("tracepoint/tcp/tcp_destroy_sock")
int tp_destroy_sock(struct trace_event_raw_tcp_event_sk *ctx)
{
	return destroy(ctx->sock_cookie);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
