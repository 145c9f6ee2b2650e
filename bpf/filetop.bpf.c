// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0)
/* filetop: reads and writes by thread and file, summed in a hash map that
 * user space drains every interval. The file comes from vfs_read and
 * vfs_write (fentry, else kprobe), or where the kernel offers neither,
 * from the descriptor of read(2), pread64(2), write(2) and pwrite64(2)
 * through the task's file table. Bytes are those asked for, as
 * libbpf-tools counts them. */
#include "bpftk.bpf.h"
#include "task_files.bpf.h"
#include "filetop.h"

#define S_IFMT 00170000
#define S_IFSOCK 0140000
#define S_IFREG 0100000

const volatile __u32 targ_tgid = 0;
const volatile bool regular_file_only = true;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, struct file_id);
	__type(value, struct file_stat);
} entries SEC(".maps");

/* The value is too big for the stack: new entries start from this. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct file_stat);
} fresh SEC(".maps");

static __always_inline int account(struct file *file, __u64 count, bool write)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 pid = id >> 32, zero = 0;
	struct file_id key = {};
	struct file_stat *v;
	struct inode *inode;
	__u32 mode;

	if (!file || (targ_tgid && targ_tgid != pid))
		return 0;
	inode = BPF_CORE_READ(file, f_inode);
	mode = BPF_CORE_READ(inode, i_mode);
	if (regular_file_only && (mode & S_IFMT) != S_IFREG)
		return 0;
	key.inode = BPF_CORE_READ(inode, i_ino);
	key.dev = BPF_CORE_READ(inode, i_sb, s_dev);
	key.rdev = BPF_CORE_READ(inode, i_rdev);
	key.pid = pid;
	key.tid = (__u32)id;
	v = bpf_map_lookup_elem(&entries, &key);
	if (!v) {
		struct file_stat *init = bpf_map_lookup_elem(&fresh, &zero);

		if (!init)
			return 0;
		__builtin_memset(init, 0, sizeof(*init));
		init->pid = pid;
		init->tid = (__u32)id;
		init->kind = (mode & S_IFMT) == S_IFREG ? 'R' : (mode & S_IFMT) == S_IFSOCK ? 'S' : 'O';
		bpf_get_current_comm(init->comm, sizeof(init->comm));
		bpf_probe_read_kernel_str(init->filename, sizeof(init->filename),
					  BPF_CORE_READ(file, f_path.dentry, d_name.name));
		v = lookup_or_init(&entries, &key, init);
		if (!v) {
			count_dropped(); /* the map is full: this call is lost */
			return 0;
		}
	}
	if (write) {
		__sync_fetch_and_add(&v->writes, 1);
		__sync_fetch_and_add(&v->write_bytes, count);
	} else {
		__sync_fetch_and_add(&v->reads, 1);
		__sync_fetch_and_add(&v->read_bytes, count);
	}
	return 0;
}

BPFTK_FENTRY_KPROBE(vfs_read, fentry_vfs_read, kprobe_vfs_read, account(file, count, false),
		    struct file *file, char *buf, size_t count)
BPFTK_FENTRY_KPROBE(vfs_write, fentry_vfs_write, kprobe_vfs_write, account(file, count, true),
		    struct file *file, const char *buf, size_t count)

/* The syscalls: args are (fd, buf, count[, pos]). */
#define FILE_CALL(call, write)                                               \
	SEC("tracepoint/syscalls/sys_enter_" #call)                          \
	int tp_enter_##call(struct syscall_trace_enter *ctx)                 \
	{                                                                    \
		return account(fd_file(ctx->args[0]), ctx->args[2], write);  \
	}

FILE_CALL(read, false)
FILE_CALL(pread64, false)
FILE_CALL(write, true)
FILE_CALL(pwrite64, true)

char LICENSE[] SEC("license") = "Dual BSD/GPL";
