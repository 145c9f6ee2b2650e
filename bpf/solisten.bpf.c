// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0)
/* solisten: listen(2) calls of IPv4 and IPv6 sockets, with backlog,
 * protocol, address, port and result.
 * Hook alternatives, in order of preference:
 *   tracepoint  syscalls:sys_enter_listen + sys_exit_listen (the socket from the fd)
 *   fexit       inet_listen
 *   kprobe      inet_listen + kretprobe */
#include "bpftk.bpf.h"
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

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, __u32);
	__type(value, struct call);
} calls SEC(".maps");

static __always_inline bool wanted(void)
{
	return !targ_tgid || targ_tgid == bpf_get_current_pid_tgid() >> 32;
}

static __always_inline void report(struct sock *sk, int backlog, int ret)
{
	struct event e = {};
	__u16 family;

	if (!sk)
		return;
	family = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (family != BPFTK_AF_INET && family != BPFTK_AF_INET6)
		return;
	e.family = family;
	e.port = BPF_CORE_READ(sk, __sk_common.skc_num);
	if (family == BPFTK_AF_INET6)
		BPF_CORE_READ_INTO(&e.addr, sk, __sk_common.skc_v6_rcv_saddr.in6_u.u6_addr8);
	else
		BPF_CORE_READ_INTO((__u32 *)e.addr, sk, __sk_common.skc_rcv_saddr);
	e.type = BPF_CORE_READ_BITFIELD_PROBED(sk, sk_type);
	e.pid = bpf_get_current_pid_tgid() >> 32;
	e.ret = ret;
	e.backlog = backlog;
	bpf_get_current_comm(&e.comm, sizeof(e.comm));
	emit(&e, sizeof(e));
}

static __always_inline void enter(__u64 sock, int fd, int backlog)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct call c = { .sock = sock, .fd = fd, .backlog = backlog };

	if (wanted())
		bpf_map_update_elem(&calls, &tid, &c, BPF_ANY);
}

static __always_inline void leave(int ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct call *c = bpf_map_lookup_elem(&calls, &tid);

	if (!c)
		return;
	report(call_sock(c->sock, c->fd), c->backlog, ret);
	bpf_map_delete_elem(&calls, &tid);
}

SEC("tracepoint/syscalls/sys_enter_listen")
int tp_enter_listen(struct syscall_trace_enter *ctx)
{
	enter(0, (int)ctx->args[0], (int)ctx->args[1]);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_listen")
int tp_exit_listen(struct syscall_trace_exit *ctx)
{
	leave((int)ctx->ret);
	return 0;
}

SEC("fexit/inet_listen")
int BPF_PROG(fexit_inet_listen, struct socket *sock, int backlog, int ret)
{
	if (wanted())
		report(BPF_CORE_READ(sock, sk), backlog, ret);
	return 0;
}

SEC("kprobe/inet_listen")
int BPF_KPROBE(kprobe_inet_listen, struct socket *sock, int backlog)
{
	enter((__u64)sock, -1, backlog);
	return 0;
}

SEC("kretprobe/inet_listen")
int BPF_KRETPROBE(kretprobe_inet_listen, int ret)
{
	leave(ret);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
