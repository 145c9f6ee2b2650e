/* Test helper for opensnoop: `fifo_openers N PATH` starts N threads that
 * each open the FIFO at PATH for reading, which blocks them all in open(2)
 * at once (more than the tool's in-flight map holds), then opens it for
 * writing, which lets them all return, and joins them. */
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

static const char *path;

static void *reader(void *arg)
{
	int fd = open(path, O_RDONLY);

	if (fd >= 0)
		close(fd);
	return arg;
}

int main(int argc, char **argv)
{
	int n = argc > 2 ? atoi(argv[1]) : 0;
	pthread_t *threads = calloc(n, sizeof(*threads));
	pthread_attr_t attr;
	int fd;

	if (n <= 0 || !threads)
		return 2;
	path = argv[2];
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	for (int i = 0; i < n; i++)
		if (pthread_create(&threads[i], &attr, reader, NULL))
			return 1;
	/* Let every reader reach open(2) and block there. */
	sleep(2);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return 1;
	for (int i = 0; i < n; i++)
		pthread_join(threads[i], NULL);
	close(fd);
	return 0;
}
