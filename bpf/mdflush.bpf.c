// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0)
/* mdflush: flush requests to md (software RAID) devices.
 * Hook alternatives, in order of preference:
 *   fentry, kprobe  md_flush_request   (what libbpf-tools hooks)
 *   tp_btf, raw_tp  block_bio_queue    (a bio with REQ_PREFLUSH to a disk named md*)
 *   tracepoint      block:block_bio_queue  (rwbs starting with F, to a device of
 *                                           an md major, which user space names) */
#include "bpftk.bpf.h"
#include "block.bpf.h"
#include "mdflush.h"

/* The block majors of md and mdp (from /proc/devices), for the tracepoint. */
const volatile __u32 md_major = 9;
const volatile __u32 mdp_major = 0;

BPFTK_EXPORT_TYPE(event);

static __always_inline int flushed(struct gendisk *disk, __u32 dev)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct event e = {};

	e.pid = id >> 32;
	e.tid = (__u32)id;
	e.dev = dev;
	if (disk) {
		bpf_probe_read_kernel_str(e.disk, sizeof(e.disk), BPF_CORE_READ(disk, disk_name));
		e.dev = BPF_CORE_READ(disk, major) << 20 | BPF_CORE_READ(disk, first_minor);
	}
	bpf_get_current_comm(e.comm, sizeof(e.comm));
	emit(&e, sizeof(e));
	return 0;
}

BPFTK_FENTRY_KPROBE(md_flush_request, fentry_md_flush_request, kprobe_md_flush_request,
		    flushed(bio_disk(bio), 0), void *mddev, struct bio *bio)

/* A bio to an md device that asks for a cache flush first. */
static __always_inline int bio_queued(struct bio *bio)
{
	__u32 preflush = bpf_core_enum_value(enum req_flag_bits, __REQ_PREFLUSH);
	struct gendisk *disk = bio_disk(bio);
	char name[3] = {};

	if (!(BPF_CORE_READ(bio, bi_opf) & (1U << preflush)))
		return 0;
	bpf_probe_read_kernel(name, 2, BPF_CORE_READ(disk, disk_name));
	if (name[0] != 'm' || name[1] != 'd')
		return 0;
	return flushed(disk, 0);
}

SEC("tp_btf/block_bio_queue")
int tp_btf_bio_queue(__u64 *ctx)
{
	return bio_queued(block_bio_arg(ctx));
}

SEC("raw_tp/block_bio_queue")
int raw_bio_queue(struct bpf_raw_tracepoint_args *ctx)
{
	return bio_queued(block_bio_arg(ctx->args));
}

/* The start of the tracepoint's record, the same on every kernel (rwbs
 * grew from 8 to 10 bytes after it, in 6.x). */
struct block_bio_queue_record {
	__u64 common;
	__u32 dev;
	__u32 pad;
	__u64 sector;
	__u32 nr_sector;
	char rwbs[8];
};

SEC("tracepoint/block/block_bio_queue")
int tp_bio_queue(struct block_bio_queue_record *ctx)
{
	__u32 major = ctx->dev >> 20;

	if (ctx->rwbs[0] != 'F' || !(major == md_major || (mdp_major && major == mdp_major)))
		return 0;
	return flushed(NULL, ctx->dev);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
