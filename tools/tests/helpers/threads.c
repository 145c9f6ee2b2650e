/* Test helper for threadsnoop: `threads N [LINGER]` starts N threads
 * running bpftk_thread_start, a function no other program has, and joins
 * them, then lingers LINGER seconds (2 by default): 0 exits before
 * threadsnoop can read the process's memory map. */
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
	int linger = argc > 2 ? atoi(argv[2]) : 2;

	for (int i = 0; i < n; i++) {
		pthread_t t;

		if (pthread_create(&t, NULL, bpftk_thread_start, NULL))
			return 1;
		pthread_join(t, NULL);
	}
	sleep(linger);
	return 0;
}
