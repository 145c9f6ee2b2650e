/* Execs whose arguments the caller's memory may not give the kernel's
 * tracer at entry, each printing the exec'ing process's pid on standard error:
 *   forkexec fork          fork(), then the child execs /bin/echo with
 *                          string literals it has not touched since fork
 *   forkexec script PATH   the same for the #! script at PATH
 *   forkexec thread        a thread other than the leader execs /bin/echo
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void *exec_echo(void *arg)
{
	(void)arg;
	execl("/bin/echo", "echo", "bpftk-from-a-thread", (char *)0);
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "fork";
	/* Decided before fork(): the child must touch no read-only data. */
	const char *script = !strcmp(mode, "script") && argc > 2 ? argv[2] : 0;
	pid_t child;

	if (!strcmp(mode, "thread")) {
		pthread_t t;

		fprintf(stderr, "%d\n", getpid());
		fflush(stderr);
		pthread_create(&t, 0, exec_echo, 0);
		pthread_join(t, 0);
		return 1;
	}
	child = fork();
	if (child == 0) {
		if (script)
			execl(script, "script", "bpftk-literal-arg", (char *)0);
		else
			execl("/bin/echo", "echo", "bpftk-literal-one", "bpftk-literal-two", (char *)0);
		_exit(127);
	}
	fprintf(stderr, "%d\n", child);
	fflush(stderr);
	waitpid(child, 0, 0);
	return 0;
}
