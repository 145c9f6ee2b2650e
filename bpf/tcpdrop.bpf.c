// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0)
/* tcpdrop: TCP packets the kernel dropped, with the drop reason, the
 * socket's state where one is known, and the kernel stack.
 * Hook alternatives, in order of preference:
 *   tracepoint  skb:kfree_skb   (with its reason since 5.17, rx_sk since 6.11)
 *   tp_btf      kfree_skb       (reason; the socket from skb->sk)
 *   kprobe      tcp_drop        (kernels before 5.19; no reason)
 * Packets freed as consumed (SKB_CONSUMED) or not dropped are left out;
 * so is everything but IPv4/IPv6 TCP. */
#include "bpftk.bpf.h"
#include "net.bpf.h"
#include "stacks.bpf.h"
#include "tcpdrop.h"

#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD
#define IPPROTO_TCP 6

const volatile bool kernel_stack = true;

BPFTK_EXPORT_TYPE(event);

static __always_inline __u16 be16(__u16 v)
{
	return port_from_be(v);
}

/* Fill the tuple and flags from the packet's IP and TCP headers; false for
 * anything but IPv4/IPv6 TCP. */
static __always_inline bool parse(struct sk_buff *skb, struct event *e)
{
	unsigned char *head = BPF_CORE_READ(skb, head);
	__u16 proto = be16(BPF_CORE_READ(skb, protocol));
	__u16 nh = BPF_CORE_READ(skb, network_header);
	__u16 th = BPF_CORE_READ(skb, transport_header);
	__u8 ip[40], tcp[14];

	if (!head || nh == (__u16)~0U)
		return false;
	if (proto == ETH_P_IP) {
		if (bpf_probe_read_kernel(ip, 20, head + nh) || ip[0] >> 4 != 4 ||
		    ip[9] != IPPROTO_TCP)
			return false;
		if (th == (__u16)~0U || th == nh)
			th = nh + (ip[0] & 0xf) * 4;
		e->t.family = BPFTK_AF_INET;
		__builtin_memcpy(e->t.saddr, &ip[12], 4);
		__builtin_memcpy(e->t.daddr, &ip[16], 4);
	} else if (proto == ETH_P_IPV6) {
		if (bpf_probe_read_kernel(ip, 40, head + nh) || ip[0] >> 4 != 6 ||
		    ip[6] != IPPROTO_TCP)
			return false;
		if (th == (__u16)~0U || th == nh)
			th = nh + 40;
		e->t.family = BPFTK_AF_INET6;
		__builtin_memcpy(e->t.saddr, &ip[8], 16);
		__builtin_memcpy(e->t.daddr, &ip[24], 16);
	} else {
		return false;
	}
	if (bpf_probe_read_kernel(tcp, sizeof(tcp), head + th))
		return false;
	e->t.sport = (__u16)tcp[0] << 8 | tcp[1];
	e->t.dport = (__u16)tcp[2] << 8 | tcp[3];
	e->tcpflags = tcp[13];
	return true;
}

static __always_inline int trace(void *ctx, struct sk_buff *skb, struct sock *sk, __u32 reason)
{
	struct event e;

	__builtin_memset(&e, 0, sizeof(e));
	if (!skb || !parse(skb, &e))
		return 0;
	if (!family_allowed(e.t.family))
		return 0;
	if (!sk)
		sk = BPF_CORE_READ(skb, sk);
	e.state = sk ? BPF_CORE_READ(sk, __sk_common.skc_state) : 0;
	e.pid = bpf_get_current_pid_tgid() >> 32;
	e.reason = reason;
	e.kern_stack_id = kernel_stack ? bpf_get_stackid(ctx, &stackmap, 0) : -1;
	emit(&e, sizeof(e));
	return 0;
}

/* Reasons that are not drops. */
static __always_inline bool not_a_drop(__u32 reason)
{
	if (reason == bpf_core_enum_value(enum skb_drop_reason, SKB_NOT_DROPPED_YET))
		return true;
	if (bpf_core_enum_value_exists(enum skb_drop_reason, SKB_CONSUMED) &&
	    reason == bpf_core_enum_value(enum skb_drop_reason, SKB_CONSUMED))
		return true;
	return false;
}

SEC("tracepoint/skb/kfree_skb")
int tp_kfree_skb(struct trace_event_raw_kfree_skb *ctx)
{
	struct sock *sk = NULL;
	__u32 reason;

	/* Without a reason every free looks alike: nothing to tell. */
	if (!bpf_core_field_exists(ctx->reason))
		return 0;
	reason = ctx->reason;
	if (not_a_drop(reason))
		return 0;
	if (bpf_core_field_exists(ctx->rx_sk))
		sk = ctx->rx_sk;
	return trace(ctx, ctx->skbaddr, sk, reason);
}

SEC("tp_btf/kfree_skb")
int BPF_PROG(tp_btf_kfree_skb, struct sk_buff *skb, void *location, enum skb_drop_reason reason)
{
	if (not_a_drop(reason))
		return 0;
	return trace(ctx, skb, NULL, reason);
}

SEC("kprobe/tcp_drop")
int BPF_KPROBE(kprobe_tcp_drop, struct sock *sk, struct sk_buff *skb)
{
	return trace(ctx, skb, sk, TCPDROP_NO_REASON);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
