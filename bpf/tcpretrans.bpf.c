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
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, struct net_tuple);
	__type(value, __u64);
} counts SEC(".maps");

static __always_inline int trace(const struct sock *sk, __u32 type)
{
	struct event e;
	__u64 zero = 0, *n;

	if (!sk)
		return 0;
	sock_tuple(sk, &e.t);
	if (e.t.family != BPFTK_AF_INET && e.t.family != BPFTK_AF_INET6)
		return 0;
	if (!family_allowed(e.t.family))
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
	e.pad = 0;
	emit(&e, sizeof(e));
	return 0;
}

SEC("tp_btf/tcp_retransmit_skb")
int BPF_PROG(tp_btf_retransmit, const struct sock *sk, const struct sk_buff *skb)
{
	return trace(sk, RETRANSMIT);
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
	return trace(ctx->skaddr, RETRANSMIT);
}

SEC("kprobe/tcp_retransmit_skb")
int BPF_KPROBE(kprobe_retransmit, struct sock *sk)
{
	return trace(sk, RETRANSMIT);
}

SEC("fentry/tcp_send_loss_probe")
int BPF_PROG(fentry_tlp, struct sock *sk)
{
	return trace(sk, TLP);
}

SEC("kprobe/tcp_send_loss_probe")
int BPF_KPROBE(kprobe_tlp, struct sock *sk)
{
	return trace(sk, TLP);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
