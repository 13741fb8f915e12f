/* smtp_lat - 250-after-DATA latency of an SMTP server, closed loop.
 *
 *   smtp_lat HOST PORT SESSIONS MESSAGES [SIZE]
 *
 * One thread, one poll loop, SESSIONS persistent sessions.  Each session
 * says EHLO once, then sends MAIL, RCPT and DATA in one write (the server
 * must offer PIPELINING), reads the three replies, writes the message
 * (SIZE bytes of header and 78-character lines, default 10240) and then
 * the final ".\r\n".  The latency of a message is the time from the
 * moment the write of that final ".\r\n" returned to the moment the whole
 * reply line was read; only 250 replies count.  Every session starts its
 * next message as soon as it has its reply (no think time), until
 * MESSAGES replies were read in all.  The client's own cost per message
 * is a few system calls on one thread, so it does not queue behind
 * itself the way a thread per session under a global lock can.
 *
 * Prints one line: count, rate, p50, p90, p99, max (ms).  Exit 1 when a
 * reply other than 250 came or a session broke.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum st { GREET, EHLO, CMDS, BODY, DOT };

struct sess {
	int fd;
	enum st st;
	int want;		/* replies still to read in this state */
	const char *out;	/* pending output */
	size_t outlen;
	char in[4096];
	size_t inlen;
	double t0;
};

static const char cmds[] = "MAIL FROM:<ann@example.net>\r\n"
    "RCPT TO:<support@localhost>\r\nDATA\r\n";
static const char dot[] = ".\r\n";
static char *body;
static size_t bodylen;
static double *lat;
static long nlat, target, started, bad;

/* now - monotonic seconds */
static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* make_body - SIZE bytes: a header, then 78-character lines */
static void
make_body(size_t size)
{
	static const char hdr[] = "From: ann@example.net\r\nTo: "
	    "support@localhost\r\nSubject: lat\r\n\r\n";
	size_t n = sizeof(hdr) - 1;

	if ((body = malloc(size + 100)) == NULL)
		exit(2);
	memcpy(body, hdr, n);
	while (n + 80 <= size) {
		memset(body + n, 'x', 78);
		memcpy(body + n + 78, "\r\n", 2);
		n += 80;
	}
	bodylen = n;
}

/* send_out - write what is pending; 0 done, 1 would block, -1 error */
static int
send_out(struct sess *s)
{
	while (s->outlen > 0) {
		ssize_t w = write(s->fd, s->out, s->outlen);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN)
			return 1;
		if (w <= 0)
			return -1;
		s->out += w;
		s->outlen -= (size_t)w;
	}
	return 0;
}

/* next - queue what the state wants written */
static void
next(struct sess *s, enum st st)
{
	s->st = st;
	switch (st) {
	case EHLO:
		s->out = "EHLO bench\r\n";
		s->outlen = strlen(s->out);
		s->want = 1;
		break;
	case CMDS:
		s->out = cmds;
		s->outlen = sizeof(cmds) - 1;
		s->want = 3;
		started++;
		break;
	case BODY:
		s->out = body;
		s->outlen = bodylen;
		s->want = 0;
		break;
	case DOT:
		s->out = dot;
		s->outlen = sizeof(dot) - 1;
		s->want = 1;
		break;
	default:
		s->want = 1;
	}
}

/* on_reply - one whole reply (last line) read */
static int
on_reply(struct sess *s, const char *line, double t)
{
	if (s->st == DOT) {
		if (strncmp(line, "250", 3) != 0) {
			fprintf(stderr, "smtp_lat: %.60s\n", line);
			bad++;
		} else
			lat[nlat++] = t - s->t0;
		if (started < target)
			next(s, CMDS);
		else {
			close(s->fd);
			s->fd = -1;
		}
		return 0;
	}
	if (--s->want > 0)
		return 0;
	switch (s->st) {
	case GREET:
		next(s, EHLO);
		break;
	case EHLO:
		next(s, CMDS);
		break;
	case CMDS:
		if (strncmp(line, "354", 3) != 0) {
			fprintf(stderr, "smtp_lat: DATA: %.60s\n", line);
			return -1;
		}
		next(s, BODY);
		break;
	default:
		return -1;
	}
	return 0;
}

/* on_read - read and handle every complete reply line */
static int
on_read(struct sess *s)
{
	ssize_t r = read(s->fd, s->in + s->inlen, sizeof(s->in) - s->inlen - 1);
	double t = now();
	char *nl;

	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (r <= 0)
		return -1;
	s->inlen += (size_t)r;
	s->in[s->inlen] = '\0';
	while ((nl = memchr(s->in, '\n', s->inlen)) != NULL) {
		size_t n = (size_t)(nl - s->in) + 1;
		int last = n >= 4 && s->in[3] != '-';

		if (last && on_reply(s, s->in, t) < 0)
			return -1;
		memmove(s->in, s->in + n, s->inlen - n);
		s->inlen -= n;
		if (s->fd < 0)
			return 0;
	}
	return s->inlen >= sizeof(s->in) - 1 ? -1 : 0;
}

/* cmp - doubles ascending */
static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	struct sockaddr_in sin;
	struct sess *ss;
	struct pollfd *pf;
	int n, one = 1, nopen;
	double t0, t1;

	if (argc < 5) {
		fprintf(stderr, "usage: smtp_lat HOST PORT SESSIONS MESSAGES "
		    "[SIZE]\n");
		return 2;
	}
	n = atoi(argv[3]);
	target = atol(argv[4]);
	make_body(argc > 5 ? (size_t)atol(argv[5]) : 10240);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)atoi(argv[2]));
	if (n <= 0 || target <= 0 || inet_pton(AF_INET, argv[1],
	    &sin.sin_addr) != 1)
		return 2;
	ss = calloc((size_t)n, sizeof(*ss));
	pf = calloc((size_t)n, sizeof(*pf));
	lat = calloc((size_t)target + (size_t)n, sizeof(*lat));
	if (ss == NULL || pf == NULL || lat == NULL)
		return 2;
	for (int i = 0; i < n; i++) {
		if ((ss[i].fd = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
		    connect(ss[i].fd, (struct sockaddr *)&sin,
		    sizeof(sin)) < 0) {
			perror("smtp_lat: connect");
			return 1;
		}
		setsockopt(ss[i].fd, IPPROTO_TCP, TCP_NODELAY, &one,
		    sizeof(one));
		fcntl(ss[i].fd, F_SETFL, O_NONBLOCK);
		next(&ss[i], GREET);
	}
	t0 = now();
	for (;;) {
		nopen = 0;
		for (int i = 0; i < n; i++) {
			pf[i].fd = ss[i].fd;
			pf[i].events = ss[i].outlen ? POLLOUT : POLLIN;
			nopen += ss[i].fd >= 0;
		}
		if (nopen == 0)
			break;
		if (poll(pf, (nfds_t)n, 60000) <= 0) {
			fprintf(stderr, "smtp_lat: no progress for 60 s\n");
			return 1;
		}
		for (int i = 0; i < n; i++) {
			struct sess *s = &ss[i];
			int rc;

			if (s->fd < 0 || pf[i].revents == 0)
				continue;
			if (s->outlen) {
				if ((rc = send_out(s)) < 0)
					goto broken;
				if (rc == 0 && s->st == BODY) {
					next(s, DOT);	/* at once */
					if ((rc = send_out(s)) < 0)
						goto broken;
				}
				if (rc == 0 && s->st == DOT)
					s->t0 = now();	/* end of data sent */
				continue;
			}
			if (on_read(s) < 0)
				goto broken;
		}
	}
	t1 = now();
	qsort(lat, (size_t)nlat, sizeof(*lat), cmp);
#define P(q) (nlat ? lat[(long)((q) * (nlat - 1) + 0.5)] * 1000 : 0)
	printf("%ld messages, %d sessions, %.0f msg/s, latency ms: p50 %.1f "
	    "p90 %.1f p99 %.1f max %.1f\n", nlat, n, nlat / (t1 - t0), P(0.50),
	    P(0.90), P(0.99), P(1.0));
	return bad ? 1 : 0;
broken:
	fprintf(stderr, "smtp_lat: session broken: %s\n", strerror(errno));
	return 1;
}
