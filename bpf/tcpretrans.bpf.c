// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0)
/* tcpretrans: TCP retransmissions (and, where a hook exists, tail loss
 * probes), one event each or (-c) counted per flow.
 * Hook alternatives for retransmissions, in order of preference:
 *   tp_btf      tcp_retransmit_skb
 *   tracepoint  tcp:tcp_retransmit_skb
 *   kprobe      tcp_retransmit_skb
 * Tail loss probes (-l): fentry, else kprobe, on tcp_send_loss_probe. */
#include "bpftk.bpf.h"
#include "net.bpf.h"
#include "tcpretrans.h"

const volatile bool do_count = false;

BPFTK_EXPORT_TYPE(event);

/* -c: retransmissions per flow. */
BPFTK_HASH(counts, struct net_tuple, __u64, 10240);

/* TCP_SKB_CB(skb)->seq: the control block sits in skb->cb. */
static __always_inline __u32 skb_seq(const struct sk_buff *skb)
{
	const struct tcp_skb_cb *cb;

	if (!skb)
		return 0;
	cb = (const struct tcp_skb_cb *)((const char *)skb + bpf_core_field_offset(skb->cb));
	return BPF_CORE_READ(cb, seq);
}

static __always_inline int trace(const struct sock *sk, const struct sk_buff *skb, __u32 type)
{
	struct event e;
	__u64 zero = 0, *n;

	if (!sk)
		return 0;
	sock_tuple(sk, &e.t);
	if (!inet_family(e.t.family) || !family_allowed(e.t.family))
		return 0;
	if (do_count) {
		n = lookup_or_init(&counts, &e.t, &zero);
		if (n)
			__sync_fetch_and_add(n, 1);
		return 0;
	}
	e.pid = bpf_get_current_pid_tgid() >> 32;
	e.state = BPF_CORE_READ(sk, __sk_common.skc_state);
	e.type = type;
	e.seq = skb_seq(skb);
	emit(&e, sizeof(e));
	return 0;
}

SEC("tp_btf/tcp_retransmit_skb")
int BPF_PROG(tp_btf_retransmit, const struct sock *sk, const struct sk_buff *skb)
{
	return trace(sk, skb, RETRANSMIT);
}

/* The tracepoint's record starts with these two on every kernel that has it. */
struct retransmit_record {
	struct trace_entry ent;
	const void *skbaddr;
	const void *skaddr;
};

SEC("tracepoint/tcp/tcp_retransmit_skb")
int tp_retransmit(struct retransmit_record *ctx)
{
	return trace(ctx->skaddr, ctx->skbaddr, RETRANSMIT);
}

BPFTK_KPROBE(tcp_retransmit_skb, kprobe_retransmit, trace(sk, skb, RETRANSMIT), struct sock *sk,
	     struct sk_buff *skb)
BPFTK_FENTRY_KPROBE(tcp_send_loss_probe, fentry_tlp, kprobe_tlp, trace(sk, NULL, TLP), struct sock *sk)

char LICENSE[] SEC("license") = "Dual BSD/GPL";
