/*
 * report_int.h -- struct report, shared by report.c, report_progress.c
 * and report_summary.c (nothing else looks inside).
 */
#ifndef TS_REPORT_INT_H
#define TS_REPORT_INT_H

#include "report.h"

#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>

#include <treesync/treesync.h>

#define LINE_MAX_BYTES (4 * PATH_MAX + 64)

/* A dry-run line waiting to be sorted. */
struct held_line {
	char *key;	/* the unescaped path, for sorting */
	char *text;
};

struct report_prog;

struct report {
	const struct ts_options *o;
	struct ts_host host;	/* write and is_terminal always set */
	atomic_uint_fast64_t changes;

	/* Lock order: lock, then nothing; log_lock alone. */
	pthread_mutex_t lock;	/* guards everything below but the log */
	char *out;		/* buffered standard output */
	size_t nout;
	struct held_line *held;	/* dry run: lines to sort */
	size_t nheld, capheld;
	int progress_shown;	/* width of the progress line now shown */

	pthread_mutex_t log_lock;	/* guards log_fp's stream */
	FILE *log_fp;		/* --log-file, or NULL */

	struct report_prog *prog;	/* --progress, or NULL */
};

/* report_emit() with r->lock already held. */
void report_emit_locked(struct report *r, enum ts_out stream,
    const char *text, size_t len);

/* Stops and frees the progress thread, if any (report_free). */
void report_progress_free(struct report *r);

#endif /* TS_REPORT_INT_H */
