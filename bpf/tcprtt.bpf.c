// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0)
/* tcprtt: the smoothed RTT of TCP sockets as each receives a segment on an
 * established connection, as log2 histograms.
 * Hooks: tp_btf tcp_probe, tracepoint tcp:tcp_probe (its srtt field), fentry
 * or kprobe tcp_rcv_established. */
#include "bpftk.bpf.h"
#include "net.bpf.h"
#include "hist.bpf.h"
#include "tcprtt.h"

#define MAX_ENTRIES 10240

const volatile bool targ_laddr_hist = false;
const volatile bool targ_raddr_hist = false;
const volatile bool targ_ms = false;
const volatile __u16 targ_lport = 0;
const volatile __u16 targ_rport = 0;
/* -a/-A: an address to match, of this family (0: no filter). */
const volatile __u16 targ_laddr_family = 0;
const volatile __u8 targ_laddr[16] = {};
const volatile __u16 targ_raddr_family = 0;
const volatile __u8 targ_raddr[16] = {};

BPFTK_HASH(hists, struct rtt_key, struct rtt_hist, MAX_ENTRIES);

static __always_inline bool addr_matches(__u16 want_family, const volatile __u8 *want,
					 __u16 family, const __u8 *addr)
{
	int i, n = family == BPFTK_AF_INET6 ? 16 : 4;

	if (!want_family)
		return true;
	if (want_family != family)
		return false;
	for (i = 0; i < 16; i++) {
		if (i >= n)
			break;
		if (want[i] != addr[i])
			return false;
	}
	return true;
}

/* srtt in microseconds */
static __always_inline int record(const struct net_tuple *t, __u64 srtt)
{
	static const struct rtt_hist zero;
	struct rtt_key key = {};
	struct rtt_hist *h;

	if (!family_allowed(t->family))
		return 0;
	if ((targ_lport && targ_lport != t->sport) || (targ_rport && targ_rport != t->dport))
		return 0;
	if (!addr_matches(targ_laddr_family, targ_laddr, t->family, t->saddr) ||
	    !addr_matches(targ_raddr_family, targ_raddr, t->family, t->daddr))
		return 0;
	if (targ_laddr_hist) {
		__builtin_memcpy(key.addr, t->saddr, sizeof(key.addr));
		key.family = t->family;
	} else if (targ_raddr_hist) {
		__builtin_memcpy(key.addr, t->daddr, sizeof(key.addr));
		key.family = t->family;
	}
	h = lookup_or_init(&hists, &key, &zero);
	if (!h)
		return 0;
	if (targ_ms)
		srtt /= 1000;
	hist_add_log2(&h->hist, srtt);
	__sync_fetch_and_add(&h->total, srtt);
	__sync_fetch_and_add(&h->count, 1);
	return 0;
}

static __always_inline int from_sock(struct sock *sk)
{
	struct tcp_sock *tp = (struct tcp_sock *)sk;
	struct net_tuple t;

	sock_tuple(sk, &t);
	return record(&t, BPF_CORE_READ(tp, srtt_us) >> 3);
}

SEC("tp_btf/tcp_probe")
int BPF_PROG(tp_btf_probe, struct sock *sk, const struct sk_buff *skb)
{
	return from_sock(sk);
}

/* The tracepoint keeps the ends as a sockaddr_in or sockaddr_in6, and the
 * smoothed RTT already shifted. */
SEC("tracepoint/tcp/tcp_probe")
int tp_probe(struct trace_event_raw_tcp_probe *ctx)
{
	struct net_tuple t = {};

	/* `family` is recorded since 5.12; before, the sockaddr in saddr
	 * starts with it. */
	if (bpf_core_field_exists(ctx->family))
		t.family = BPF_CORE_READ(ctx, family);
	else
		bpf_probe_read_kernel(&t.family, sizeof(t.family), ctx->saddr);
	t.sport = ctx->sport;
	t.dport = ctx->dport;
	if (t.family == BPFTK_AF_INET6) {
		bpf_probe_read_kernel(t.saddr, 16, ctx->saddr + 8);
		bpf_probe_read_kernel(t.daddr, 16, ctx->daddr + 8);
	} else {
		bpf_probe_read_kernel(t.saddr, 4, ctx->saddr + 4);
		bpf_probe_read_kernel(t.daddr, 4, ctx->daddr + 4);
	}
	return record(&t, ctx->srtt);
}

BPFTK_FENTRY_KPROBE(tcp_rcv_established, fentry_rcv_established, kprobe_rcv_established,
		    from_sock(sk), struct sock *sk)

char LICENSE[] SEC("license") = "Dual BSD/GPL";
