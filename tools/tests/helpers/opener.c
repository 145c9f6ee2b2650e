/* Test helper for opensnoop -c: `opener PATH` opens PATH from
 * bpftk_open_caller, called by main, making the openat(2) system call
 * itself (no libc wrapper without frame pointers in between), so that the
 * caller's first two user frames are bpftk_open_caller and main. It then
 * stays a second, for the tool to name them while it lives. */
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

__attribute__((noinline)) long bpftk_open_caller(const char *path)
{
	/* A frame of its own, leaf though it is: the walk to main goes through it. */
	void *volatile frame = __builtin_frame_address(0);
	long ret;

	(void)frame;
#if defined(__x86_64__)
	register long r10 __asm__("r10") = 0;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "0"((long)SYS_openat), "D"((long)AT_FDCWD), "S"(path), "d"((long)O_RDONLY),
			   "r"(r10)
			 : "rcx", "r11", "memory");
#elif defined(__aarch64__)
	register long x8 __asm__("x8") = SYS_openat;
	register long x0 __asm__("x0") = AT_FDCWD;
	register long x1 __asm__("x1") = (long)path;
	register long x2 __asm__("x2") = O_RDONLY;
	register long x3 __asm__("x3") = 0;

	__asm__ volatile("svc #0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3) : "memory");
	ret = x0;
#else
#error "opener: no system call sequence for this architecture"
#endif
	return ret;
}

int main(int argc, char **argv)
{
	long fd;

	if (argc != 2)
		return 2;
	fd = bpftk_open_caller(argv[1]);
	sleep(1);
	return fd < 0;
}
