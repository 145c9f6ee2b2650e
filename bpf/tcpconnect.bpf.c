// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0)
/* tcpconnect: active TCP connects (connect(2) and the like), one event per
 * attempt that sent a SYN, whether it succeeds or not.
 *
 * Hooks, best first:
 * - sock:inet_sock_set_state (tp_btf, else tracepoint): CLOSE -> SYN_SENT
 *   runs inside connect(2) in the caller's context, before the source port
 *   is chosen; the caller is remembered by socket. The event is sent at
 *   connect(2)'s return (syscalls:sys_exit_connect, by then the port is
 *   set: at once for a non-blocking connect) or when the socket leaves
 *   SYN_SENT (established or refused; connects not made by connect(2)),
 *   whichever comes first.
 * - fexit tcp_v4_connect/tcp_v6_connect: the socket and the result at once.
 * - kprobe + kretprobe tcp_v4_connect/tcp_v6_connect, as libbpf-tools. */
#include "bpftk.bpf.h"
#include "syscalls.bpf.h"
#include "net.bpf.h"
#include "tcp_conn.bpf.h"
#include "tcpconnect.h"

const volatile __u32 targ_tgid = 0;
const volatile __u32 targ_uid = BPFTK_INVALID_UID;
const volatile __u16 targ_ports[BPFTK_MAX_PORTS] = {};
const volatile __u32 targ_ports_len = 0;

/* The socket each thread is connecting (tracepoint and kprobe paths). */
BPFTK_LRU_HASH(connecting, __u64, __u64, 16384);

BPFTK_SCRATCH(struct event);

/* The -p and -u filters, on the current task. */
static __always_inline bool task_wanted(void)
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	__u32 uid = (__u32)bpf_get_current_uid_gid();

	return id_allowed(targ_tgid, pid) && uid_allowed(targ_uid, uid);
}

/* The -4/-6 and -P filters, on the socket (its destination is set). */
static __always_inline bool sock_wanted(const struct sock *sk)
{
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
	__u16 dport = port_from_be(BPF_CORE_READ(sk, __sk_common.skc_dport));

	if (!inet_family(family))
		return false;
	return family_allowed(family) && port_listed(targ_ports, targ_ports_len, dport);
}

static __always_inline void report(const struct sock *sk, const struct conn_owner *o)
{
	struct event *e = percpu_slot(&scratch);

	if (!e)
		return;
	sock_tuple(sk, &e->t);
	if (!e->t.sport)
		return; /* failed before a port was chosen: no SYN went out */
	e->ts_ns = bpf_ktime_get_ns();
	e->pid = o->pid;
	e->uid = o->uid;
	__builtin_memcpy(e->comm, o->comm, sizeof(e->comm));
	emit(e, sizeof(*e));
}

/* Report `sk` if its connect is still waiting to be reported. */
static __always_inline void finish(const struct sock *sk)
{
	struct conn_owner o;

	if (owner_take(sk, &o))
		report(sk, &o);
}

static __always_inline int on_state(struct sock *sk, int oldstate, int newstate)
{
	if (oldstate == TCP_CLOSE && newstate == TCP_SYN_SENT) {
		__u64 id = bpf_get_current_pid_tgid(), key = (__u64)sk;

		if (!task_wanted() || !sock_wanted(sk))
			return 0;
		owner_save(sk);
		inflight_set(&connecting, &id, &key);
	} else if (oldstate == TCP_SYN_SENT) {
		finish(sk);
	}
	return 0;
}

BPFTK_TCP_SET_STATE_PROGS(on_state)

static __always_inline int connect_exit(void)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u64 *sk = bpf_map_lookup_elem(&connecting, &id);

	if (!sk)
		return 0;
	finish((const struct sock *)*sk);
	bpf_map_delete_elem(&connecting, &id);
	return 0;
}

SYSCALL_EXIT(connect, connect_exit())

/* fentry path: fexit sees the socket and the result together. */
static __always_inline int connected(struct sock *sk, int ret)
{
	struct conn_owner o;

	if (ret || !task_wanted() || !sock_wanted(sk))
		return 0;
	owner_now(&o);
	report(sk, &o);
	return 0;
}

SEC("fexit/tcp_v4_connect")
int BPF_PROG(fexit_v4_connect, struct sock *sk, struct sockaddr *uaddr, int addr_len, int ret)
{
	/* An IPv6 socket to a v4-mapped address comes through here from
	 * tcp_v6_connect, whose fexit reports it. */
	if (BPF_CORE_READ(sk, __sk_common.skc_family) == BPFTK_AF_INET6)
		return 0;
	return connected(sk, ret);
}

SEC("fexit/tcp_v6_connect")
int BPF_PROG(fexit_v6_connect, struct sock *sk, struct sockaddr *uaddr, int addr_len, int ret)
{
	return connected(sk, ret);
}

/* kprobe path: the socket at entry, the result at return. */
static __always_inline int connect_entry(struct sock *sk)
{
	__u64 id = bpf_get_current_pid_tgid(), key = (__u64)sk;

	if (task_wanted())
		inflight_set(&connecting, &id, &key);
	return 0;
}

static __always_inline int connect_return(int ret)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u64 *sk = bpf_map_lookup_elem(&connecting, &id);
	struct sock *s;

	if (!sk)
		return 0;
	s = (struct sock *)*sk;
	bpf_map_delete_elem(&connecting, &id);
	return connected(s, ret);
}

BPFTK_KPROBE(tcp_v4_connect, kp_v4_connect, connect_entry(sk), struct sock *sk)
BPFTK_KRETPROBE(tcp_v4_connect, krp_v4_connect, connect_return(ret), int ret)
BPFTK_KPROBE(tcp_v6_connect, kp_v6_connect, connect_entry(sk), struct sock *sk)
BPFTK_KRETPROBE(tcp_v6_connect, krp_v6_connect, connect_return(ret), int ret)

char LICENSE[] SEC("license") = "Dual BSD/GPL";
