// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0)
/* tcptracer: TCP connects (C), accepts (A) and closes (X) with their tuples.
 *
 * Hooks, best first, and what each sees:
 * - connect: sock:inet_sock_set_state (tp_btf, else tracepoint). CLOSE ->
 *   SYN_SENT runs inside connect(2): the caller is remembered by socket.
 *   SYN_SENT -> ESTABLISHED runs when the SYN-ACK arrives (softirq, any
 *   task): the C event goes to the remembered caller. A connect that fails
 *   is no event, as in bcc.
 * - accept: syscalls:sys_exit_accept and sys_exit_accept4: the new socket
 *   behind the returned descriptor, in the accepting process.
 * - close: the same state changes, where a process ends its side:
 *   ESTABLISHED -> FIN_WAIT1 and CLOSE_WAIT -> LAST_ACK happen only in the
 *   process that closes (close(2), exit, or shutdown(2) for writing);
 *   ESTABLISHED/CLOSE_WAIT -> CLOSE (closed with unread data: a reset) is
 *   taken only while that thread is in close(2) of that very socket
 *   (syscalls:sys_enter_close/sys_exit_close), since the same change also
 *   comes from a peer's reset in softirq context.
 * - the alternatives, as bcc: fentry, else kprobe, on tcp_v4_connect,
 *   tcp_v6_connect and tcp_set_state (connect), inet_csk_accept's return
 *   (accept) and tcp_close (close). */
#include "bpftk.bpf.h"
#include "syscalls.bpf.h"
#include "net.bpf.h"
#include "tcp_conn.bpf.h"
#include "tcptracer.h"

const volatile __u32 targ_tgid = 0;
const volatile __u32 targ_netns = 0;
const volatile __u32 targ_uid = BPFTK_INVALID_UID;
/* Closes come from the state changes (the tracepoint close hooks). Set
 * after load, when the hook plan has chosen, so not a const volatile. */
bool close_by_state = false;

/* The TCP socket each thread is closing with close(2). */
BPFTK_LRU_HASH(closing, __u64, __u64, 16384);

BPFTK_SCRATCH(struct event);

/* TCP over IPv4 or IPv6, the -4/-6 and -N filters. */
static __always_inline bool sock_wanted(const struct sock *sk)
{
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);

	if (BPF_CORE_READ(sk, sk_protocol) != IPPROTO_TCP)
		return false;
	if (!inet_family(family) || !family_allowed(family))
		return false;
	return !targ_netns || targ_netns == sock_netns(sk);
}

static __always_inline void send(const struct sock *sk, __u32 type, const struct conn_owner *o)
{
	struct event *e = percpu_slot(&scratch);

	if (!e)
		return;
	sock_tuple(sk, &e->t);
	if (!e->t.sport || !e->t.dport)
		return; /* not a connection (yet): as bcc, no event */
	e->ts_ns = bpf_ktime_get_ns();
	e->pid = o->pid;
	e->uid = o->uid;
	e->netns = sock_netns(sk);
	e->kind = type;
	__builtin_memcpy(e->comm, o->comm, sizeof(e->comm));
	emit(e, sizeof(*e));
}

/* An event of the current process. */
static __always_inline void send_current(const struct sock *sk, __u32 type)
{
	struct conn_owner o;

	owner_now(&o);
	if (id_allowed(targ_tgid, o.pid) && uid_allowed(targ_uid, o.uid) && sock_wanted(sk))
		send(sk, type, &o);
}

static __always_inline int connect_start(const struct sock *sk)
{
	if (id_allowed(targ_tgid, bpf_get_current_pid_tgid() >> 32) &&
	    uid_allowed(targ_uid, (__u32)bpf_get_current_uid_gid()) && sock_wanted(sk))
		owner_save(sk);
	return 0;
}

static __always_inline bool closing_this(const struct sock *sk)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u64 *s = bpf_map_lookup_elem(&closing, &id);

	return s && *s == (__u64)sk;
}

static __always_inline int on_state(struct sock *sk, int oldstate, int newstate)
{
	struct conn_owner o;

	if (oldstate == TCP_CLOSE && newstate == TCP_SYN_SENT) {
		connect_start(sk);
	} else if (oldstate == TCP_SYN_SENT) {
		if (newstate != TCP_ESTABLISHED)
			owner_forget(sk);
		else if (owner_take(sk, &o))
			send(sk, TCPTRACER_CONNECT, &o);
	} else if (close_by_state) {
		if ((oldstate == TCP_ESTABLISHED && newstate == TCP_FIN_WAIT1) ||
		    (oldstate == TCP_CLOSE_WAIT && newstate == TCP_LAST_ACK))
			send_current(sk, TCPTRACER_CLOSE);
		else if (newstate == TCP_CLOSE &&
			 (oldstate == TCP_ESTABLISHED || oldstate == TCP_CLOSE_WAIT) &&
			 closing_this(sk))
			send_current(sk, TCPTRACER_CLOSE);
	}
	return 0;
}

BPFTK_TCP_SET_STATE_PROGS(on_state)

static __always_inline int accepted(long fd)
{
	struct sock *sk;

	if (fd < 0)
		return 0;
	sk = fd_sock(fd);
	if (sk)
		send_current(sk, TCPTRACER_ACCEPT);
	return 0;
}

SYSCALL_EXIT(accept, accepted(ctx->ret))
SYSCALL_EXIT(accept4, accepted(ctx->ret))

static __always_inline int close_enter(int fd)
{
	__u64 id = bpf_get_current_pid_tgid(), key;
	struct sock *sk = fd_sock(fd);

	if (!sk || BPF_CORE_READ(sk, sk_protocol) != IPPROTO_TCP)
		return 0;
	key = (__u64)sk;
	inflight_set(&closing, &id, &key);
	return 0;
}

static __always_inline int close_exit(void)
{
	__u64 id = bpf_get_current_pid_tgid();

	bpf_map_delete_elem(&closing, &id);
	return 0;
}

SYSCALL_ENTER(close, close_enter(ctx->args[0]))
SYSCALL_EXIT(close, close_exit())

/* tcp_close: bcc's close event, for connections that got established. */
static __always_inline int tcp_close_entry(struct sock *sk)
{
	int state = BPF_CORE_READ(sk, __sk_common.skc_state);

	if (state == TCP_SYN_SENT || state == TCP_SYN_RECV || state == TCP_NEW_SYN_RECV ||
	    state == TCP_LISTEN || state == TCP_CLOSE)
		return 0;
	send_current(sk, TCPTRACER_CLOSE);
	return 0;
}

/* inet_csk_accept's return on fexit: it follows the arguments, 4 before
 * 6.10, 2 since. Not bpf_get_func_ret(), which 5.10 lacks (found by
 * scripts/test-kernels); one asm load per branch, as clang would otherwise
 * load from a computed context offset, which the verifier refuses; the
 * branch not taken is dead code to it. */
static __always_inline int accept_returned(__u64 *ctx)
{
	__u64 ret;

	if (LINUX_KERNEL_VERSION < KERNEL_VERSION(6, 10, 0))
		asm volatile("%0 = *(u64 *)(%1 + 32)" : "=r"(ret) : "r"(ctx));
	else
		asm volatile("%0 = *(u64 *)(%1 + 16)" : "=r"(ret) : "r"(ctx));
	if (ret)
		send_current((struct sock *)ret, TCPTRACER_ACCEPT);
	return 0;
}

static __always_inline int set_state(struct sock *sk, int state)
{
	return on_state(sk, BPF_CORE_READ(sk, __sk_common.skc_state), state);
}

static __always_inline int accept_kretprobe(struct sock *newsk)
{
	if (newsk)
		send_current(newsk, TCPTRACER_ACCEPT);
	return 0;
}

BPFTK_FENTRY_KPROBE(tcp_v4_connect, fentry_v4_connect, kp_v4_connect, connect_start(sk),
		    struct sock *sk)
BPFTK_FENTRY_KPROBE(tcp_v6_connect, fentry_v6_connect, kp_v6_connect, connect_start(sk),
		    struct sock *sk)
BPFTK_FENTRY_KPROBE(tcp_set_state, fentry_set_state, kp_set_state, set_state(sk, state),
		    struct sock *sk, int state)
BPFTK_FENTRY_KPROBE(tcp_close, fentry_close, kp_close, tcp_close_entry(sk), struct sock *sk)
BPFTK_FEXIT(inet_csk_accept, fexit_accept, accept_returned(ctx), struct sock *sk)
BPFTK_KRETPROBE(inet_csk_accept, krp_accept, accept_kretprobe(newsk), struct sock *newsk)

char LICENSE[] SEC("license") = "Dual BSD/GPL";
