// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0)
/* bashreadline: command lines read by bash. Hook: a uretprobe on readline
 * (or readline_internal_teardown, which newer bash builds keep) in bash or
 * in the readline library; the probed function returns the line. */
#include "bpftk.bpf.h"
#include "bashreadline.h"

/* Probing a shared libreadline: other programs use it too. */
const volatile bool bash_only = false;

BPFTK_SCRATCH(struct event);

SEC("uretprobe")
int BPF_URETPROBE(uretprobe_readline, const char *ret)
{
	struct event *e;
	char comm[BPFTK_COMM_LEN];

	if (!ret)
		return 0;
	if (bash_only) {
		bpf_get_current_comm(&comm, sizeof(comm));
		if (comm[0] != 'b' || comm[1] != 'a' || comm[2] != 's' || comm[3] != 'h' || comm[4])
			return 0;
	}
	e = percpu_slot(&scratch);
	if (!e)
		return 0;
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->len = read_user_path(e->line, sizeof(e->line), ret, &e->truncated);
	if (e->len > BASHREADLINE_LINE_MAX)
		return 0;
	emit(e, offsetof(struct event, line) + e->len);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
