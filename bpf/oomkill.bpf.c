// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0)
/* oomkill: OOM killer victims, the task that triggered the kill, and memory
 * figures. Hook alternatives, in order of preference:
 *   tracepoint  oom:mark_victim   (victim's RSS figures on 6.1+)
 *   kprobe      oom_kill_process  (libbpf-tools' hook: the page total) */
#include "bpftk.bpf.h"
#include "oomkill.h"

BPFTK_EXPORT_TYPE(event);

static __always_inline void unknown_figures(struct event *e)
{
	e->pages = OOMKILL_UNKNOWN;
	e->total_vm_kb = OOMKILL_UNKNOWN;
	e->anon_rss_kb = OOMKILL_UNKNOWN;
	e->file_rss_kb = OOMKILL_UNKNOWN;
	e->shmem_rss_kb = OOMKILL_UNKNOWN;
	e->pgtables_kb = OOMKILL_UNKNOWN;
	e->uid = (__u32)OOMKILL_UNKNOWN;
	e->oom_score_adj = 0x7fffffff;
}

static __always_inline void trigger(struct event *e)
{
	e->fpid = bpf_get_current_pid_tgid() >> 32;
	bpf_get_current_comm(&e->fcomm, sizeof(e->fcomm));
}

SEC("tracepoint/oom/mark_victim")
int tp_mark_victim(struct trace_event_raw_mark_victim *ctx)
{
	struct event e = {};
	__u32 loc;

	unknown_figures(&e);
	trigger(&e);
	e.tpid = BPF_CORE_READ(ctx, pid);
	/* The victim's name is recorded since 6.1 (5.10 has the pid only:
	 * user space names it then). */
	if (bpf_core_field_exists(ctx->__data_loc_comm)) {
		loc = BPF_CORE_READ(ctx, __data_loc_comm);
		bpf_probe_read_kernel_str(&e.tcomm, sizeof(e.tcomm), (void *)ctx + (loc & 0xffff));
	}
	if (bpf_core_field_exists(ctx->total_vm)) {
		e.total_vm_kb = BPF_CORE_READ(ctx, total_vm);
		e.anon_rss_kb = BPF_CORE_READ(ctx, anon_rss);
		e.file_rss_kb = BPF_CORE_READ(ctx, file_rss);
		e.shmem_rss_kb = BPF_CORE_READ(ctx, shmem_rss);
		e.pgtables_kb = BPF_CORE_READ(ctx, pgtables);
		e.uid = BPF_CORE_READ(ctx, uid);
		e.oom_score_adj = BPF_CORE_READ(ctx, oom_score_adj);
	}
	emit(&e, sizeof(e));
	return 0;
}

SEC("kprobe/oom_kill_process")
int BPF_KPROBE(kprobe_oom_kill_process, struct oom_control *oc, const char *message)
{
	struct event e = {};

	unknown_figures(&e);
	trigger(&e);
	e.tpid = BPF_CORE_READ(oc, chosen, tgid);
	BPF_CORE_READ_STR_INTO(&e.tcomm, oc, chosen, comm);
	e.pages = BPF_CORE_READ(oc, totalpages);
	emit(&e, sizeof(e));
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
