/* fetch - `scrubgate fetch` (see fetch.h): accounts, processes, the
 * per-account loop and the exactly-once bookkeeping.  The IMAP steps are
 * in fetch_imap.c.
 */
#include "fetch.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <openssl/sha.h>

#include "config.h"
#include "deliver.h"
#include "envelope.h"
#include "fetch_int.h"
#include "header.h"
#include "log.h"
#include "scrub.h"
#include "scrubcmd.h"
#include "qmgr.h"
#include "spool.h"
#include "store.h"
#include "ticket.h"
#include "worker.h"

#define IDLE_MAX_S (25 * 60)	/* re-issue IDLE before the 29-minute limit */
#define BACKOFF_MAX_S 300
#define TEMP_TRIES 3		/* worker failures before a quarantine */
#define KEY_MAX 300
#define MARK_BATCH 50		/* processed UIDs marked on the server at once */
#define SENDER_FIELD_MAX 2048	/* a longer Return-Path/Sender/From is not parsed */

static volatile sig_atomic_t stop;

/* on_signal - SIGTERM/SIGINT: finish the message in hand, then stop */
static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* one account at work */
struct acct {
	const struct config *c;
	const struct account_cfg *a;
	const struct route_cfg *route;
	const struct scrub_policy *policy;
	struct ticket_ctx *ticket;
	struct store *store;
	struct worker *worker;
	struct spool *spool;		/* opened on first use */
	struct imapc ic;
	char rcpt[320];
	char password[512];
	char *ca_file;
	uint32_t uidvalidity, last;
	int first_run;			/* first pass of a new account, first_run = unseen */
	uint32_t pend[MARK_BATCH];	/* processed, not yet marked on the server */
	size_t npend;
	unsigned long forwarded, spooled, quarantined, skipped, left_seen;
};

/* --- checks and small helpers ------------------------------------------- */

/* find_route - the [route NAME] of that name */
static const struct route_cfg *
find_route(const struct config *c, const char *name)
{
	for (size_t i = 0; name != NULL && i < c->nroutes; i++)
		if (strcmp(c->routes[i].name, name) == 0)
			return &c->routes[i];
	return NULL;
}

/* pick_rcpt - recipient, else the route's first address, else user */
static const char *
pick_rcpt(const struct config *c, const struct account_cfg *a)
{
	const struct route_cfg *r = find_route(c, a->route);

	if (a->recipient != NULL && *a->recipient)
		return a->recipient;
	for (size_t i = 0; r != NULL && i < r->nmailboxes; i++)
		if (strchr(r->mailboxes[i], '@') != NULL &&
		    r->mailboxes[i][0] != '@')
			return r->mailboxes[i];
	if (a->user != NULL && strchr(a->user, '@') != NULL)
		return a->user;
	return NULL;
}

/* empty - NULL or "" */
static int
empty(const char *s)
{
	return s == NULL || *s == '\0';
}

/* fetch_check_account - the settings make sense */
int
fetch_check_account(const struct config *c, const struct account_cfg *a,
    char *err, size_t errlen)
{
	const char *why = NULL;

	if (empty(a->host))
		why = "host missing";
	else if (empty(a->user))
		why = "user missing";
	else if (empty(a->password_file) && empty(a->password_env))
		why = "password_file or password_env missing";
	else if (strcmp(a->tls, "imaps") && strcmp(a->tls, "starttls") &&
	    strcmp(a->tls, "none"))
		why = "tls must be imaps, starttls or none";
	else if (strcmp(a->after, "seen") && strcmp(a->after, "move") &&
	    strcmp(a->after, "delete"))
		why = "after must be seen, move or delete";
	else if (strcmp(a->after, "move") == 0 && empty(a->move_to))
		why = "after = move needs move_to";
	else if (strcmp(a->first_run, "unseen") && strcmp(a->first_run, "all"))
		why = "first_run must be unseen or all";
	else if (empty(a->quarantine_folder))
		why = "quarantine_folder missing";
	else if (empty(a->route) || find_route(c, a->route) == NULL)
		why = "route missing or not a [route NAME] of this file";
	else if (pick_rcpt(c, a) == NULL)
		why = "no recipient (set recipient, or give the route an "
		    "address in mailboxes)";
	if (why == NULL)
		return 0;
	snprintf(err, errlen, "%s:%u: [account %s]: %s", c->source, a->line,
	    a->name, why);
	return -1;
}

/* fetch_password - from the file (private) or the environment */
int
fetch_password(const struct config *c, const struct account_cfg *a,
    char *out, size_t n, char *err, size_t errlen)
{
	struct stat st;
	char *path;
	FILE *f;

	if (empty(a->password_file)) {
		const char *v = getenv(a->password_env);

		if (v == NULL || *v == '\0' || strlen(v) >= n) {
			snprintf(err, errlen, "[account %s]: environment "
			    "variable %s is empty or unset", a->name,
			    a->password_env);
			return -1;
		}
		snprintf(out, n, "%s", v);
		return 0;
	}
	if ((path = config_path(c, a->password_file)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	f = fopen(path, "r");
	if (f == NULL || fstat(fileno(f), &st) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
	} else if (st.st_mode & 077) {
		snprintf(err, errlen, "%s: password file is readable by group "
		    "or others (chmod 600)", path);
	} else if (fgets(out, (int)n, f) == NULL) {
		snprintf(err, errlen, "%s: empty password file", path);
	} else {
		out[strcspn(out, "\r\n")] = '\0';
		fclose(f);
		free(path);
		return 0;
	}
	if (f != NULL)
		fclose(f);
	free(path);
	return -1;
}

/* top_fields - the fields of msg's top-level header (header.c offsets,
 * borrowing msg); *f_r malloc'd.  -1 out of memory or not splittable */
static int
top_fields(const char *msg, size_t len, struct header_field **f_r,
    size_t *n_r)
{
	size_t hend = header_block_end(msg, len), lines = 1;

	*n_r = 0;
	for (size_t k = 0; k < hend; k++)
		lines += msg[k] == '\n';
	if ((*f_r = calloc(lines, sizeof(**f_r))) == NULL)
		return -1;
	if (header_split(msg, hend, *f_r, lines, hend + 1, n_r, NULL) < 0) {
		free(*f_r);
		*f_r = NULL;
		return -1;
	}
	return 0;
}

/* fetch_dedup_key - Message-ID, or a digest of the bytes */
void
fetch_dedup_key(const char *msg, size_t len, char *out, size_t n)
{
	struct header_field *f = NULL;
	unsigned char md[SHA256_DIGEST_LENGTH];
	size_t nf = 0;
	long i = -1;

	if (top_fields(msg, len, &f, &nf) == 0 &&
	    (i = header_find(msg, f, nf, "message-id")) >= 0) {
		const char *v = msg + f[i].value;
		size_t vl = f[i].value_len;

		while (vl && strchr(" \t\r\n", *v)) {
			v++;
			vl--;
		}
		while (vl && strchr(" \t\r\n", v[vl - 1]))
			vl--;
		if (vl > 0 && vl < n && vl < KEY_MAX) {
			memcpy(out, v, vl);
			out[vl] = '\0';
			for (char *p = out; *p; p++)
				if ((unsigned char)*p < 0x20)
					*p = ' ';
			free(f);
			return;
		}
	}
	free(f);
	SHA256((const unsigned char *)msg, len, md);
	snprintf(out, n, "sha256:");
	for (size_t k = 0; k < sizeof(md) && strlen(out) + 3 <= n; k++)
		snprintf(out + strlen(out), n - strlen(out), "%02x", md[k]);
}

/* --- the envelope sender -------------------------------------------------- */

/* atext - an RFC 5322 atext octet (ASCII only, no locale) */
static int
atext(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != '\0' &&
	    strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/* local_ok - RFC 5321 Local-part: Dot-string, or a Quoted-string of
 * qtextSMTP (quoted pairs are refused: nobody needs them in a
 * reverse-path, and every door out would have to carry them) */
static int
local_ok(const char *s, size_t n)
{
	if (n >= 2 && s[0] == '"') {
		if (s[n - 1] != '"')
			return 0;
		for (size_t i = 1; i + 1 < n; i++)
			if (s[i] < 0x20 || s[i] > 0x7e || s[i] == '"' ||
			    s[i] == '\\')
				return 0;
		return 1;
	}
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '.') {
			if (i == 0 || i + 1 == n || s[i + 1] == '.')
				return 0;
		} else if (!atext((unsigned char)s[i])) {
			return 0;
		}
	}
	return n > 0;
}

/* domain_ok - RFC 5321 Domain (sub-domains of letters, digits and
 * hyphens, 63 octets each) or address-literal ("[" dcontent "]") */
static int
domain_ok(const char *s, size_t n)
{
	size_t label = 0;

	if (n >= 3 && s[0] == '[') {
		if (s[n - 1] != ']')
			return 0;
		for (size_t i = 1; i + 1 < n; i++)
			if (s[i] < 33 || s[i] > 126 || (s[i] >= 91 && s[i] <= 93))
				return 0;
		return 1;
	}
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (c == '.') {
			if (label == 0 || s[i - 1] == '-')
				return 0;
			label = 0;
		} else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || (c == '-' && label > 0)) {
			if (++label > 63)
				return 0;
		} else {
			return 0;
		}
	}
	return label > 0 && s[n - 1] != '-';
}

/* fetch_reverse_path_ok - RFC 5321 Mailbox within the size limits of
 * 4.5.3.1: local part 64 octets, domain 255, the path with its angle
 * brackets 256; ASCII only (no SMTPUTF8 here), no space outside quotes,
 * no control character, so nothing can end or extend MAIL FROM:<...> */
int
fetch_reverse_path_ok(const char *a)
{
	const char *at = a != NULL ? strrchr(a, '@') : NULL;
	size_t len, ll;

	if (at == NULL || (len = strlen(a)) > 254)
		return 0;
	ll = (size_t)(at - a);
	if (ll == 0 || ll > 64 || len - ll - 1 == 0 || len - ll - 1 > 255)
		return 0;
	return local_ok(a, ll) && domain_ok(at + 1, len - ll - 1);
}

/* path_closed - the Return-Path value has a '<' whose addr-spec ends at
 * its '>'.  libetpan 1.9.4's mailimf_path_parse leaks the addr-spec it
 * read when no '>' follows it (it stops at , ( ) : ; CR LF too): such a
 * value is not a reverse-path anyway, and is never given to it */
static int
path_closed(const char *v, size_t n)
{
	const char *lt = memchr(v, '<', n);
	size_t i;

	if (lt == NULL)
		return 0;
	for (i = (size_t)(lt - v) + 1; i < n; i++)
		if (strchr(">,():;\r\n", v[i]) != NULL)
			return v[i] == '>';
	return 0;
}

/* field_addr - one raw field parsed by libetpan's IMF parser
 * (mailimf_fields_parse on a copy: the tree owns copies of its strings,
 * freed here with mailimf_fields_free); the address of a Return-Path
 * ("" for <>), a Sender or the first mailbox of a From, into out.  1 when
 * it parsed as that field and the address is a valid reverse-path that
 * stands in the field verbatim */
static int
field_addr(const char *msg, const struct header_field *f, char *out,
    size_t n)
{
	char buf[SENDER_FIELD_MAX + 3];
	size_t flen = f->value + f->value_len - f->start, idx = 0;
	struct mailimf_fields *fields = NULL;
	struct mailimf_field *fld;
	const char *a = NULL;
	int found = 0;

	/* libetpan's strings are C strings: a NUL would cut them short */
	if (flen > SENDER_FIELD_MAX || memchr(msg + f->start, '\0', flen))
		return 0;
	if (header_is(msg, f, "return-path") &&
	    !path_closed(msg + f->value, f->value_len))
		return 0;
	memcpy(buf, msg + f->start, flen);
	memcpy(buf + flen, "\r\n", 3);	/* the field ends as RFC 5322 says */
	if (mailimf_fields_parse(buf, flen + 2, &idx, &fields) !=
	    MAILIMF_NO_ERROR || fields == NULL ||
	    clist_begin(fields->fld_list) == NULL)
		goto done;
	fld = clist_content(clist_begin(fields->fld_list));
	if (fld->fld_type == MAILIMF_FIELD_RETURN_PATH) {
		a = fld->fld_data.fld_return_path->ret_path->pt_addr_spec;
		if (a == NULL && n > 0) {
			out[0] = '\0';	/* <>: a bounce stays a bounce */
			found = 1;
			goto done;
		}
	} else if (fld->fld_type == MAILIMF_FIELD_SENDER) {
		a = fld->fld_data.fld_sender->snd_mb->mb_addr_spec;
	} else if (fld->fld_type == MAILIMF_FIELD_FROM &&
	    fld->fld_data.fld_from->frm_mb_list != NULL &&
	    clist_begin(fld->fld_data.fld_from->frm_mb_list->mb_list) != NULL) {
		struct mailimf_mailbox *mb = clist_content(clist_begin(
		    fld->fld_data.fld_from->frm_mb_list->mb_list));

		a = mb->mb_addr_spec;
	}
	/* libetpan's addr-spec parser is lenient: it drops white space and
	 * comments ("<bob smith@x>" gives "bobsmith@x").  Take only an
	 * address that stands in the field as it is: never one the message
	 * does not hold */
	if (a != NULL && strlen(a) < n && fetch_reverse_path_ok(a) &&
	    memmem(msg + f->value, f->value_len, a, strlen(a)) != NULL) {
		memcpy(out, a, strlen(a) + 1);
		found = 1;
	}
done:
	if (fields != NULL)
		mailimf_fields_free(fields);
	return found;
}

/* fetch_sender - Return-Path, else Sender, else From (as fetchmail) */
int
fetch_sender(const char *msg, size_t len, char *out, size_t n)
{
	static const char *const names[] = { "return-path", "sender", "from" };
	struct header_field *f = NULL;
	size_t nf = 0;
	int which = FETCH_SENDER_NONE;

	if (n > 0)
		out[0] = '\0';
	if (top_fields(msg, len, &f, &nf) < 0)
		return FETCH_SENDER_NONE;
	for (size_t k = 0; k < 3 && which == FETCH_SENDER_NONE; k++) {
		/* only the first of each: the newest Return-Path is on top,
		 * and a second one is an old hop's or a forger's */
		long i = header_find(msg, f, nf, names[k]);

		if (i >= 0 && field_addr(msg, &f[i], out, n))
			which = (int)k + FETCH_SENDER_RETURN_PATH;
	}
	free(f);
	if (which == FETCH_SENDER_NONE && n > 0)
		out[0] = '\0';
	return which;
}

/* --- one message ---------------------------------------------------------- */

/* fail - log the IMAP session's error (or fmt) and return -1 */
static int
fail(struct acct *ar, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int
fail(struct acct *ar, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_msg(LOG_LVL_WARN, "account %s: %s", ar->a->name, msg);
	return -1;
}

/* mark_server - what after = says, for n processed UIDs */
static int
mark_server(struct acct *ar, const uint32_t *uids, size_t n)
{
	const char *after = ar->a->after;
	int rc;

	if (n == 0)
		return 0;
	if (strcmp(after, "move") == 0)
		rc = imapc_move(&ar->ic, uids, n, ar->a->move_to);
	else if (strcmp(after, "delete") == 0)
		rc = imapc_delete(&ar->ic, uids, n);
	else
		rc = imapc_seen(&ar->ic, uids, n);
	return rc < 0 ? fail(ar, "%s", ar->ic.err) : 0;
}

/* flush_marks - mark the pending UIDs (on failure the next session's
 * catch_up does it; in a first run, the Message-ID dedup) */
static int
flush_marks(struct acct *ar)
{
	size_t n = ar->npend;

	ar->npend = 0;
	return mark_server(ar, ar->pend, n);
}

/* done - the UID is processed: remember it, then (in batches of
 * MARK_BATCH: a flag change costs the server an index write) tell the
 * server */
static int
done(struct acct *ar, uint32_t uid, const char *key, int mark_key,
    int quarantined)
{
	if (mark_key && store_fetch_mark(ar->store, ar->a->name, key) < 0)
		return fail(ar, "store: %s", store_error(ar->store));
	/* first pass: seen messages are skipped between the others, so no
	 * UID below which everything is done exists until the pass ends
	 * (first_run_done); the Message-ID marks carry a restart */
	if (!ar->first_run) {
		if (store_fetch_set(ar->store, ar->a->name, ar->uidvalidity,
		    uid) < 0)
			return fail(ar, "store: %s", store_error(ar->store));
		ar->last = uid;
	}
	if (quarantined)
		return 0;	/* it left the folder already */
	ar->pend[ar->npend++] = uid;
	return ar->npend == MARK_BATCH ? flush_marks(ar) : 0;
}

/* quarantine - move to quarantine_folder; never forwarded */
static int
quarantine(struct acct *ar, uint32_t uid, const char *why)
{
	if (imapc_move(&ar->ic, &uid, 1, ar->a->quarantine_folder) < 0)
		return fail(ar, "%s", ar->ic.err);
	ar->quarantined++;
	log_msg(LOG_LVL_WARN, "account %s: uid %u: quarantined to %s (%s)",
	    ar->a->name, uid, ar->a->quarantine_folder, why);
	return 0;
}

/* hand_on - deliver now, else spool durably; 0 when one of them holds it */
static int
hand_on(struct acct *ar, struct envelope *env, struct scrub_result *res,
    uint32_t uid)
{
	struct deliver_result dr;
	char id[SPOOL_ID_MAX], err[300];
	int rc;

	memset(&dr, 0, sizeof(dr));
	rc = deliver(ar->route, env, res->out.p ? res->out.p : "", res->out.len,
	    &dr);
	if (rc == 0) {
		log_msg(LOG_LVL_INFO, "account %s: uid %u: relay=%s, size=%zu, "
		    "status=sent", ar->a->name, uid, dr.relay, res->out.len);
		if (env->store_msg)
			(void)ticket_delivered(ar->ticket, env->store_msg,
			    "sent", dr.nrcpts ? dr.rcpt[0].reply : "");
		deliver_result_free(&dr);
		ar->forwarded++;
		return 0;
	}
	deliver_result_free(&dr);
	if (ar->spool == NULL) {
		char *dir = config_path(ar->c, ar->c->delivery.spool);

		ar->spool = dir ? spool_open(dir, err, sizeof(err)) : NULL;
		free(dir);
		if (ar->spool == NULL)
			return fail(ar, "uid %u: not delivered and no spool: %s",
			    uid, dir ? err : "out of memory");
	}
	if (spool_put(ar->spool, env, res->out.p ? res->out.p : "",
	    res->out.len, id) < 0)
		return fail(ar, "uid %u: not delivered and spool_put failed",
		    uid);
	log_msg(LOG_LVL_INFO, "account %s: uid %u: %s: size=%zu, status=queued "
	    "(next hop not reached now)", ar->a->name, uid, id, res->out.len);
	{
		/* the queue manager of this spool (ours, or serve's) retries */
		pid_t q = qmgr_running(ar->spool);

		if (q > 0)
			qmgr_kick(q);
	}
	ar->spooled++;
	return 0;
}

/* forward - scrub, ticket, hand on; 1: quarantined instead, 0 forwarded
 * (or dropped as an auto-reply), -1 try again later */
static int
forward(struct acct *ar, uint32_t uid, const char *msg, size_t len)
{
	const struct scrub_err_info *ei;
	struct scrub_result res;
	struct envelope env;
	char err[400], sender[256];
	int rc = -1, from;

	envelope_init(&env);
	scrub_result_init(&res);
	/* from the message as the server holds it, before the scrub */
	from = fetch_sender(msg, len, sender, sizeof(sender));
	if (from == FETCH_SENDER_NONE)
		log_msg(LOG_LVL_WARN, "account %s: uid %u: no Return-Path, Sender "
		    "or From with a valid address: forwarded with the null "
		    "sender", ar->a->name, uid);
	else if (from != FETCH_SENDER_RETURN_PATH)
		log_msg(LOG_LVL_INFO, "account %s: uid %u: envelope sender "
		    "from %s (no valid Return-Path)", ar->a->name, uid,
		    from == FETCH_SENDER_SENDER ? "Sender" : "From");
	if (envelope_set_sender(&env, sender) < 0 ||
	    envelope_add_rcpt(&env, ar->rcpt) < 0 ||
	    (env.route = strdup(ar->route->name)) == NULL) {
		fail(ar, "out of memory");
		goto out;
	}
	snprintf(env.proto, sizeof(env.proto), "imap");
	for (int tries = 1; worker_scrub(ar->worker, msg, len, &res) < 0;
	    tries++) {
		ei = scrub_err_info(res.err);
		if (ei->temporary && stop)
			goto out;	/* not marked: the next run retries */
		if (!ei->temporary || tries == TEMP_TRIES) {
			/* a message that keeps crashing or hanging the
			 * worker is the message's fault: fail closed */
			rc = quarantine(ar, uid, ei->name) < 0 ? -1 : 1;
			goto out;
		}
		log_msg(LOG_LVL_WARN, "account %s: uid %u: %s, trying again",
		    ar->a->name, uid, ei->text);
		scrub_result_free(&res);
		scrub_result_init(&res);
	}
	rc = ticket_apply(ar->ticket, &env, &res, &res.out, err, sizeof(err));
	if (rc < 0) {
		fail(ar, "uid %u: ticket store: %s", uid, err);
		goto out;
	}
	if (rc == 1) {
		log_msg(LOG_LVL_INFO, "account %s: uid %u: auto-reply dropped",
		    ar->a->name, uid);
		rc = 0;
		goto out;
	}
	rc = hand_on(ar, &env, &res, uid);
out:
	scrub_result_free(&res);
	envelope_free(&env);
	return rc;
}

/* process - one listed message, start to finish */
static int
process(struct acct *ar, const struct imapc_msg *m)
{
	char key[KEY_MAX + 80], *msg = NULL;
	size_t len = 0;
	int seen, rc;

	if (m->size > ar->c->spec.limits.max_message_size) {
		if (quarantine(ar, m->uid, "larger than max_message_size") < 0)
			return -1;
		return done(ar, m->uid, "", 0, 1);
	}
	if ((rc = imapc_body(&ar->ic, m->uid, &msg, &len)) != 0)
		return rc < 0 ? fail(ar, "%s", ar->ic.err) : 0;
	fetch_dedup_key(msg, len, key, sizeof(key));
	if ((seen = store_fetch_seen(ar->store, ar->a->name, key)) < 0) {
		rc = fail(ar, "store: %s", store_error(ar->store));
	} else if (seen) {
		ar->skipped++;
		log_msg(LOG_LVL_INFO, "account %s: uid %u: processed before "
		    "(same Message-ID), not forwarded again", ar->a->name,
		    m->uid);
		rc = done(ar, m->uid, key, 0, 0);
	} else if ((rc = forward(ar, m->uid, msg, len)) >= 0) {
		rc = done(ar, m->uid, key, 1, rc == 1);
	}
	explicit_bzero(msg, len);
	free(msg);
	return rc;
}

/* first_run_done - the first pass went through the folder: store the
 * highest UID it saw (also when that message was left alone), so the
 * next pass starts above it and the account is no longer new */
static int
first_run_done(struct acct *ar, uint32_t high)
{
	if (store_fetch_set(ar->store, ar->a->name, ar->uidvalidity, high) < 0)
		return fail(ar, "store: %s", store_error(ar->store));
	ar->first_run = 0;
	ar->last = high;
	log_msg(LOG_LVL_INFO, "account %s: first run done: %lu message(s) "
	    "already \\Seen left alone (first_run = unseen), next uid %u",
	    ar->a->name, ar->left_seen, high + 1);
	return 0;
}

/* process_new - every message above the last UID; in the first pass of
 * a new account with first_run = unseen, only those without \Seen */
static int
process_new(struct acct *ar)
{
	struct imapc_msg *v;
	size_t n, i;
	int rc = 0;

	if (imapc_list(&ar->ic, ar->last + 1, 0, &v, &n) < 0)
		return fail(ar, "%s", ar->ic.err);
	for (i = 0; i < n && rc == 0 && !stop; i++) {
		if (ar->first_run && v[i].seen) {
			ar->left_seen++;	/* read by a human before us */
			continue;
		}
		rc = process(ar, &v[i]);
	}
	if (rc == 0)
		rc = flush_marks(ar);
	if (rc == 0 && ar->first_run && i == n)
		rc = first_run_done(ar, n > 0 ? v[n - 1].uid : ar->last);
	free(v);
	return rc;
}

/* catch_up - processed UIDs not marked on the server yet (a crash or a
 * lost connection between the store and the server).  Marks are sent in
 * batches of MARK_BATCH and a batch is sent before more UIDs are stored
 * than fit in it, so only the last MARK_BATCH UIDs up to the last one can
 * be in that state: every message among them still in the folder (and,
 * for after = seen, without \Seen) is processed, and gets marked now. */
static int
catch_up(struct acct *ar)
{
	struct imapc_msg *v;
	size_t n;
	int seen_mode = strcmp(ar->a->after, "seen") == 0;

	if (ar->last == 0)
		return 0;
	if (imapc_list(&ar->ic, ar->last > MARK_BATCH ? ar->last - MARK_BATCH +
	    1 : 1, ar->last, &v, &n) < 0)
		return fail(ar, "%s", ar->ic.err);
	ar->npend = 0;
	for (size_t i = 0; i < n && ar->npend < MARK_BATCH; i++)
		if (!seen_mode || !v[i].seen)
			ar->pend[ar->npend++] = v[i].uid;
	free(v);
	return flush_marks(ar);
}

/* --- the session ---------------------------------------------------------- */

/* session_start - connect, log in, select, check UIDVALIDITY, catch up */
static int
session_start(struct acct *ar)
{
	unsigned long long v = 0, l = 0;
	uint32_t sv;

	if (imapc_open(&ar->ic, ar->a, ar->ca_file, ar->password) < 0 ||
	    imapc_select(&ar->ic, ar->a->folder, &sv) < 0)
		return fail(ar, "%s", ar->ic.err);
	if (store_fetch_get(ar->store, ar->a->name, &v, &l) < 0)
		return fail(ar, "store: %s", store_error(ar->store));
	ar->uidvalidity = sv;
	ar->last = (uint32_t)l;
	/* no row at all: the account's first run (a UIDVALIDITY change is
	 * not one: that folder had been fetched, and what is new in it must
	 * not be missed because somebody read it first) */
	ar->first_run = v == 0 && strcmp(ar->a->first_run, "unseen") == 0;
	ar->left_seen = 0;
	if (v != 0 && v != sv) {
		log_msg(LOG_LVL_WARN, "account %s: UIDVALIDITY of %s changed "
		    "(%llu -> %u): reprocessing from UID 1, skipping what was "
		    "processed before by Message-ID", ar->a->name,
		    ar->a->folder, v, sv);
		ar->last = 0;
		if (store_fetch_set(ar->store, ar->a->name, sv, 0) < 0)
			return fail(ar, "store: %s", store_error(ar->store));
	}
	log_msg(LOG_LVL_INFO, "account %s: connected to %s (tls=%s%s%s), "
	    "folder %s, last uid %u%s", ar->a->name, ar->a->host, ar->a->tls,
	    ar->ic.has_idle ? ", IDLE" : "", ar->ic.has_move ? ", MOVE" : "",
	    ar->a->folder, ar->last, ar->first_run ? " (first run: messages "
	    "already \\Seen are left alone)" : "");
	return catch_up(ar);
}

/* nap - sleep s seconds unless stopped */
static void
nap(unsigned long long s)
{
	for (unsigned long long i = 0; i < s * 10 && !stop; i++) {
		struct timespec ts = { 0, 100000000L };

		nanosleep(&ts, NULL);
	}
}

/* wait_and_process - IDLE or poll, then process; -1 on a session error */
static int
wait_and_process(struct acct *ar)
{
	while (!stop) {
		if (ar->a->idle && ar->ic.has_idle) {
			if (imapc_idle(&ar->ic, IDLE_MAX_S, &stop) < 0)
				return fail(ar, "%s", ar->ic.err);
		} else {
			nap(ar->a->poll_interval);
			if (stop)
				break;
			if (imapc_noop(&ar->ic) < 0)
				return fail(ar, "%s", ar->ic.err);
		}
		if (process_new(ar) < 0)
			return -1;
	}
	return 0;
}

/* run_account - sessions until stopped (or one pass with once); the exit
 * code */
static int
run_account(struct acct *ar, int once)
{
	unsigned long long backoff = 1;
	int rc;

	while (!stop) {
		rc = session_start(ar);
		if (rc == 0)
			rc = process_new(ar);
		if (rc == 0 && once) {
			imapc_close(&ar->ic);
			log_msg(LOG_LVL_INFO, "account %s: done: forwarded=%lu, "
			    "queued=%lu, quarantined=%lu, skipped=%lu",
			    ar->a->name, ar->forwarded, ar->spooled,
			    ar->quarantined, ar->skipped);
			return EX_OK;
		}
		if (rc == 0) {
			backoff = 1;
			rc = wait_and_process(ar);
		}
		imapc_close(&ar->ic);
		if (once)
			return EX_TEMPFAIL;
		if (stop)
			break;
		log_msg(LOG_LVL_INFO, "account %s: reconnecting in %llus",
		    ar->a->name, backoff);
		nap(backoff);
		backoff = backoff * 2 > BACKOFF_MAX_S ? BACKOFF_MAX_S :
		    backoff * 2;
	}
	return EX_OK;
}

/* acct_setup - store, worker, password, recipient */
static int
acct_setup(struct acct *ar, const struct config *c,
    const struct account_cfg *a, const struct scrub_policy *global)
{
	struct envelope env;
	char err[400];
	const char *ca;

	memset(ar, 0, sizeof(*ar));
	ar->c = c;
	ar->a = a;
	ar->route = find_route(c, a->route);
	snprintf(ar->rcpt, sizeof(ar->rcpt), "%s", pick_rcpt(c, a));
	if (fetch_password(c, a, ar->password, sizeof(ar->password), err,
	    sizeof(err)) < 0) {
		fprintf(stderr, "scrubgate: %s\n", err);
		return EX_CONFIG;
	}
	ca = !empty(a->ca_file) ? a->ca_file : c->delivery.ca_file;
	if (!empty(ca) && (ar->ca_file = config_path(c, ca)) == NULL)
		return EX_OSERR;
	if ((ar->ticket = ticket_open(c, err, sizeof(err))) == NULL) {
		fprintf(stderr, "scrubgate: %s\n", err);
		return EX_TEMPFAIL;
	}
	ar->store = ticket_store(ar->ticket);
	envelope_init(&env);
	env.route = (char *)a->route;
	ar->policy = ticket_policy(ar->ticket, &env);
	if (ar->policy == NULL)
		ar->policy = global;
	if ((ar->worker = worker_create(ar->policy, 0, NULL, 0)) == NULL)
		return EX_OSERR;
	return 0;
}

/* acct_free - everything acct_setup made */
static void
acct_free(struct acct *ar)
{
	imapc_close(&ar->ic);
	worker_destroy(&ar->worker);
	spool_close(&ar->spool);
	ticket_close(&ar->ticket);
	free(ar->ca_file);
	explicit_bzero(ar->password, sizeof(ar->password));
}

/* one_account - set up and run one account in this process */
static int
one_account(const struct config *c, const struct account_cfg *a,
    const struct scrub_policy *p, int once)
{
	struct acct ar;
	int rc = acct_setup(&ar, c, a, p);

	if (rc == 0)
		rc = run_account(&ar, once);
	acct_free(&ar);
	return rc;
}

/* --- processes ------------------------------------------------------------ */

/* reap_one - wait for a child; forget it, and pause before it is
 * started again unless we are stopping */
static void
reap_one(const struct account_cfg **v, pid_t *pids, size_t n)
{
	pid_t w = waitpid(-1, NULL, 0);

	if (w < 0 && errno == ECHILD)
		nap(5);		/* every fork failed: do not spin */
	for (size_t i = 0; w > 0 && i < n; i++) {
		if (pids[i] != w)
			continue;
		pids[i] = 0;
		if (!stop) {
			log_msg(LOG_LVL_WARN, "account %s: process ended, "
			    "restarting in 5s", v[i]->name);
			nap(5);
		}
	}
}

/* spawn - one child per account; restart a child that dies (after 5 s)
 * until stopped; then stop the children */
static int
spawn(const struct config *c, const struct account_cfg **v, size_t n,
    const struct scrub_policy *p)
{
	pid_t *pids = calloc(n, sizeof(*pids));

	if (pids == NULL)
		return EX_OSERR;
	while (!stop) {
		for (size_t i = 0; i < n && !stop; i++) {
			if (pids[i] > 0)
				continue;
			if ((pids[i] = fork()) == 0)
				_exit(one_account(c, v[i], p, 0));
			if (pids[i] < 0)
				pids[i] = 0;
		}
		reap_one(v, pids, n);
	}
	for (size_t i = 0; i < n; i++)
		if (pids[i] > 0)
			kill(pids[i], SIGTERM);
	for (size_t i = 0; i < n; i++)
		if (pids[i] > 0)
			while (waitpid(pids[i], NULL, 0) < 0 && errno == EINTR)
				;
	free(pids);
	return EX_OK;
}

/* select_accounts - all, or the one named; each checked */
static int
select_accounts(const struct config *c, const char *name,
    const struct account_cfg ***v_r, size_t *n_r)
{
	const struct account_cfg **v = calloc(c->naccounts + 1, sizeof(*v));
	char err[400];
	size_t n = 0;

	if (v == NULL)
		return EX_OSERR;
	for (size_t i = 0; i < c->naccounts; i++) {
		if (name != NULL && strcmp(c->accounts[i].name, name) != 0)
			continue;
		if (fetch_check_account(c, &c->accounts[i], err,
		    sizeof(err)) < 0) {
			fprintf(stderr, "scrubgate: %s\n", err);
			free(v);
			return EX_CONFIG;
		}
		v[n++] = &c->accounts[i];
	}
	if (n == 0) {
		fprintf(stderr, "scrubgate: %s: %s\n", c->source, name ?
		    "no such [account]" : "no [account NAME] section");
		free(v);
		return EX_CONFIG;
	}
	*v_r = v;
	*n_r = n;
	return 0;
}

/* start_qmgr - daemon mode: a queue manager delivers what had to be
 * spooled (it waits while another one, e.g. serve's, works the spool) */
static pid_t
start_qmgr(const struct config *c, struct spool **s_r)
{
	char *dir = config_path(c, c->delivery.spool), err[300];
	pid_t pid;

	*s_r = dir ? spool_open(dir, err, sizeof(err)) : NULL;
	if (*s_r == NULL) {
		log_msg(LOG_LVL_WARN, "no queue manager: %s", dir ? err :
		    "out of memory");
		free(dir);
		return -1;
	}
	free(dir);
	if ((pid = qmgr_start(c, *s_r)) < 0)
		log_msg(LOG_LVL_WARN, "no queue manager: fork: %s",
		    strerror(errno));
	return pid;
}

/* fetch_run - the whole command */
int
fetch_run(const struct fetch_opts *o)
{
	struct sigaction sa;
	struct scrub_policy *p = NULL;
	struct config c;
	const struct account_cfg **v = NULL;
	struct spool *spool = NULL;
	char err[300];
	pid_t qpid = -1;
	size_t n = 0;
	int rc;

	if ((rc = scrubcmd_load_config(o->config, &c, &p)) != 0) {
		config_free(&c);
		return rc;
	}
	log_open("fetch", 0);
	log_configure(&c);
	deliver_setup(&c);
	/* the queue manager is forked before our handlers are installed: it
	 * must not inherit a SIGTERM handler that would swallow its stop */
	if ((rc = select_accounts(&c, o->account, &v, &n)) == 0 && !o->once)
		qpid = start_qmgr(&c, &spool);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;	/* no SA_RESTART: waits end early */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (rc == 0) {
		if (o->once || n == 1) {
			for (size_t i = 0; i < n && !stop; i++) {
				int r = one_account(&c, v[i], p, o->once);

				if (r != 0 && rc == 0)
					rc = r;
			}
		} else {
			rc = spawn(&c, v, n, p);
		}
	}
	if (qpid > 0) {
		kill(qpid, SIGTERM);
		while (waitpid(qpid, NULL, 0) < 0 && errno == EINTR)
			;
	} else if (rc == 0 && o->once) {
		/* cron mode: one delivery pass over what was spooled */
		char *dir = config_path(&c, c.delivery.spool);
		struct stat st;

		if (dir != NULL && stat(dir, &st) == 0 &&
		    (spool = spool_open(dir, err, sizeof(err))) != NULL)
			(void)qmgr_run_once(&c, spool, 0);
		free(dir);
	}
	spool_close(&spool);
	free(v);
	scrub_policy_destroy(&p);
	config_free(&c);
	return rc;
}

/* fetchcmd_main - the command line */
int
fetchcmd_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "once", no_argument, NULL, '1' },
		{ "account", required_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 }
	};
	struct fetch_opts o = { NULL, NULL, 0 };
	int ch;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': o.config = optarg; break;
		case '1': o.once = 1; break;
		case 'a': o.account = optarg; break;
		default:
			fprintf(stderr, "usage: scrubgate fetch [-c CONF] [--once] "
			    "[--account NAME]\n");
			return EX_USAGE;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "scrubgate: fetch: unexpected argument '%.64s'\n",
		    argv[optind]);
		return EX_USAGE;
	}
	return fetch_run(&o);
}
