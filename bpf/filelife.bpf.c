// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0)
/* filelife: files created and then deleted, with their ages. A creation
 * stores the time under the file's dentry; a deletion of a dentry found
 * there sends the event.
 *
 * Creations: security_inode_create (open(O_CREAT), creat, nfsd),
 * security_inode_mknod (mknod of FIFOs, devices and sockets, bind of a unix
 * socket) and vfs_open of a file the open created (fentry, else kprobe);
 * without either, the open syscalls' exits, through the new descriptor's
 * file and its FMODE_CREATED.
 * Deletions: vfs_unlink and vfs_rename over a file (fexit, else kprobe and
 * kretprobe); without either, the unlink and rename syscalls. Those only
 * have a path, so their entry marks the stored dentries of that name (the
 * rename's new name) that still have an inode, and their exit takes the
 * marked ones that lost it (deleted: negative or unhashed; a rename unhashes
 * the dentry it replaced). */
#include "bpftk.bpf.h"
#include "task_files.bpf.h"
#include "mounts.bpf.h"
#include "syscalls.bpf.h"
#include "filelife.h"

#define FMODE_CREATED 0x100000 /* include/linux/fs.h, since 4.19 */
#define AT_REMOVEDIR 0x200
#define RENAME_EXCHANGE 2 /* both names live on */

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
BPFTK_FENTRY_KPROBE(security_inode_mknod, fentry_security_inode_mknod,
		    kprobe_security_inode_mknod, born(dentry), struct inode *dir,
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

/* The kretprobes: the dentry their kprobe kept in `map`, deleted if the
 * call returned 0. */
static __always_inline int deleted_at_return(void *map, long ret)
{
	__u64 dentry;

	if (thread_entry_take(map, &dentry))
		unlinked((struct dentry *)dentry, ret);
	return 0;
}

SEC("kretprobe/vfs_unlink")
int BPF_KRETPROBE(kretprobe_vfs_unlink, long ret)
{
	return deleted_at_return(&unlinking, ret);
}

/* vfs_rename takes a struct renamedata since 5.12, six arguments before:
 * (old_dir, old_dentry, new_dir, new_dentry, delegated_inode, flags). The
 * file replaced, if any, is the new dentry. */
static __always_inline bool rename_takes_renamedata(void)
{
	return bpf_core_type_exists(struct renamedata);
}

static __always_inline int renamed(struct dentry *new_dentry, __u32 flags, long ret)
{
	if (flags & RENAME_EXCHANGE)
		return 0;
	return unlinked(new_dentry, ret);
}

SEC("fexit/vfs_rename")
int BPF_PROG(fexit_vfs_rename)
{
	struct renamedata *rd = (struct renamedata *)ctx[0];

	if (rename_takes_renamedata())
		return renamed(BPF_CORE_READ(rd, new_dentry), BPF_CORE_READ(rd, flags),
			       (long)ctx[1]);
	return renamed((struct dentry *)ctx[3], (__u32)ctx[5], (long)ctx[6]);
}

BPFTK_HASH(renaming, __u32, __u64, 10240);

SEC("kprobe/vfs_rename")
int BPF_KPROBE(kprobe_vfs_rename)
{
	struct renamedata *rd = (struct renamedata *)PT_REGS_PARM1_CORE(ctx);
	__u64 dentry;

	if (rename_takes_renamedata()) {
		if (BPF_CORE_READ(rd, flags) & RENAME_EXCHANGE)
			return 0;
		dentry = (__u64)BPF_CORE_READ(rd, new_dentry);
	} else {
		if (PT_REGS_PARM6_CORE(ctx) & RENAME_EXCHANGE)
			return 0;
		dentry = PT_REGS_PARM4_CORE(ctx);
	}
	thread_entry_set(&renaming, &dentry);
	return 0;
}

/* A map of its own: a stacked file system's rename may unlink (overlayfs
 * cleans up its whiteouts) within it. */
SEC("kretprobe/vfs_rename")
int BPF_KRETPROBE(kretprobe_vfs_rename, long ret)
{
	return deleted_at_return(&renaming, ret);
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

/* One program at the entries of unlink, unlinkat, rename, renameat and
 * renameat2, one at their exits: the marking's walk of the map costs the
 * verifier some milliseconds a program. The call's number says where its
 * path is: the name deleted, or the new name of a rename. */
static __always_inline const char *deleted_path(struct syscall_trace_enter *ctx)
{
	long nr = ctx->nr;
	__u64 args[5] = {};

	/* Copied, not read field by field: the compiler would index a moved
	 * ctx pointer, which the verifier refuses. */
	bpf_probe_read_kernel(args, sizeof(args), ctx->args);
	if (nr == NR_unlink)
		return (const char *)args[0];
	if (nr == NR_unlinkat)
		return args[2] & AT_REMOVEDIR ? NULL : (const char *)args[1];
	if (nr == NR_rename)
		return (const char *)args[1];
	if (nr == NR_renameat)
		return (const char *)args[3];
	if (nr == NR_renameat2)
		return args[4] & RENAME_EXCHANGE ? NULL : (const char *)args[3];
	return NULL;
}

SEC("tracepoint/syscalls/sys_enter_unlinkat")
int tp_enter_delete(struct syscall_trace_enter *ctx)
{
	const char *path = deleted_path(ctx);

	return path ? unlink_enter(path) : 0;
}

SEC("tracepoint/syscalls/sys_exit_unlinkat")
int tp_exit_delete(struct syscall_trace_exit *ctx)
{
	return unlink_exit(ctx->ret);
}

/* mknod(2) and bind(2) of a unix socket on the syscall route. Their exits
 * have only the path, which is walked through the dentry cache, as the lookup just did: from the
 * task's root, its working directory or the dfd's directory, a component at
 * a time, each found among its directory's children and followed into the
 * mounts on it, through symbolic links kept in their inodes. A walk that
 * cannot end at the new file (a link whose target is in the page cache, a
 * directory of more than WALK_MAX_CHILDREN entries, a path longer than the
 * buffer) loses the creation, counted as a lost event. */
#define S_IFMT 00170000
#define S_IFLNK 0120000
#define WALK_MAX_CHILDREN 4096
#define WALK_MAX_STEPS (64 * WALK_MAX_CHILDREN + 16 * FILELIFE_NAME_LEN)

/* Before 6.8 a dentry's children were a list: d_subdirs, linked by d_child. */
struct dentry___pre68 {
	struct list_head d_subdirs;
	struct list_head d_child;
} __attribute__((preserve_access_index));

struct mknod_call {
	__u64 path;
	__s32 dfd;
};
BPFTK_HASH(mknods, __u32, struct mknod_call, 10240);

enum walk_phase { WALK_NEXT_NAME, WALK_CHILDREN, WALK_COMPARE, WALK_MOUNTS, WALK_SPLICE };

struct mknod_walk {
	char path[FILELIFE_NAME_LEN];
	char name[FILELIFE_NAME_LEN]; /* the child being compared, a link's target */
	char spliced[FILELIFE_NAME_LEN]; /* a link's target and the rest of the path */
	__u32 pos;                    /* where the next component starts */
	__u32 start, len;             /* the component being looked up */
	__u32 phase, last, in_name;
	__u32 links;                  /* symbolic links followed */
	__u32 at, tlen;               /* in the comparison or splice; the link target's length */
	__u32 children;               /* children looked at in this directory */
	struct dentry *dir, *root, *found, *candidate;
	struct mount *mnt, *root_mnt;
	void *node, *end;             /* list position in the children or mounts */
};
BPFTK_PERCPU_SLOT(mknod_walks, struct mknod_walk);

static __always_inline bool children_are_hlist(void)
{
	return bpf_core_field_exists(struct dentry, d_children);
}

static __always_inline void first_child(struct mknod_walk *w)
{
	struct dentry___pre68 *old = (void *)w->dir;
	struct dentry *dir = w->dir;

	w->children = 0;
	if (children_are_hlist()) {
		w->node = BPF_CORE_READ(dir, d_children.first);
		w->end = NULL;
	} else {
		w->node = BPF_CORE_READ(old, d_subdirs.next);
		w->end = &old->d_subdirs;
	}
}

static __always_inline struct dentry *child_at(void *node)
{
	if (children_are_hlist())
		return node - bpf_core_field_offset(struct dentry, d_sib);
	return node - bpf_core_field_offset(struct dentry___pre68, d_child);
}

static __always_inline void *next_child(void *node)
{
	if (children_are_hlist())
		return BPF_CORE_READ((struct hlist_node *)node, next);
	return BPF_CORE_READ((struct list_head *)node, next);
}

static __always_inline void first_mount(struct mknod_walk *w)
{
	struct mount *mnt = w->mnt; /* CO-RE reads go through a kernel type */

	w->node = BPF_CORE_READ(mnt, mnt_mounts.next);
	w->end = &mnt->mnt_mounts;
}

/* Whether dentry `d` may be named as the component: the same length. Its
 * name is then read for the comparison, a character per step. */
static __always_inline bool same_length(struct mknod_walk *w, struct dentry *d)
{
	__u32 len = BPF_CORE_READ(d, d_name.len);

	if (len != w->len || len >= FILELIFE_NAME_LEN)
		return false;
	bpf_probe_read_kernel(w->name, sizeof(w->name), BPF_CORE_READ(d, d_name.name));
	return true;
}

/* ".." : up to the parent, across the mounts whose root this is, never
 * above the task's root. */
static __always_inline void walk_up(struct mknod_walk *w)
{
	struct dentry *dir = w->dir;
	struct mount *mnt = w->mnt;

	for (int i = 0; i < 8; i++) {
		if (dir == w->root && mnt == w->root_mnt)
			return;
		if (dir != BPF_CORE_READ(mnt, mnt.mnt_root))
			break;
		dir = BPF_CORE_READ(mnt, mnt_mountpoint);
		mnt = BPF_CORE_READ(mnt, mnt_parent);
	}
	w->dir = BPF_CORE_READ(dir, d_parent);
	w->mnt = mnt;
}

/* A character of the path, taken one per step (loops in a step cost the
 * verifier dearly, in each of the three programs): 1 ends the walk. At the end of
 * a component, "." stays, ".." goes up, a name starts the search of the
 * directory's children. */
static __always_inline long next_char(struct mknod_walk *w)
{
	__u32 pos = w->pos;
	char c;

	if (pos >= FILELIFE_NAME_LEN)
		return 1; /* no NUL: the path is longer than the buffer */
	c = w->path[pos & (FILELIFE_NAME_LEN - 1)];
	if (!w->in_name) {
		if (c == 0)
			return 1;
		if (c != '/') {
			w->start = pos;
			w->in_name = 1;
		}
		w->pos = pos + 1;
		return 0;
	}
	if (c != 0 && c != '/') {
		w->pos = pos + 1;
		return 0;
	}
	w->in_name = 0;
	w->len = pos - w->start;
	w->last = c == 0;
	if (w->len == 1 && w->path[w->start & (FILELIFE_NAME_LEN - 1)] == '.')
		return w->last ? 1 : 0;
	if (w->len == 2 && w->path[w->start & (FILELIFE_NAME_LEN - 1)] == '.' &&
	    w->path[(w->start + 1) & (FILELIFE_NAME_LEN - 1)] == '.') {
		walk_up(w);
		return w->last ? 1 : 0;
	}
	first_child(w);
	w->phase = WALK_CHILDREN;
	return 0;
}

/* A symbolic link on the way: the path becomes its target and the rest,
 * walked from the link's directory (or the root, for an absolute target),
 * spliced a character per step. Only a link kept in the inode (i_link:
 * ext4's and tmpfs's short links, /var/run's say) can be read here; 1 ends
 * the walk. */
static __always_inline long follow_link(struct mknod_walk *w, struct dentry *link)
{
	const char *target = BPF_CORE_READ(link, d_inode, i_link);
	long n;

	if (!target || ++w->links > 8)
		return 1;
	n = bpf_probe_read_kernel_str(w->name, sizeof(w->name), target);
	if (n < 2)
		return 1;
	w->tlen = n - 1;
	w->at = 0;
	w->phase = WALK_SPLICE;
	return 0;
}

/* One character of the link's target and the rest of the path. */
static __always_inline long splice_char(struct mknod_walk *w)
{
	__u32 at = w->at, from;
	char c;

	if (at >= FILELIFE_NAME_LEN)
		return 1; /* target and rest do not fit */
	if (at < w->tlen) {
		c = w->name[at & (FILELIFE_NAME_LEN - 1)];
	} else {
		from = w->pos + at - w->tlen;
		if (from >= FILELIFE_NAME_LEN)
			return 1;
		c = w->path[from & (FILELIFE_NAME_LEN - 1)];
	}
	w->spliced[at & (FILELIFE_NAME_LEN - 1)] = c;
	w->at = at + 1;
	if (c)
		return 0;
	bpf_probe_read_kernel(w->path, sizeof(w->path), w->spliced);
	if (w->path[0] == '/') {
		w->dir = w->root;
		w->mnt = w->root_mnt;
	}
	w->pos = 0;
	w->in_name = 0;
	w->phase = WALK_NEXT_NAME;
	return 0;
}

/* One character of the candidate's name against the component; at the end
 * of a match, the walk goes on from the candidate. */
static __always_inline long compare_char(struct mknod_walk *w)
{
	__u32 at = w->at;
	struct dentry *d = w->candidate;

	if (at < w->len) {
		if (w->name[at & (FILELIFE_NAME_LEN - 1)] !=
		    w->path[(w->start + at) & (FILELIFE_NAME_LEN - 1)])
			w->phase = WALK_CHILDREN; /* another name: on to the next child */
		else
			w->at = at + 1;
		return 0;
	}
	if (deleted(d)) {
		w->phase = WALK_CHILDREN;
		return 0;
	}
	if (w->last) {
		w->found = d;
		return 1;
	}
	if ((BPF_CORE_READ(d, d_inode, i_mode) & S_IFMT) == S_IFLNK)
		return follow_link(w, d);
	w->dir = d;
	first_mount(w);
	w->phase = WALK_MOUNTS;
	return 0;
}

/* One step of the walk (bpf_loop): a component taken, a child or a mount
 * looked at. Returns 1 when the walk is over, w->found set if it got there. */
static long walk_step(__u32 i, void *ctx)
{
	struct mknod_walk *w = percpu_slot(&mknod_walks);
	struct list_head *node;
	struct dentry *d;
	struct mount *m;

	if (!w)
		return 1;
	switch (w->phase) {
	case WALK_NEXT_NAME:
		return next_char(w);
	case WALK_CHILDREN:
		if (!w->node || w->node == w->end || ++w->children > WALK_MAX_CHILDREN)
			return 1;
		d = child_at(w->node);
		w->node = next_child(w->node);
		if (!same_length(w, d))
			return 0;
		w->candidate = d;
		w->at = 0;
		w->phase = WALK_COMPARE;
		return 0;
	case WALK_COMPARE:
		return compare_char(w);
	case WALK_SPLICE:
		return splice_char(w);
	case WALK_MOUNTS:
		if (!w->node || w->node == w->end) {
			w->phase = WALK_NEXT_NAME;
			return 0;
		}
		node = w->node;
		m = (void *)node - bpf_core_field_offset(struct mount, mnt_child);
		w->node = BPF_CORE_READ(node, next);
		if (BPF_CORE_READ(m, mnt_mountpoint) != w->dir)
			return 0;
		/* Into the mount, and on to any mounted on its root. */
		w->mnt = m;
		w->dir = BPF_CORE_READ(m, mnt.mnt_root);
		first_mount(w);
		return 0;
	}
	return 1;
}

static __always_inline int mknod_enter(__s32 dfd, const char *path)
{
	struct mknod_call c = { .path = (__u64)path, .dfd = dfd };
	__u32 pid = bpf_get_current_pid_tgid() >> 32;

	if (!id_allowed(targ_tgid, pid))
		return 0;
	return thread_entry_set(&mknods, &c);
}

static __always_inline int mknod_exit(long ret)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct mknod_walk *w = percpu_slot(&mknod_walks);
	struct mknod_call c;
	struct dentry *dir;
	struct vfsmount *vfsmnt;

	if (!thread_entry_take(&mknods, &c) || ret || !w)
		return 0;
	if (bpf_probe_read_user_str(w->path, sizeof(w->path), (const char *)c.path) < 1)
		goto lost;
	w->root = BPF_CORE_READ(task, fs, root.dentry);
	w->root_mnt = real_mount(BPF_CORE_READ(task, fs, root.mnt));
	if (w->path[0] == '/') {
		w->dir = w->root;
		w->mnt = w->root_mnt;
	} else {
		if (!start_dir(c.dfd, &dir, &vfsmnt))
			goto lost;
		w->dir = dir;
		w->mnt = real_mount(vfsmnt);
	}
	w->pos = 0;
	w->in_name = 0;
	w->links = 0;
	w->phase = WALK_NEXT_NAME;
	w->found = NULL;
	bpf_loop(WALK_MAX_STEPS, walk_step, NULL, 0);
	if (w->found)
		return born(w->found);
lost:
	count_dropped();
	return 0;
}

/* mknod(path, mode, dev), mknodat(dfd, path, mode, dev) */
SYSCALL_ENTER(mknod, mknod_enter(AT_FDCWD, (const char *)ctx->args[0]))
/* dfd is an int: the register's upper half is not its sign */
SYSCALL_ENTER(mknodat, mknod_enter((__s32)ctx->args[0], (const char *)ctx->args[1]))
/* One exit program for mknod, mknodat and bind: the walk costs the
 * verifier a millisecond a program. */
SEC("tracepoint/syscalls/sys_exit_mknodat")
int tp_exit_create_path(struct syscall_trace_exit *ctx)
{
	return mknod_exit(ctx->ret);
}

/* bind(2) of a unix socket to a path creates it as mknod does. */
#define AF_UNIX 1
static __always_inline int bind_enter(const void *addr, __u64 addrlen)
{
	struct {
		__u16 family;
		char first;
	} head = {};

	if (addrlen < sizeof(head) || bpf_probe_read_user(&head, sizeof(head), addr))
		return 0;
	if (head.family != AF_UNIX || !head.first) /* not a unix socket, or abstract */
		return 0;
	return mknod_enter(AT_FDCWD, addr + 2);
}

SYSCALL_ENTER(bind, bind_enter((const void *)ctx->args[1], ctx->args[2]))

char LICENSE[] SEC("license") = "Dual BSD/GPL";
