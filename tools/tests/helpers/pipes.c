/* Test helper for memleak's kernel mode: `pipes COUNT`, after a line on
 * stdin, makes COUNT pipes (the kernel kmallocs a pipe_inode_info and an
 * array of 16 pipe_buffers for each, in alloc_pipe_info), writes "made" and
 * keeps them until another line (or the end of stdin); then it exits. */
#include <stdlib.h>
#include <unistd.h>

#define MAX 400

/* A line from stdin, by read(2): false at its end. */
static int line(void)
{
	char c;

	while (read(0, &c, 1) == 1)
		if (c == '\n')
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	int fds[2], count, i;

	if (argc < 2)
		return 2;
	count = atoi(argv[1]);
	if (count < 0 || count > MAX)
		return 2;
	if (!line())
		return 1;
	for (i = 0; i < count; i++)
		if (pipe(fds) != 0)
			return 1;
	if (write(1, "made\n", 5) != 5)
		return 1;
	line();
	return 0;
}
