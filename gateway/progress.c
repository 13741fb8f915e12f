/* progress - a one-line progress bar on stderr (see progress.h). */
#include "progress.h"

#include <stdio.h>
#include <time.h>
#include <unistd.h>

#define PROGRESS_INTERVAL_MS 100
#define PROGRESS_BAR 20

/* mono_ms - monotonic milliseconds */
static long long
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* progress_init - enabled unless quiet or stderr is not a TTY */
void
progress_init(struct progress *p, int quiet, unsigned long long total)
{
	p->on = !quiet && isatty(STDERR_FILENO);
	p->start_ms = p->last_ms = mono_ms();
	p->total = total;
	p->drawn = 0;
}

/* draw_bar - "[#####.....]" for a fraction of the total */
static void
draw_bar(double frac)
{
	int fill = (int)(frac * PROGRESS_BAR);

	fputc('[', stderr);
	for (int i = 0; i < PROGRESS_BAR; i++)
		fputc(i < fill ? '#' : '.', stderr);
	fputs("] ", stderr);
}

/* progress_update - redraw when the last drawing is old enough */
void
progress_update(struct progress *p, unsigned long msgs,
    unsigned long long bytes)
{
	long long now = mono_ms();
	double secs, mb = bytes / 1048576.0, rate;

	if (!p->on || now - p->last_ms < PROGRESS_INTERVAL_MS)
		return;
	p->last_ms = now;
	secs = (now - p->start_ms) / 1000.0;
	rate = secs > 0 ? mb / secs : 0;
	fputc('\r', stderr);
	if (p->total) {
		double frac = bytes >= p->total ? 1.0 : (double)bytes / p->total;
		double left = rate > 0 ? (p->total / 1048576.0 - mb) / rate : 0;

		draw_bar(frac);
		fprintf(stderr, "%lu msgs  %.1f/%.1f MB  %.1f MB/s  ETA %d:%02d",
		    msgs, mb, p->total / 1048576.0, rate, (int)left / 60,
		    (int)left % 60);
	} else
		fprintf(stderr, "%lu msgs  %.1f MB  %.1f MB/s", msgs, mb, rate);
	fputs("\033[K", stderr);
	fflush(stderr);
	p->drawn = 1;
}

/* progress_done - clear the line */
void
progress_done(struct progress *p)
{
	if (p->on && p->drawn) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
	}
	p->drawn = 0;
}
