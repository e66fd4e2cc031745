/*
 * report_int.h -- struct report, shared by report.c, report_item.c,
 * report_format.c, report_progress.c and report_summary.c (nothing else
 * looks inside).
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
	struct nameconv *names;	/* --iconv: printed paths back in the
				 * source's charset, or NULL (set before
				 * the run's threads) */
	struct ts_host host;	/* write and is_terminal always set */
	atomic_uint_fast64_t changes;

	/* What the options print, settled once by report_new() (rsync's
	 * options.c rules); read-only afterwards. */
	signed char info[TS_INFO_COUNT];	/* --info levels */
	signed char debug[TS_DEBUG_COUNT];	/* --debug levels */
	int human;		/* rsync's human_readable: 0 digits only,
				 * 1 separators, 2 K/M/G, 3 powers of 1024 */
	const char *out_fmt;	/* an item's stdout line, or NULL */
	int out_has_i;		/* rsync's stdout_format_has_i: 0, 1, 2 (-ii) */
	bool out_has_o_or_i;	/* deletions use out_fmt, not "deleting %n" */
	const char *log_fmt;	/* an item's --log-file line, or NULL */
	bool log_has_i, log_has_o_or_i;
	double t0;		/* when the run started (rates) */
	long pid;		/* getpid(), once: log lines and %p */

	/* Counts for --progress's per-file lines (off a terminal). */
	atomic_uint_fast64_t xfers;	/* files copied so far: xfr#N */
	atomic_uint_fast64_t xfer_bytes;	/* their bytes */
	void (*snap_fn)(struct report_progress *, void *);	/* counts */
	void *snap_arg;

	/* Lock order: lock, then nothing; log_lock alone. */
	pthread_mutex_t lock;	/* guards everything below but the log */
	char *out;		/* buffered standard output */
	size_t nout;
	struct held_line *held;	/* dry run: lines to sort */
	size_t nheld, capheld;
	int progress_shown;	/* width of the progress line now shown */
	bool header_done;	/* "sending incremental file list" said */
	bool listing;		/* --list-only: rsync's other header */
	bool want_sum;		/* a format shows %C: copies hash the file */
	bool delta_done;	/* -vv's "delta-transmission disabled" said */
	bool total_line;	/* --info=progress2 lines end without '\n' */

	pthread_mutex_t log_lock;	/* guards log_fp's stream */
	FILE *log_fp;		/* --log-file, or NULL */
	bool log_in_memory;	/* report_open_log_memory(): log_fp writes */
	char *log_mem;		/* ... into this buffer (final at fclose) */
	size_t log_mem_len;

	struct report_prog *prog;	/* --progress, or NULL */
};

/* Machine output replaces human lines on stdout. */
static inline bool machine_output(const struct report *r)
{
	return r->o->json || r->o->json_items;
}

/* Whether human lines go to stdout at all (rsync: -q silences them). */
static inline bool human_output(const struct report *r)
{
	return !machine_output(r) && !r->o->quiet;
}

/* An item line (KEY: its path, for sorting): written now, or held for
 * report_flush() to write sorted in a dry run.  Takes r->lock. */
void report_emit_item(struct report *r, const char *key, const char *text,
    size_t len);

/* report_emit() with r->lock already held. */
void report_emit_locked(struct report *r, enum ts_out stream,
    const char *text, size_t len);

/* Stops and frees the progress thread, if any (report_free). */
void report_progress_free(struct report *r);

/* --progress off a terminal: rsync's line for the XFER-th copied file,
 * of SIZE bytes (per file), or the whole run's so far (progress2).
 * r->lock held. */
void report_progress_file_locked(struct report *r, uint64_t size,
    uint64_t xfer);

/* What an --out-format escape may show of one item (report_format.c). */
struct fmt_item {
	const char *path;	/* below DEST; "./" for DEST itself */
	uint32_t mode, uid, gid;
	int64_t mtime;
	uint64_t size;		/* %l */
	uint64_t bytes;		/* %b: data this item copied */
	const char *itemize;	/* %i */
	const char *target;	/* a symlink's target, or NULL */
	const char *hlink;	/* -H: the first link, or NULL */
	const char *src_dir;	/* %f: the source directory, or NULL */
	const char *src_name;
	const char *sum;	/* %C: the checksum in hex, or NULL */
	uint64_t xfer;		/* a transfer: its number in the run (xfr#) */
	bool deleted;
};

/* Formats IT by FMT into OUT (SIZE bytes, NUL-terminated); its length.
 * Names escaped as every name R prints.  Thread-safe. */
size_t report_format(const struct report *r, const char *fmt,
    const struct fmt_item *it, char *out, size_t size);

/* V as rsync prints numbers at human_readable level HUMAN (0-3). */
const char *report_num(char *buf, size_t size, int64_t v, int human);

/* NAME escaped for output (util_escape_name(), or with -8 high-bit bytes
 * raw); its length. */
size_t report_escape(const struct report *r, char *buf, size_t size,
    const char *name);

/* "sending incremental file list" once, before the first line.  r->lock
 * held. */
void report_header_locked(struct report *r);

/* --debug=flist1's "delta-transmission disabled ..." once, before the
 * first item.  r->lock held. */
void report_delta_locked(struct report *r);

#endif /* TS_REPORT_INT_H */
