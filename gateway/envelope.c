/* envelope - see envelope.h */
#include "envelope.h"

#include <stdlib.h>
#include <string.h>

void
envelope_init(struct envelope *e)
{
	memset(e, 0, sizeof(*e));
}

void
envelope_free(struct envelope *e)
{
	free(e->sender);
	for (size_t i = 0; i < e->nrcpts; i++)
		free(e->rcpts[i]);
	free(e->rcpts);
	free(e->route);
	memset(e, 0, sizeof(*e));
}

int
envelope_set_sender(struct envelope *e, const char *addr)
{
	char *s = strdup(addr ? addr : "");

	if (s == NULL)
		return -1;
	free(e->sender);
	e->sender = s;
	return 0;
}

int
envelope_add_rcpt(struct envelope *e, const char *addr)
{
	char **v = realloc(e->rcpts, (e->nrcpts + 1) * sizeof(*v));

	if (v == NULL)
		return -1;
	e->rcpts = v;
	if ((v[e->nrcpts] = strdup(addr)) == NULL)
		return -1;
	e->nrcpts++;
	return 0;
}

void
envelope_remove_rcpt(struct envelope *e, size_t i)
{
	if (i >= e->nrcpts)
		return;
	free(e->rcpts[i]);
	memmove(&e->rcpts[i], &e->rcpts[i + 1],
	    (e->nrcpts - i - 1) * sizeof(*e->rcpts));
	e->nrcpts--;
}
