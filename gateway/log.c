/* log - one line per event, to syslog (LOG_MAIL) or stderr; see log.h.
 *
 * Every line is made printable before it leaves: a control byte (CR, LF,
 * ESC, ...) from a peer's reply cannot forge a second log line or drive a
 * terminal; it is written as '?'.  Lines are bounded (LOG_LINE_MAX).
 *
 * Pseudonyms: log_addr gives "u-" + the first 8 hex digits of
 * HMAC-SHA-256(key, lower-cased address).  The key is the scrub pseudonym
 * key when the configuration has one loaded; otherwise a random key made
 * once per process tree (log_open or the first log_addr), so pseudonyms
 * are stable within one run of the daemon (its children inherit the key)
 * but cannot be linked across runs.
 */
#include "log.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <syslog.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "config.h"

#define LOG_LINE_MAX 2048
#define LOG_KEY_MAX 64

static struct {
	char ident[64];		/* "scrubgate/smtpd": openlog keeps the pointer */
	int to_syslog;
	unsigned char key[LOG_KEY_MAX];
	size_t keylen;
	int plain;
} log_state = { "scrubgate", 0, { 0 }, 0, 0 };

static void log_random_key(void);

/* log_open - ident is the service; to_syslog 0: stderr */
void
log_open(const char *ident, int to_syslog)
{
	snprintf(log_state.ident, sizeof(log_state.ident), "scrubgate/%s",
	    ident != NULL && *ident ? ident : "main");
	if (log_state.to_syslog)
		closelog();
	log_state.to_syslog = to_syslog;
	if (to_syslog)
		openlog(log_state.ident, LOG_PID | LOG_NDELAY, LOG_MAIL);
	if (log_state.keylen == 0)	/* made now, so children inherit it */
		log_random_key();
}

/* log_set_ident - another service name, same destination */
void
log_set_ident(const char *ident)
{
	log_open(ident, log_state.to_syslog);
}

/* log_random_key - a per-process-tree key when none was given */
static void
log_random_key(void)
{
	if (getrandom(log_state.key, 32, 0) != 32) {
		/* never fails on Linux >= 3.17 for 32 bytes; fall back
		 * to something still unknown to a reader of the log */
		for (size_t i = 0; i < 32; i++)
			log_state.key[i] = (unsigned char)(rand() ^ getpid());
	}
	log_state.keylen = 32;
}

/* log_set_key - the pseudonym key for log_addr; plain: log as given */
void
log_set_key(const unsigned char *key, size_t len, int plain)
{
	log_state.plain = plain;
	if (key == NULL || len == 0) {
		log_random_key();
		return;
	}
	if (len > LOG_KEY_MAX)
		len = LOG_KEY_MAX;
	memcpy(log_state.key, key, len);
	log_state.keylen = len;
}

/* log_configure - key and plain flag from a loaded configuration */
void
log_configure(const struct config *c)
{
	log_set_key(c->spec.keylen ? c->spec.key : NULL, c->spec.keylen,
	    c->delivery.log_addresses);
}

/* log_sanitize - control bytes to '?', in place */
static void
log_sanitize(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}

/* log_vmsg - format, sanitize, emit */
static void
log_vmsg(enum log_level lvl, const char *fmt, va_list ap)
{
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
	static const char *tag[] = { "error: ", "warning: ", "", "debug: " };
	char line[LOG_LINE_MAX];
	int n;

	if ((unsigned)lvl > LOG_LVL_DEBUG)
		lvl = LOG_LVL_INFO;
	n = vsnprintf(line, sizeof(line), fmt, ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line))	/* mark the cut */
		memcpy(line + sizeof(line) - 4, "...", 4);
	log_sanitize(line);
	if (log_state.to_syslog)
		syslog(prio[lvl], "%s%s", tag[lvl], line);
	else
		fprintf(stderr, "%s[%ld]: %s%s\n", log_state.ident,
		    (long)getpid(), tag[lvl], line);
}

/* log_msg - one line */
void
log_msg(enum log_level lvl, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(lvl, fmt, ap);
	va_end(ap);
}

/* log_addr - pseudonym (or the plain address, sanitized and cut) */
const char *
log_addr(const char *addr, char *buf)
{
	char low[LOG_ADDR_MAX];
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned maclen = 0;
	size_t n;

	if (addr == NULL || *addr == '\0') {	/* the null sender <> */
		buf[0] = '\0';
		return buf;
	}
	if (log_state.plain) {
		snprintf(buf, LOG_ADDR_MAX, "%s", addr);
		log_sanitize(buf);
		return buf;
	}
	if (log_state.keylen == 0)
		log_random_key();
	n = strlen(addr);
	if (n >= sizeof(low))	/* longer than any valid address: hash it cut */
		n = sizeof(low) - 1;
	for (size_t i = 0; i < n; i++)
		low[i] = (char)tolower((unsigned char)addr[i]);
	low[n] = '\0';
	if (HMAC(EVP_sha256(), log_state.key, (int)log_state.keylen,
	    (const unsigned char *)low, n, mac, &maclen) == NULL || maclen < 4) {
		snprintf(buf, LOG_ADDR_MAX, "u-????????");
		return buf;
	}
	snprintf(buf, LOG_ADDR_MAX, "u-%02x%02x%02x%02x", mac[0], mac[1],
	    mac[2], mac[3]);
	return buf;
}
