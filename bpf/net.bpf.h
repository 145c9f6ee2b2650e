/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
/* Sockets for the network tools: a connection's tuple from a struct sock,
 * and port and family filters that user space fills (libtools::net).
 * Include after bpftk.bpf.h. */
#ifndef __BPFTK_NET_BPF_H
#define __BPFTK_NET_BPF_H

#include "net.h"

#define BPFTK_AF_INET 2
#define BPFTK_AF_INET6 10

/* Swap the bytes of a network-order port (a __be16 field). */
static __always_inline __u16 port_from_be(__u16 be)
{
	return (be >> 8) | (be << 8);
}

/* IPv4 or IPv6. */
static __always_inline bool inet_family(__u16 family)
{
	return family == BPFTK_AF_INET || family == BPFTK_AF_INET6;
}

/* The local address of a socket of `family` into `addr`, in network order
 * (an IPv4 address in its first 4 bytes). */
static __always_inline void sock_saddr(const struct sock *sk, __u16 family, __u8 (*addr)[16])
{
	if (family == BPFTK_AF_INET6)
		BPF_CORE_READ_INTO(addr, sk, __sk_common.skc_v6_rcv_saddr.in6_u.u6_addr8);
	else
		BPF_CORE_READ_INTO((__u32 *)*addr, sk, __sk_common.skc_rcv_saddr);
}

/* The tuple of a socket as the kernel holds it: source is the local end. */
static __always_inline void sock_tuple(const struct sock *sk, struct net_tuple *t)
{
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);

	__builtin_memset(t, 0, sizeof(*t));
	t->family = family;
	/* inet_sport, not skc_num: a socket going to CLOSE has given its port
	 * back (skc_num = 0) by the time sock:inet_sock_set_state fires. */
	t->sport = port_from_be(BPF_CORE_READ((const struct inet_sock *)sk, inet_sport));
	t->dport = port_from_be(BPF_CORE_READ(sk, __sk_common.skc_dport));
	sock_saddr(sk, family, &t->saddr);
	if (family == BPFTK_AF_INET6)
		BPF_CORE_READ_INTO(&t->daddr, sk, __sk_common.skc_v6_daddr.in6_u.u6_addr8);
	else
		BPF_CORE_READ_INTO((__u32 *)t->daddr, sk, __sk_common.skc_daddr);
}

/* True when `n` is 0 (no list given) or `port` is among the first `n` of
 * `ports`. Declare each list as `const volatile __u16 NAME[BPFTK_MAX_PORTS]`
 * with a `const volatile __u32 NAME_len`. */
static __always_inline bool port_listed(const volatile __u16 *ports, __u32 n, __u16 port)
{
	int i;

	if (!n)
		return true;
	for (i = 0; i < BPFTK_MAX_PORTS; i++) {
		if (i >= n)
			break;
		if (ports[i] == port)
			return true;
	}
	return false;
}

#define BPFTK_S_IFMT 00170000
#define BPFTK_S_IFSOCK 0140000

/* The socket behind file descriptor `fd` of the current task, or NULL when
 * `fd` is not an open socket: for syscall tracepoints (bind, listen,
 * accept) that get only the descriptor. */
static __always_inline struct sock *fd_sock(int fd)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **fds, *file = NULL;
	struct socket *socket;
	__u16 mode;

	if (fd < 0 || !fdt || fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	fds = BPF_CORE_READ(fdt, fd);
	bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]);
	if (!file)
		return NULL;
	mode = BPF_CORE_READ(file, f_inode, i_mode);
	if ((mode & BPFTK_S_IFMT) != BPFTK_S_IFSOCK)
		return NULL;
	socket = BPF_CORE_READ(file, private_data);
	return socket ? BPF_CORE_READ(socket, sk) : NULL;
}

/* The sock of a bind or listen call: from the struct socket the kernel
 * function had (`sock`, fexit and kprobe alternatives), else from the
 * descriptor the syscall had (`sock` 0, the tracepoints). */
static __always_inline struct sock *call_sock(__u64 sock, int fd)
{
	if (sock) {
		struct socket *socket = (struct socket *)sock;

		return BPF_CORE_READ(socket, sk);
	}
	return fd_sock(fd);
}

/* -4/-6: 0 for both families, else the one family to keep. */
const volatile __u16 targ_family = 0;

static __always_inline bool family_allowed(__u16 family)
{
	return !targ_family || targ_family == family;
}

#endif /* __BPFTK_NET_BPF_H */
