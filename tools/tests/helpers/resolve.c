/* resolve: look host names up with libc, for the gethostlatency tests.
 * Usage: resolve FUNCTION NAME...; FUNCTION is getaddrinfo, gethostbyname
 * or gethostbyname2 (AF_INET). Exits 0 when every name resolved. */
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

static int resolve(const char *how, const char *name)
{
	if (!strcmp(how, "getaddrinfo")) {
		struct addrinfo *res = NULL;
		int err = getaddrinfo(name, NULL, NULL, &res);

		if (res)
			freeaddrinfo(res);
		return err == 0;
	}
	if (!strcmp(how, "gethostbyname"))
		return gethostbyname(name) != NULL;
	if (!strcmp(how, "gethostbyname2"))
		return gethostbyname2(name, AF_INET) != NULL;
	fprintf(stderr, "resolve: unknown function %s\n", how);
	return 0;
}

int main(int argc, char **argv)
{
	int ok = argc > 2;

	for (int i = 2; i < argc; i++)
		ok &= resolve(argv[1], argv[i]);
	return ok ? 0 : 1;
}
