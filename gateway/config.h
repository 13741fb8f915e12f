/* config - the scrubgate configuration file (INI, parsed by libinih).
 *
 * One declarative table of keys {section, key, type, default, min, max,
 * field, doc} drives parsing and bounds checking, the dump of the effective
 * settings (check-config), the annotated example file and the key
 * reference in the documentation.  Parsing fills a policy_spec (see
 * filters/policy.h), starting from policy_spec_defaults.
 *
 * Errors are one line "FILE:LINE: problem" (or "FILE: problem" when no line
 * applies) in config.error; the first error wins.  Regular expressions are
 * checked by compiling the spec through scrub_policy_create.
 */
#ifndef SCRUBGATE_CONFIG_H
#define SCRUBGATE_CONFIG_H

#include <stddef.h>

#include "buf.h"
#include "policy.h"

struct scrub_policy;

/* Named sections: [route NAME], [rule NAME], [account NAME].  Every
 * instance struct starts with the members of struct cfg_instance; the
 * table rows of a named section hold offsets into the instance struct.
 * Instances keep the order of the file. */
struct cfg_instance {
	char *name;			/* NAME of [section NAME] */
	unsigned line;			/* line of the section header */
};

/* [route NAME]: where a message goes and how it is treated */
struct route_cfg {
	char *name;
	unsigned line;
	char **mailboxes;		/* addresses or domains it serves */
	size_t nmailboxes;
	/* further route keys: below, one block per feature */
	/* store (issue 4): redaction profile, recipients, tag */
	char **cc_allow;		/* replaces [recipients] cc_allow */
	size_t ncc_allow;
	char **kinds_off;		/* kinds this route leaves alone */
	size_t nkinds_off;
	char **kinds_on;		/* kinds this route redacts after all */
	size_t nkinds_on;
	char *attachments;		/* "", keep, drop, reject */
	char *tag_format;		/* "[#{id}]" */
	/* next hop (helper "delivery") */
	char *next_hop;			/* smtp://, lmtp:, maildir:, imap://... */
	char *tls;			/* required | none */
	char *ca_file;			/* CA file for the hop's certificate */
	char *password_file;		/* IMAP password */
};

/* [rule NAME]: routing rules, first match wins */
struct rule_cfg {
	char *name;
	unsigned line;
	/* rule keys: below */
	char *route;			/* the route it names */
	char **mailbox;			/* recipient addresses or domains */
	size_t nmailbox;
	char **sender_domain;		/* sender domains (or addresses) */
	size_t nsender_domain;
	char *subject;			/* PCRE2 on the decoded Subject */
	char *header;			/* "Name: PCRE2" on a header value */
	int tag;			/* the Subject carries a ticket tag */
};

/* [account NAME]: an IMAP mailbox polled by `scrubgate fetch` */
struct account_cfg {
	char *name;
	unsigned line;
	/* account keys: below */
	/* IMAP ingest (helper "doors", scrubgate fetch) */
	char *host;
	unsigned port;			/* 0: by tls */
	char *tls;			/* imaps | starttls | none */
	char *ca_file;
	char *user;
	char *password_file;
	char *password_env;
	char *folder;
	char *route;
	char *recipient;
	char *after;			/* seen | move | delete */
	char *move_to;
	char *first_run;		/* unseen | all: the first pass of a new account */
	char *quarantine_folder;
	unsigned long long poll_interval;	/* seconds */
	int idle;
	unsigned long long timeout;	/* seconds per command */
};

/* [server]: `scrubgate serve` (SMTP) */
struct server_cfg {
	char *listen;
	/* server keys: below */
	/* SMTP server (helper "smtpd", issue 3) */
	char *hostname;			/* greeting/Received name, "": host name */
	char *user;			/* drop to this user when started as root */
	char *tls_cert, *tls_key;	/* PEM files; both set: STARTTLS offered */
	char **trusted_peers;		/* IPs allowed XFORWARD and X-Scrubgate-* */
	size_t ntrusted_peers;
	unsigned max_connections;	/* sessions open at once */
	unsigned max_connections_per_ip;
	size_t line_length_limit;	/* command line, CRLF included */
	unsigned max_commands;		/* per session */
	unsigned max_errors;		/* rejected commands per session */
	unsigned max_recipients;	/* per message */
	size_t max_message_size;	/* SIZE */
	size_t max_buffered;		/* message data held by all sessions */
	unsigned long long idle_timeout;	/* seconds without a byte */
	unsigned long long session_timeout;	/* seconds per session */
	unsigned long long shutdown_timeout;	/* SIGTERM grace, seconds */
	unsigned max_hops;		/* X-Scrubgate-Trace fields before 554 */
	unsigned scrub_workers;		/* pool slots: thread + scrub worker */
	char *quarantine;		/* failed messages go here (+250); "": 554 */
};

/* [delivery]: spool, queue and next-hop clients */
struct delivery_cfg {
	char *spool;
	/* delivery keys: below */
	/* queue and next-hop clients (helper "delivery") */
	int log_addresses;		/* plain addresses in log lines */
	unsigned concurrency;		/* deliveries at once */
	unsigned long long max_lifetime;	/* seconds in the queue before a bounce */
	unsigned long long min_backoff, max_backoff;	/* retry delays */
	unsigned long long timeout;	/* per network read/write */
	char *bounce_relay;		/* next hop for DSNs, NULL: none sent */
	char *bounce_tls;		/* tls of that hop */
	char *ca_file;			/* default CA file of every route */
	char *helo_name;		/* EHLO/LHLO name, NULL: host name */
};

/* [filter]: `scrubgate filter` (Postfix pipe content filter) */
struct filter_cfg {
	char *sendmail;			/* reinjection command */
	char *next_hop;			/* or this next hop, NULL: sendmail */
	char *tls;			/* towards next_hop */
	char *route;			/* route name, NULL: by recipient */
	unsigned long long timeout;	/* seconds for the reinjection */
	/* filter keys: below */
};

/* [store]: the ticket store */
struct store_cfg {
	char *database;
	/* store keys: below */
	unsigned line;			/* line of [store] in the file, 0: none
					 * (then `scrubgate scrub` records nothing) */
	char *key_path;			/* pseudonym_key, as written */
	int store_addresses;		/* keep plain addresses too */
	unsigned long long retention;	/* seconds, purge default */
	char *auto_replies;		/* drop | forward | attach */
	char *loop_id;			/* X-Loop value that names us */
	unsigned long long busy_timeout; /* seconds */
};

struct config {
	struct policy_spec spec;
	struct server_cfg server;
	struct delivery_cfg delivery;
	struct store_cfg store;
	struct filter_cfg filter;
	struct route_cfg *routes;
	size_t nroutes;
	struct rule_cfg *rules;
	size_t nrules;
	struct account_cfg *accounts;
	size_t naccounts;
	char *key_path;			/* [scrub] pseudonym_key, as written */
	char *dir;			/* directory of the config file, or NULL */
	char *source;			/* file name used in error lines */
	unsigned custom_line[KIND_CUSTOM_MAX];	/* [pattern NAME] line */
	unsigned regex_line[KIND_CUSTOM_MAX];	/* its regex = line */
	unsigned *allow_pattern_line;	/* line of each [allow] pattern */
	char error[512];
};

/* config_init - built-in defaults (what runs without -c) */
int config_init(struct config *c);
void config_free(struct config *c);

/* config_parse_duration - "30s", "5m", "2h", "5d", "3w", "13mo", "3y"
 * (a bare number: seconds) into seconds; -1 when malformed */
int config_parse_duration(const char *v, unsigned long long *n_r);

/* config_parse - apply INI text; name appears in error lines */
int config_parse(struct config *c, const char *name, const char *text,
    size_t len);
/* config_load - read and parse a file, then load the pseudonym key */
int config_load(struct config *c, const char *path);
/* config_path - p (a CT_PATH value) resolved against the directory of
 * the config file; malloc'd, NULL for NULL or out of memory */
char *config_path(const struct config *c, const char *p);
/* config_load_key - when strategy = pseudonym: read the key file, or
 * create it (32 random bytes, hex, mode 0600); refuse a key file that
 * group or others can read */
int config_load_key(struct config *c);
/* config_key_file - the same for any key file (path already resolved):
 * read it, or create it when missing; refuse a group/other-readable one.
 * 0, or -1 with err "PATH: problem" filled (added by issue 4, store) */
int config_key_file(const char *path, unsigned char *key, size_t keymax,
    size_t *keylen_r, char *err, size_t errlen);
/* config_compile - scrub_policy_create with errors located at a line;
 * the config must outlive the policy */
int config_compile(struct config *c, struct scrub_policy **p_r);

/* config_dump - the effective settings, every key, as valid INI */
int config_dump(const struct config *c, struct buf *out);
/* config_template - the annotated example file (config/scrubgate.conf) */
int config_template(struct buf *out);
/* config_markdown - the key reference table for docs/configuration.md */
int config_markdown(struct buf *out);

#endif
