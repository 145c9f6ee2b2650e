/* Test helper for memleak: `leak COUNT SIZE LINGER_MS [wait]`, after a line
 * on stdin with `wait`, allocates and never frees COUNT blocks of SIZE
 * bytes with malloc in bpftk_leak, and COUNT blocks of SIZE / 2 bytes
 * aligned to 64 with posix_memalign in bpftk_leak_aligned; allocates and
 * frees COUNT blocks of SIZE bytes in bpftk_no_leak; then lingers
 * LINGER_MS milliseconds and exits. It reads stdin with read(2), not
 * stdio, whose buffer would be one more allocation. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX 1024
/* volatile and global: the compiler may drop an allocation never read. */
void *volatile kept[2 * MAX];
static int nkept;

/* Each calls the allocator and keeps what it returned in `kept`: no tail
 * call, so that the function's frame is on the stack when malloc returns. */
__attribute__((noinline)) void bpftk_leak(size_t size)
{
	void *p = malloc(size);

	memset(p, 1, 1);
	kept[nkept++] = p;
}

__attribute__((noinline)) void bpftk_leak_aligned(size_t size)
{
	void *p = NULL;

	if (posix_memalign(&p, 64, size) == 0)
		kept[nkept++] = p;
}

__attribute__((noinline)) void bpftk_no_leak(size_t size)
{
	volatile char *p = malloc(size);

	p[0] = 1;
	free((void *)p);
}

int main(int argc, char **argv)
{
	int count, i;
	size_t size;
	long linger;
	struct timespec ts;
	char c;

	if (argc < 4)
		return 2;
	count = atoi(argv[1]);
	size = strtoul(argv[2], NULL, 10);
	linger = atol(argv[3]);
	if (count < 0 || count > MAX)
		return 2;
	/* Up to the end of the line: its newline is no allocation's business. */
	if (argc > 4 && strcmp(argv[4], "wait") == 0)
		while (read(0, &c, 1) == 1 && c != '\n')
			;
	for (i = 0; i < count; i++) {
		bpftk_leak(size);
		bpftk_leak_aligned(size / 2);
		bpftk_no_leak(size);
	}
	ts.tv_sec = linger / 1000;
	ts.tv_nsec = (linger % 1000) * 1000000L;
	nanosleep(&ts, NULL);
	return 0;
}
