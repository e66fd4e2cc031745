/*
 * bwlimit.h -- --bwlimit: one rate for the whole run, every worker's
 * copies together.
 *
 *	struct bwlimit bw;
 *	bwlimit_init(&bw, 1500 * 1024);		// bytes per second; 0: none
 *	want = bwlimit_clamp(&bw, want);	// before each copy call
 *	bwlimit_take(&bw, moved, &abort);	// after it: may sleep
 *	bwlimit_destroy(&bw);
 */
#ifndef TS_BWLIMIT_H
#define TS_BWLIMIT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

struct bwlimit {
	uint64_t rate;		/* bytes per second; 0: no limit (read-only) */
	pthread_mutex_t lock;	/* guards next */
	double next;		/* util_now() by which the bytes taken so far
				 * are paid for */
};

/* Sets up a limit of RATE bytes a second (0: none).  Not thread-safe. */
void bwlimit_init(struct bwlimit *bw, uint64_t rate);
void bwlimit_destroy(struct bwlimit *bw);

/* WANT, cut to what one call may move under the limit (an eighth of a
 * second's worth, at least 512 bytes, as rsync writes).  Thread-safe. */
size_t bwlimit_clamp(const struct bwlimit *bw, size_t want);

/* Accounts N bytes just moved and sleeps until the run is back within the
 * rate.  Returns early (within about 0.1 s) once *ABORT is set.
 * Thread-safe: every caller shares one schedule. */
void bwlimit_take(struct bwlimit *bw, uint64_t n, const atomic_bool *abort);

#endif
