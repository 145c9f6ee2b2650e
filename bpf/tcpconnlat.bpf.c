// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0)
/* tcpconnlat: TCP connect latency, from SYN_SENT to ESTABLISHED.
 *
 * Hooks, best first:
 * - sock:inet_sock_set_state (tp_btf, else tracepoint): CLOSE -> SYN_SENT
 *   runs inside connect(2), in the caller's context: the caller and the time
 *   are remembered by socket. SYN_SENT -> ESTABLISHED runs when the SYN-ACK
 *   is processed (softirq, any task): the latency goes to the remembered
 *   caller. SYN_SENT -> anything else (a reset, a timeout) forgets it.
 * - fentry, else kprobe, on tcp_v4_connect/tcp_v6_connect (the start) and
 *   tcp_rcv_state_process (a SYN-ACK for a socket in SYN_SENT: the end), as
 *   libbpf-tools; a reset there forgets the connect. */
#include "bpftk.bpf.h"
#include "net.bpf.h"
#include "tcp_conn.bpf.h"
#include "tcpconnlat.h"

const volatile __u32 targ_tgid = 0;
const volatile __u64 targ_min_ns = 0;

BPFTK_SCRATCH(struct event);

static __always_inline int start(const struct sock *sk)
{
	if (id_allowed(targ_tgid, bpf_get_current_pid_tgid() >> 32) &&
	    family_allowed(BPF_CORE_READ(sk, __sk_common.skc_family)))
		owner_save(sk);
	return 0;
}

static __always_inline int established(const struct sock *sk)
{
	struct conn_owner o;
	struct event *e;
	__u64 now;

	if (!owner_take(sk, &o))
		return 0;
	now = bpf_ktime_get_ns();
	if (now < o.ts_ns || now - o.ts_ns < targ_min_ns)
		return 0;
	e = percpu_slot(&scratch);
	if (!e)
		return 0;
	sock_tuple(sk, &e->t);
	e->ts_ns = now;
	e->delta_ns = now - o.ts_ns;
	e->pid = o.pid;
	e->pad = 0;
	__builtin_memcpy(e->comm, o.comm, sizeof(e->comm));
	emit(e, sizeof(*e));
	return 0;
}

static __always_inline int on_state(struct sock *sk, int oldstate, int newstate)
{
	if (oldstate == TCP_CLOSE && newstate == TCP_SYN_SENT)
		return start(sk);
	if (oldstate != TCP_SYN_SENT)
		return 0;
	if (newstate == TCP_ESTABLISHED)
		return established(sk);
	owner_forget(sk);
	return 0;
}

BPFTK_TCP_SET_STATE_PROGS(on_state)

#define TCPHDR_SYN 0x02
#define TCPHDR_RST 0x04
#define TCPHDR_ACK 0x10

/* A segment for a socket in SYN_SENT: a SYN-ACK ends the connect's latency,
 * a reset ends the connect. */
static __always_inline int rcv_state_process(struct sock *sk, struct sk_buff *skb)
{
	unsigned char *head;
	__u16 th;
	__u8 flags = 0;

	if (BPF_CORE_READ(sk, __sk_common.skc_state) != TCP_SYN_SENT)
		return 0;
	head = BPF_CORE_READ(skb, head);
	th = BPF_CORE_READ(skb, transport_header);
	bpf_probe_read_kernel(&flags, 1, head + th + 13); /* the flags byte */
	if (flags & TCPHDR_RST)
		owner_forget(sk);
	else if ((flags & (TCPHDR_SYN | TCPHDR_ACK)) == (TCPHDR_SYN | TCPHDR_ACK))
		established(sk);
	return 0;
}

BPFTK_FENTRY_KPROBE(tcp_v4_connect, fentry_v4_connect, kp_v4_connect, start(sk), struct sock *sk)
BPFTK_FENTRY_KPROBE(tcp_v6_connect, fentry_v6_connect, kp_v6_connect, start(sk), struct sock *sk)
BPFTK_FENTRY_KPROBE(tcp_rcv_state_process, fentry_rcv_state_process, kp_rcv_state_process,
		    rcv_state_process(sk, skb), struct sock *sk, struct sk_buff *skb)

char LICENSE[] SEC("license") = "Dual BSD/GPL";
