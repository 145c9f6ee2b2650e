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
#include "net.bpf.h"
#include "tcp_conn.bpf.h"
#include "tcptracer.h"

const volatile __u32 filter_pid = 0;
const volatile __u32 filter_netns = 0;
/* Closes come from the state changes (the tracepoint close hooks). Set
 * after load, when the hook plan has chosen, so not a const volatile. */
bool close_by_state = false;

/* The TCP socket each thread is closing with close(2). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, __u64);
} closing SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct event);
} scratch SEC(".maps");

static __always_inline bool pid_wanted(__u32 pid)
{
	return !filter_pid || filter_pid == pid;
}

/* TCP over IPv4 or IPv6, the -4/-6 and -N filters. */
static __always_inline bool sock_wanted(const struct sock *sk)
{
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);

	if (BPF_CORE_READ(sk, sk_protocol) != IPPROTO_TCP)
		return false;
	if (family != BPFTK_AF_INET && family != BPFTK_AF_INET6)
		return false;
	if (!family_allowed(family))
		return false;
	return !filter_netns || filter_netns == sock_netns(sk);
}

static __always_inline void send(const struct sock *sk, __u32 type, __u32 pid, const char *comm)
{
	__u32 zero = 0;
	struct event *e = bpf_map_lookup_elem(&scratch, &zero);

	if (!e)
		return;
	sock_tuple(sk, &e->t);
	if (!e->t.sport || !e->t.dport)
		return; /* not a connection (yet): as bcc, no event */
	e->ts_ns = bpf_ktime_get_ns();
	e->pid = pid;
	e->netns = sock_netns(sk);
	e->kind = type;
	e->pad = 0;
	__builtin_memcpy(e->comm, comm, sizeof(e->comm));
	emit(e, sizeof(*e));
}

/* An event of the current process. */
static __always_inline void send_current(const struct sock *sk, __u32 type)
{
	struct conn_owner o;

	owner_now(&o);
	if (pid_wanted(o.pid) && sock_wanted(sk))
		send(sk, type, o.pid, o.comm);
}

static __always_inline void connect_start(const struct sock *sk)
{
	if (pid_wanted(bpf_get_current_pid_tgid() >> 32) && sock_wanted(sk))
		owner_save(sk);
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
			send(sk, TCPTRACER_CONNECT, o.pid, o.comm);
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

SEC("tracepoint/syscalls/sys_exit_accept")
int tp_exit_accept(struct trace_event_raw_sys_exit *args)
{
	return accepted(args->ret);
}

SEC("tracepoint/syscalls/sys_exit_accept4")
int tp_exit_accept4(struct trace_event_raw_sys_exit *args)
{
	return accepted(args->ret);
}

SEC("tracepoint/syscalls/sys_enter_close")
int tp_enter_close(struct trace_event_raw_sys_enter *args)
{
	__u64 id = bpf_get_current_pid_tgid(), key;
	struct sock *sk = fd_sock(args->args[0]);

	if (!sk || BPF_CORE_READ(sk, sk_protocol) != IPPROTO_TCP)
		return 0;
	key = (__u64)sk;
	bpf_map_update_elem(&closing, &id, &key, BPF_ANY);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_close")
int tp_exit_close(void *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();

	bpf_map_delete_elem(&closing, &id);
	return 0;
}

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

SEC("fentry/tcp_v4_connect")
int BPF_PROG(fentry_v4_connect, struct sock *sk)
{
	connect_start(sk);
	return 0;
}

SEC("fentry/tcp_v6_connect")
int BPF_PROG(fentry_v6_connect, struct sock *sk)
{
	connect_start(sk);
	return 0;
}

SEC("fentry/tcp_set_state")
int BPF_PROG(fentry_set_state, struct sock *sk, int state)
{
	return on_state(sk, BPF_CORE_READ(sk, __sk_common.skc_state), state);
}

SEC("fexit/inet_csk_accept")
int BPF_PROG(fexit_accept, struct sock *sk)
{
	__u64 ret;

	/* The return value follows the arguments: 4 before 6.10, 2 since.
	 * Not bpf_get_func_ret(), which 5.10 lacks (found by
	 * scripts/test-kernels); one asm load per branch, as clang would
	 * otherwise load from a computed context offset, which the verifier
	 * refuses; the branch not taken is dead code to it. */
	if (LINUX_KERNEL_VERSION < KERNEL_VERSION(6, 10, 0))
		asm volatile("%0 = *(u64 *)(%1 + 32)" : "=r"(ret) : "r"(ctx));
	else
		asm volatile("%0 = *(u64 *)(%1 + 16)" : "=r"(ret) : "r"(ctx));
	if (ret)
		send_current((struct sock *)ret, TCPTRACER_ACCEPT);
	return 0;
}

SEC("fentry/tcp_close")
int BPF_PROG(fentry_close, struct sock *sk)
{
	return tcp_close_entry(sk);
}

SEC("kprobe/tcp_v4_connect")
int BPF_KPROBE(kp_v4_connect, struct sock *sk)
{
	connect_start(sk);
	return 0;
}

SEC("kprobe/tcp_v6_connect")
int BPF_KPROBE(kp_v6_connect, struct sock *sk)
{
	connect_start(sk);
	return 0;
}

SEC("kprobe/tcp_set_state")
int BPF_KPROBE(kp_set_state, struct sock *sk, int state)
{
	return on_state(sk, BPF_CORE_READ(sk, __sk_common.skc_state), state);
}

SEC("kretprobe/inet_csk_accept")
int BPF_KRETPROBE(krp_accept, struct sock *newsk)
{
	if (newsk)
		send_current(newsk, TCPTRACER_ACCEPT);
	return 0;
}

SEC("kprobe/tcp_close")
int BPF_KPROBE(kp_close, struct sock *sk)
{
	return tcp_close_entry(sk);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
