/* log - one line per event, to syslog (mail facility) or stderr, in
 * Postfix's shape so that mail admins can grep it:
 *
 *   scrubgate/smtpd[1234]: connect from unknown[127.0.0.1]
 *   scrubgate/smtpd[1234]: 3F2A9C01B7E4: client=unknown[127.0.0.1]
 *   scrubgate/qmgr[1230]: 3F2A9C01B7E4: from=<u-7f3a9c2e>, size=10240, nrcpt=1
 *   scrubgate/smtp[1240]: 3F2A9C01B7E4: to=<u-1b2c3d4e>, relay=127.0.0.1[127.0.0.1]:10026, delay=0.12, status=sent (250 2.0.0 Ok)
 *
 * No personal data: an address is logged through log_addr(), which gives
 * its pseudonym "u-xxxxxxxx" (HMAC-SHA-256 under the pseudonym key, first
 * 8 hex digits) unless log_addresses = yes.
 */
#ifndef SCRUBGATE_LOG_H
#define SCRUBGATE_LOG_H

#include <stddef.h>

enum log_level { LOG_LVL_ERR, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

/* log_open - ident is the service, e.g. "smtpd" (shown as
 * scrubgate/smtpd); to_syslog 0: stderr */
void log_open(const char *ident, int to_syslog);
/* log_set_key - the pseudonym key for log_addr; plain: log as given */
void log_set_key(const unsigned char *key, size_t len, int plain);
void log_msg(enum log_level lvl, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* log_addr - the address as it may appear in a log line; buf of at
 * least LOG_ADDR_MAX bytes; returns buf */
#define LOG_ADDR_MAX 320
const char *log_addr(const char *addr, char *buf);

/* log_configure - (added by delivery) log_set_key from a loaded config:
 * the scrub pseudonym key when one is loaded (else a random key per
 * process tree), plain when [delivery] log_addresses = yes */
struct config;
void log_configure(const struct config *c);
/* log_set_ident - (added by delivery) another service name, same
 * destination: a forked delivery process becomes scrubgate/smtp */
void log_set_ident(const char *ident);

#endif
