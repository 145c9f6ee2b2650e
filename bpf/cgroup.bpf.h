/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
/* -c CGROUP: only tasks inside one cgroup v2 directory (or below it).
 * User space stores the directory's fd in cgroup_map[0], its id (inode) in
 * targ_cgid, and sets filter_cg (libtools::cgroup). Include after
 * bpftk.bpf.h in tools that offer -c. */
#ifndef __BPFTK_CGROUP_BPF_H
#define __BPFTK_CGROUP_BPF_H

const volatile bool filter_cg = false;
const volatile __u64 targ_cgid = 0;

BPFTK_MAP(cgroup_map, BPF_MAP_TYPE_CGROUP_ARRAY, __u32, __u32, 1);

/* True when there is no -c, or the current task is under the cgroup. */
static __always_inline bool cgroup_allowed(void)
{
	return !filter_cg || bpf_current_task_under_cgroup(&cgroup_map, 0) == 1;
}

/* The same for a task that is not the current one (the task the scheduler
 * switches to, say): walks up its default-hierarchy cgroups. */
static __always_inline bool task_cgroup_allowed(struct task_struct *task)
{
	struct cgroup *cg;
	int i;

	if (!filter_cg)
		return true;
	cg = BPF_CORE_READ(task, cgroups, dfl_cgrp);
	for (i = 0; i < 32 && cg; i++) {
		if (BPF_CORE_READ(cg, kn, id) == targ_cgid)
			return true;
		cg = BPF_CORE_READ(cg, self.parent, cgroup);
	}
	return false;
}

#endif /* __BPFTK_CGROUP_BPF_H */
