/* Test helper for the network tools: runs socket operations given as
 * arguments, in order, keeping every socket open until it exits, and
 * prints one line per operation: its name and result (0 or an errno name).
 *
 *   bind PROTO ADDR PORT OPT    PROTO tcp|udp; OPT reuse (SO_REUSEADDR) or -
 *   listen ADDR PORT BACKLOG    a TCP socket bound to ADDR:PORT, listening
 *   connect ADDR PORT LPORT     TCP connect from LPORT (0: any), blocking
 *   connectnb ADDR PORT LPORT   the same, non-blocking (the SYN is sent)
 *   udp ADDR COUNT              COUNT datagrams sent over loopback to a UDP
 *                               socket bound to ADDR, and each read back
 *   sleep MS
 * Loopback addresses only (127.0.0.1, ::1). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static socklen_t sockaddr_of(const char *addr, int port, struct sockaddr_storage *ss)
{
	struct sockaddr_in *in = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, addr, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = htons(port);
		return sizeof(*in);
	}
	if (inet_pton(AF_INET6, addr, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		return sizeof(*in6);
	}
	fprintf(stderr, "sockets: bad address %s\n", addr);
	exit(2);
}

static void result(const char *op, int ret)
{
	printf("%s %s\n", op, ret == 0 ? "0" : strerror(errno));
	fflush(stdout);
}

static int tcp_from(const char *addr, int lport, struct sockaddr_storage *ss)
{
	socklen_t len = sockaddr_of(addr, lport, ss);
	int fd = socket(ss->ss_family, SOCK_STREAM, 0);

	if (lport && bind(fd, (struct sockaddr *)ss, len))
		perror("sockets: bind local port");
	return fd;
}

int main(int argc, char **argv)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int i = 1, fd, one = 1;

	while (i < argc) {
		const char *op = argv[i];

		if (!strcmp(op, "bind") && i + 4 < argc) {
			int udp = !strcmp(argv[i + 1], "udp");

			len = sockaddr_of(argv[i + 2], atoi(argv[i + 3]), &ss);
			fd = socket(ss.ss_family, udp ? SOCK_DGRAM : SOCK_STREAM, 0);
			if (!strcmp(argv[i + 4], "reuse"))
				setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
			result(op, bind(fd, (struct sockaddr *)&ss, len));
			i += 5;
		} else if (!strcmp(op, "listen") && i + 3 < argc) {
			len = sockaddr_of(argv[i + 1], atoi(argv[i + 2]), &ss);
			fd = socket(ss.ss_family, SOCK_STREAM, 0);
			if (bind(fd, (struct sockaddr *)&ss, len))
				perror("sockets: bind");
			result(op, listen(fd, atoi(argv[i + 3])));
			i += 4;
		} else if ((!strcmp(op, "connect") || !strcmp(op, "connectnb")) && i + 3 < argc) {
			struct sockaddr_storage local;

			fd = tcp_from(argv[i + 1], atoi(argv[i + 3]), &local);
			len = sockaddr_of(argv[i + 1], atoi(argv[i + 2]), &ss);
			if (!strcmp(op, "connectnb"))
				fcntl(fd, F_SETFL, O_NONBLOCK);
			result(op, connect(fd, (struct sockaddr *)&ss, len));
			i += 4;
		} else if (!strcmp(op, "udp") && i + 2 < argc) {
			char buf[64] = "bpftk";
			int n = atoi(argv[i + 2]), ok = 0;

			len = sockaddr_of(argv[i + 1], 0, &ss);
			fd = socket(ss.ss_family, SOCK_DGRAM, 0);
			if (bind(fd, (struct sockaddr *)&ss, len) ||
			    getsockname(fd, (struct sockaddr *)&ss, &len))
				ok = -1;
			while (!ok && n-- > 0) {
				if (sendto(fd, buf, sizeof(buf), 0, (struct sockaddr *)&ss, len) < 0 ||
				    recv(fd, buf, sizeof(buf), 0) < 0)
					ok = -1;
			}
			result(op, ok);
			i += 3;
		} else if (!strcmp(op, "sleep") && i + 1 < argc) {
			usleep(atoi(argv[i + 1]) * 1000);
			i += 2;
		} else {
			fprintf(stderr, "sockets: bad operation at %s\n", op);
			return 2;
		}
	}
	return 0;
}
