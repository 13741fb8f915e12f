/* progress - a one-line progress bar on stderr for long runs.
 *
 * Drawn only when stderr is a terminal and the user did not ask for
 * --quiet; redrawn at most ten times a second: messages, MB done (of the
 * total when known), MB/s and the estimated time left.  progress_done
 * clears the line.  Nothing else is ever written by this module.
 */
#ifndef SCRUBGATE_PROGRESS_H
#define SCRUBGATE_PROGRESS_H

struct progress {
	int on;
	long long start_ms, last_ms;
	unsigned long long total;	/* input bytes, 0 if unknown */
	int drawn;
};

/* progress_init - enabled unless quiet or stderr is not a TTY */
void progress_init(struct progress *p, int quiet, unsigned long long total);
void progress_update(struct progress *p, unsigned long msgs,
    unsigned long long bytes);
void progress_done(struct progress *p);

#endif
