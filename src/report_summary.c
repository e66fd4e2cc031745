/*
 * report_summary.c -- the end of a run: --stats (rsync's lines, then
 * treesync's own), rsync's "sent ... total size is ..." trailer, or the
 * --json summary document.
 *
 * Formats what struct ts_stats holds; counts nothing itself.  Local
 * meanings of rsync's protocol figures: "sent" is the file data this run
 * copied, "received" is 0 (nothing flows back), the file list is empty
 * (the trees are read one directory at a time, never listed whole).
 */
#define _GNU_SOURCE
#include "report_int.h"

#include "copy.h"
#include "util.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <treesync/treesync.h>

#ifndef TS_VERSION_STRING
#define TS_VERSION_STRING "unknown"
#endif

/* printf into the standard output stream of R (r->lock held). */
__attribute__((format(printf, 2, 3)))
static void out(struct report *r, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n > 0)
		report_emit_locked(r, TS_OUT_STDOUT, line,
		    (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

/* "reg: 3, dir: 2" after a count: rsync's output_itemized_counts(). */
static void breakdown(const struct report *r, char *buf, size_t size,
    uint64_t reg, uint64_t dir, uint64_t link, uint64_t dev,
    uint64_t special)
{
	const char *names[] = { "reg", "dir", "link", "dev", "special" };
	uint64_t v[] = { reg, dir, link, dev, special };
	size_t o = 0, i;
	char nb[32];

	buf[0] = '\0';
	for (i = 0; i < TS_ARRAY_SIZE(v); i++) {
		if (!v[i])
			continue;
		o += (size_t)snprintf(buf + o, size - o, "%s%s: %s",
		    o ? ", " : " (", names[i],
		    report_num(nb, sizeof(nb), (int64_t)v[i], r->human != 0));
		if (o >= size)
			return;
	}
	if (o)
		snprintf(buf + o, size - o, ")");
}

/* What the trailer calls bytes sent: the file data this run copied.  A
 * local copy has no protocol stream, so nothing is received. */
static uint64_t bytes_sent(const struct ts_stats *st)
{
	uint64_t n = 0;
	int i;

	for (i = 0; i < TS_METHOD_COUNT; i++)
		n += st->method_bytes[i];
	return n;
}

/* --stats (--info=stats2): rsync's lines, then treesync's own.  r->lock
 * held. */
static void stats_lines(struct report *r, const struct ts_stats *st)
{
	char a[32], b[32], bd[160];
	int h = r->human, i;
	uint64_t sent = bytes_sent(st);

	out(r, "\n");
	breakdown(r, bd, sizeof(bd), st->files_reg, st->files_dir,
	    st->files_link, st->files_dev, st->files_special);
	out(r, "Number of files: %s%s\n",
	    report_num(a, sizeof(a), (int64_t)st->files, h != 0), bd);
	breakdown(r, bd, sizeof(bd), st->created_reg, st->created_dir,
	    st->created_link, st->created_dev, st->created_special);
	out(r, "Number of created files: %s%s\n",
	    report_num(a, sizeof(a), (int64_t)st->created, h != 0), bd);
	breakdown(r, bd, sizeof(bd), st->deleted_reg, st->deleted_dir,
	    st->deleted_link, st->deleted_dev, st->deleted_special);
	out(r, "Number of deleted files: %s%s\n",
	    report_num(a, sizeof(a), (int64_t)st->deleted, h != 0), bd);
	out(r, "Number of regular files transferred: %s\n",
	    report_num(a, sizeof(a), (int64_t)st->reg_transferred, h != 0));
	out(r, "Total file size: %s bytes\n",
	    report_num(a, sizeof(a), (int64_t)st->total_size, h));
	out(r, "Total transferred file size: %s bytes\n",
	    report_num(a, sizeof(a), (int64_t)st->transferred_size, h));
	/* Every byte is literal (no delta transfer); nothing is matched.  A
	 * dry run moves none. */
	out(r, "Literal data: %s bytes\n", report_num(a, sizeof(a),
	    r->o->dry_run ? 0 : (int64_t)st->transferred_size, h));
	out(r, "Matched data: %s bytes\n", report_num(a, sizeof(a), 0, h));
	/* No file list is built or sent: the trees are read as they go. */
	out(r, "File list size: %s\n", report_num(a, sizeof(a), 0, h));
	out(r, "File list generation time: 0.000 seconds\n");
	out(r, "File list transfer time: 0.000 seconds\n");
	out(r, "Total bytes sent: %s\n",
	    report_num(a, sizeof(a), (int64_t)sent, h));
	out(r, "Total bytes received: %s\n", report_num(a, sizeof(a), 0, h));
	for (i = 0; i < TS_METHOD_COUNT; i++)
		out(r, "Copied by %s: %s bytes in %s files\n",
		    copy_methods[i].name,
		    report_num(a, sizeof(a), (int64_t)st->method_bytes[i], h),
		    report_num(b, sizeof(b), (int64_t)st->method_files[i],
		    h != 0));
	out(r, "Files reflinked: %s\n",
	    report_num(a, sizeof(a), (int64_t)st->reflinked, h != 0));
	out(r, "Files verified: %s\n",
	    report_num(a, sizeof(a), (int64_t)st->verified, h != 0));
	out(r, "Copies retried (source changed): %s\n",
	    report_num(a, sizeof(a), (int64_t)st->retries, h != 0));
	out(r, "Errors: %s\n",
	    report_num(a, sizeof(a), (int64_t)st->errors, h != 0));
	out(r, "Vanished source files: %s\n",
	    report_num(a, sizeof(a), (int64_t)st->vanished, h != 0));
	out(r, "Stale temp files removed: %s\n",
	    report_num(a, sizeof(a), (int64_t)st->stale_temps, h != 0));
	if (st->delete_skipped)
		out(r, "Deletions withheld by --max-delete: %s\n",
		    report_num(a, sizeof(a), (int64_t)st->delete_skipped,
		    h != 0));
	out(r, "Worker threads: %d\n", st->jobs);
	out(r, "Walk and copy time: %.3f seconds\n", st->walk_seconds);
	out(r, "Delete time: %.3f seconds\n", st->delete_seconds);
	out(r, "Total time: %.3f seconds\n", st->total_seconds);
}

/* rsync's do_big_dnum(V, HUMAN, 2): "%.2f" below 1000; above, the whole
 * part as report_num() prints it, followed by the printed fraction
 * (unless scaled to K/M/G). */
static const char *dnum(char *buf, size_t size, double v, int human)
{
	char tmp[64];
	const char *frac;

	snprintf(tmp, sizeof(tmp), "%.2f", v);
	if (!human || (v < 1000.0 && v > -1000.0)) {
		snprintf(buf, size, "%.*s", (int)(size - 1), tmp);
		return buf;
	}
	for (frac = tmp + 1; *frac >= '0' && *frac <= '9'; frac++)
		;
	report_num(buf, size, (int64_t)v, human);
	if (human == 1 || !strpbrk(buf, "KMGTP"))
		strncat(buf, frac, size - strlen(buf) - 1);
	return buf;
}

/* --info=stats1 (-v): rsync's two lines at the end.  r->lock held. */
static void trailer(struct report *r, const struct ts_stats *st)
{
	char a[32], b[32], c[64], d[64];
	uint64_t sent = bytes_sent(st), moved;
	/* rsync: whole seconds plus a half, so a short run is not /0. */
	double secs = 0.5 + (double)(long long)st->total_seconds;

	moved = sent ? sent : 1;	/* nothing sent: the ratio of one byte */
	out(r, "\nsent %s bytes  received %s bytes  %s bytes/sec\n",
	    report_num(a, sizeof(a), (int64_t)sent, r->human),
	    report_num(b, sizeof(b), 0, r->human),
	    dnum(c, sizeof(c), (double)sent / secs, r->human));
	out(r, "total size is %s  speedup is %s%s\n",
	    report_num(a, sizeof(a), (int64_t)st->total_size, r->human),
	    dnum(d, sizeof(d), (double)st->total_size / (double)moved,
	    r->human != 0), r->o->batch_only ? " (BATCH ONLY)" :
	    r->o->dry_run ? " (DRY RUN)" : "");
}

static void json_summary(struct report *r, const struct ts_stats *st,
    int exit_code)
{
	json_t *o = json_object(), *m = json_object(), *t = json_object();
	json_t *files = json_object(), *opt = json_object(), *src;
	const struct ts_options *opts = r->o;
	char *text;
	size_t i;
	int k;

	json_object_set_new(o, "schema", json_string("treesync.summary.v1"));
	json_object_set_new(o, "version", json_string(TS_VERSION_STRING));
	src = json_array();
	for (i = 0; i < opts->nsrcs; i++)
		json_array_append_new(src, json_string(opts->srcs[i]));
	json_object_set_new(opt, "sources", src);
	json_object_set_new(opt, "dest", json_string(opts->dest));
	json_object_set_new(opt, "dry_run", json_boolean(opts->dry_run));
	json_object_set_new(opt, "check", json_boolean(opts->check));
	json_object_set_new(opt, "checksum", json_boolean(opts->checksum));
	json_object_set_new(opt, "delete", json_boolean(opts->del));
	json_object_set_new(opt, "jobs", json_integer(st->jobs));
	json_object_set_new(o, "options", opt);
	json_object_set_new(files, "total", json_integer((json_int_t)st->files));
	json_object_set_new(files, "regular",
	    json_integer((json_int_t)st->files_reg));
	json_object_set_new(files, "dirs", json_integer((json_int_t)st->files_dir));
	json_object_set_new(files, "symlinks",
	    json_integer((json_int_t)st->files_link));
	json_object_set_new(files, "devices",
	    json_integer((json_int_t)st->files_dev));
	json_object_set_new(files, "specials",
	    json_integer((json_int_t)st->files_special));
	json_object_set_new(files, "created", json_integer((json_int_t)st->created));
	json_object_set_new(files, "deleted", json_integer((json_int_t)st->deleted));
	json_object_set_new(files, "transferred",
	    json_integer((json_int_t)st->reg_transferred));
	json_object_set_new(files, "changed", json_integer((json_int_t)st->changes));
	json_object_set_new(files, "reflinked",
	    json_integer((json_int_t)st->reflinked));
	json_object_set_new(files, "verified",
	    json_integer((json_int_t)st->verified));
	json_object_set_new(files, "vanished",
	    json_integer((json_int_t)st->vanished));
	json_object_set_new(files, "stale_temps_removed",
	    json_integer((json_int_t)st->stale_temps));
	json_object_set_new(files, "deletions_withheld",
	    json_integer((json_int_t)st->delete_skipped));
	json_object_set_new(o, "files", files);
	json_object_set_new(o, "bytes", json_pack("{s:I,s:I}",
	    "total_size", (json_int_t)st->total_size,
	    "transferred", (json_int_t)st->transferred_size));
	for (k = 0; k < TS_METHOD_COUNT; k++)
		json_object_set_new(m, copy_methods[k].json, json_pack("{s:I,s:I}",
		    "bytes", (json_int_t)st->method_bytes[k],
		    "files", (json_int_t)st->method_files[k]));
	json_object_set_new(o, "methods", m);
	json_object_set_new(t, "walk_and_copy", json_real(st->walk_seconds));
	json_object_set_new(t, "delete", json_real(st->delete_seconds));
	json_object_set_new(t, "total", json_real(st->total_seconds));
	json_object_set_new(o, "seconds", t);
	json_object_set_new(o, "errors", json_integer((json_int_t)st->errors));
	json_object_set_new(o, "retries", json_integer((json_int_t)st->retries));
	json_object_set_new(o, "exit_code", json_integer(exit_code));
	text = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(o);
	if (!text)
		return;
	text = xrealloc(text, strlen(text) + 2);
	strcat(text, "\n");
	report_emit(r, TS_OUT_STDOUT, text, strlen(text));
	free(text);
}

/* Whether rsync would end the run with its summary: it does after a
 * complete run, even one with errors (23, 24, 25), not after a fatal
 * stop. */
static bool ran_to_the_end(int code)
{
	switch (code) {
	case TS_EXIT_OK:
	case TS_EXIT_PARTIAL:
	case TS_EXIT_VANISHED:
	case TS_EXIT_DEL_LIMIT:
	case TS_EXIT_REFUSED:
	case TS_EXIT_DIFFERENT:
		return true;
	default:
		return false;
	}
}

void report_summary(struct report *r, const struct ts_stats *st,
    int exit_code)
{
	const struct ts_options *o = r->o;

	if (o->json) {
		json_summary(r, st, exit_code);
		report_flush(r);
		return;
	}
	report_flush(r);
	pthread_mutex_lock(&r->lock);
	if (r->total_line) {
		/* --info=progress2 off a terminal: its line ends here. */
		report_emit_locked(r, TS_OUT_STDOUT, "\n", 1);
		r->total_line = false;
	}
	/* The header came before the first line; a run with nothing to say
	 * still says it (rsync: not for a usage error). */
	if (exit_code != TS_EXIT_SYNTAX && exit_code != TS_EXIT_LOCKED)
		report_header_locked(r);
	if (!o->quiet && !o->json_items && ran_to_the_end(exit_code)) {
		report_delta_locked(r);
		if (r->debug[TS_DEBUG_DELTASUM] >= 1)
			/* rsync's match report: all literal, nothing
			 * matched, no block hashes. */
			out(r, "total: matches=0  hash_hits=0  false_alarms=0 "
			    "data=%llu\n", (unsigned long long)(o->dry_run ? 0 :
			    bytes_sent(st)));
		if (r->info[TS_INFO_STATS] >= 2)
			stats_lines(r, st);
		if (r->info[TS_INFO_STATS] >= 1)
			trailer(r, st);
	}
	pthread_mutex_unlock(&r->lock);
	report_flush(r);
}
