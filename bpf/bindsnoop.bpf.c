// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0)
/* bindsnoop: bind(2) calls of IPv4 and IPv6 sockets, with protocol, socket
 * options, address, port and result.
 * Hook alternatives, in order of preference:
 *   tracepoint  syscalls:sys_enter_bind + sys_exit_bind (the socket from the fd)
 *   fexit       inet_bind, inet6_bind
 *   kprobe      inet_bind, inet6_bind + kretprobes */
#include "bpftk.bpf.h"
#include "syscalls.bpf.h"
#include "net.bpf.h"
#include "cgroup.bpf.h"
#include "bindsnoop.h"

const volatile __u32 targ_tgid = 0;
const volatile __u32 targ_uid = BPFTK_INVALID_UID;
const volatile bool ignore_errors = true;
const volatile __u16 targ_ports[BPFTK_MAX_PORTS] = {};
const volatile __u32 targ_ports_len = 0;

BPFTK_EXPORT_TYPE(event);

#define SOCKADDR_MAX 28 /* sizeof(struct sockaddr_in6) */

/* A bind in progress, by thread. */
struct call {
	__u64 sock; /* struct socket * (kprobe) or 0 (tracepoint: use fd) */
	__s32 fd;
	__u32 salen;
	__u8 sa[SOCKADDR_MAX];
	__u32 pad;
};

BPFTK_HASH(calls, __u32, struct call, 10240);
BPFTK_SCRATCH(struct call);

/* inet_sock's option bits before 6.6 (bitfields, not inet_flags). */
struct inet_sock___old {
	__u8 freebind : 1;
	__u8 transparent : 1;
	__u8 bind_address_no_port : 1;
} __attribute__((preserve_access_index));

#define INET_FLAGS_FREEBIND_BIT 11
#define INET_FLAGS_TRANSPARENT_BIT 15
#define INET_FLAGS_BIND_ADDRESS_NO_PORT_BIT 18

static __always_inline bool wanted(void)
{
	if (!id_allowed(targ_tgid, bpf_get_current_pid_tgid() >> 32))
		return false;
	return uid_allowed(targ_uid, (__u32)bpf_get_current_uid_gid()) && cgroup_allowed();
}

static __always_inline __u8 sock_opts(struct sock *sk)
{
	struct inet_sock *inet = (struct inet_sock *)sk;
	struct inet_sock___old *old = (void *)sk;
	__u8 opts = 0;

	if (bpf_core_field_exists(inet->inet_flags)) {
		unsigned long flags = BPF_CORE_READ(inet, inet_flags);

		if (flags & (1UL << INET_FLAGS_FREEBIND_BIT))
			opts |= BIND_OPT_FREEBIND;
		if (flags & (1UL << INET_FLAGS_TRANSPARENT_BIT))
			opts |= BIND_OPT_TRANSPARENT;
		if (flags & (1UL << INET_FLAGS_BIND_ADDRESS_NO_PORT_BIT))
			opts |= BIND_OPT_BIND_ADDRESS_NO_PORT;
	} else {
		if (BPF_CORE_READ_BITFIELD_PROBED(old, freebind))
			opts |= BIND_OPT_FREEBIND;
		if (BPF_CORE_READ_BITFIELD_PROBED(old, transparent))
			opts |= BIND_OPT_TRANSPARENT;
		if (BPF_CORE_READ_BITFIELD_PROBED(old, bind_address_no_port))
			opts |= BIND_OPT_BIND_ADDRESS_NO_PORT;
	}
	if (BPF_CORE_READ_BITFIELD_PROBED(sk, __sk_common.skc_reuse))
		opts |= BIND_OPT_REUSEADDR;
	if (BPF_CORE_READ_BITFIELD_PROBED(sk, __sk_common.skc_reuseport))
		opts |= BIND_OPT_REUSEPORT;
	return opts;
}

static __always_inline void report(void *ctx, struct call *c, struct sock *sk, int ret)
{
	struct event e = {};
	__u16 family;

	if (!sk)
		return;
	if (ignore_errors && ret != 0)
		return;
	family = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (!inet_family(family))
		return;
	e.family = family;
	if (ret == 0) {
		e.port = BPF_CORE_READ(sk, __sk_common.skc_num);
		sock_saddr(sk, family, &e.addr);
	} else {
		/* Not bound: what was asked for (sin_port/sin6_port at 2,
		 * sin_addr at 4, sin6_addr at 8). */
		__u16 sa_family = c->sa[0] | c->sa[1] << 8;

		e.port = (__u16)c->sa[2] << 8 | c->sa[3];
		if (sa_family == BPFTK_AF_INET6 && c->salen >= 24) {
			e.family = BPFTK_AF_INET6;
			__builtin_memcpy(e.addr, &c->sa[8], 16);
		} else if (sa_family == BPFTK_AF_INET && c->salen >= 8) {
			e.family = BPFTK_AF_INET;
			__builtin_memcpy(e.addr, &c->sa[4], 4);
		}
	}
	if (!port_listed(targ_ports, targ_ports_len, e.port))
		return;
	e.pid = bpf_get_current_pid_tgid() >> 32;
	e.uid = (__u32)bpf_get_current_uid_gid();
	e.ret = ret;
	e.bound_dev_if = BPF_CORE_READ(sk, __sk_common.skc_bound_dev_if);
	e.proto = BPF_CORE_READ_BITFIELD_PROBED(sk, sk_protocol);
	e.opts = sock_opts(sk);
	bpf_get_current_comm(&e.comm, sizeof(e.comm));
	emit(&e, sizeof(e));
}

/* Copy the first `len` bytes (at most SOCKADDR_MAX) of a sockaddr. */
static __always_inline void read_sockaddr(struct call *c, const void *addr, int len, bool user)
{
	__u32 n = len < 0 ? 0 : (__u32)len;

	if (n > SOCKADDR_MAX)
		n = SOCKADDR_MAX;
	barrier_var(n); /* keep the bounded copy for the verifier */
	n &= 31;
	c->salen = n;
	if (user)
		bpf_probe_read_user(c->sa, n, addr);
	else
		bpf_probe_read_kernel(c->sa, n, addr);
}

/* A call the filters let through, its sockaddr copied: in this CPU's
 * scratch slot. */
static __always_inline struct call *new_call(const void *addr, int len, bool user)
{
	struct call *c;

	if (!wanted())
		return 0;
	c = percpu_slot(&scratch);
	if (!c)
		return 0;
	__builtin_memset(c, 0, sizeof(*c));
	read_sockaddr(c, addr, len, user);
	return c;
}

/* Remember a call: the socket (kprobe) or fd (tracepoint) and the address,
 * from user memory (tracepoint) or the kernel's copy (kprobe). */
static __always_inline int enter(__u64 sock, int fd, const void *addr, int len, bool user)
{
	struct call *c = new_call(addr, len, user);

	if (!c)
		return 0;
	c->sock = sock;
	c->fd = fd;
	thread_entry_set(&calls, c);
	return 0;
}

static __always_inline int leave(void *ctx, int ret)
{
	struct call c;

	if (thread_entry_take(&calls, &c))
		report(ctx, &c, call_sock(c.sock, c.fd), ret);
	return 0;
}

SYSCALL_ENTER(bind, enter(0, (int)ctx->args[0], (const void *)ctx->args[1], (int)ctx->args[2], true))
SYSCALL_EXIT(bind, leave(ctx, (int)ctx->ret))

static __always_inline int fexit_common(void *ctx, struct socket *sock, void *uaddr, int len, int ret)
{
	struct call *c = new_call(uaddr, len, false);

	if (c)
		report(ctx, c, BPF_CORE_READ(sock, sk), ret);
	return 0;
}

BPFTK_FEXIT(inet_bind, fexit_inet_bind, fexit_common(ctx, sock, uaddr, addr_len, ret),
	    struct socket *sock, void *uaddr, int addr_len, int ret)
BPFTK_FEXIT(inet6_bind, fexit_inet6_bind, fexit_common(ctx, sock, uaddr, addr_len, ret),
	    struct socket *sock, void *uaddr, int addr_len, int ret)
BPFTK_KPROBE(inet_bind, kprobe_inet_bind, enter((__u64)sock, -1, uaddr, addr_len, false),
	     struct socket *sock, void *uaddr, int addr_len)
BPFTK_KRETPROBE(inet_bind, kretprobe_inet_bind, leave(ctx, ret), int ret)
BPFTK_KPROBE(inet6_bind, kprobe_inet6_bind, enter((__u64)sock, -1, uaddr, addr_len, false),
	     struct socket *sock, void *uaddr, int addr_len)
BPFTK_KRETPROBE(inet6_bind, kretprobe_inet6_bind, leave(ctx, ret), int ret)

char LICENSE[] SEC("license") = "Dual BSD/GPL";
