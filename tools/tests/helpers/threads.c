/* Test helper for threadsnoop: `threads N` starts N threads running
 * bpftk_thread_start, a function no other program has, and joins them, then
 * lingers two seconds: threadsnoop names the function in the live process
 * (from its maps), even on a loaded machine. */
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

__attribute__((noinline)) void *bpftk_thread_start(void *arg)
{
	return arg;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 1;

	for (int i = 0; i < n; i++) {
		pthread_t t;

		if (pthread_create(&t, NULL, bpftk_thread_start, NULL))
			return 1;
		pthread_join(t, NULL);
	}
	sleep(2);
	return 0;
}
