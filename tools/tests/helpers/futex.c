/* Test helper for futexctn: `futex ROUNDS MS [LINGER_MS]` prints the
 * address of its futex word and waits for a line on stdin; then its main
 * thread waits ROUNDS times in bpftk_futex_wait, a FUTEX_WAIT_PRIVATE on
 * that word, each ended by a second thread that sleeps MS milliseconds,
 * changes the word and wakes it. It lingers LINGER_MS (500 by default)
 * before it exits, so that its memory map can still be read. The function
 * makes the system call itself, so that it is the innermost user frame
 * (libc's syscall() keeps no frame pointer). */
#include <linux/futex.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static atomic_int word;
static int rounds = 5;
static long ms = 40;
static atomic_int waits;

/* A call, so that bpftk_futex_wait is no leaf function, whose frame pointer
 * the compiler may leave out (and with it main from the stack). */
__attribute__((noinline)) void bpftk_futex_count(void)
{
	atomic_fetch_add(&waits, 1);
}

__attribute__((noinline)) long bpftk_futex_wait(atomic_int *uaddr, int expected)
{
	long ret;

	bpftk_futex_count();
#if defined(__x86_64__)
	register long r10 __asm__("r10") = 0; /* no timeout */
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"((long)SYS_futex), "D"(uaddr), "S"((long)FUTEX_WAIT_PRIVATE),
			   "d"((long)expected), "r"(r10)
			 : "rcx", "r11", "memory");
#elif defined(__aarch64__)
	register long x8 __asm__("x8") = SYS_futex;
	register long x0 __asm__("x0") = (long)uaddr;
	register long x1 __asm__("x1") = FUTEX_WAIT_PRIVATE;
	register long x2 __asm__("x2") = expected;
	register long x3 __asm__("x3") = 0;
	__asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3) : "memory");
	ret = x0;
#else
#error "futex: add the system call for this architecture"
#endif
	return ret;
}

static void *waker(void *arg)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	for (int r = 1; r <= rounds; r++) {
		nanosleep(&ts, NULL);
		atomic_store(&word, r);
		syscall(SYS_futex, &word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
	}
	return arg;
}

int main(int argc, char **argv)
{
	long linger = argc > 3 ? atol(argv[3]) : 500;
	char line[16];
	pthread_t t;

	rounds = argc > 1 ? atoi(argv[1]) : rounds;
	ms = argc > 2 ? atol(argv[2]) : ms;
	printf("%p\n", (void *)&word);
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		return 1;
	if (pthread_create(&t, NULL, waker, NULL))
		return 1;
	/* Round r ends when the word becomes r; a wait that finds it changed
	 * already fails with EAGAIN and is not counted. */
	for (int r = 1; r <= rounds; r++)
		while (atomic_load(&word) < r)
			bpftk_futex_wait(&word, r - 1);
	pthread_join(t, NULL);
	usleep(linger * 1000);
	return 0;
}
