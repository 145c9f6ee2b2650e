/* Test helper for klockstat: `ttylock ROUNDS` makes one kernel mutex
 * contend exactly ROUNDS times. Two threads read one pseudo-terminal's
 * slave in canonical mode: n_tty_read() holds the tty's atomic_read_lock
 * (a mutex) while it sleeps waiting for a line, so the second reader
 * waits for that mutex (mutex_lock_interruptible, called from n_tty_read)
 * until the first has its line. Each round the main thread waits until
 * one reader sleeps on the mutex, then writes two lines: one for each.
 * It waits for a line on stdin before it starts, so that the tracer is
 * attached first, and prints the readers' thread IDs when done. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static int slave;
static int rounds;
static pid_t tids[2];
static int reads; /* lines read, by both */
static int round_; /* the round the readers may read in, from 1 */
static int entered[2]; /* the round each reader is reading in */

static void *reader(void *arg)
{
	int me = *(int *)arg;
	char buf[64];

	tids[me] = syscall(SYS_gettid);
	struct timespec ms = {0, 1000000};

	/* A line a round: a reader that looped straight back would contend
	 * for the mutex with the other one's read of its line. */
	for (int i = 1; i <= rounds; i++) {
		while (__atomic_load_n(&round_, __ATOMIC_SEQ_CST) < i)
			nanosleep(&ms, NULL);
		__atomic_store_n(&entered[me], i, __ATOMIC_SEQ_CST);
		if (read(slave, buf, sizeof(buf)) != 2)
			exit(3);
		else
			__atomic_add_fetch(&reads, 1, __ATOMIC_SEQ_CST);
	}
	return NULL;
}

/* Whether thread `tid` sleeps waiting for the tty's input (its wchan is
 * wait_woken); -1 if it does not sleep at all. The other reader sleeps
 * elsewhere: on the mutex. */
static int waits_for_input(pid_t tid)
{
	char path[64], stat[512] = "", wchan[128] = "", *state;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	f = fopen(path, "r");
	if (!f || !fgets(stat, sizeof(stat), f))
		stat[0] = 0;
	if (f)
		fclose(f);
	state = strrchr(stat, ')');
	if (!state || state[1] != ' ' || state[2] != 'S')
		return -1;
	snprintf(path, sizeof(path), "/proc/self/task/%d/wchan", tid);
	f = fopen(path, "r");
	if (!f || !fgets(wchan, sizeof(wchan), f))
		wchan[0] = 0;
	if (f)
		fclose(f);
	return strcmp(wchan, "wait_woken") == 0;
}

/* One reader waits for input, holding the mutex, the other for the mutex. */
static int contended(void)
{
	int a, b;

	int now = __atomic_load_n(&round_, __ATOMIC_SEQ_CST);

	/* Both past their wait for the round: sleeping means in read(). */
	if (!tids[0] || !tids[1] || __atomic_load_n(&entered[0], __ATOMIC_SEQ_CST) != now ||
	    __atomic_load_n(&entered[1], __ATOMIC_SEQ_CST) != now)
		return 0;
	a = waits_for_input(tids[0]);
	b = waits_for_input(tids[1]);
	return a >= 0 && b >= 0 && a + b == 1;
}

int main(int argc, char **argv)
{
	struct timespec ms = {0, 1000000};
	int master, ids[2] = {0, 1};
	pthread_t t[2];
	char go[8];

	rounds = argc > 1 ? atoi(argv[1]) : 5;
	master = posix_openpt(O_RDWR | O_NOCTTY);
	if (master < 0 || grantpt(master) || unlockpt(master))
		return 1;
	slave = open(ptsname(master), O_RDWR | O_NOCTTY);
	if (slave < 0)
		return 1;
	if (!fgets(go, sizeof(go), stdin))
		return 1;
	for (int i = 0; i < 2; i++)
		if (pthread_create(&t[i], NULL, reader, &ids[i]))
			return 1;
	for (int i = 0; i < rounds; i++) {
		__atomic_store_n(&round_, i + 1, __ATOMIC_SEQ_CST);
		/* One reader holds the mutex and waits for a line, the other
		 * waits for the mutex: 10 s at most. */
		for (int w = 0; !contended(); w++) {
			if (w == 10000)
				return 2;
			nanosleep(&ms, NULL);
		}
		if (write(master, "a\nb\n", 4) != 4)
			return 1;
		/* Both lines read before the next round looks. */
		while (__atomic_load_n(&reads, __ATOMIC_SEQ_CST) < 2 * (i + 1))
			nanosleep(&ms, NULL);
	}
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	printf("%d %d\n", tids[0], tids[1]);
	return 0;
}
