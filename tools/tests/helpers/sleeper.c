/* Test helper for the off-CPU tools: `sleeper COUNT MS` blocks COUNT times
 * for MS milliseconds in bpftk_sleep_target, which makes the nanosleep(2)
 * system call itself, so that the function is the innermost user frame
 * (libc's wrapper keeps no frame pointer). */
#include <stdlib.h>
#include <time.h>
#include <sys/syscall.h>

__attribute__((noinline)) void bpftk_sleep_target(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	long ret;

#if defined(__x86_64__)
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"((long)SYS_nanosleep), "D"(&ts), "S"(0L)
			 : "rcx", "r11", "memory");
#elif defined(__aarch64__)
	register long x8 __asm__("x8") = SYS_nanosleep;
	register long x0 __asm__("x0") = (long)&ts;
	register long x1 __asm__("x1") = 0;
	__asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1) : "memory");
	ret = x0;
#else
#error "sleeper: add the system call for this architecture"
#endif
	(void)ret;
}

int main(int argc, char **argv)
{
	int count = argc > 1 ? atoi(argv[1]) : 10;
	long ms = argc > 2 ? atol(argv[2]) : 100;

	for (int i = 0; i < count; i++)
		bpftk_sleep_target(ms);
	return 0;
}
