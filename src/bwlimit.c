/*
 * bwlimit.c -- --bwlimit over the whole run.
 *
 * rsync limits the bytes its one sender writes to the socket.  treesync
 * copies with many workers, so the limit is a schedule they share: each
 * worker, after a call that moved N bytes, books N / rate seconds after
 * the run's last booking and sleeps until its booking ends.  The run as a
 * whole then moves at most RATE bytes a second (plus one call's worth),
 * whatever the number of workers, and the bytes are shared out in the
 * order the calls finish.  Idle time earns no credit: a run that paused
 * does not burst afterwards.  Calls are cut to an eighth of a second's
 * worth so that the rate is even, not bursts of a whole copy chunk.
 *
 * Owns nothing but its schedule; never touches a file.
 */
#define _GNU_SOURCE
#include "bwlimit.h"

#include "util.h"

#include <time.h>

#define SLICE 0.1	/* seconds slept at once: an abort is seen that fast */

void bwlimit_init(struct bwlimit *bw, uint64_t rate)
{
	bw->rate = rate;
	bw->next = 0;
	pthread_mutex_init(&bw->lock, NULL);
}

void bwlimit_destroy(struct bwlimit *bw)
{
	pthread_mutex_destroy(&bw->lock);
}

size_t bwlimit_clamp(const struct bwlimit *bw, size_t want)
{
	uint64_t most;

	if (!bw->rate)
		return want;
	most = bw->rate / 8;
	if (most < 512)
		most = 512;
	return want < most ? want : (size_t)most;
}

void bwlimit_take(struct bwlimit *bw, uint64_t n, const atomic_bool *abort)
{
	double now, until;

	if (!bw->rate || !n)
		return;
	now = util_now();
	pthread_mutex_lock(&bw->lock);
	if (bw->next < now)
		bw->next = now;
	bw->next += (double)n / (double)bw->rate;
	until = bw->next;
	pthread_mutex_unlock(&bw->lock);
	while (now < until && !atomic_load(abort)) {
		double d = until - now < SLICE ? until - now : SLICE;
		struct timespec ts = {
			.tv_sec = (time_t)d,
			.tv_nsec = (long)((d - (double)(time_t)d) * 1e9),
		};

		nanosleep(&ts, NULL);
		now = util_now();
	}
}
