/*
 * report_summary.c -- the end of a run: --stats (rsync's lines, then
 * treesync's own) or the --json summary document.
 *
 * Formats what struct ts_stats holds; counts nothing itself.
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

/* rsync prints counts with thousands separators. */
static const char *num(char *buf, size_t size, uint64_t v)
{
	char tmp[32];
	int len = snprintf(tmp, sizeof(tmp), "%llu", (unsigned long long)v);
	size_t o = 0;
	int i;

	for (i = 0; i < len && o + 2 < size; i++) {
		if (i > 0 && (len - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = tmp[i];
	}
	buf[o] = '\0';
	return buf;
}

static void breakdown(char *buf, size_t size, uint64_t reg, uint64_t dir,
    uint64_t link, uint64_t dev, uint64_t special)
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
		    o ? ", " : " (", names[i], num(nb, sizeof(nb), v[i]));
		if (o >= size)
			return;
	}
	if (o)
		snprintf(buf + o, size - o, ")");
}

static void stats_lines(struct report *r, const struct ts_stats *st)
{
	char a[32], b[32], bd[160];
	int i;

	pthread_mutex_lock(&r->lock);
	breakdown(bd, sizeof(bd), st->files_reg, st->files_dir,
	    st->files_link, st->files_dev, st->files_special);
	out(r, "\nNumber of files: %s%s\n", num(a, sizeof(a), st->files), bd);
	breakdown(bd, sizeof(bd), st->created_reg, st->created_dir,
	    st->created_link, st->created_dev, st->created_special);
	out(r, "Number of created files: %s%s\n",
	    num(a, sizeof(a), st->created), bd);
	breakdown(bd, sizeof(bd), st->deleted_reg, st->deleted_dir,
	    st->deleted_link, st->deleted_dev, st->deleted_special);
	out(r, "Number of deleted files: %s%s\n",
	    num(a, sizeof(a), st->deleted), bd);
	out(r, "Number of regular files transferred: %s\n",
	    num(a, sizeof(a), st->reg_transferred));
	out(r, "Total file size: %s bytes\n", num(a, sizeof(a), st->total_size));
	out(r, "Total transferred file size: %s bytes\n",
	    num(a, sizeof(a), st->transferred_size));
	out(r, "Literal data: %s bytes\n",
	    num(a, sizeof(a), st->transferred_size));
	out(r, "Matched data: 0 bytes\n");
	for (i = 0; i < TS_METHOD_COUNT; i++)
		out(r, "Copied by %s: %s bytes in %s files\n", copy_methods[i].name,
		    num(a, sizeof(a), st->method_bytes[i]),
		    num(b, sizeof(b), st->method_files[i]));
	out(r, "Files reflinked: %s\n", num(a, sizeof(a), st->reflinked));
	out(r, "Files verified: %s\n", num(a, sizeof(a), st->verified));
	out(r, "Copies retried (source changed): %s\n",
	    num(a, sizeof(a), st->retries));
	out(r, "Errors: %s\n", num(a, sizeof(a), st->errors));
	out(r, "Vanished source files: %s\n", num(a, sizeof(a), st->vanished));
	out(r, "Stale temp files removed: %s\n",
	    num(a, sizeof(a), st->stale_temps));
	if (st->delete_skipped)
		out(r, "Deletions withheld by --max-delete: %s\n",
		    num(a, sizeof(a), st->delete_skipped));
	out(r, "Worker threads: %d\n", st->jobs);
	out(r, "Walk and copy time: %.3f seconds\n", st->walk_seconds);
	out(r, "Delete time: %.3f seconds\n", st->delete_seconds);
	out(r, "Total time: %.3f seconds\n", st->total_seconds);
	pthread_mutex_unlock(&r->lock);
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

void report_summary(struct report *r, const struct ts_stats *st,
    int exit_code)
{
	const struct ts_options *o = r->o;

	if (o->json)
		json_summary(r, st, exit_code);
	else if (o->stats && !o->json_items && !o->quiet &&
	    exit_code != TS_EXIT_SYNTAX)
		stats_lines(r, st);
	report_flush(r);
}
