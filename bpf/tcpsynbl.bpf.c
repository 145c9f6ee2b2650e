// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0)
/* tcpsynbl: the accept queue (SYN backlog) of TCP listeners as each
 * completed handshake is queued, as log2 histograms by backlog limit.
 * Hooks: kprobes on tcp_v4_syn_recv_sock and tcp_v6_syn_recv_sock
 * (upstream's, but for fentry: the queue before the new connection, seen
 * full too); else
 * the sock:sk_data_ready tracepoint (tp_btf, raw_tp, tracepoint), which a
 * listener fires once the connection is queued: the queue then holds it,
 * so one less is counted, and a handshake dropped on a full queue never
 * gets there. */
#include "bpftk.bpf.h"
#include "net.bpf.h"
#include "hist.bpf.h"
#include "tcpsynbl.h"

#define MAX_ENTRIES 1024
#define TCP_LISTEN 10
#define IPPROTO_TCP 6

/* -P: a histogram per listening port. */
const volatile bool targ_per_port = false;

BPFTK_HASH(hists, struct synbl_key, struct hist, MAX_ENTRIES);

BPFTK_EXPORT_TYPE(synbl_key);

/* `queued`: the queue already holds the new connection. */
static __always_inline int record(struct sock *sk, bool queued)
{
	static const struct hist zero;
	struct synbl_key key = {};
	struct hist *h;
	__u64 backlog;

	if (!family_allowed(BPF_CORE_READ(sk, __sk_common.skc_family)))
		return 0;
	key.backlog_max = BPF_CORE_READ(sk, sk_max_ack_backlog);
	if (targ_per_port)
		key.lport = BPF_CORE_READ(sk, __sk_common.skc_num);
	backlog = BPF_CORE_READ(sk, sk_ack_backlog);
	if (queued && backlog)
		backlog--;
	h = lookup_or_init(&hists, &key, &zero);
	if (!h) {
		count_dropped(); /* more backlog limits than the map holds */
		return 0;
	}
	hist_add_log2(h, backlog);
	return 0;
}

/* An IPv6 listener's IPv4 handshake (a mapped address) goes through
 * tcp_v6_syn_recv_sock into tcp_v4_syn_recv_sock: count it once, by the
 * listener's family. */
static __always_inline int syn_recv_v4(struct sock *sk)
{
	if (BPF_CORE_READ(sk, __sk_common.skc_family) != BPFTK_AF_INET)
		return 0;
	return record(sk, false);
}

BPFTK_KPROBE(tcp_v4_syn_recv_sock, kprobe_v4_syn_recv, syn_recv_v4(sk), struct sock *sk)
BPFTK_KPROBE(tcp_v6_syn_recv_sock, kprobe_v6_syn_recv, record(sk, false), struct sock *sk)

/* sk_data_ready fires for any socket's new data: keep TCP listeners. */
static __always_inline int data_ready(struct sock *sk)
{
	if (BPF_CORE_READ(sk, __sk_common.skc_state) != TCP_LISTEN ||
	    BPF_CORE_READ(sk, sk_protocol) != IPPROTO_TCP)
		return 0;
	return record(sk, true);
}

SEC("tp_btf/sk_data_ready")
int BPF_PROG(tp_btf_data_ready, const struct sock *sk)
{
	return data_ready((struct sock *)sk);
}

SEC("raw_tp/sk_data_ready")
int BPF_PROG(raw_tp_data_ready, const struct sock *sk)
{
	return data_ready((struct sock *)sk);
}

SEC("tracepoint/sock/sk_data_ready")
int tp_data_ready(struct trace_event_raw_sk_data_ready *ctx)
{
	if (ctx->protocol != IPPROTO_TCP)
		return 0;
	return data_ready((struct sock *)ctx->skaddr);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
