/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
/* What opensnoop and statsnoop share: a syscall with a path, whose entry
 * keeps its arguments by thread (`start`) and whose return sends the event,
 * the path read then. Include after the tool's header, whose `struct event`
 * has pid, tid, ret, comm, path_len, truncated and, last, path (only its
 * first path_len bytes are sent), having defined `struct args` (the path in
 * `fname`) and `void fill(struct event *e, const struct args *a)`, which
 * sets the tool's own fields. A tool that defines PATH_CALLS_FULL_PATH(e, a,
 * len) has it put the directory in front of a relative path in e->path and
 * return the new length, in its programs that call path_call_exit_as(ret,
 * true). One that defines PATH_CALLS_NO_PATH(e, a) has it fill e->path
 * where the call gave no path or an empty one (fstat(2), AT_EMPTY_PATH),
 * and return its length. */
#ifndef __BPFTK_PATH_CALLS_BPF_H
#define __BPFTK_PATH_CALLS_BPF_H

const volatile bool targ_failed = false;

BPFTK_HASH(start, __u32, struct args, 10240);
BPFTK_SCRATCH(struct event);

/* The call's return: its event, unless -x and the call did not fail.
 * `full_path`: a constant, for the tool's programs that make relative paths
 * absolute (PATH_CALLS_FULL_PATH); apart from the others, whose CO-RE
 * relocations then stay few (each new kernel type costs libbpf about a
 * millisecond at start). */
static __always_inline int path_call_exit_as(long ret, bool full_path)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;
	struct args *a = bpf_map_lookup_elem(&start, &tid);
	struct event *e;
	__u32 len;

	if (!a)
		return 0;
	if (targ_failed && ret >= 0)
		goto cleanup;
	e = percpu_slot(&scratch);
	if (!e)
		goto cleanup;
	e->pid = id >> 32;
	e->tid = tid;
	e->ret = ret;
	fill(e, a);
	bpf_get_current_comm(&e->comm, sizeof(e->comm));
	len = read_user_path(e->path, sizeof(e->path), a->fname, &e->truncated);
#ifdef PATH_CALLS_NO_PATH
	if (!len)
		len = PATH_CALLS_NO_PATH(e, a);
#endif
#ifdef PATH_CALLS_FULL_PATH
	/* The tool's own: the directory in front of a relative path. */
	if (full_path && len && e->path[0] != '/')
		len = PATH_CALLS_FULL_PATH(e, a, len);
#endif
	e->path_len = len;
	emit(e, offsetof(struct event, path) + len);
cleanup:
	bpf_map_delete_elem(&start, &tid);
	return 0;
}

static __always_inline int path_call_exit(long ret)
{
	return path_call_exit_as(ret, false);
}

#endif /* __BPFTK_PATH_CALLS_BPF_H */
