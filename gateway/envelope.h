/* envelope - what every door in hands to the pipeline besides the bytes:
 * the SMTP envelope and the facts about the client.  Every door fills
 * one (serve from MAIL/RCPT/XFORWARD, filter from its arguments, fetch
 * from the account's route, scrub from the message's own headers).
 *
 * Addresses are stored as given, without angle brackets; "" is the null
 * sender <>.  They are personal data: never log them (see log.h).
 */
#ifndef SCRUBGATE_ENVELOPE_H
#define SCRUBGATE_ENVELOPE_H

#include <stddef.h>

struct envelope {
	char *sender;		/* MAIL FROM, "" for <> */
	char **rcpts;		/* RCPT TO, in order */
	size_t nrcpts;
	char *route;		/* name of the [route] chosen, or NULL */
	char client_addr[64];	/* peer IP (or XFORWARD ADDR), "" if none */
	char client_name[256];	/* reverse name / XFORWARD NAME, "" if none */
	char helo[256];		/* HELO/EHLO argument, "" if none */
	char proto[16];		/* "ESMTP", "ESMTPS", "SMTP", "pipe", "imap" */
	int smtputf8;		/* MAIL ... SMTPUTF8 given */
	int body_8bit;		/* BODY=8BITMIME given */
	unsigned long ticket;	/* ticket id given by ticket_apply, 0: none */
	long long store_msg;	/* the store's message row, 0: none */
};

void envelope_init(struct envelope *e);
void envelope_free(struct envelope *e);
/* envelope_set_sender / envelope_add_rcpt - copies; -1 out of memory */
int envelope_set_sender(struct envelope *e, const char *addr);
int envelope_add_rcpt(struct envelope *e, const char *addr);
/* envelope_remove_rcpt - drop rcpts[i], keeping the order */
void envelope_remove_rcpt(struct envelope *e, size_t i);

#endif
