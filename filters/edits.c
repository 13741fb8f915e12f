/* edits - a list of replacements (see edits.h). */
#include "edits.h"

#include <stdlib.h>

void
edits_init(struct edits *e)
{
	e->v = NULL;
	e->n = e->cap = 0;
	buf_init(&e->reps, 0);
}

void
edits_reset(struct edits *e)
{
	e->n = 0;
	buf_reset(&e->reps);
}

void
edits_free(struct edits *e)
{
	free(e->v);
	e->v = NULL;
	e->n = e->cap = 0;
	buf_free(&e->reps);
}

/* edits_add - append one edit; callers add them in order of start */
int
edits_add(struct edits *e, size_t start, size_t end, const char *rep,
    size_t rep_len)
{
	struct edit *nv;

	if (e->n == e->cap) {
		size_t ncap = e->cap ? e->cap * 2 : 16;

		if ((nv = realloc(e->v, ncap * sizeof(*nv))) == NULL)
			return -1;
		e->v = nv;
		e->cap = ncap;
	}
	e->v[e->n] = (struct edit){ start, end, e->reps.len, rep_len };
	if (buf_append(&e->reps, rep, rep_len) < 0)
		return -1;
	e->n++;
	return 0;
}
