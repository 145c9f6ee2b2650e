// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0)
/* filelife: files created and then deleted, with their ages. A creation
 * stores the time under the file's dentry; a deletion of a dentry found
 * there sends the event.
 *
 * Creations: security_inode_create (every create: open(O_CREAT), mknod,
 * nfsd) and vfs_open of a file the open created (fentry, else kprobe);
 * without either, the open syscalls' exits, through the new descriptor's
 * file and its FMODE_CREATED.
 * Deletions: vfs_unlink (fexit, else kprobe and kretprobe); without either,
 * the unlink syscalls. Those only have a path, so their entry marks the
 * stored dentries of that name that still have an inode, and their exit
 * takes the marked ones that lost it (deleted: negative or unhashed). */
#include "bpftk.bpf.h"
#include "task_files.bpf.h"
#include "syscalls.bpf.h"
#include "filelife.h"

#define FMODE_CREATED 0x100000 /* include/linux/fs.h, since 4.19 */
#define AT_REMOVEDIR 0x200

const volatile __u32 targ_tgid = 0;

struct birth {
	__u64 ts;
	__u32 pid;     /* the creator */
	__u32 marked;  /* the thread whose unlink(2) may delete it (syscall route) */
};

BPFTK_HASH(births, __u64 /* struct dentry * */, struct birth, 10240);
BPFTK_SCRATCH(struct event);

static __always_inline int born(struct dentry *dentry)
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	__u64 key = (__u64)dentry;
	struct birth b = {};

	if (!id_allowed(targ_tgid, pid) || !dentry)
		return 0;
	b.ts = bpf_ktime_get_ns();
	b.pid = pid;
	inflight_set(&births, &key, &b);
	return 0;
}

static __always_inline int opened(struct path *path, struct file *file)
{
	if (!(BPF_CORE_READ(file, f_mode) & FMODE_CREATED))
		return 0;
	return born(BPF_CORE_READ(path, dentry));
}

/* The event for `dentry`, deleted now, if its creation was seen. */
static __always_inline void died(struct dentry *dentry, struct birth *b)
{
	__u64 id = bpf_get_current_pid_tgid(), key = (__u64)dentry;
	struct event *e = percpu_slot(&scratch);
	long len;

	if (!e)
		return;
	e->age_ns = bpf_ktime_get_ns() - b->ts;
	e->pid = id >> 32;
	e->tid = (__u32)id;
	e->creator_pid = b->pid;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	len = bpf_probe_read_kernel_str(e->name, sizeof(e->name),
					BPF_CORE_READ(dentry, d_name.name));
	e->name_len = len > 0 ? len - 1 : 0;
	emit(e, sizeof(*e));
	bpf_map_delete_elem(&births, &key);
}

static __always_inline int unlinked(struct dentry *dentry, long ret)
{
	__u64 key = (__u64)dentry;
	struct birth *b;

	if (ret)
		return 0; /* the unlink failed: the file lives on */
	b = bpf_map_lookup_elem(&births, &key);
	if (b)
		died(dentry, b);
	return 0;
}

/* vfs_unlink's dentry is its third argument since 5.12 (a user namespace
 * came first, an idmap from 6.3), its second before. */
struct renamedata___userns {
	struct user_namespace *old_mnt_userns;
} __attribute__((preserve_access_index));

static __always_inline bool unlink_takes_idmap(void)
{
	return bpf_core_type_exists(struct mnt_idmap) ||
	       bpf_core_field_exists(struct renamedata___userns, old_mnt_userns);
}

BPFTK_FENTRY_KPROBE(security_inode_create, fentry_security_inode_create,
		    kprobe_security_inode_create, born(dentry), struct inode *dir,
		    struct dentry *dentry)
BPFTK_FENTRY_KPROBE(vfs_open, fentry_vfs_open, kprobe_vfs_open, opened(path, file),
		    struct path *path, struct file *file)

SEC("fexit/vfs_unlink")
int BPF_PROG(fexit_vfs_unlink)
{
	if (unlink_takes_idmap())
		return unlinked((struct dentry *)ctx[2], (long)ctx[4]);
	return unlinked((struct dentry *)ctx[1], (long)ctx[3]);
}

/* The kprobe route: the dentry from the entry, the result at the return. */
BPFTK_HASH(unlinking, __u32, __u64, 10240);

SEC("kprobe/vfs_unlink")
int BPF_KPROBE(kprobe_vfs_unlink)
{
	/* _CORE: the register is read, not the moved ctx pointer (the verifier
	 * refuses a load through that) */
	__u64 dentry = unlink_takes_idmap() ? PT_REGS_PARM3_CORE(ctx) : PT_REGS_PARM2_CORE(ctx);

	thread_entry_set(&unlinking, &dentry);
	return 0;
}

SEC("kretprobe/vfs_unlink")
int BPF_KRETPROBE(kretprobe_vfs_unlink, long ret)
{
	__u64 dentry;

	if (thread_entry_take(&unlinking, &dentry))
		unlinked((struct dentry *)dentry, ret);
	return 0;
}

/* The syscall route. */
static __always_inline int open_exit(long fd)
{
	struct file *file;

	if (fd < 0)
		return 0;
	file = fd_file(fd);
	if (!file || !(BPF_CORE_READ(file, f_mode) & FMODE_CREATED))
		return 0;
	return born(BPF_CORE_READ(file, f_path.dentry));
}

SYSCALL_EXIT(open, open_exit(ctx->ret))
SYSCALL_EXIT(openat, open_exit(ctx->ret))
SYSCALL_EXIT(openat2, open_exit(ctx->ret))
SYSCALL_EXIT(creat, open_exit(ctx->ret))

/* The last component of an unlink(2) path, for the marking. */
struct unlink_name {
	char path[FILELIFE_NAME_LEN];
	char dname[FILELIFE_NAME_LEN];
	__u32 start;
	__u32 len;
};
BPFTK_PERCPU_SLOT(unlink_names, struct unlink_name);
/* Threads in unlink(2) with marked dentries: how many. */
BPFTK_HASH(marking, __u32, __u32, 10240);

struct mark_ctx {
	__u32 tid;
	__u32 marks;
	long ret;
};

static __always_inline bool deleted(struct dentry *d)
{
	return !BPF_CORE_READ(d, d_inode) || !BPF_CORE_READ(d, d_hash.pprev);
}

static long mark_same_name(struct bpf_map *map, __u64 *key, struct birth *b, struct mark_ctx *mc)
{
	struct dentry *d = (struct dentry *)*key;
	struct unlink_name *n = percpu_slot(&unlink_names);
	__u32 len;

	if (!n || deleted(d))
		return 0;
	len = BPF_CORE_READ(d, d_name.len);
	if (len != n->len || len >= FILELIFE_NAME_LEN)
		return 0;
	bpf_probe_read_kernel(n->dname, sizeof(n->dname), BPF_CORE_READ(d, d_name.name));
	for (__u32 i = 0; i < FILELIFE_NAME_LEN; i++) {
		if (i >= len)
			break;
		if (n->dname[i] != n->path[(n->start + i) & (FILELIFE_NAME_LEN - 1)])
			return 0;
	}
	b->marked = mc->tid;
	mc->marks++;
	return 0;
}

static __always_inline int unlink_enter(const char *path)
{
	struct mark_ctx mc = { .tid = (__u32)bpf_get_current_pid_tgid() };
	struct unlink_name *n = percpu_slot(&unlink_names);
	__u32 end = FILELIFE_NAME_LEN;

	if (!n || bpf_probe_read_user_str(n->path, sizeof(n->path), path) < 1)
		return 0;
	n->start = 0;
	for (__u32 i = 0; i < FILELIFE_NAME_LEN; i++) {
		if (n->path[i] == 0) {
			end = i;
			break;
		}
		if (n->path[i] == '/')
			n->start = i + 1;
	}
	n->len = end - n->start;
	bpf_for_each_map_elem(&births, mark_same_name, &mc, 0);
	if (mc.marks)
		inflight_set(&marking, &mc.tid, &mc.marks);
	return 0;
}

static long take_marked(struct bpf_map *map, __u64 *key, struct birth *b, struct mark_ctx *mc)
{
	struct dentry *d = (struct dentry *)*key;

	if (b->marked != mc->tid)
		return 0;
	b->marked = 0;
	if (mc->ret == 0 && deleted(d))
		died(d, b);
	return 0;
}

static __always_inline int unlink_exit(long ret)
{
	struct mark_ctx mc = { .tid = (__u32)bpf_get_current_pid_tgid(), .ret = ret };

	if (!bpf_map_lookup_elem(&marking, &mc.tid))
		return 0;
	bpf_map_delete_elem(&marking, &mc.tid);
	bpf_for_each_map_elem(&births, take_marked, &mc, 0);
	return 0;
}

SYSCALL_ENTER(unlink, unlink_enter((const char *)ctx->args[0]))
SYSCALL_ENTER(unlinkat,
	      ctx->args[2] & AT_REMOVEDIR ? 0 : unlink_enter((const char *)ctx->args[1]))
SYSCALL_EXIT(unlink, unlink_exit(ctx->ret))
SYSCALL_EXIT(unlinkat, unlink_exit(ctx->ret))

char LICENSE[] SEC("license") = "Dual BSD/GPL";
