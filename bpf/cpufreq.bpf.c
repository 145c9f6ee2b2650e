// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0)
/* cpufreq: the frequency each CPU ran at, sampled. power:cpu_frequency
 * (emitted by the cpufreq core on every change) keeps each CPU's current
 * frequency in `freqs`, which user space fills from sysfs before attach;
 * a CPU-clock perf event on every CPU then adds one to the slot of that
 * frequency, for the whole system and for the name of the running task.
 * Hook alternatives for the tracepoint, in order of preference: tp_btf,
 * raw_tp, the classic tracepoint. */
#include "bpftk.bpf.h"
#include "counters.bpf.h"
#include "hist.h"
#include "cpufreq.h"

/* MHz by CPU; 0 where not known. An array map rather than a global
 * array: the lookup is the bounds check the verifier wants. */
BPFTK_MAP(freqs, BPF_MAP_TYPE_ARRAY, __u32, __u32, CPUFREQ_MAX_CPUS);

BPFTK_COUNTERS(S_MAXSTAT);
/* The whole system's histogram, one per CPU (summed by user space). */
BPFTK_PERCPU_SLOT(syswide, struct hist);
BPFTK_HASH_NO_PREALLOC(hists, struct comm_key, struct hist, CPUFREQ_MAX_COMMS);

BPFTK_EXPORT_TYPE(comm_key);

static __always_inline int set_freq(__u32 khz, __u32 cpu)
{
	__u32 *mhz = bpf_map_lookup_elem(&freqs, &cpu);

	if (mhz)
		*mhz = khz / 1000;
	return 0;
}

SEC("tp_btf/cpu_frequency")
int BPF_PROG(tp_btf_cpu_frequency, unsigned int state, unsigned int cpu_id)
{
	return set_freq(state, cpu_id);
}

SEC("raw_tp/cpu_frequency")
int BPF_PROG(raw_cpu_frequency, unsigned int state, unsigned int cpu_id)
{
	return set_freq(state, cpu_id);
}

SEC("tracepoint/power/cpu_frequency")
int tp_cpu_frequency(struct trace_event_raw_cpu *ctx)
{
	return set_freq(ctx->state, ctx->cpu_id);
}

SEC("perf_event")
int do_sample(struct bpf_perf_event_data *ctx)
{
	static const struct hist zero;
	__u32 cpu = bpf_get_smp_processor_id();
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	struct comm_key key = {};
	__u32 *mhz = bpf_map_lookup_elem(&freqs, &cpu);
	struct hist *h;
	__u32 slot;

	if (!mhz || !*mhz)
		return count(S_UNKNOWN);
	slot = *mhz / CPUFREQ_STEP_MHZ;
	if (slot >= BPFTK_HIST_SLOTS)
		slot = BPFTK_HIST_SLOTS - 1;
	h = percpu_slot(&syswide);
	if (h)
		h->slots[slot]++; /* this CPU's copy: no other writer */
	if (!pid)
		return 0; /* the idle task: system-wide only */
	bpf_get_current_comm(key.comm, sizeof(key.comm));
	h = lookup_or_init(&hists, &key, &zero);
	if (!h) {
		count_dropped(); /* the map is full */
		return 0;
	}
	__sync_fetch_and_add(&h->slots[slot], 1);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
