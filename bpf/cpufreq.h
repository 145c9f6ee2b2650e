/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
#ifndef __CPUFREQ_H
#define __CPUFREQ_H

/* Histogram slots are CPUFREQ_STEP_MHZ wide from 0: BPFTK_HIST_SLOTS (32)
 * of them reach 6200 MHz, the last slot holding that and above. */
#define CPUFREQ_STEP_MHZ 200
/* CPUs whose frequency is kept (by CPU number, possible CPUs). */
#define CPUFREQ_MAX_CPUS 4096
/* Process names with a histogram of their own. */
#define CPUFREQ_MAX_COMMS 1024

/* Per-CPU counters (BPFTK_COUNTERS). */
#define S_UNKNOWN 0 /* samples on a CPU whose frequency is not known */
#define S_MAXSTAT 1

struct comm_key {
	char comm[16];
};

#endif /* __CPUFREQ_H */
