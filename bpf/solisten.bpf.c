// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0)
/* solisten: listen(2) calls of IPv4 and IPv6 sockets, with backlog,
 * protocol, address, port and result.
 * Hook alternatives, in order of preference:
 *   tracepoint  syscalls:sys_enter_listen + sys_exit_listen (the socket from the fd)
 *   fexit       inet_listen
 *   kprobe      inet_listen + kretprobe */
#include "bpftk.bpf.h"
#include "syscalls.bpf.h"
#include "net.bpf.h"
#include "solisten.h"

const volatile __u32 targ_tgid = 0;

BPFTK_EXPORT_TYPE(event);

/* A listen in progress, by thread. */
struct call {
	__u64 sock; /* struct socket * (kprobe) or 0 (tracepoint: use fd) */
	__s32 fd;
	__s32 backlog;
};

BPFTK_HASH(calls, __u32, struct call, 10240);

static __always_inline bool wanted(void)
{
	return id_allowed(targ_tgid, bpf_get_current_pid_tgid() >> 32);
}

static __always_inline void report(struct sock *sk, int backlog, int ret)
{
	struct event e = {};
	__u16 family;

	if (!sk)
		return;
	family = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (!inet_family(family))
		return;
	e.family = family;
	e.port = BPF_CORE_READ(sk, __sk_common.skc_num);
	sock_saddr(sk, family, &e.addr);
	e.type = BPF_CORE_READ_BITFIELD_PROBED(sk, sk_type);
	e.pid = bpf_get_current_pid_tgid() >> 32;
	e.ret = ret;
	e.backlog = backlog;
	bpf_get_current_comm(&e.comm, sizeof(e.comm));
	emit(&e, sizeof(e));
}

static __always_inline int enter(__u64 sock, int fd, int backlog)
{
	struct call c = { .sock = sock, .fd = fd, .backlog = backlog };

	if (wanted())
		thread_entry_set(&calls, &c);
	return 0;
}

static __always_inline int leave(int ret)
{
	struct call c;

	if (thread_entry_take(&calls, &c))
		report(call_sock(c.sock, c.fd), c.backlog, ret);
	return 0;
}

static __always_inline int listened(struct socket *sock, int backlog, int ret)
{
	if (wanted())
		report(BPF_CORE_READ(sock, sk), backlog, ret);
	return 0;
}

SYSCALL_ENTER(listen, enter(0, (int)ctx->args[0], (int)ctx->args[1]))
SYSCALL_EXIT(listen, leave((int)ctx->ret))
BPFTK_FEXIT(inet_listen, fexit_inet_listen, listened(sock, backlog, ret),
	    struct socket *sock, int backlog, int ret)
BPFTK_KPROBE(inet_listen, kprobe_inet_listen, enter((__u64)sock, -1, backlog),
	     struct socket *sock, int backlog)
BPFTK_KRETPROBE(inet_listen, kretprobe_inet_listen, leave(ret), int ret)

char LICENSE[] SEC("license") = "Dual BSD/GPL";
