/* config - the key table and the INI parser driven by it (see config.h).
 *
 * libinih does the INI syntax.  We feed it through ini_parse_stream with
 * our own line reader, which numbers the lines (so an error found after a
 * key was accepted - a bad regex - can still name its line), sees section
 * headers (so empty or unknown sections are caught) and refuses lines
 * longer than inih's fixed line buffer instead of letting it split them.
 * inih's multi-line continuation is switched off: an indented line is an
 * ordinary key, not a silent continuation of the key above.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "config_table.h"

#define F(m) offsetof(struct config, m)
#define RT(m) offsetof(struct route_cfg, m)
#define RU(m) offsetof(struct rule_cfg, m)
#define AC(m) offsetof(struct account_cfg, m)
#define LIM(name, type, def, min, max, doc) \
	{ "limits", #name, type, def, min, max, F(spec.limits.name), 0, doc }

const struct cfg_key cfg_keys[] = {
	{ "scrub", "strategy", CT_STRATEGY, "mask", 0, 0, F(spec.strategy), 0,
	  "How a finding is replaced. mask: by its label, e.g. [EMAIL]. "
	  "pseudonym: by a stable token, e.g. [EMAIL-7f3a9c2e], an "
	  "HMAC-SHA-256 of the normalised value under the key in "
	  "pseudonym_key, so the same value gets the same token in every "
	  "message and only the key holder can link them." },
	{ "scrub", "pseudonym_key", CT_PATH, "pseudonym.key", 0, 0,
	  F(key_path), 0,
	  "File holding the pseudonym key (hex), relative to the directory of "
	  "this file. Used only with strategy = pseudonym; created with 32 "
	  "random bytes and mode 0600 when missing. A key file that group or "
	  "others can read is refused." },
	{ "kinds", NULL, CT_KIND, "redact", 1, 64, F(spec.kinds), 0,
	  "One key per built-in kind: redact (replace by label or pseudonym), "
	  "mask-keep-last N (replace all but the last N letters and digits "
	  "by '*'), or off (leave alone). name is known-entity redaction: "
	  "names and addresses from the message's own headers (see "
	  "[entities])." },
	{ "pattern", "regex", CT_PAT_REGEX, "", 0, 0, 0, 0,
	  "A section [pattern NAME] (NAME: a-z, 0-9, _) adds a custom kind. "
	  "regex: a PCRE2 pattern (UTF mode), required. At most 32 patterns; "
	  "a line may hold at most 196 bytes." },
	{ "pattern", "label", CT_PAT_LABEL, "NAME upper-cased", 0, 0, 0, 0,
	  "Replacement label of the custom kind: A-Z, a-z, 0-9, _ and -." },
	{ "pattern", "action", CT_PAT_ACTION, "redact", 1, 64, 0, 0,
	  "redact, mask-keep-last N or off, as in [kinds]." },
	{ "allow", "value", CT_VALUES, "", 0, 0, F(spec.allow_values),
	  F(spec.nallow_values),
	  "A value that is never redacted (exact match). Repeat the key for "
	  "more values." },
	{ "allow", "pattern", CT_PATTERNS, "", 0, 0, F(spec.allow_patterns),
	  F(spec.nallow_patterns),
	  "A PCRE2 pattern; a finding it matches in full is never redacted. "
	  "Repeat the key for more patterns." },
	{ "recipients", "cc_allow", CT_ADDRS, "", 0, 0, F(spec.cc_allow),
	  F(spec.ncc_allow),
	  "Cc/Bcc addresses kept in the headers: domains (example.com) or full "
	  "addresses (a@example.com), separated by commas or spaces. Every "
	  "other Cc and Bcc address is removed. Empty: remove them all." },
	{ "attachments", "default", CT_ATTACH, "keep", 0, 0,
	  F(spec.attach_default), 0,
	  "What happens to a non-text attachment no rule matches: keep "
	  "(the body byte-identical; personal data in its file name is "
	  "redacted), drop (replaced by a short text/plain note) or "
	  "reject (the whole message fails and is quarantined)." },
	{ "attachments", NULL, CT_ATTACH_RULE, "", 0, 0, F(spec.attach),
	  F(spec.nattach),
	  "Rules, tried in order, first match wins: a MIME type "
	  "(application/pdf = keep), a whole top-level type (image/* = drop) "
	  "or a file name ending (.exe = reject)." },
	{ "entities", "cc", CT_BOOL, "yes", 0, 0, F(spec.entities_cc), 0,
	  "Redact names and addresses of Cc'd and Bcc'd people where the "
	  "text mentions them again." },
	{ "entities", "to", CT_BOOL, "no", 0, 0, F(spec.entities_to), 0,
	  "The same for the To people." },
	{ "entities", "requester", CT_BOOL, "no", 0, 0,
	  F(spec.entities_requester), 0,
	  "The same for the requester (From, Reply-To, Sender)." },
	{ "headers", "skip", CT_HEADERS, "", 0, 0, F(spec.skip_headers),
	  F(spec.nskip_headers),
	  "Header names never scanned, on top of the built-in ones, "
	  "separated by commas or spaces." },
	LIM(max_depth, CT_UINT, "20", 1, 1000,
	    "MIME nesting depth (multipart and message/rfc822 levels)."),
	LIM(max_parts, CT_UINT, "500", 1, 100000, "MIME parts in one message."),
	LIM(max_header_size, CT_SIZE, "256k", 1024, 64ULL << 20,
	    "Bytes in one header block. Sizes take a k, m or g suffix."),
	LIM(max_line_length, CT_SIZE, "4m", 1000, 1ULL << 30,
	    "Bytes in one line (header or undecoded body)."),
	LIM(max_message_size, CT_SIZE, "64m", 1024, 4ULL << 30,
	    "Bytes in one message."),
	LIM(max_decoded_size, CT_SIZE, "32m", 1024, 4ULL << 30,
	    "Bytes of one decoded text part."),
	LIM(match_limit, CT_UINT, "1000000", 1000, 1000000000,
	    "PCRE2 match limit per match attempt."),
	LIM(depth_limit, CT_UINT, "10000", 100, 10000000,
	    "PCRE2 depth limit per match attempt."),
	LIM(heap_limit_kib, CT_UINT, "20480", 64, 4194304,
	    "PCRE2 heap limit in KiB."),
	LIM(scrub_timeout_ms, CT_UINT, "30000", 100, 3600000,
	    "Wall time for one message in milliseconds; past it the message "
	    "is quarantined (timeout)."),
	LIM(worker_memory_mb, CT_UINT, "1024", 64, 65536,
	    "Address-space limit of the scrub worker process in MiB (not "
	    "applied in ASan and valgrind runs)."),

	/* ---- [server]: scrubgate serve ---- */
	{ "server", "listen", CT_STRING, "127.0.0.1:2525", 0, 0,
	  F(server.listen), 0,
	  "Address and port the SMTP server listens on (host:port, "
	  "[v6addr]:port)." },
	{ "server", "hostname", CT_STRING, "", 0, 0, F(server.hostname), 0,
	  "Name in the SMTP greeting and in the Received field. Empty: this "
	  "host's name." },
	{ "server", "user", CT_STRING, "", 0, 0, F(server.user), 0,
	  "Unprivileged user the server switches to after binding the port "
	  "when started as root, before it reads a byte from a client. "
	  "Empty: stay (a warning is logged when that is root)." },
	{ "server", "tls_cert", CT_STRING, "", 0, 0, F(server.tls_cert), 0,
	  "PEM certificate (chain) for STARTTLS, relative to the directory "
	  "of this file. With tls_key set, STARTTLS is offered (TLS 1.2 or "
	  "later). Empty: no STARTTLS." },
	{ "server", "tls_key", CT_STRING, "", 0, 0, F(server.tls_key), 0,
	  "PEM private key for STARTTLS, relative to the directory of this "
	  "file; readable by [server] user too if SIGHUP should reload it." },
	{ "server", "trusted_peers", CT_ADDRS, "", 0, 0,
	  F(server.trusted_peers), F(server.ntrusted_peers),
	  "Client IP addresses trusted to send XFORWARD (a Postfix in front, "
	  "the content-filter case) and to keep their X-Scrubgate-* header "
	  "fields; from everyone else those fields are removed." },
	{ "server", "max_connections", CT_UINT, "2000", 1, 100000,
	  F(server.max_connections), 0,
	  "Sessions open at once; one more is answered 421 and closed." },
	{ "server", "max_connections_per_ip", CT_UINT, "50", 1, 100000,
	  F(server.max_connections_per_ip), 0,
	  "Sessions open at once from one client address." },
	{ "server", "line_length_limit", CT_SIZE, "2048", 512, 65536,
	  F(server.line_length_limit), 0,
	  "Longest SMTP command line in bytes (500 5.5.2 beyond)." },
	{ "server", "max_commands", CT_UINT, "10000", 10, 10000000,
	  F(server.max_commands), 0,
	  "Commands in one session; past it 421 and the session ends." },
	{ "server", "max_errors", CT_UINT, "20", 1, 10000,
	  F(server.max_errors), 0,
	  "Rejected commands in one session; past it 421 and the session "
	  "ends." },
	{ "server", "max_recipients", CT_UINT, "100", 1, 100000,
	  F(server.max_recipients), 0,
	  "Recipients of one message (452 4.5.3 beyond)." },
	{ "server", "max_message_size", CT_SIZE, "25m", 1024, 1ULL << 30,
	  F(server.max_message_size), 0,
	  "Largest message in bytes, announced with SIZE and enforced "
	  "(552 5.3.4)." },
	{ "server", "max_buffered", CT_SIZE, "512m", 64 * 1024, 1ULL << 40,
	  F(server.max_buffered), 0,
	  "Message data the server holds in memory at once, across all "
	  "sessions and the messages waiting to be scrubbed (counted by "
	  "buffer size; a buffer grows by doubling, so at least twice "
	  "max_message_size). When it is reached MAIL gets 452 4.3.1 "
	  "(Insufficient system storage) and a message that cannot grow "
	  "further is read to its end, dropped and answered 452 4.3.1: the "
	  "client keeps it and retries. Bounds what max_connections times "
	  "max_message_size would not." },
	{ "server", "idle_timeout", CT_DURATION, "5m", 1, 86400,
	  F(server.idle_timeout), 0,
	  "A session that sends nothing for this long is closed (421)." },
	{ "server", "session_timeout", CT_DURATION, "1h", 1, 604800,
	  F(server.session_timeout), 0,
	  "Longest time one session may last (421 past it)." },
	{ "server", "shutdown_timeout", CT_DURATION, "30s", 0, 3600,
	  F(server.shutdown_timeout), 0,
	  "On SIGTERM: how long sessions in progress may still finish "
	  "their message before they are told 421." },
	{ "server", "max_hops", CT_UINT, "3", 1, 100, F(server.max_hops), 0,
	  "A message already carrying more X-Scrubgate-Trace fields than "
	  "this is a mail loop: 554 5.4.6." },
	{ "server", "scrub_workers", CT_UINT, "8", 1, 64,
	  F(server.scrub_workers), 0,
	  "Pool slots: each is a thread with its own scrub worker process "
	  "and takes one message at a time through scrub and ticket store, "
	  "then hands it to the spool threads, which wait for the fsyncs. "
	  "The slots do CPU work: a few per core (default 8)." },
	{ "server", "quarantine", CT_STRING, "", 0, 0, F(server.quarantine), 0,
	  "Directory (relative to the directory of this file) for messages "
	  "that fail scrubbing: kept there unscrubbed (mode 0600) and "
	  "answered 250. Empty: answered 554 5.6.0 and kept nowhere." },
	/* server rows: add here */

	/* ---- [delivery]: spool, queue, next-hop clients ---- */
	{ "delivery", "spool", CT_PATH, "/var/spool/scrubgate", 0, 0,
	  F(delivery.spool), 0,
	  "Spool directory: accepted, scrubbed messages wait here until the "
	  "next hop has taken them. Relative to the directory of this file." },
	{ "delivery", "log_addresses", CT_BOOL, "no", 0, 0,
	  F(delivery.log_addresses), 0,
	  "Write envelope addresses in log lines as they are. no: only their "
	  "pseudonyms u-xxxxxxxx (HMAC-SHA-256 under the pseudonym key)." },
	{ "delivery", "concurrency", CT_UINT, "10", 1, 1000,
	  F(delivery.concurrency), 0,
	  "Deliveries in progress at once (one process each)." },
	{ "delivery", "max_lifetime", CT_DURATION, "5d", 1, 365 * 86400ULL,
	  F(delivery.max_lifetime), 0,
	  "How long a message may wait for a next hop that fails temporarily; "
	  "after that it bounces and moves to the dead-letter directory." },
	{ "delivery", "min_backoff", CT_DURATION, "5m", 1, 86400,
	  F(delivery.min_backoff), 0,
	  "First retry delay after a temporary failure; it doubles with each "
	  "attempt up to max_backoff." },
	{ "delivery", "max_backoff", CT_DURATION, "4h", 1, 7 * 86400ULL,
	  F(delivery.max_backoff), 0, "Longest retry delay." },
	{ "delivery", "timeout", CT_DURATION, "5m", 1, 3600,
	  F(delivery.timeout), 0,
	  "Time limit of one network connect, read or write to a next hop." },
	{ "delivery", "bounce_relay", CT_STRING, "", 0, 0,
	  F(delivery.bounce_relay), 0,
	  "Next hop (as a route's next_hop, e.g. smtp://relay.example:25) that "
	  "delivery status notifications go to: the sender's domain is not "
	  "ours. Empty: no bounce is sent (the failure is logged and the "
	  "message kept in the dead-letter directory)." },
	{ "delivery", "bounce_tls", CT_STRING, "required", 0, 0,
	  F(delivery.bounce_tls), 0, "tls of bounce_relay, as a route's tls." },
	{ "delivery", "ca_file", CT_STRING, "", 0, 0, F(delivery.ca_file), 0,
	  "PEM file of CA certificates that next-hop certificates are verified "
	  "against, for routes without their own ca_file; relative to the "
	  "directory of this file. Empty: the system CA store." },
	{ "delivery", "helo_name", CT_STRING, "", 0, 0, F(delivery.helo_name),
	  0, "Name sent in EHLO/LHLO. Empty: this host's name." },
	/* delivery rows: add here */

	/* ---- [store]: the ticket store ---- */
	{ "store", "database", CT_PATH, "tickets.db", 0, 0,
	  F(store.database), 0,
	  "The SQLite file of the ticket store. Relative to the directory of "
	  "this file (to the working directory without -c); a daemon "
	  "sets an absolute path such as /var/lib/scrubgate/tickets.db." },
	/* store rows: add here */
	{ "store", "pseudonym_key", CT_PATH, "pseudonym.key", 0, 0,
	  F(store.key_path), 0,
	  "Key file of the store's pseudonyms (HMAC-SHA-256 of each address "
	  "and Message-ID), relative like database; created with 32 random "
	  "bytes and mode 0600 when missing; refused when group or others "
	  "can read it. Keep it apart from the database: without it the "
	  "stored pseudonyms can no longer be matched to an address." },
	{ "store", "store_addresses", CT_BOOL, "no", 0, 0,
	  F(store.store_addresses), 0,
	  "Also keep plain addresses in the store (personal data at rest; "
	  "default: pseudonyms only)." },
	{ "store", "retention", CT_DURATION, "3y", 86400, 100 * 365 * 86400ULL,
	  F(store.retention), 0,
	  "How long a ticket is kept after its last activity: the default "
	  "of `scrubgate tickets purge`." },
	{ "store", "auto_replies", CT_STRING, "attach", 0, 0,
	  F(store.auto_replies), 0,
	  "Auto-replies and bulk mail never open a ticket. drop: not "
	  "forwarded; forward: forwarded untagged, not recorded; attach: "
	  "recorded on the ticket they reply to, if any, and forwarded." },
	{ "store", "loop_id", CT_STRING, "scrubgate", 0, 0, F(store.loop_id), 0,
	  "An X-Loop header holding this text names us: such a message is "
	  "treated as an auto-reply." },
	{ "store", "busy_timeout", CT_DURATION, "10s", 1, 600,
	  F(store.busy_timeout), 0,
	  "How long a writer waits for another to finish before giving up "
	  "(a temporary failure)." },

	/* ---- [filter]: scrubgate filter (Postfix pipe content filter) ---- */
	{ "filter", "sendmail", CT_PATH, "/usr/sbin/sendmail", 0, 0,
	  F(filter.sendmail), 0,
	  "The command that reinjects the scrubbed message: run as "
	  "SENDMAIL -G -i -f SENDER -- RCPT... (Postfix's sendmail). Used "
	  "when next_hop is empty." },
	{ "filter", "next_hop", CT_STRING, "", 0, 0, F(filter.next_hop), 0,
	  "Reinject over the network instead of with sendmail: a next hop as "
	  "in [route NAME] next_hop, e.g. smtp://127.0.0.1:10026 (Postfix's "
	  "reinjection smtpd). Empty: use sendmail." },
	{ "filter", "tls", CT_STRING, "required", 0, 0, F(filter.tls), 0,
	  "TLS towards next_hop: required or none (loopback only), as in "
	  "[route NAME] tls." },
	{ "filter", "route", CT_STRING, "", 0, 0, F(filter.route), 0,
	  "Name of the [route NAME] the filtered mail belongs to (recorded "
	  "with the message in the ticket store). Empty: the first route "
	  "whose mailboxes hold a recipient, else none." },
	{ "filter", "timeout", CT_DURATION, "5m", 1, 86400, F(filter.timeout),
	  0,
	  "Time limit for reinjecting one message; past it the filter exits "
	  "75 (EX_TEMPFAIL) and Postfix retries." },
	/* filter rows: add here */

	/* ---- [route NAME] ---- */
	{ "route", "mailboxes", CT_ADDRS, "", 0, 0, RT(mailboxes),
	  RT(nmailboxes),
	  "A section [route NAME] (NAME: letters, digits, _ . -) describes one "
	  "route. mailboxes: the addresses or whole domains it receives mail "
	  "for, separated by commas or spaces. postmaster@ each of their "
	  "domains is always accepted too (RFC 5321), and a bare <Postmaster> "
	  "goes to the first route." },
	{ "route", "next_hop", CT_STRING, "", 0, 0, RT(next_hop), 0,
	  "Where the route's scrubbed mail goes: smtp://host:port (STARTTLS), "
	  "smtps://host:port, lmtp://host:port, lmtp:/path/to/socket, "
	  "maildir:/path, mbox:/path, imap://user@host[:port]/Folder, "
	  "imaps://user@host[:port]/Folder or sendmail:/usr/sbin/sendmail." },
	{ "route", "tls", CT_STRING, "required", 0, 0, RT(tls), 0,
	  "required: STARTTLS (or TLS from the start for smtps/imaps) with the "
	  "certificate chain verified and the host name checked; the message "
	  "waits rather than go in clear. none: plain text, for a next hop on "
	  "loopback only." },
	{ "route", "ca_file", CT_STRING, "", 0, 0, RT(ca_file), 0,
	  "PEM CA file for this next hop, relative to the directory of this "
	  "file. Empty: [delivery] ca_file, else the system CA store." },
	{ "route", "password_file", CT_STRING, "", 0, 0, RT(password_file), 0,
	  "File holding the IMAP password of an imap:// or imaps:// next hop "
	  "(first line; mode 0600 or stricter), relative to the directory of "
	  "this file." },
	/* route rows: add here */
	{ "route", "cc_allow", CT_ADDRS, "", 0, 0, RT(cc_allow), RT(ncc_allow),
	  "Cc/Bcc allow-list of this route; given, it replaces [recipients] "
	  "cc_allow." },
	{ "route", "kinds_off", CT_HEADERS, "", 0, 0, RT(kinds_off),
	  RT(nkinds_off),
	  "Redaction profile: kinds (as in [kinds], custom pattern names "
	  "too) this route leaves alone, e.g. kinds_off = phone, ipv4." },
	{ "route", "kinds_on", CT_HEADERS, "", 0, 0, RT(kinds_on),
	  RT(nkinds_on),
	  "Kinds this route redacts although [kinds] switches them off." },
	{ "route", "attachments", CT_STRING, "", 0, 0, RT(attachments), 0,
	  "keep, drop or reject: replaces [attachments] default for this "
	  "route. Empty: the global one." },
	{ "route", "tag_format", CT_STRING, "[#{id}]", 0, 0, RT(tag_format), 0,
	  "The ticket tag put in the Subject of forwarded copies and looked "
	  "for in replies; {id} stands for the ticket number." },

	/* ---- [rule NAME] ---- */
	/* rule rows: add here */
	{ "rule", "route", CT_STRING, "", 0, 0, RU(route), 0,
	  "A section [rule NAME] routes a message: rules are tried in file "
	  "order, the first whose conditions all hold wins (a rule without "
	  "conditions matches everything). route: the [route NAME] it "
	  "chooses, required. Without a matching rule the route whose "
	  "mailboxes hold a recipient is used, else [route default]." },
	{ "rule", "mailbox", CT_ADDRS, "", 0, 0, RU(mailbox), RU(nmailbox),
	  "Condition: a recipient is one of these addresses or domains." },
	{ "rule", "sender_domain", CT_ADDRS, "", 0, 0, RU(sender_domain),
	  RU(nsender_domain),
	  "Condition: the sender's domain (or address) is one of these." },
	{ "rule", "subject", CT_STRING, "", 0, 0, RU(subject), 0,
	  "Condition: a PCRE2 pattern found in the decoded Subject." },
	{ "rule", "header", CT_STRING, "", 0, 0, RU(header), 0,
	  "Condition: \"Name: PCRE2\", the pattern found in the decoded "
	  "value of a header field of that name." },
	{ "rule", "tag", CT_BOOL, "no", 0, 0, RU(tag), 0,
	  "Condition: the Subject carries a ticket tag (in the route's "
	  "tag_format)." },

	/* ---- [account NAME] ---- */
	{ "account", "host", CT_STRING, "", 0, 0, AC(host), 0,
	  "A section [account NAME] is one IMAP mailbox that scrubgate fetch "
	  "polls. host: the IMAP server's name (required); the certificate "
	  "must match it." },
	{ "account", "port", CT_UINT, "0", 0, 65535, AC(port), 0,
	  "TCP port. 0: 993 with tls = imaps, else 143." },
	{ "account", "tls", CT_STRING, "imaps", 0, 0, AC(tls), 0,
	  "imaps (TLS from the start), starttls (STARTTLS required) or none "
	  "(plain text; only when written here). The certificate chain is "
	  "verified and the host name checked." },
	{ "account", "ca_file", CT_PATH, "", 0, 0, AC(ca_file), 0,
	  "PEM CA file to verify the server with. Empty: [delivery] ca_file, "
	  "else the system CA store." },
	{ "account", "user", CT_STRING, "", 0, 0, AC(user), 0,
	  "Login name (required)." },
	{ "account", "password_file", CT_PATH, "", 0, 0, AC(password_file), 0,
	  "File holding the password (first line; mode 0600 or stricter). "
	  "Passwords are never taken from the command line." },
	{ "account", "password_env", CT_STRING, "", 0, 0, AC(password_env), 0,
	  "Name of an environment variable holding the password, when there "
	  "is no password_file." },
	{ "account", "folder", CT_STRING, "INBOX", 0, 0, AC(folder), 0,
	  "The folder fetched from." },
	{ "account", "route", CT_STRING, "", 0, 0, AC(route), 0,
	  "Name of the [route NAME] whose next hop gets the scrubbed mail "
	  "(required)." },
	{ "account", "recipient", CT_STRING, "", 0, 0, AC(recipient), 0,
	  "Envelope recipient of the forwarded copy. Empty: the route's "
	  "first mailbox, else user when it is an address." },
	{ "account", "after", CT_STRING, "seen", 0, 0, AC(after), 0,
	  "What happens to a message on the server once its scrubbed copy "
	  "was delivered or spooled: seen (flag \\Seen), move (to move_to) "
	  "or delete (\\Deleted and expunged)." },
	{ "account", "move_to", CT_STRING, "", 0, 0, AC(move_to), 0,
	  "Folder for after = move (created when missing)." },
	{ "account", "first_run", CT_STRING, "unseen", 0, 0, AC(first_run), 0,
	  "What the account's first run (no state in the ticket store yet) "
	  "takes from the folder. unseen: only messages without \\Seen; "
	  "those a person had read before scrubgate was set up stay where "
	  "they are, unforwarded and untouched whatever after says, and "
	  "later runs start above the highest UID the first one saw. all: "
	  "every message, as later runs do." },
	{ "account", "quarantine_folder", CT_STRING, "Quarantine", 0, 0,
	  AC(quarantine_folder), 0,
	  "Folder a message the scrubber rejects is moved to on the server "
	  "(created when missing); it is never forwarded." },
	{ "account", "poll_interval", CT_DURATION, "60s", 1, 86400,
	  AC(poll_interval), 0,
	  "Seconds between two looks at the folder when IDLE is not used." },
	{ "account", "idle", CT_BOOL, "yes", 0, 0, AC(idle), 0,
	  "Wait with IDLE when the server offers it (re-issued every 25 "
	  "minutes), else poll." },
	{ "account", "timeout", CT_DURATION, "60s", 1, 3600, AC(timeout), 0,
	  "Time limit for one IMAP command or read." },
	/* account rows: add here */
};
const size_t cfg_nkeys = sizeof(cfg_keys) / sizeof(cfg_keys[0]);
_Static_assert(sizeof(cfg_keys) / sizeof(cfg_keys[0]) <= 256,
    "cfg_parse.seen holds 256 rows");

const struct cfg_named cfg_named[] = {
	{ "route", F(routes), F(nroutes), sizeof(struct route_cfg), 256 },
	{ "rule", F(rules), F(nrules), sizeof(struct rule_cfg), 1024 },
	{ "account", F(accounts), F(naccounts), sizeof(struct account_cfg), 64 },
};
const size_t cfg_nnamed = sizeof(cfg_named) / sizeof(cfg_named[0]);

/* cfg_named_of - the named type of a section name, or NULL */
const struct cfg_named *
cfg_named_of(const char *section)
{
	for (size_t i = 0; i < cfg_nnamed; i++)
		if (strcmp(cfg_named[i].section, section) == 0)
			return &cfg_named[i];
	return NULL;
}

/* cfg_named_count - how many instances */
size_t
cfg_named_count(const struct config *c, const struct cfg_named *t)
{
	return *(const size_t *)(const void *)((const char *)c + t->count);
}

/* cfg_instance_at - instance i of a named type */
void *
cfg_instance_at(const struct config *c, const struct cfg_named *t, size_t i)
{
	char *a = *(char *const *)(const void *)((const char *)c + t->array);

	return a + i * t->size;
}

/* cfg_legacy_section - defaults from policy_spec_defaults, not from def */
int
cfg_legacy_section(const char *section)
{
	static const char *legacy[] = { "scrub", "kinds", "pattern", "allow",
	    "recipients", "attachments", "entities", "headers", "limits" };

	for (size_t i = 0; i < sizeof(legacy) / sizeof(legacy[0]); i++)
		if (strcmp(legacy[i], section) == 0)
			return 1;
	return 0;
}

/* the parser's state, shared by the line reader and the inih handler */
struct cfg_parse {
	struct config *c;
	const char *name;
	const char *p;
	size_t len, pos;
	unsigned line;
	unsigned err_line;	/* line of the first error, 0: none yet */
	int in_pattern;		/* index of the current [pattern], or -1 */
	const struct cfg_named *named;	/* the current [route NAME]..., or NULL */
	size_t named_idx;	/* its instance */
	char *base;		/* where row offsets point: c, or the instance */
	int bad_section;	/* the current section was refused */
	unsigned char seen[256];		/* scalar rows given */
	unsigned size_line;	/* [server] max_buffered/max_message_size */
	unsigned char seen_kind[KIND_BUILTIN_COUNT];
	unsigned char seen_pat[KIND_CUSTOM_MAX][3];
};

/* fail - record the first error as "FILE:LINE: problem" */
static int
fail(struct cfg_parse *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int
fail(struct cfg_parse *s, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	if (s->err_line)
		return 0;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	s->err_line = s->line ? s->line : 1;
	snprintf(s->c->error, sizeof(s->c->error), "%s:%u: %s", s->name,
	    s->err_line, msg);
	return 0;
}

static int set_scalar(struct cfg_parse *, const struct cfg_key *,
    const char *);
static int apply_defaults(struct cfg_parse *, const char *);

/* config_defaults - the rows' defaults of every scalar section that is
 * not part of the scrub policy */
static int
config_defaults(struct config *c)
{
	struct cfg_parse s;

	memset(&s, 0, sizeof(s));
	s.c = c;
	s.name = "(defaults)";
	s.base = (char *)c;
	s.in_pattern = -1;
	for (size_t i = 0; i < cfg_nkeys; i++) {
		const char *sec = cfg_keys[i].section;

		if ((i == 0 || strcmp(cfg_keys[i - 1].section, sec) != 0) &&
		    !cfg_legacy_section(sec) && cfg_named_of(sec) == NULL &&
		    !apply_defaults(&s, sec))
			return -1;
	}
	return 0;
}

/* free_rows - the strings and lists a section's rows own in base */
static void
free_rows(char *base, const char *section)
{
	for (size_t i = 0; i < cfg_nkeys; i++) {
		const struct cfg_key *k = &cfg_keys[i];

		if (strcmp(k->section, section) != 0 || k->key == NULL)
			continue;
		if (k->type == CT_STRING || k->type == CT_PATH) {
			free(*(char **)(void *)(base + k->field));
		} else if (k->type == CT_VALUES || k->type == CT_PATTERNS ||
		    k->type == CT_ADDRS || k->type == CT_HEADERS) {
			char **v = *(char ***)(void *)(base + k->field);
			size_t n = *(size_t *)(void *)(base + k->nfield);

			for (size_t j = 0; j < n; j++)
				free(v[j]);
			free(v);
		}
	}
}

/* config_init - built-in defaults (what runs without -c) */
int
config_init(struct config *c)
{
	memset(c, 0, sizeof(*c));
	policy_spec_defaults(&c->spec);
	c->source = strdup("(defaults)");
	c->key_path = strdup("pseudonym.key");
	if (c->source == NULL || c->key_path == NULL)
		return -1;
	return config_defaults(c);
}

/* config_free - release everything, wiping the key */
void
config_free(struct config *c)
{
	policy_spec_free(&c->spec);
	for (size_t i = 0; i < cfg_nkeys; i++) {
		const char *sec = cfg_keys[i].section;

		if ((i == 0 || strcmp(cfg_keys[i - 1].section, sec) != 0) &&
		    !cfg_legacy_section(sec) && cfg_named_of(sec) == NULL)
			free_rows((char *)c, sec);
	}
	for (size_t t = 0; t < cfg_nnamed; t++) {
		for (size_t i = 0; i < cfg_named_count(c, &cfg_named[t]); i++) {
			struct cfg_instance *in = cfg_instance_at(c,
			    &cfg_named[t], i);

			free_rows((char *)in, cfg_named[t].section);
			free(in->name);
		}
		free(*(void **)(void *)((char *)c + cfg_named[t].array));
	}
	free(c->key_path);
	free(c->dir);
	free(c->source);
	free(c->allow_pattern_line);
	memset(c, 0, sizeof(*c));
}

/* printable - a value without control bytes (it reaches logs and dumps) */
static int
printable(const char *v)
{
	for (; *v; v++)
		if ((unsigned char)*v < 0x20 || *v == 0x7f)
			return 0;
	return 1;
}

/* parse_number - decimal with optional k/m/g suffix (sizes only) */
static int
parse_number(const char *v, int suffix, unsigned long long *n_r)
{
	unsigned long long n = 0, mul = 1;
	const char *p = v;

	if (!isdigit((unsigned char)*p))
		return -1;
	for (; isdigit((unsigned char)*p); p++) {
		if (n > (~0ULL - 9) / 10)
			return -1;
		n = n * 10 + (unsigned long long)(*p - '0');
	}
	if (suffix && *p) {
		switch (tolower((unsigned char)*p++)) {
		case 'k': mul = 1ULL << 10; break;
		case 'm': mul = 1ULL << 20; break;
		case 'g': mul = 1ULL << 30; break;
		default: return -1;
		}
	}
	if (*p != '\0' || (n && mul > ~0ULL / n))
		return -1;
	*n_r = n * mul;
	return 0;
}

/* parse_duration - "30s", "5m", "2h", "5d", "3w", "13mo", "3y"; a bare
 * number is seconds */
int
config_parse_duration(const char *v, unsigned long long *n_r)
{
	static const struct { const char *u; unsigned long long s; } units[] = {
		{ "s", 1 }, { "m", 60 }, { "min", 60 }, { "h", 3600 },
		{ "d", 86400 }, { "w", 7 * 86400ULL }, { "mo", 30 * 86400ULL },
		{ "y", 365 * 86400ULL },
	};
	unsigned long long n = 0;
	const char *p = v;

	if (!isdigit((unsigned char)*p))
		return -1;
	for (; isdigit((unsigned char)*p); p++) {
		if (n > (~0ULL - 9) / 10)
			return -1;
		n = n * 10 + (unsigned long long)(*p - '0');
	}
	if (*p == '\0') {
		*n_r = n;
		return 0;
	}
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strcmp(p, units[i].u) == 0) {
			if (n && units[i].s > ~0ULL / n)
				return -1;
			*n_r = n * units[i].s;
			return 0;
		}
	return -1;
}
#define parse_duration config_parse_duration

/* parse_action - "redact", "off", "mask-keep-last N" */
static int
parse_action(const char *v, const struct cfg_key *k, struct kind_rule *r)
{
	unsigned long long n;

	if (strcmp(v, "redact") == 0 || strcmp(v, "off") == 0) {
		r->action = v[0] == 'r' ? ACTION_REDACT : ACTION_OFF;
		r->keep_last = 0;
		return 0;
	}
	if (strncmp(v, "mask-keep-last", 14) != 0 || !isspace((unsigned char)v[14]))
		return -1;
	v += 14;
	while (isspace((unsigned char)*v))
		v++;
	if (parse_number(v, 0, &n) < 0 || n < k->min || n > k->max)
		return -1;
	r->action = ACTION_MASK_KEEP_LAST;
	r->keep_last = (unsigned)n;
	return 0;
}

/* parse_bool - yes/no and the usual synonyms */
static int
parse_bool(const char *v)
{
	static const char *yes[] = { "yes", "true", "on", "1" };
	static const char *no[] = { "no", "false", "off", "0" };

	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(v, yes[i]) == 0)
			return 1;
		if (strcasecmp(v, no[i]) == 0)
			return 0;
	}
	return -1;
}

/* parse_attach - keep | drop | reject */
static int
parse_attach(const char *v)
{
	if (strcmp(v, "keep") == 0)
		return ATTACH_KEEP;
	if (strcmp(v, "drop") == 0)
		return ATTACH_DROP;
	if (strcmp(v, "reject") == 0)
		return ATTACH_REJECT;
	return -1;
}

/* list_add - append a copy of s[0..n) to a string list */
static int
list_add(char ***v, size_t *n, const char *s, size_t len, int lower)
{
	char **nv = realloc(*v, (*n + 1) * sizeof(**v));
	char *d;

	if (nv == NULL)
		return -1;
	*v = nv;
	if ((d = strndup(s, len)) == NULL)
		return -1;
	for (size_t i = 0; lower && d[i]; i++)
		d[i] = (char)tolower((unsigned char)d[i]);
	nv[(*n)++] = d;
	return 0;
}

/* valid_token - an address, domain or header name: no space, no control,
 * header names also no colon */
static int
valid_token(const char *s, size_t n, enum cfg_type t)
{
	size_t at = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch <= 0x20 || ch == 0x7f || ch == ';' ||
		    (t == CT_HEADERS && ch == ':'))
			return 0;
		if (t == CT_ADDRS && (ch == '<' || ch == '>' || ch == '"' ||
		    ch == ',' || (ch == '@' && ++at > 1)))
			return 0;
	}
	return n > 0 && !(t == CT_ADDRS && (s[0] == '@' || s[n - 1] == '@'));
}

/* set_list - split on commas and spaces, append each item */
static int
set_list(struct cfg_parse *s, const struct cfg_key *k, const char *v)
{
	char ***list = (char ***)(void *)(s->base + k->field);
	size_t *n = (size_t *)(void *)(s->base + k->nfield);
	const char *sep = ", \t";

	while (*v) {
		size_t len;

		v += strspn(v, sep);
		if ((len = strcspn(v, sep)) == 0)
			break;
		if (!valid_token(v, len, k->type))
			return fail(s, "%s: bad %s '%.*s'", k->key,
			    k->type == CT_HEADERS ? "header name" :
			    "address or domain", (int)(len > 64 ? 64 : len), v);
		if (list_add(list, n, v, len, 1) < 0)
			return fail(s, "out of memory");
		v += len;
	}
	return 1;
}

/* set_repeat - [allow] value / pattern: one item per line */
static int
set_repeat(struct cfg_parse *s, const struct cfg_key *k, const char *v)
{
	char ***list = (char ***)(void *)(s->base + k->field);
	size_t *n = (size_t *)(void *)(s->base + k->nfield);

	if (*v == '\0')
		return 1;	/* "value =" says: none */
	if (k->type == CT_PATTERNS && strcmp(k->section, "allow") == 0) {
		unsigned *nl = realloc(s->c->allow_pattern_line,
		    (*n + 1) * sizeof(*nl));

		if (nl == NULL)
			return fail(s, "out of memory");
		nl[*n] = s->line;
		s->c->allow_pattern_line = nl;
	}
	if (list_add(list, n, v, strlen(v), 0) < 0)
		return fail(s, "out of memory");
	return 1;
}

/* valid_attach_match - "type/subtype", "type/" + star, or ".ext" */
static int
valid_attach_match(const char *m)
{
	const char *slash = strchr(m, '/');

	if (m[0] == '.')
		return m[1] && strspn(m + 1, "abcdefghijklmnopqrstuvwxyz"
		    "0123456789_-+.") == strlen(m + 1);
	if (slash == NULL || slash == m || slash[1] == '\0')
		return 0;
	for (const char *p = m; *p; p++)
		if (!(isalnum((unsigned char)*p) || strchr("/!#$&^_.+-", *p) ||
		    (*p == '*' && p == slash + 1 && p[1] == '\0')))
			return 0;
	return 1;
}

/* set_attach_rule - "image/png = drop" */
static int
set_attach_rule(struct cfg_parse *s, const char *name, const char *v)
{
	struct policy_spec *sp = &s->c->spec;
	struct attach_rule *nr;
	int a = parse_attach(v);
	char *m;

	if (a < 0)
		return fail(s, "%s: bad value '%.64s' (keep, drop or reject)",
		    name, v);
	if ((m = strdup(name)) == NULL)
		return fail(s, "out of memory");
	for (char *p = m; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	if (!valid_attach_match(m)) {
		free(m);
		return fail(s, "unknown key '%.64s' (a MIME type like image/png "
		    "or image/*, a file ending like .exe, or default)", name);
	}
	if ((nr = realloc(sp->attach, (sp->nattach + 1) * sizeof(*nr))) == NULL) {
		free(m);
		return fail(s, "out of memory");
	}
	sp->attach = nr;
	nr[sp->nattach].match = m;
	nr[sp->nattach++].action = (enum attach_action)a;
	return 1;
}

/* set_number - CT_UINT / CT_SIZE with bounds */
static int
set_number(struct cfg_parse *s, const struct cfg_key *k, const char *v)
{
	unsigned long long n;
	char *f = s->base + k->field;

	if (parse_number(v, k->type == CT_SIZE, &n) < 0)
		return fail(s, "%s: bad number '%.64s'", k->key, v);
	if (n < k->min || n > k->max)
		return fail(s, "%s = %llu: out of range (%llu..%llu)", k->key, n,
		    k->min, k->max);
	if (k->type == CT_SIZE)
		*(size_t *)(void *)f = (size_t)n;
	else
		*(unsigned *)(void *)f = (unsigned)n;
	return 1;
}

/* set_scalar - the fixed-key types */
static int
set_scalar(struct cfg_parse *s, const struct cfg_key *k, const char *v)
{
	char *f = s->base + k->field;
	int x;

	switch (k->type) {
	case CT_STRATEGY:
		if (strcmp(v, "mask") && strcmp(v, "pseudonym"))
			return fail(s, "strategy: bad value '%.64s' (mask or "
			    "pseudonym)", v);
		s->c->spec.strategy = v[0] == 'm' ? STRATEGY_MASK :
		    STRATEGY_PSEUDONYM;
		return 1;
	case CT_PATH:
		/* a path with a default is required; one without is
		 * optional and "key =" leaves it unset (NULL) */
		if (*v == '\0' && *k->def != '\0')
			return fail(s, "%s: empty file name", k->key);
		free(*(char **)(void *)f);
		*(char **)(void *)f = NULL;
		if (*v == '\0')
			return 1;
		if ((*(char **)(void *)f = strdup(v)) == NULL)
			return fail(s, "out of memory");
		return 1;
	case CT_ATTACH:
		if ((x = parse_attach(v)) < 0)
			return fail(s, "%s: bad value '%.64s' (keep, drop or "
			    "reject)", k->key, v);
		*(enum attach_action *)(void *)f = (enum attach_action)x;
		return 1;
	case CT_BOOL:
		if ((x = parse_bool(v)) < 0)
			return fail(s, "%s: bad value '%.64s' (yes or no)",
			    k->key, v);
		*(int *)(void *)f = x;
		return 1;
	case CT_STRING:
		free(*(char **)(void *)f);
		if ((*(char **)(void *)f = strdup(v)) == NULL)
			return fail(s, "out of memory");
		return 1;
	case CT_DURATION: {
		unsigned long long n;

		if (parse_duration(v, &n) < 0)
			return fail(s, "%s: bad duration '%.64s' (a number with "
			    "s, m, h, d, w, mo or y)", k->key, v);
		if (n < k->min || n > k->max)
			return fail(s, "%s = %s: out of range (%llus..%llus)",
			    k->key, v, k->min, k->max);
		*(unsigned long long *)(void *)f = n;
		return 1;
	}
	default:
		return set_number(s, k, v);
	}
}

/* set_pattern_key - regex, label, action of the current [pattern NAME] */
static int
set_pattern_key(struct cfg_parse *s, const struct cfg_key *k, const char *v)
{
	int i = s->in_pattern;
	struct custom_pattern *cp = &s->c->spec.custom[i];
	char **f = k->type == CT_PAT_REGEX ? &cp->regex : &cp->label;

	if (k->type == CT_PAT_ACTION) {
		if (parse_action(v, k, &s->c->spec.kinds[KIND_CUSTOM + i]) < 0)
			return fail(s, "action: bad value '%.64s' (redact, "
			    "mask-keep-last N with N in 1..64, or off)", v);
		return 1;
	}
	if (*v == '\0')
		return fail(s, "%s: empty value", k->key);
	if (k->type == CT_PAT_LABEL && (strlen(v) > 32 || strspn(v,
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
	    != strlen(v)))
		return fail(s, "label: bad value '%.64s' (letters, digits, _ "
		    "and -, at most 32)", v);
	if (k->type == CT_PAT_REGEX)
		s->c->regex_line[i] = s->line;
	free(*f);
	if ((*f = strdup(v)) == NULL)
		return fail(s, "out of memory");
	return 1;
}

/* find_row - the table row for section/key; *row_r its index */
static const struct cfg_key *
find_row(const char *section, const char *name, size_t *row_r)
{
	const struct cfg_key *wild = NULL;

	for (size_t i = 0; i < cfg_nkeys; i++) {
		if (strcmp(cfg_keys[i].section, section) != 0)
			continue;
		if (cfg_keys[i].key == NULL) {
			wild = &cfg_keys[i];
			*row_r = i;
		} else if (strcmp(cfg_keys[i].key, name) == 0) {
			*row_r = i;
			return &cfg_keys[i];
		}
	}
	return wild;
}

/* handle_kind - [kinds] NAME = action */
static int
handle_kind(struct cfg_parse *s, const struct cfg_key *k, const char *name,
    const char *v)
{
	int kind = kind_lookup(name);

	if (kind < 0)
		return fail(s, "unknown kind '%.64s' in [kinds]", name);
	if (s->seen_kind[kind]++)
		return fail(s, "%s given twice in [kinds]", name);
	if (parse_action(v, k, &s->c->spec.kinds[kind]) < 0)
		return fail(s, "%s: bad value '%.64s' (redact, mask-keep-last N "
		    "with N in 1..64, or off)", name, v);
	return 1;
}

/* handler - inih callback for one key = value */
static int
handler(void *user, const char *section, const char *name, const char *value)
{
	struct cfg_parse *s = user;
	const char *sec = s->in_pattern >= 0 ? "pattern" :
	    s->named ? s->named->section : section;
	const struct cfg_key *k;
	size_t row = 0;

	if (s->bad_section)
		return 0;
	s->base = s->named ? cfg_instance_at(s->c, s->named, s->named_idx) :
	    (char *)s->c;
	if (*section == '\0')
		return fail(s, "key '%.64s' outside a section", name);
	if (!printable(value))
		return fail(s, "%s: control character in value", name);
	if (value[0] == ';')	/* it would read back as a comment */
		return fail(s, "%s: value may not start with ';'", name);
	if ((k = find_row(sec, name, &row)) == NULL)
		return fail(s, "unknown key '%.64s' in [%.64s]", name, section);
	if (k->type == CT_KIND)
		return handle_kind(s, k, name, value);
	if (k->type == CT_ATTACH_RULE)
		return set_attach_rule(s, name, value);
	if (k->type == CT_VALUES || k->type == CT_PATTERNS)
		return set_repeat(s, k, value);
	if (k->type == CT_ADDRS || k->type == CT_HEADERS)
		return set_list(s, k, value);
	if (s->in_pattern >= 0) {
		if (s->seen_pat[s->in_pattern][k->type - CT_PAT_REGEX]++)
			return fail(s, "%s given twice in [%.64s]", name, section);
		return set_pattern_key(s, k, value);
	}
	if (s->seen[row]++)
		return fail(s, "%s given twice in [%.64s]", name, section);
	if (k->field == F(server.max_buffered) ||
	    k->field == F(server.max_message_size))
		s->size_line = s->line;
	return set_scalar(s, k, value);
}

/* new_pattern - "[pattern NAME]": a new custom kind */
static void
new_pattern(struct cfg_parse *s, const char *name, size_t n)
{
	struct policy_spec *sp = &s->c->spec;
	struct custom_pattern *cp;

	if (n == 0 || n > 32 || strspn(name, "abcdefghijklmnopqrstuvwxyz"
	    "0123456789_") < n) {
		fail(s, "bad pattern name '%.*s' (a-z, 0-9 and _, at most 32)",
		    (int)(n > 64 ? 64 : n), name);
		return;
	}
	for (size_t i = 0; i < sp->ncustom; i++)
		if (strlen(sp->custom[i].name) == n &&
		    memcmp(sp->custom[i].name, name, n) == 0) {
			fail(s, "[pattern %.*s] given twice", (int)n, name);
			return;
		}
	if (kind_lookup(strndupa(name, n)) >= 0) {
		fail(s, "pattern name '%.*s' is a built-in kind", (int)n, name);
		return;
	}
	if (sp->ncustom == KIND_CUSTOM_MAX) {
		fail(s, "too many [pattern] sections (at most %d)",
		    KIND_CUSTOM_MAX);
		return;
	}
	cp = &sp->custom[sp->ncustom];
	cp->name = strndup(name, n);
	cp->label = strndup(name, n);
	if (cp->name == NULL || cp->label == NULL) {
		fail(s, "out of memory");
		return;
	}
	for (char *p = cp->label; *p; p++)
		*p = (char)toupper((unsigned char)*p);
	sp->kinds[KIND_CUSTOM + sp->ncustom] = (struct kind_rule){ ACTION_REDACT, 0 };
	s->c->custom_line[sp->ncustom] = s->line;
	s->in_pattern = (int)sp->ncustom++;
}

/* apply_defaults - every scalar row of section from its def string, into
 * s->base */
static int
apply_defaults(struct cfg_parse *s, const char *section)
{
	for (size_t i = 0; i < cfg_nkeys; i++) {
		const struct cfg_key *k = &cfg_keys[i];

		if (strcmp(k->section, section) != 0 || k->key == NULL)
			continue;
		switch (k->type) {
		case CT_STRING: case CT_PATH: case CT_UINT: case CT_SIZE:
		case CT_BOOL: case CT_DURATION:
			if (*k->def && !set_scalar(s, k, k->def))
				return 0;
			break;
		default:
			break;
		}
	}
	return 1;
}

/* new_instance - "[route NAME]": a new instance of a named section */
static void
new_instance(struct cfg_parse *s, const struct cfg_named *t,
    const char *name, size_t n)
{
	char **arr = (char **)(void *)((char *)s->c + t->array);
	size_t *cnt = (size_t *)(void *)((char *)s->c + t->count);
	struct cfg_instance *in;
	char *na;

	if (n == 0 || n > 64 || strspn(name, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.@-") < n) {
		fail(s, "bad %s name '%.*s' (letters, digits, _ . @ -, at most "
		    "64)", t->section, (int)(n > 64 ? 64 : n), name);
		return;
	}
	for (size_t i = 0; i < *cnt; i++) {
		in = cfg_instance_at(s->c, t, i);
		if (strlen(in->name) == n && memcmp(in->name, name, n) == 0) {
			fail(s, "[%s %.*s] given twice", t->section, (int)n,
			    name);
			return;
		}
	}
	if (*cnt >= t->max) {
		fail(s, "too many [%s] sections (at most %u)", t->section,
		    t->max);
		return;
	}
	if ((na = realloc(*arr, (*cnt + 1) * t->size)) == NULL) {
		fail(s, "out of memory");
		return;
	}
	*arr = na;
	in = (struct cfg_instance *)(void *)(na + *cnt * t->size);
	memset(in, 0, t->size);
	if ((in->name = strndup(name, n)) == NULL) {
		fail(s, "out of memory");
		return;
	}
	in->line = s->line;
	s->named = t;
	s->named_idx = (*cnt)++;
	s->base = (char *)in;
	for (size_t i = 0; i < cfg_nkeys; i++)
		if (strcmp(cfg_keys[i].section, t->section) == 0)
			s->seen[i] = 0;
	if (!apply_defaults(s, t->section))
		s->named = NULL;
}

/* section_line - a "[...]" line: check the name, track [pattern NAME] */
static void
section_line(struct cfg_parse *s, const char *line, size_t n)
{
	const char *end = memchr(line, ']', n);
	size_t len;

	s->in_pattern = -1;
	s->named = NULL;
	s->bad_section = 1;
	if (end == NULL)
		return;		/* inih reports the syntax error */
	line++;
	len = (size_t)(end - line);
	if (len > 8 && memcmp(line, "pattern ", 8) == 0) {
		new_pattern(s, line + 8, len - 8);
		s->bad_section = s->in_pattern < 0;
		return;
	}
	for (size_t i = 0; i < cfg_nnamed; i++) {
		size_t sl = strlen(cfg_named[i].section);

		if (len > sl + 1 && memcmp(line, cfg_named[i].section, sl) == 0 &&
		    line[sl] == ' ') {
			new_instance(s, &cfg_named[i], line + sl + 1, len - sl - 1);
			s->bad_section = s->named == NULL;
			return;
		}
	}
	for (size_t i = 0; i < cfg_nkeys; i++)
		if (strlen(cfg_keys[i].section) == len && memcmp(
		    cfg_keys[i].section, line, len) == 0 && strcmp(
		    cfg_keys[i].section, "pattern") != 0 &&
		    cfg_named_of(cfg_keys[i].section) == NULL) {
			s->bad_section = 0;
			if (len == 5 && memcmp(line, "store", 5) == 0)
				s->c->store.line = s->line;	/* store: scrub records */
			return;
		}
	fail(s, "unknown section [%.*s]", (int)(len > 64 ? 64 : len), line);
}

/* reader - inih's fgets: one line at a time, numbered and checked */
static char *
reader(char *str, int num, void *stream)
{
	struct cfg_parse *s = stream;
	const char *p = s->p + s->pos, *nl;
	size_t avail = s->len - s->pos, n, skip;

	if (avail == 0)
		return NULL;
	s->line++;
	nl = memchr(p, '\n', avail);
	n = nl ? (size_t)(nl - p) + 1 : avail;
	s->pos += n;
	skip = s->line == 1 && n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
	while (skip < n && (p[skip] == ' ' || p[skip] == '\t'))
		skip++;
	if (memchr(p, '\0', n) != NULL) {
		fail(s, "NUL byte in line");
		n = 0;
	} else if (n + 1 > (size_t)num) {
		fail(s, "line too long (at most %d bytes)", num - 4);
		n = 0;
	} else if (skip < n && p[skip] == '[') {
		section_line(s, p + skip, n - skip);
	}
	memcpy(str, p, n);
	str[n] = '\0';
	return str;
}

/* check_patterns - every [pattern] has a regex */
static int
check_patterns(struct cfg_parse *s)
{
	for (size_t i = 0; i < s->c->spec.ncustom; i++)
		if (s->c->spec.custom[i].regex == NULL) {
			s->line = s->c->custom_line[i];
			return fail(s, "[pattern %s] has no regex",
			    s->c->spec.custom[i].name);
		}
	return 1;
}

/* check_buffered - a message of max_message_size must fit in
 * max_buffered (its buffer grows by doubling: up to twice its size) */
static int
check_buffered(struct cfg_parse *s)
{
	const struct server_cfg *sv = &s->c->server;

	if (sv->max_buffered / 2 >= sv->max_message_size)
		return 1;
	s->line = s->size_line;
	return fail(s, "[server] max_buffered (%zu) must be at least twice "
	    "max_message_size (%zu)", sv->max_buffered, sv->max_message_size);
}

/* config_parse - apply INI text; name appears in error lines */
int
config_parse(struct config *c, const char *name, const char *text,
    size_t len)
{
	struct cfg_parse s;
	int rc;

	if (c->source == NULL || strcmp(c->source, name) != 0) {
		free(c->source);
		if ((c->source = strdup(name)) == NULL) {
			snprintf(c->error, sizeof(c->error), "%s: out of memory",
			    name);
			return -1;
		}
	}
	memset(&s, 0, sizeof(s));
	s.c = c;
	s.name = name;
	s.p = text;
	s.len = len;
	s.in_pattern = -1;
	s.base = (char *)c;
	c->error[0] = '\0';
	ini_allow_multiline = false;
	rc = ini_parse_stream(reader, &s, handler, &s);
	if (rc > 0 && !s.err_line) {
		s.line = (unsigned)rc;
		fail(&s, "syntax error (want [section] or key = value)");
	} else if (rc < 0 && !s.err_line) {
		s.line = 0;
		fail(&s, "out of memory");
	}
	if (!s.err_line)
		check_patterns(&s);
	if (!s.err_line)
		check_buffered(&s);
	return s.err_line ? -1 : 0;
}
