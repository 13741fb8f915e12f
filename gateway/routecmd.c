/* routecmd - `scrubgate route --explain` (see routecmd.h) */
#include "routecmd.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sysexits.h>
#include <unistd.h>

#include "autoreply.h"
#include "config.h"
#include "envelope.h"
#include "input.h"
#include "route.h"
#include "ticket.h"

#define ROUTECMD_MAX_RCPTS 64
#define ROUTECMD_STDIN_MAX (64 * 1024 * 1024)

static const char route_usage[] =
    "usage: scrubgate route --explain [-c CONF] [--from ADDR] [--to ADDR]..."
    " MESSAGE\n"
    "  MESSAGE   a message file, or - for stdin\n";

/* usage - EX_USAGE */
static int
usage(const char *why)
{
	if (why != NULL)
		fprintf(stderr, "scrubgate: route: %s\n", why);
	fputs(route_usage, stderr);
	return EX_USAGE;
}

/* read_stdin - the whole of stdin, bounded */
static int
read_stdin(struct buf *b)
{
	char chunk[65536];
	size_t n;

	while ((n = fread(chunk, 1, sizeof(chunk), stdin)) > 0)
		if (buf_append(b, chunk, n) < 0)
			return -1;
	return ferror(stdin) ? -1 : 0;
}

/* to_from_header - the To addresses as the recipients */
static int
to_from_header(const char *msg, size_t len, struct envelope *env)
{
	char a[320];
	struct buf b;
	size_t pos = 0;
	int rc = 0;

	buf_init(&b, 65536);
	if (autoreply_header(msg, len, "to", 0, &b) == 1)
		while (rc == 0 && env->nrcpts < ROUTECMD_MAX_RCPTS &&
		    autoreply_addr_next(b.p, b.len, &pos, a, sizeof(a)))
			rc = envelope_add_rcpt(env, a);
	buf_free(&b);
	return rc;
}

/* print_list - "name: a, b" when the list is not empty */
static void
print_list(const char *name, char **v, size_t n)
{
	if (n == 0)
		return;
	printf("  %s:", name);
	for (size_t i = 0; i < n; i++)
		printf("%s %s", i ? "," : "", v[i]);
	printf("\n");
}

/* print_route - what the chosen route does */
static void
print_route(const struct config *c, const char *name)
{
	for (size_t i = 0; name && i < c->nroutes; i++) {
		const struct route_cfg *r = &c->routes[i];

		if (strcmp(r->name, name) != 0)
			continue;
		printf("route %s (line %u):\n", r->name, r->line);
		print_list("kinds_off", r->kinds_off, r->nkinds_off);
		print_list("kinds_on", r->kinds_on, r->nkinds_on);
		print_list("cc_allow", r->cc_allow, r->ncc_allow);
		printf("  attachments: %s\n", r->attachments && *r->attachments ?
		    r->attachments : "(global [attachments] default)");
		printf("  tag_format: %s\n", r->tag_format && *r->tag_format ?
		    r->tag_format : ROUTE_DEFAULT_TAG);
	}
}

/* explain - route one message and print why */
static int
explain(const struct config *c, struct envelope *env, const char *msg,
    size_t len)
{
	struct ticket_ctx *t;
	struct route_why why;
	char err[512];

	if ((t = ticket_open_routes(c, err, sizeof(err))) == NULL) {
		fprintf(stderr, "scrubgate: %s\n", err);
		return EX_CONFIG;
	}
	if (env->nrcpts == 0 && to_from_header(msg, len, env) < 0) {
		ticket_close(&t);
		fprintf(stderr, "scrubgate: out of memory\n");
		return EX_OSERR;
	}
	if (ticket_explain(t, env, msg, len, &why) < 0) {
		ticket_close(&t);
		fprintf(stderr, "scrubgate: out of memory\n");
		return EX_OSERR;
	}
	printf("route: %s\n", why.route >= 0 ? c->routes[why.route].name :
	    "(none)");
	printf("why: %s\n", why.text);
	printf("rules: %zu, routes: %zu, recipients considered: %zu\n",
	    c->nrules, c->nroutes, env->nrcpts);
	if (why.route >= 0)
		print_route(c, c->routes[why.route].name);
	ticket_close(&t);
	return EX_OK;
}

/* routecmd_main - parse and run */
int
routecmd_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "explain", no_argument, NULL, 'e' },
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 }
	};
	const char *conf = NULL, *path, *err = NULL;
	struct envelope env;
	struct config c;
	struct buf in;
	char *data = NULL;
	size_t len = 0;
	int ch, ex = 0, rc;

	envelope_init(&env);
	while ((ch = getopt_long(argc, argv, "c:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': conf = optarg; break;
		case 'e': ex = 1; break;
		case 'f': rc = envelope_set_sender(&env, optarg); break;
		case 't': rc = envelope_add_rcpt(&env, optarg); break;
		default: envelope_free(&env); return usage(NULL);
		}
	}
	if (!ex || optind != argc - 1) {
		envelope_free(&env);
		return usage(!ex ? "--explain is required" : "one MESSAGE");
	}
	path = argv[optind];
	buf_init(&in, ROUTECMD_STDIN_MAX);
	if (config_init(&c) < 0 || (conf && config_load(&c, conf) < 0)) {
		fprintf(stderr, "scrubgate: %s\n", c.error[0] ? c.error :
		    "out of memory");
		rc = EX_CONFIG;
	} else if (strcmp(path, "-") == 0) {
		if (read_stdin(&in) < 0) {
			fprintf(stderr, "scrubgate: stdin: read error or too "
			    "large\n");
			rc = EX_IOERR;
		} else
			rc = explain(&c, &env, in.p ? in.p : "", in.len);
	} else if (input_map_file(path, &data, &len, &err) < 0) {
		fprintf(stderr, "scrubgate: %s: %s\n", path, err);
		rc = EX_NOINPUT;
	} else {
		rc = explain(&c, &env, data ? data : "", len);
		if (data)
			munmap(data, len);
	}
	buf_free(&in);
	config_free(&c);
	envelope_free(&env);
	return rc;
}
