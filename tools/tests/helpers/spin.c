/* Test helper for the stack tools: burns CPU in functions with names no
 * other program has. `spin SECONDS [syscalls]`: for SECONDS, alternate 50 ms
 * in bpftk_spin_target (user space) and, with a second argument, 10 ms of
 * getppid(2) calls in bpftk_syscall_target (kernel entries). */
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

__attribute__((noinline)) void bpftk_spin_target(double until)
{
	volatile unsigned long x = 0;

	while (now() < until)
		for (int i = 0; i < 100000; i++)
			x += i;
}

__attribute__((noinline)) void bpftk_syscall_target(double until)
{
	while (now() < until)
		for (int i = 0; i < 1000; i++)
			getppid();
}

int main(int argc, char **argv)
{
	double end = now() + (argc > 1 ? atof(argv[1]) : 1);
	int syscalls = argc > 2;

	while (now() < end) {
		bpftk_spin_target(now() + 0.05);
		if (syscalls)
			bpftk_syscall_target(now() + 0.01);
	}
	return 0;
}
