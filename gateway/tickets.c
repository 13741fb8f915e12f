/* tickets - `scrubgate tickets ...`: the operator's view of the ticket
 * store and the data-subject tools (see tickets.h).
 *
 * The tools never create a store or a key: a missing database or key file
 * is an error (a new key would silently match nobody).  Every export,
 * erase and purge (dry runs too) leaves an audit record in the store.
 */
#include "tickets.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "cli.h"
#include "config.h"
#include "report.h"
#include "safefile.h"
#include "store.h"
#include "ticket.h"

static const char tickets_usage[] =
    "usage: scrubgate tickets list [-c CONF] [--since DATE] [--mailbox M]\n"
    "                              [--status S] [--route R]\n"
    "       scrubgate tickets show [-c CONF] ID\n"
    "       scrubgate tickets export [-c CONF] --subject ADDR [-o FILE]\n"
    "       scrubgate tickets erase [-c CONF] --subject ADDR [--dry-run]\n"
    "       scrubgate tickets purge [-c CONF] [--older-than AGE] [--dry-run]\n"
    "  DATE: YYYY-MM-DD, or an age such as 30d; AGE: 3y, 18mo, 90d\n"
    "  (default: [store] retention)\n";

struct topts {
	const char *config;
	const char *since;
	const char *mailbox;
	const char *status;
	const char *route;
	const char *subject;
	const char *out;
	const char *older;
	int dry_run;
};

/* usage - the tickets usage and why, EX_USAGE */
static int
usage(const char *why)
{
	return cli_usage(tickets_usage, "tickets: ", why);
}

/* parse_opts - the options every subcommand shares */
static int
parse_opts(int argc, char **argv, struct topts *o)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "since", required_argument, NULL, 's' },
		{ "mailbox", required_argument, NULL, 'm' },
		{ "status", required_argument, NULL, 'S' },
		{ "route", required_argument, NULL, 'r' },
		{ "subject", required_argument, NULL, 'a' },
		{ "output", required_argument, NULL, 'o' },
		{ "older-than", required_argument, NULL, 'O' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 }
	};
	int ch;

	memset(o, 0, sizeof(*o));
	while ((ch = getopt_long(argc, argv, "c:o:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': o->config = optarg; break;
		case 's': o->since = optarg; break;
		case 'm': o->mailbox = optarg; break;
		case 'S': o->status = optarg; break;
		case 'r': o->route = optarg; break;
		case 'a': o->subject = optarg; break;
		case 'o': o->out = optarg; break;
		case 'O': o->older = optarg; break;
		case 'n': o->dry_run = 1; break;
		default: return -1;
		}
	}
	return 0;
}

/* open_all - config and store; exit code or 0 */
static int
open_all(const struct topts *o, struct config *c, struct store **s_r)
{
	char err[STORE_ERR_MAX];

	*s_r = NULL;
	if (config_init(c) < 0) {
		fprintf(stderr, "scrubgate: out of memory\n");
		return EX_OSERR;
	}
	if (o->config != NULL && config_load(c, o->config) < 0) {
		fprintf(stderr, "scrubgate: %s\n", c->error);
		return EX_CONFIG;
	}
	if ((*s_r = ticket_store_open(c, 0, err, sizeof(err))) == NULL) {
		fprintf(stderr, "scrubgate: %s\n", err);
		return EX_NOINPUT;
	}
	return 0;
}

/* fmt_time - "YYYY-MM-DD HH:MM" UTC, or "YYYY-MM-DDTHH:MM:SSZ" */
static const char *
fmt_time(long long t, int iso, char *out, size_t n)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL)
		snprintf(out, n, "-");
	else
		strftime(out, n, iso ? "%Y-%m-%dT%H:%M:%SZ" : "%Y-%m-%d %H:%M",
		    &tm);
	return out;
}

/* parse_since - "YYYY-MM-DD" (UTC) or an age ("30d") before now */
static int
parse_since(const char *v, long long *t_r)
{
	unsigned long long age;
	struct tm tm;
	const char *e;

	memset(&tm, 0, sizeof(tm));
	if ((e = strptime(v, "%Y-%m-%d", &tm)) != NULL && *e == '\0') {
		*t_r = (long long)timegm(&tm);
		return 0;
	}
	if (config_parse_duration(v, &age) == 0 &&
	    age <= (unsigned long long)time(NULL)) {
		*t_r = (long long)time(NULL) - (long long)age;
		return 0;
	}
	return -1;
}

/* cmd_list - a table of tickets */
static int
cmd_list(const struct topts *o, struct store *s)
{
	struct store_filter f = { 0, o->mailbox, o->route, o->status };
	struct store_ticket *v = NULL;
	char a[32], b[32];
	size_t n = 0;

	if (o->since && parse_since(o->since, &f.since) < 0)
		return usage("--since: want YYYY-MM-DD or an age such as 30d");
	if (store_list(s, &f, &v, &n) < 0) {
		fprintf(stderr, "scrubgate: %s\n", store_error(s));
		return EX_TEMPFAIL;
	}
	printf("%-8s  %-8s  %-16s  %-16s  %-16s  %s\n", "ticket", "status",
	    "route", "created", "last activity", "messages");
	for (size_t i = 0; i < n; i++)
		printf("%-8lu  %-8s  %-16s  %-16s  %-16s  %lu\n", v[i].id,
		    v[i].status, v[i].route[0] ? v[i].route : "-",
		    fmt_time(v[i].created, 0, a, sizeof(a)),
		    fmt_time(v[i].last_activity, 0, b, sizeof(b)),
		    v[i].nmessages);
	printf("%zu ticket%s\n", n, n == 1 ? "" : "s");
	store_tickets_free(&v, n);
	return EX_OK;
}

/* cmd_show - one ticket: messages, dates, counts, parties */
static int
cmd_show(const struct topts *o, struct store *s, const char *arg)
{
	struct store_ticket t;
	char *end, a[32];
	unsigned long id = strtoul(arg, &end, 10);
	int rc;

	if (*arg == '\0' || *end != '\0' || id == 0)
		return usage("show: ID must be a ticket number");
	if ((rc = store_ticket_load(s, id, &t)) < 0) {
		fprintf(stderr, "scrubgate: %s\n", store_error(s));
		return EX_TEMPFAIL;
	}
	if (rc == 0) {
		fprintf(stderr, "scrubgate: ticket %lu: no such ticket\n", id);
		return EX_NOINPUT;
	}
	printf("ticket %lu\nstatus: %s\nroute: %s\n", t.id, t.status,
	    t.route[0] ? t.route : "-");
	printf("created: %s\n", fmt_time(t.created, 0, a, sizeof(a)));
	printf("last activity: %s\n", fmt_time(t.last_activity, 0, a,
	    sizeof(a)));
	printf("parties (pseudonyms):\n");
	for (size_t i = 0; i < t.nparties; i++)
		printf("  %-10s %s%s%s\n", t.parties[i].role, t.parties[i].pseudonym,
		    t.parties[i].address[0] ? "  " : "", t.parties[i].address);
	printf("messages:\n");
	for (size_t i = 0; i < t.nmsgs; i++) {
		const struct store_msg_row *m = &t.msgs[i];

		printf("  %zu. %s  %s  %llu bytes  delivery %s%s%s%s%s\n", i + 1,
		    fmt_time(m->received, 0, a, sizeof(a)), m->direction, m->size,
		    m->delivery, m->reply[0] ? " (" : "", m->reply,
		    m->reply[0] ? ")" : "", m->auto_class[0] ? "  auto-reply" : "");
		printf("     subject: %s\n", m->subject);
		printf("     redacted: %s  cc/bcc stripped: %u  attachments "
		    "dropped: %u\n", m->counts[0] ? m->counts : "{}",
		    m->stripped_recipients, m->attachments_dropped);
	}
	store_ticket_free(&t);
	return EX_OK;
}

/* json_ticket - one exported ticket */
static int
json_ticket(struct buf *b, const struct store_ticket *t)
{
	char a[32];
	int rc = 0;

	rc |= buf_printf(b, "{\"id\":%lu,\"status\":", t->id);
	rc |= report_json_string(b, t->status, strlen(t->status));
	rc |= buf_puts(b, ",\"route\":");
	rc |= report_json_string(b, t->route, strlen(t->route));
	rc |= buf_printf(b, ",\"created\":\"%s\"", fmt_time(t->created, 1, a,
	    sizeof(a)));
	rc |= buf_printf(b, ",\"last_activity\":\"%s\",\"parties\":[",
	    fmt_time(t->last_activity, 1, a, sizeof(a)));
	for (size_t i = 0; i < t->nparties; i++) {
		rc |= buf_printf(b, "%s{\"role\":\"%s\",\"pseudonym\":\"%s\"",
		    i ? "," : "", t->parties[i].role, t->parties[i].pseudonym);
		if (t->parties[i].address[0]) {
			rc |= buf_puts(b, ",\"address\":");
			rc |= report_json_string(b, t->parties[i].address,
			    strlen(t->parties[i].address));
		}
		rc |= buf_puts(b, "}");
	}
	rc |= buf_puts(b, "],\"messages\":[");
	for (size_t i = 0; i < t->nmsgs; i++) {
		const struct store_msg_row *m = &t->msgs[i];

		rc |= buf_printf(b, "%s{\"received\":\"%s\",\"message_id_hmac\":"
		    "\"%s\",\"direction\":\"%s\",\"size\":%llu,\"subject\":",
		    i ? "," : "", fmt_time(m->received, 1, a, sizeof(a)),
		    m->message_id, m->direction, m->size);
		rc |= report_json_string(b, m->subject, strlen(m->subject));
		rc |= buf_printf(b, ",\"sent_by_subject\":%s,\"auto_reply\":%s,"
		    "\"redactions\":%s,\"stripped_recipients\":%u,"
		    "\"attachments_dropped\":%u,\"delivery\":\"%s\",\"reply\":",
		    m->sender[0] ? "true" : "false", m->auto_class[0] ? "true" :
		    "false", m->counts[0] ? m->counts : "{}",
		    m->stripped_recipients, m->attachments_dropped, m->delivery);
		rc |= report_json_string(b, m->reply, strlen(m->reply));
		rc |= buf_puts(b, "}");
	}
	rc |= buf_puts(b, "]}");
	return rc;
}

/* cmd_export - Art. 15/20: every record about the subject, JSON */
static int
cmd_export(const struct topts *o, struct store *s)
{
	struct store_ticket *v = NULL;
	char ps[STORE_PSEUDONYM_LEN + 1], a[32];
	const char *err = NULL;
	struct buf b;
	size_t n = 0;
	int rc = 0;

	if (o->subject == NULL || *o->subject == '\0')
		return usage("export: --subject ADDR is required");
	if (store_export(s, o->subject, &v, &n) < 0) {
		fprintf(stderr, "scrubgate: %s\n", store_error(s));
		return EX_TEMPFAIL;
	}
	store_pseudonym(s, o->subject, ps);
	buf_init(&b, 0);
	rc |= buf_printf(&b, "{\"subject_pseudonym\":\"%s\",\"generated\":\"%s\","
	    "\"tickets\":[", ps, fmt_time((long long)time(NULL), 1, a,
	    sizeof(a)));
	for (size_t i = 0; i < n; i++) {
		rc |= i ? buf_puts(&b, ",") : 0;
		rc |= json_ticket(&b, &v[i]);
	}
	rc |= buf_puts(&b, "]}\n");
	store_tickets_free(&v, n);
	if (rc < 0) {
		buf_free(&b);
		fprintf(stderr, "scrubgate: export: out of memory\n");
		return EX_OSERR;
	}
	if (o->out && strcmp(o->out, "-") != 0) {
		if (safefile_put(o->out, b.p, b.len, 0600, &err) < 0) {
			fprintf(stderr, "scrubgate: %s: %s\n", o->out, err);
			buf_free(&b);
			return EX_CANTCREAT;
		}
	} else if (fwrite(b.p, 1, b.len, stdout) != b.len || fflush(stdout)) {
		fprintf(stderr, "scrubgate: stdout: write error\n");
		buf_free(&b);
		return EX_IOERR;
	}
	buf_free(&b);
	return EX_OK;
}

/* print_plan - what went (or would go) */
static void
print_plan(const char *what, int dry_run, const struct store_plan *p)
{
	if (p->lines.len)
		fwrite(p->lines.p, 1, p->lines.len, stdout);
	printf("%s%s: %lu tickets deleted, %lu kept for other parties, %lu "
	    "messages, %lu party records", dry_run ? "dry run, would " : "",
	    what, p->tickets_deleted, p->tickets_kept, p->messages, p->parties);
	if (strcmp(what, "purge") == 0)
		printf(", %lu processed fetch ids", p->fetch_ids);
	printf("%s\n", dry_run ? "; nothing changed" : "");
}

/* cmd_erase - Art. 17 */
static int
cmd_erase(const struct topts *o, struct store *s)
{
	struct store_plan p;

	if (o->subject == NULL || *o->subject == '\0')
		return usage("erase: --subject ADDR is required");
	memset(&p, 0, sizeof(p));
	buf_init(&p.lines, 0);
	if (store_erase(s, o->subject, o->dry_run, &p) < 0) {
		fprintf(stderr, "scrubgate: %s\n", store_error(s));
		store_plan_free(&p);
		return EX_TEMPFAIL;
	}
	print_plan("erase", o->dry_run, &p);
	store_plan_free(&p);
	return EX_OK;
}

/* cmd_purge - retention */
static int
cmd_purge(const struct topts *o, struct store *s, const struct config *c)
{
	unsigned long long age = c->store.retention;
	struct store_plan p;
	char a[32];

	if (o->older && config_parse_duration(o->older, &age) < 0)
		return usage("--older-than: want an age such as 3y, 18mo or 90d");
	if (age > (unsigned long long)time(NULL))
		age = (unsigned long long)time(NULL);
	memset(&p, 0, sizeof(p));
	buf_init(&p.lines, 0);
	if (store_purge(s, (long long)time(NULL) - (long long)age, o->dry_run,
	    &p) < 0) {
		fprintf(stderr, "scrubgate: %s\n", store_error(s));
		store_plan_free(&p);
		return EX_TEMPFAIL;
	}
	printf("cutoff: last activity before %s\n", fmt_time((long long)time(
	    NULL) - (long long)age, 0, a, sizeof(a)));
	print_plan("purge", o->dry_run, &p);
	store_plan_free(&p);
	return EX_OK;
}

/* tickets_main - dispatch `scrubgate tickets SUBCOMMAND ...` */
int
tickets_main(int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : NULL;
	struct store *s = NULL;
	struct config c;
	struct topts o;
	int rc;

	if (sub == NULL)
		return usage("a subcommand is required");
	if (strcmp(sub, "help") == 0 || strcmp(sub, "--help") == 0) {
		fputs(tickets_usage, stdout);
		return EX_OK;
	}
	if (strcmp(sub, "list") && strcmp(sub, "show") && strcmp(sub, "export") &&
	    strcmp(sub, "erase") && strcmp(sub, "purge"))
		return usage("unknown subcommand");
	if (parse_opts(argc - 1, argv + 1, &o) < 0)
		return usage(NULL);
	argc -= 1;
	argv += 1;
	if (strcmp(sub, "show") == 0 ? optind != argc - 1 : optind != argc)
		return usage(strcmp(sub, "show") == 0 ? "show: one ID" :
		    "unexpected argument");
	if ((rc = open_all(&o, &c, &s)) == 0) {
		if (strcmp(sub, "list") == 0)
			rc = cmd_list(&o, s);
		else if (strcmp(sub, "show") == 0)
			rc = cmd_show(&o, s, argv[optind]);
		else if (strcmp(sub, "export") == 0)
			rc = cmd_export(&o, s);
		else if (strcmp(sub, "erase") == 0)
			rc = cmd_erase(&o, s);
		else
			rc = cmd_purge(&o, s, &c);
	}
	store_close(&s);
	config_free(&c);
	return rc;
}
