/* filtercmd - `scrubgate filter` (see filtercmd.h).
 *
 * One message per process: stdin -> memory -> strip X-Scrubgate-* ->
 * drop disallowed Cc/Bcc envelope recipients -> worker (scrub_message) ->
 * ticket_apply -> sendmail or next hop -> exit 0.  Anything that fails
 * before the reinjection returned success ends in a non-zero exit, so
 * Postfix keeps (75) or bounces (65, 69) the message: it is never lost.
 */
#include "filtercmd.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"
#include "deliver.h"
#include "header.h"
#include "log.h"
#include "recipients.h"
#include "scrub.h"
#include "scrubcmd.h"
#include "ticket.h"
#include "worker.h"

#define OWN_PREFIX "X-Scrubgate-"
#define SENDMAIL_OUT_MAX 512	/* bytes of sendmail's output kept */
#define ADDR_MAX 998		/* longest address compared */

/* filter_read_all - read fd to its end, at most max bytes */
int
filter_read_all(int fd, size_t max, struct buf *out)
{
	for (;;) {
		char *p = buf_reserve(out, 65536);
		ssize_t n;

		if (p == NULL)
			return out->len >= max ? -2 : (errno = ENOMEM, -1);
		n = read(fd, p, 65536);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			return 0;
		if ((size_t)n > max - out->len) {
			out->len = max;
			return -2;
		}
		out->len += (size_t)n;
		out->p[out->len] = '\0';
	}
}

/* split_header - the top-level header fields of msg; fields malloc'd,
 * NULL when the header cannot be split (then nothing is touched) */
static struct header_field *
split_header(const char *msg, size_t len, size_t *n_r, size_t *hend_r)
{
	size_t hend = header_block_end(msg, len), lines = 1;
	struct header_field *f;

	for (size_t i = 0; i < hend; i++)
		lines += msg[i] == '\n';
	if ((f = calloc(lines, sizeof(*f))) == NULL)
		return NULL;
	if (header_split(msg, hend, f, lines, hend + 1, n_r, NULL) < 0) {
		free(f);
		return NULL;
	}
	*hend_r = hend;
	return f;
}

/* own_field - a field named X-Scrubgate-... */
static int
own_field(const char *msg, const struct header_field *f)
{
	size_t n = sizeof(OWN_PREFIX) - 1;

	return f->name_len > n && strncasecmp(msg + f->name, OWN_PREFIX, n) == 0;
}

/* filter_strip_own - msg without our own header fields */
int
filter_strip_own(const char *msg, size_t len, struct buf *out)
{
	struct header_field *f;
	size_t n = 0, hend = 0, from = 0;
	int removed = 0;

	if ((f = split_header(msg, len, &n, &hend)) == NULL)
		return buf_append(out, msg, len) < 0 ? -1 : 0;
	for (size_t i = 0; i < n; i++) {
		if (!own_field(msg, &f[i]))
			continue;
		if (buf_append(out, msg + from, f[i].start - from) < 0)
			goto full;
		from = f[i].end;
		removed++;
	}
	if (buf_append(out, msg + from, len - from) < 0)
		goto full;
	free(f);
	return removed;
full:
	free(f);
	return -1;
}

/* bare_addr - an envelope address without <> and blanks, into tmp */
static const char *
bare_addr(const char *a, char *tmp, size_t n)
{
	size_t len;

	while (*a == ' ' || *a == '\t')
		a++;
	if (*a == '<')
		a++;
	len = strcspn(a, ">");
	while (len && (a[len - 1] == ' ' || a[len - 1] == '\t'))
		len--;
	if (len >= n)
		len = n - 1;
	memcpy(tmp, a, len);
	tmp[len] = '\0';
	return tmp;
}

/* addr_list - addresses collected from header fields */
struct addr_list {
	char **v;
	size_t n;
	int oom;
};

/* collect_addr - recipients_fn: keep a copy of each addr-spec */
static void
collect_addr(void *ctx, const char *addr, size_t alen, const char *name,
    size_t nlen)
{
	struct addr_list *l = ctx;
	char **nv;

	(void)name;
	(void)nlen;
	if (alen == 0 || alen > ADDR_MAX || l->oom)
		return;
	if ((nv = realloc(l->v, (l->n + 1) * sizeof(*nv))) == NULL ||
	    (nv[l->n] = strndup(addr, alen)) == NULL) {
		if (nv != NULL)
			l->v = nv;
		l->oom = 1;
		return;
	}
	l->v = nv;
	l->n++;
}

/* addr_list_has - addr (case-insensitive) is on the list */
static int
addr_list_has(const struct addr_list *l, const char *addr)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcasecmp(l->v[i], addr) == 0)
			return 1;
	return 0;
}

static void
addr_list_free(struct addr_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* route_serves - addr is a mailbox (address or domain) of route r */
static int
route_serves(const struct route_cfg *r, const char *addr)
{
	const char *at = strrchr(addr, '@');

	for (size_t i = 0; i < r->nmailboxes; i++) {
		const char *m = r->mailboxes[i];

		if (strcasecmp(m, addr) == 0 || (at != NULL &&
		    strchr(m, '@') == NULL && strcasecmp(m, at + 1) == 0) ||
		    (at != NULL && m[0] == '@' && strcasecmp(m, at) == 0))
			return 1;
	}
	return 0;
}

/* ours - addr is a mailbox of any route */
static int
ours(const struct config *c, const char *addr)
{
	for (size_t i = 0; i < c->nroutes; i++)
		if (route_serves(&c->routes[i], addr))
			return 1;
	return 0;
}

/* collect_fields - every mailbox of the fields named in names */
static void
collect_fields(const char *msg, const struct header_field *f, size_t n,
    const char *const *names, struct addr_list *l)
{
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; names[j] != NULL; j++)
			if (header_is(msg, &f[i], names[j]))
				(void)recipients_each(msg + f[i].value,
				    f[i].value_len, collect_addr, l);
}

/* filter_drop_recipients - the envelope side of the Cc/Bcc policy */
size_t
filter_drop_recipients(const struct config *c,
    const struct policy_spec *spec, const char *msg, size_t len,
    struct envelope *env)
{
	static const char *const cc_names[] = { "cc", "bcc", "resent-cc",
	    "resent-bcc", NULL };
	static const char *const to_names[] = { "to", "resent-to", NULL };
	struct addr_list cc = { 0 }, to = { 0 };
	struct header_field *f;
	size_t n = 0, hend = 0, dropped = 0;
	char tmp[ADDR_MAX + 1];

	if ((f = split_header(msg, len, &n, &hend)) == NULL)
		return 0;
	collect_fields(msg, f, n, cc_names, &cc);
	collect_fields(msg, f, n, to_names, &to);
	for (size_t i = 0; i < env->nrcpts;) {
		const char *a = bare_addr(env->rcpts[i], tmp, sizeof(tmp));

		if (addr_list_has(&cc, a) && !addr_list_has(&to, a) &&
		    !recipients_allowed(spec, a, strlen(a)) && !ours(c, a)) {
			envelope_remove_rcpt(env, i);
			dropped++;
		} else {
			i++;
		}
	}
	addr_list_free(&cc);
	addr_list_free(&to);
	free(f);
	return dropped;
}

/* --- reinjection with sendmail ------------------------------------------ */

/* now_ms - monotonic milliseconds */
static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* sendmail_argv - path -G -i -f SENDER -- RCPT... NULL (borrowed strings) */
static char **
sendmail_argv(const char *path, const struct envelope *env)
{
	char **av = calloc(env->nrcpts + 7, sizeof(*av));
	size_t i = 0;

	if (av == NULL)
		return NULL;
	av[i++] = (char *)path;
	av[i++] = (char *)"-G";
	av[i++] = (char *)"-i";
	av[i++] = (char *)"-f";
	av[i++] = env->sender != NULL ? env->sender : (char *)"";
	av[i++] = (char *)"--";
	for (size_t j = 0; j < env->nrcpts; j++)
		av[i++] = env->rcpts[j];
	return av;
}

/* child_exec - in the child: stdin from in, stdout+stderr to out */
static void __attribute__((noreturn))
child_exec(int in, int out, char **av)
{
	char msg[300];
	int n;

	signal(SIGPIPE, SIG_DFL);
	if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0) {
		free(av);
		_exit(EX_OSERR);
	}
	execv(av[0], av);
	n = snprintf(msg, sizeof(msg), "cannot run %s: %s\n", av[0],
	    strerror(errno));
	if (n > 0)
		(void)!write(2, msg, (size_t)n);
	free(av);
	_exit(EX_OSFILE);
}

/* pump - feed msg to fd w and collect fd r into out until both are done
 * or the deadline passes; -1 on timeout or a write error */
static int
pump(int w, int r, const char *msg, size_t len, long long deadline,
    char *out, size_t *outlen, const char **why)
{
	size_t off = 0;

	while (w >= 0 || r >= 0) {
		struct pollfd p[2] = { { w, POLLOUT, 0 }, { r, POLLIN, 0 } };
		long long left = deadline - now_ms();
		ssize_t n;

		if (left <= 0)
			return *why = "timed out", -1;
		if (poll(p, 2, (int)(left > 1000 ? 1000 : left)) < 0) {
			if (errno == EINTR)
				continue;
			return *why = "poll failed", -1;
		}
		if (w >= 0 && p[0].revents) {
			n = len - off ? write(w, msg + off, len - off > 65536 ?
			    65536 : len - off) : 0;
			if (n < 0 && errno != EAGAIN && errno != EINTR) {
				close(w);
				w = -1;
				*why = "stopped reading the message";
			} else if (n > 0) {
				off += (size_t)n;
			}
			if (w >= 0 && off == len) {
				close(w);
				w = -1;
			}
		}
		if (r >= 0 && p[1].revents) {
			char tmp[512];

			n = read(r, tmp, sizeof(tmp));
			if (n < 0 && (errno == EAGAIN || errno == EINTR))
				continue;
			if (n <= 0) {
				close(r);
				r = -1;
				continue;
			}
			for (ssize_t i = 0; i < n &&
			    *outlen < SENDMAIL_OUT_MAX - 1; i++)
				out[(*outlen)++] = tmp[i];
		}
	}
	return off == len ? 0 : -1;
}

/* reap - wait for pid until the deadline, then kill it; its status */
static int
reap(pid_t pid, long long deadline, int *status)
{
	for (;;) {
		pid_t p = waitpid(pid, status, WNOHANG);

		if (p == pid)
			return 0;
		if (p < 0 && errno != EINTR)
			return -1;
		if (now_ms() >= deadline) {
			kill(pid, SIGKILL);
			while (waitpid(pid, status, 0) < 0 && errno == EINTR)
				;
			return -1;
		}
		usleep(5000);
	}
}

/* first_line - the printable first line of what sendmail said */
static void
first_line(char *s, size_t len)
{
	size_t i;

	s[len] = '\0';
	for (i = 0; i < len && s[i] != '\n'; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			s[i] = '?';
	s[i] = '\0';
}

/* filter_sendmail - run sendmail with the message on its stdin */
int
filter_sendmail(const char *path, const struct envelope *env,
    const char *msg, size_t len, unsigned long long timeout_s, char *err,
    size_t errlen)
{
	char out[SENDMAIL_OUT_MAX + 1];
	const char *why = NULL;
	int in[2] = { -1, -1 }, o[2] = { -1, -1 }, status = 0, rc;
	size_t outlen = 0;
	long long deadline = now_ms() + (long long)timeout_s * 1000;
	char **av;
	pid_t pid;

	signal(SIGPIPE, SIG_IGN);	/* a sendmail that quits early: EPIPE */
	if ((av = sendmail_argv(path, env)) == NULL)
		return snprintf(err, errlen, "out of memory"), -1;
	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(o, O_CLOEXEC) < 0 ||
	    (pid = fork()) < 0) {
		snprintf(err, errlen, "cannot start %s: %s", path,
		    strerror(errno));
		for (int i = 0; i < 2; i++) {
			if (in[i] >= 0)
				close(in[i]);
			if (o[i] >= 0)
				close(o[i]);
		}
		free(av);
		return -1;
	}
	if (pid == 0)
		child_exec(in[0], o[1], av);
	free(av);
	close(in[0]);
	close(o[1]);
	fcntl(in[1], F_SETFL, O_NONBLOCK);
	fcntl(o[0], F_SETFL, O_NONBLOCK);
	rc = pump(in[1], o[0], msg, len, deadline, out, &outlen, &why);
	if (rc < 0) {
		/* pump closed what it finished with; close the rest */
		close(in[1]);
		close(o[0]);
	}
	if (reap(pid, rc < 0 ? now_ms() : deadline, &status) < 0 && rc == 0) {
		rc = -1;
		why = "timed out";
	}
	first_line(out, outlen);
	if (rc == 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (why == NULL && WIFSIGNALED(status))
		snprintf(err, errlen, "%s killed by signal %d%s%s", path,
		    WTERMSIG(status), *out ? ": " : "", out);
	else if (why == NULL)
		snprintf(err, errlen, "%s exited %d%s%s", path,
		    WEXITSTATUS(status), *out ? ": " : "", out);
	else
		snprintf(err, errlen, "%s %s%s%s", path, why, *out ? ": " : "",
		    out);
	return -1;
}

/* --- the command ----------------------------------------------------------- */

struct filter_run {
	const struct filter_opts *o;
	struct config cfg;
	struct scrub_policy *policy;	/* the global one */
	const struct scrub_policy *use;	/* the route's, or policy */
	struct worker *worker;
	struct ticket_ctx *ticket;	/* routes; the store with [store] */
	struct envelope env;
	struct buf in;		/* unscrubbed: wiped before it is freed */
	struct buf msg;		/* in without X-Scrubgate-*: wiped too */
	struct scrub_result res;
};

/* open_ticket - routes always, the store only with a [store] section */
static int
open_ticket(struct filter_run *r)
{
	char err[400];

	r->ticket = r->cfg.store.line ? ticket_open(&r->cfg, err,
	    sizeof(err)) : ticket_open_routes(&r->cfg, err, sizeof(err));
	if (r->ticket == NULL)
		return cli_fail(EX_TEMPFAIL, "4.3.0 ticket store: %s", err);
	return 0;
}

/* pick_route - [filter] route, else the rules and mailboxes */
static int
pick_route(struct filter_run *r)
{
	const char *name = r->cfg.filter.route;

	if (name != NULL && *name) {
		free(r->env.route);
		if ((r->env.route = strdup(name)) == NULL)
			return cli_fail(EX_TEMPFAIL, "out of memory");
	} else if (ticket_route(r->ticket, &r->env, r->msg.p ? r->msg.p : "",
	    r->msg.len) < 0) {
		return cli_fail(EX_TEMPFAIL, "out of memory");
	}
	if ((r->use = ticket_policy(r->ticket, &r->env)) == NULL)
		r->use = r->policy;
	return 0;
}

/* setup - config, envelope, message */
static int
setup(struct filter_run *r)
{
	const struct filter_opts *o = r->o;
	int rc;

	if (scrubcmd_load_config(o->config, &r->cfg, &r->policy) != 0)
		return EX_TEMPFAIL;	/* the line is printed */
	log_configure(&r->cfg);
	deliver_setup(&r->cfg);
	if (envelope_set_sender(&r->env, o->sender) < 0)
		return cli_fail(EX_TEMPFAIL, "out of memory");
	snprintf(r->env.proto, sizeof(r->env.proto), "pipe");
	for (size_t i = 0; i < o->nrcpts; i++)
		if (envelope_add_rcpt(&r->env, o->rcpts[i]) < 0)
			return cli_fail(EX_TEMPFAIL, "out of memory");
	buf_init(&r->in, 0);
	rc = filter_read_all(0, r->cfg.spec.limits.max_message_size, &r->in);
	if (rc == -2)
		return cli_fail(EX_DATAERR, "5.3.4 message larger than "
		    "max_message_size (%zu bytes)",
		    r->cfg.spec.limits.max_message_size);
	if (rc < 0)
		return cli_fail(EX_TEMPFAIL, "stdin: %s", strerror(errno));
	buf_init(&r->msg, 0);
	if ((rc = filter_strip_own(r->in.p ? r->in.p : "", r->in.len,
	    &r->msg)) < 0)
		return cli_fail(EX_TEMPFAIL, "out of memory");
	if (rc > 0)
		log_msg(LOG_LVL_INFO, "removed %d X-Scrubgate-* field(s) from "
		    "the input", rc);
	if ((rc = open_ticket(r)) != 0)
		return rc;
	return pick_route(r);
}

/* scrub - drop recipients, then the worker */
static int
scrub(struct filter_run *r)
{
	const struct scrub_err_info *ei;
	size_t dropped;

	dropped = filter_drop_recipients(&r->cfg, scrub_policy_spec(r->use),
	    r->msg.p ? r->msg.p : "", r->msg.len, &r->env);
	if (dropped)
		log_msg(LOG_LVL_INFO, "dropped %zu Cc/Bcc recipient(s) not "
		    "allowed", dropped);
	if (r->env.nrcpts == 0)
		return cli_fail(EX_UNAVAILABLE, "5.7.1 no recipient left after the "
		    "Cc/Bcc policy");
	if ((r->worker = worker_create(r->use, 0, NULL, 0)) == NULL)
		return cli_fail(EX_TEMPFAIL, "out of memory");
	if (worker_scrub(r->worker, r->msg.p ? r->msg.p : "", r->msg.len,
	    &r->res) == 0)
		return 0;
	ei = scrub_err_info(r->res.err);
	log_msg(LOG_LVL_WARN, "message not scrubbed: %s%s%s", ei->name,
	    r->res.err_detail[0] ? ": " : "", r->res.err_detail);
	if (ei->temporary)
		return cli_fail(EX_TEMPFAIL, "%s %s", ei->status, ei->text);
	return cli_fail(EX_DATAERR, "%s message cannot be scrubbed: %s%s%s",
	    ei->status, ei->text, r->res.err_detail[0] ? ": " : "",
	    r->res.err_detail);
}

/* hop_exit - the exit code for a next hop's answers: 0 all 2xx; 69 all
 * 5xx; else 75 (a retry may duplicate the copies already accepted, which
 * beats losing the others) */
static int
hop_exit(const struct deliver_result *res, char *why, size_t n)
{
	size_t ok = 0, perm = 0;

	for (size_t i = 0; i < res->nrcpts; i++) {
		int cls = deliver_class(res->rcpt[i].code);

		ok += cls == 2;
		perm += cls == 5;
		if (cls != 2)
			snprintf(why, n, "%s", res->rcpt[i].reply);
	}
	if (ok == res->nrcpts)
		return 0;
	return perm == res->nrcpts ? EX_UNAVAILABLE : EX_TEMPFAIL;
}

/* reinject_hop - [filter] next_hop over SMTP/LMTP (or a file) */
static int
reinject_hop(struct filter_run *r)
{
	struct next_hop h;
	struct deliver_result res;
	char err[300], why[DELIVER_REPLY_MAX] = "";
	int rc;

	memset(&res, 0, sizeof(res));
	if (deliver_parse_hop(r->cfg.filter.next_hop, r->cfg.filter.tls, &h,
	    err, sizeof(err)) < 0)
		return cli_fail(EX_TEMPFAIL, "4.3.5 [filter] next_hop: %s", err);
	if (deliver_hop(&h, r->cfg.delivery.ca_file, NULL, &r->env,
	    r->res.out.p ? r->res.out.p : "", r->res.out.len, &res) < 0) {
		deliver_result_free(&res);
		return cli_fail(EX_TEMPFAIL, "out of memory");
	}
	rc = hop_exit(&res, why, sizeof(why));
	log_msg(rc ? LOG_LVL_WARN : LOG_LVL_INFO, "relay=%s, nrcpt=%zu, "
	    "status=%s", res.relay, r->env.nrcpts, rc == 0 ? "sent" :
	    rc == EX_TEMPFAIL ? "deferred" : "bounced");
	deliver_result_free(&res);
	if (rc == EX_TEMPFAIL)
		return cli_fail(rc, "reinjection deferred: %s", why);
	if (rc)
		return cli_fail(rc, "reinjection refused: %s", why);
	return 0;
}

/* reinject - sendmail, or the configured next hop */
static int
reinject(struct filter_run *r)
{
	char err[700], *path;
	int rc;

	if (r->cfg.filter.next_hop != NULL && *r->cfg.filter.next_hop)
		return reinject_hop(r);
	if ((path = config_path(&r->cfg, r->cfg.filter.sendmail)) == NULL)
		return cli_fail(EX_TEMPFAIL, "out of memory");
	rc = filter_sendmail(path, &r->env, r->res.out.p ? r->res.out.p : "",
	    r->res.out.len, r->cfg.filter.timeout, err, sizeof(err));
	free(path);
	if (rc < 0) {
		log_msg(LOG_LVL_WARN, "reinjection failed, deferred");
		return cli_fail(EX_TEMPFAIL, "4.3.0 reinjection failed: %s", err);
	}
	log_msg(LOG_LVL_INFO, "relay=sendmail, nrcpt=%zu, status=sent",
	    r->env.nrcpts);
	return 0;
}

/* ticket - thread the message onto a ticket; -1: store trouble
 * (temporary), 1: an auto-reply the store says to drop */
static int
ticket(struct filter_run *r, int *drop)
{
	char err[400];
	int rc;

	rc = ticket_apply(r->cfg.store.line ? r->ticket : NULL, &r->env,
	    &r->res, &r->res.out, err, sizeof(err));
	if (rc < 0)
		return cli_fail(EX_TEMPFAIL, "4.3.0 ticket store: %s", err);
	*drop = rc == 1;
	return 0;
}

/* filtercmd_run - the whole command */
int
filtercmd_run(const struct filter_opts *o)
{
	struct filter_run r;
	int rc, drop = 0;

	memset(&r, 0, sizeof(r));
	r.o = o;
	envelope_init(&r.env);
	scrub_result_init(&r.res);
	log_open("filter", 1);
	signal(SIGPIPE, SIG_IGN);
	if ((rc = setup(&r)) == 0 && (rc = scrub(&r)) == 0 &&
	    (rc = ticket(&r, &drop)) == 0) {
		if (drop)
			log_msg(LOG_LVL_INFO, "auto-reply dropped by [store] "
			    "auto_replies");
		else if ((rc = reinject(&r)) == 0 && r.env.store_msg)
			(void)ticket_delivered(r.ticket, r.env.store_msg,
			    "sent", "reinjected");
	}
	ticket_close(&r.ticket);
	worker_destroy(&r.worker);
	scrub_result_free(&r.res);
	buf_free_clean(&r.in);
	buf_free_clean(&r.msg);
	envelope_free(&r.env);
	scrub_policy_destroy(&r.policy);
	config_free(&r.cfg);
	return rc;
}

/* filtercmd_main - the command line; Postfix's pipe runs it, so a usage
 * error is the operator's and must defer, not bounce */
int
filtercmd_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "from", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 }
	};
	struct filter_opts o = { 0 };
	int ch;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "+c:f:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': o.config = optarg; break;
		case 'f': o.sender = optarg; break;
		default:
			return cli_fail(EX_TEMPFAIL, "filter: usage: scrubgate filter "
			    "[-c CONF] -f SENDER -- RCPT...");
		}
	}
	if (o.sender == NULL)
		return cli_fail(EX_TEMPFAIL, "filter: -f SENDER missing");
	if (optind >= argc)
		return cli_fail(EX_TEMPFAIL, "filter: no recipient given");
	o.rcpts = argv + optind;
	o.nrcpts = (size_t)(argc - optind);
	return filtercmd_run(&o);
}
