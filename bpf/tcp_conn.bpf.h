/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
/* What tcpconnect, tcpconnlat and tcptracer share: the process that started
 * a connect, remembered by socket, and the two programs on
 * sock:inet_sock_set_state (tp_btf, then the classic tracepoint).
 *
 * Why the owner is remembered: a TCP connect goes CLOSE -> SYN_SENT inside
 * connect(2), in the connecting process's context, but SYN_SENT ->
 * ESTABLISHED (or -> CLOSE on a reset) happens when the peer's answer is
 * processed, in softirq context, on whatever task happens to be running.
 * Include after bpftk.bpf.h and net.bpf.h. */
#ifndef __BPFTK_TCP_CONN_BPF_H
#define __BPFTK_TCP_CONN_BPF_H

/* Who started a connect, and when. */
struct conn_owner {
	__u64 ts_ns;
	__u32 pid;
	__u32 uid;
	char comm[BPFTK_COMM_LEN];
};

/* Connects in flight, by socket address. LRU: a socket freed without a state
 * change we saw cannot leak an entry for ever. */
BPFTK_LRU_HASH(owners, __u64, struct conn_owner, 16384);

static __always_inline void owner_now(struct conn_owner *o)
{
	o->ts_ns = bpf_ktime_get_ns();
	o->pid = bpf_get_current_pid_tgid() >> 32;
	o->uid = (__u32)bpf_get_current_uid_gid();
	bpf_get_current_comm(&o->comm, sizeof(o->comm));
}

/* Remember the current task as the owner of `sk`'s connect. */
static __always_inline void owner_save(const struct sock *sk)
{
	struct conn_owner o;
	__u64 key = (__u64)sk;

	owner_now(&o);
	inflight_set(&owners, &key, &o);
}

/* Take (look up and delete) the owner of `sk`'s connect into *o. False when
 * there is none, or another CPU took it first: exactly one caller wins. */
static __always_inline bool owner_take(const struct sock *sk, struct conn_owner *o)
{
	__u64 key = (__u64)sk;
	struct conn_owner *p = bpf_map_lookup_elem(&owners, &key);

	if (!p)
		return false;
	__builtin_memcpy(o, p, sizeof(*o));
	return bpf_map_delete_elem(&owners, &key) == 0;
}

static __always_inline void owner_forget(const struct sock *sk)
{
	__u64 key = (__u64)sk;

	bpf_map_delete_elem(&owners, &key);
}

/* The network namespace's inode number (`ls -l /proc/PID/ns/net`). */
static __always_inline __u32 sock_netns(const struct sock *sk)
{
	return BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
}

/* The two programs on sock:inet_sock_set_state, `btf_set_state` (tp_btf) and
 * `tp_set_state` (tracepoint), both calling
 * `int handler(struct sock *sk, int oldstate, int newstate)` for TCP sockets. */
#define BPFTK_TCP_SET_STATE_PROGS(handler)                                              \
	SEC("tp_btf/inet_sock_set_state")                                               \
	int BPF_PROG(btf_set_state, const struct sock *sk, int oldstate, int newstate)  \
	{                                                                               \
		if (BPF_CORE_READ(sk, sk_protocol) != IPPROTO_TCP)                      \
			return 0;                                                       \
		return handler((struct sock *)sk, oldstate, newstate);                  \
	}                                                                               \
	SEC("tracepoint/sock/inet_sock_set_state")                                      \
	int tp_set_state(struct trace_event_raw_inet_sock_set_state *args)              \
	{                                                                               \
		if (args->protocol != IPPROTO_TCP)                                      \
			return 0;                                                       \
		return handler((struct sock *)args->skaddr, args->oldstate, args->newstate); \
	}

#endif /* __BPFTK_TCP_CONN_BPF_H */
