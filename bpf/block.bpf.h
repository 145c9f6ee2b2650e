/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
/* What the block I/O tools read from a request, on every kernel. */
#ifndef __BPFTK_BLOCK_BPF_H
#define __BPFTK_BLOCK_BPF_H

/* rq->rq_disk before 5.17; rq->q->disk since. */
struct request___pre_5_17 {
	struct gendisk *rq_disk;
} __attribute__((preserve_access_index));

/* The request's disk as a kernel dev_t (MKDEV: major << 20 | minor). */
static __always_inline __u32 rq_dev(struct request *rq)
{
	struct gendisk *disk;

	if (bpf_core_field_exists(((struct request___pre_5_17 *)rq)->rq_disk))
		disk = BPF_CORE_READ((struct request___pre_5_17 *)rq, rq_disk);
	else
		disk = BPF_CORE_READ(rq, q, disk);
	if (!disk)
		return 0;
	return BPF_CORE_READ(disk, major) << 20 | BPF_CORE_READ(disk, first_minor);
}

/* block_rq_insert, block_rq_issue and block_bio_queue lost their
 * request_queue argument in 5.11 (and in distribution kernels before,
 * Debian's 5.10 among them): the request (the bio) is the first argument
 * since, the second before. User space sets these from the tracepoints' BTF
 * (libtools::btf::tracepoint_args). Each load is its own asm statement: from
 * two plain loads clang makes one from a computed context offset, which the
 * verifier refuses; the branch not taken is dead code to the verifier
 * (read-only data is known at load time), so the second argument is never
 * read where there is none. */
const volatile bool block_rq_queue_arg = false;
const volatile bool block_bio_queue_arg = false;

static __always_inline __u64 arg_after_queue(__u64 *ctx, bool queue_arg)
{
	__u64 arg;

	if (queue_arg)
		asm volatile("%0 = *(u64 *)(%1 + 8)" : "=r"(arg) : "r"(ctx));
	else
		asm volatile("%0 = *(u64 *)(%1 + 0)" : "=r"(arg) : "r"(ctx));
	return arg;
}

static __always_inline struct request *block_rq_arg(__u64 *ctx)
{
	return (struct request *)arg_after_queue(ctx, block_rq_queue_arg);
}

static __always_inline struct bio *block_bio_arg(__u64 *ctx)
{
	return (struct bio *)arg_after_queue(ctx, block_bio_queue_arg);
}

/* bio->bi_bdev->bd_disk since 5.12; bio->bi_disk before. */
struct bio___pre_5_12 {
	struct gendisk *bi_disk;
} __attribute__((preserve_access_index));

static __always_inline struct gendisk *bio_disk(struct bio *bio)
{
	if (bpf_core_field_exists(((struct bio___pre_5_12 *)bio)->bi_disk))
		return BPF_CORE_READ((struct bio___pre_5_12 *)bio, bi_disk);
	return BPF_CORE_READ(bio, bi_bdev, bd_disk);
}
#define BLOCK_RQ_ARG(ctx) block_rq_arg((__u64 *)(ctx))

/* The programs on block_rq_insert or block_rq_issue (`tp`: insert, issue):
 * tp_btf_<tp> and raw_<tp>, each returning `call` of the request `rq`. */
#define BLOCK_RQ_PROGRAMS(tp, call)						\
	SEC("tp_btf/block_rq_" #tp)						\
	int tp_btf_##tp(__u64 *ctx)						\
	{									\
		struct request *rq = BLOCK_RQ_ARG(ctx);				\
										\
		return call;							\
	}									\
	SEC("raw_tp/block_rq_" #tp)						\
	int raw_##tp(struct bpf_raw_tracepoint_args *ctx)			\
	{									\
		struct request *rq = BLOCK_RQ_ARG(ctx->args);			\
										\
		return call;							\
	}

/* The programs on a block tracepoint `tp` whose request is its first
 * argument on every kernel: tp_btf_<name> and raw_<name>, each returning
 * `call` of the arguments (the rest). */
#define BLOCK_TP_PROGRAMS(tp, name, call, ...)					\
	SEC("tp_btf/" #tp) int BPF_PROG(tp_btf_##name, __VA_ARGS__) { return call; } \
	SEC("raw_tp/" #tp) int BPF_PROG(raw_##name, __VA_ARGS__) { return call; }

/* tp_btf_complete and raw_complete, returning `call` of `rq` and `nr_bytes`. */
#define BLOCK_RQ_COMPLETE_PROGRAMS(call)					\
	BLOCK_TP_PROGRAMS(block_rq_complete, complete, call, struct request *rq, int error, \
			  unsigned int nr_bytes)

#endif /* __BPFTK_BLOCK_BPF_H */
