// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0)
/* tcptop: bytes sent and received per TCP connection and process.
 * Hooks: send: tp_btf sock_send_length, tracepoint sock:sock_send_length,
 * fentry or kprobe tcp_sendmsg; receive: tp_btf sock_recv_length,
 * tracepoint sock:sock_recv_length, fentry or kprobe tcp_cleanup_rbuf. */
#include "bpftk.bpf.h"
#include "net.bpf.h"
#include "cgroup.bpf.h"
#include "tcptop.h"

#define MAX_ENTRIES 10240
#define BPFTK_IPPROTO_TCP 6
#define BPFTK_MSG_PEEK 2

const volatile __u32 targ_tgid = 0;

BPFTK_HASH(traffic, struct traffic_key, struct traffic, MAX_ENTRIES);

static __always_inline int count(struct sock *sk, __u16 protocol, long bytes, bool send)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct traffic_key key = {};
	struct traffic zero = {}, *v;

	if (protocol != BPFTK_IPPROTO_TCP || bytes <= 0)
		return 0;
	if (!id_allowed(targ_tgid, tgid) || !cgroup_allowed())
		return 0;
	sock_tuple(sk, &key.t);
	if (!family_allowed(key.t.family))
		return 0;
	key.pid = tgid;
	bpf_get_current_comm(key.comm, sizeof(key.comm));
	v = lookup_or_init(&traffic, &key, &zero);
	if (!v)
		return 0;
	if (send)
		__sync_fetch_and_add(&v->sent, bytes);
	else
		__sync_fetch_and_add(&v->received, bytes);
	return 0;
}

static __always_inline __u16 sock_protocol(struct sock *sk)
{
	if (!inet_family(BPF_CORE_READ(sk, __sk_common.skc_family)))
		return 0;
	return BPF_CORE_READ(sk, sk_protocol);
}

SEC("tp_btf/sock_send_length")
int BPF_PROG(tp_btf_send, struct sock *sk, int ret, int flags)
{
	return count(sk, sock_protocol(sk), ret, true);
}

SEC("tp_btf/sock_recv_length")
int BPF_PROG(tp_btf_recv, struct sock *sk, int ret, int flags)
{
	if (flags & BPFTK_MSG_PEEK)
		return 0;
	return count(sk, sock_protocol(sk), ret, false);
}

SEC("tracepoint/sock/sock_send_length")
int tp_send(struct trace_event_raw_sock_msg_length *ctx)
{
	if (!inet_family(ctx->family))
		return 0;
	return count(ctx->sk, ctx->protocol, ctx->ret, true);
}

SEC("tracepoint/sock/sock_recv_length")
int tp_recv(struct trace_event_raw_sock_msg_length *ctx)
{
	if (!inet_family(ctx->family) || (ctx->flags & BPFTK_MSG_PEEK))
		return 0;
	return count(ctx->sk, ctx->protocol, ctx->ret, false);
}

/* tcp_sendmsg counts what was asked for, as libbpf-tools does. */
BPFTK_FENTRY_KPROBE(tcp_sendmsg, fentry_sendmsg, kprobe_sendmsg,
		    count(sk, BPFTK_IPPROTO_TCP, size, true),
		    struct sock *sk, struct msghdr *msg, size_t size)
BPFTK_FENTRY_KPROBE(tcp_cleanup_rbuf, fentry_cleanup_rbuf, kprobe_cleanup_rbuf,
		    count(sk, BPFTK_IPPROTO_TCP, copied, false), struct sock *sk, int copied)

char LICENSE[] SEC("license") = "Dual BSD/GPL";
