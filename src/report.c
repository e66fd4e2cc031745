/*
 * report.c -- formatting and serialising output from many worker threads.
 *
 * Each line is formatted into a private buffer and written with one
 * fwrite under out_lock, so lines never interleave.  In a dry run the item
 * lines are collected and printed sorted by path when the run ends: a dry
 * run is a diff, and a diff must read the same every time whatever the
 * worker count (a real run prints as work completes).
 */
#define _GNU_SOURCE
#include "report.h"

#include "compare.h"
#include "util.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <treesync/treesync.h>

#define LINE_MAX_BYTES (4 * PATH_MAX + 64)

static const struct ts_options *opts;
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;

/* Dry-run lines waiting to be sorted; guarded by out_lock. */
struct held_line {
	char *key;	/* the unescaped path, for sorting */
	char *text;
};
static struct held_line *held;
static size_t nheld, capheld;

void report_init(const struct ts_options *o)
{
	opts = o;
}

static void emit(FILE *f, const char *text, size_t len)
{
	pthread_mutex_lock(&out_lock);
	fwrite(text, 1, len, f);
	if (f == stderr)
		fflush(stdout);
	pthread_mutex_unlock(&out_lock);
}

static void emit_item(const char *key, const char *text, size_t len)
{
	if (!opts->dry_run) {
		emit(stdout, text, len);
		return;
	}
	pthread_mutex_lock(&out_lock);
	if (nheld == capheld) {
		capheld = capheld ? capheld * 2 : 256;
		held = xrealloc(held, capheld * sizeof(*held));
	}
	held[nheld].key = xstrdup(key);
	held[nheld].text = xstrdup(text);
	nheld++;
	pthread_mutex_unlock(&out_lock);
}

static int cmp_held(const void *a, const void *b)
{
	const struct held_line *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	return c ? c : strcmp(x->text, y->text);
}

void report_flush(void)
{
	size_t i;

	pthread_mutex_lock(&out_lock);
	qsort(held, nheld, sizeof(*held), cmp_held);
	for (i = 0; i < nheld; i++) {
		fputs(held[i].text, stdout);
		free(held[i].key);
		free(held[i].text);
	}
	free(held);
	held = NULL;
	nheld = capheld = 0;
	fflush(stdout);
	pthread_mutex_unlock(&out_lock);
}

/* "path[/][ -> target]" escaped, into BUF. */
static size_t format_name(char *buf, size_t size, const char *relpath,
    bool is_dir, const char *target)
{
	size_t n = util_escape_name(buf, size, relpath);

	if (is_dir && n + 2 < size && !(n > 0 && buf[n - 1] == '/')) {
		buf[n++] = '/';
		buf[n] = '\0';
	}
	if (target && n + 5 < size) {
		memcpy(buf + n, " -> ", 5);
		n += 4;
		n += util_escape_name(buf + n, size - n, target);
	}
	return n;
}

/* Whether -v alone (no -i) shows the item, as rsync's log rules do. */
static bool verbose_shows(uint32_t iflags, uint32_t mode)
{
	if (iflags & IT_TRANSFER)
		return true;
	if ((iflags & IT_LOCAL_CHANGE) &&
	    (iflags & (IT_IS_NEW | IT_REPORT_ANY | IT_LOCAL_CHANGE)))
		return true;
	return S_ISDIR(mode) && (iflags & (IT_REPORT_ANY | IT_IS_NEW));
}

void report_item(uint32_t iflags, uint32_t mode, const char *relpath,
    const char *target)
{
	char line[LINE_MAX_BYTES];
	char item[12];
	size_t n = 0;
	const char *shown = strcmp(relpath, ".") == 0 ? "./" : relpath;

	/* Unchanged items are shown only with -ii, as rsync does. */
	if (!(iflags & (IT_TRANSFER | IT_LOCAL_CHANGE | IT_IS_NEW |
	    IT_REPORT_ANY)) && opts->itemize < 2)
		return;
	if (opts->itemize) {
		cmp_itemize_string(opts, iflags, mode, item);
		n = (size_t)snprintf(line, sizeof(line), "%s ", item);
	} else if (opts->verbose && !opts->quiet) {
		if (!verbose_shows(iflags, mode))
			return;
	} else {
		return;
	}
	n += format_name(line + n, sizeof(line) - n - 1, shown,
	    S_ISDIR(mode), target);
	line[n++] = '\n';
	line[n] = '\0';
	emit_item(relpath, line, n);
}

void report_delete(const char *relpath, bool is_dir)
{
	char line[LINE_MAX_BYTES];
	size_t n;

	if (opts->itemize)
		n = (size_t)snprintf(line, sizeof(line), "*deleting   ");
	else if (opts->verbose && !opts->quiet)
		n = (size_t)snprintf(line, sizeof(line), "deleting ");
	else
		return;
	n += format_name(line + n, sizeof(line) - n - 1, relpath, is_dir,
	    NULL);
	line[n++] = '\n';
	line[n] = '\0';
	emit_item(relpath, line, n);
}

void report_info(const char *fmt, ...)
{
	char line[LINE_MAX_BYTES];
	va_list ap;
	int n;

	if (opts && opts->quiet)
		return;
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line) - 1)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	emit(stdout, line, (size_t)n);
}

void report_note(const char *fmt, const char *path)
{
	char esc[LINE_MAX_BYTES / 2];

	util_escape_name(esc, sizeof(esc), path);
	/* FMT is always one of this program's literals with one %s. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	report_info(fmt, esc);
#pragma GCC diagnostic pop
}

void report_error(const char *fmt, ...)
{
	char line[LINE_MAX_BYTES];
	va_list ap;
	int n, p;

	p = snprintf(line, sizeof(line), "treesync: ");
	va_start(ap, fmt);
	n = vsnprintf(line + p, sizeof(line) - (size_t)p - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	n += p;
	if ((size_t)n >= sizeof(line) - 1)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	emit(stderr, line, (size_t)n);
}

void report_errno(int err, const char *what, const char *path)
{
	char esc[LINE_MAX_BYTES / 2];

	util_escape_name(esc, sizeof(esc), path);
	report_error("%s '%s': %s", what, esc, strerror(err));
}

void report_errno_at(int err, const char *what, const char *dir,
    const char *name)
{
	char *p = util_path_join(dir, name);

	report_errno(err, what, p);
	free(p);
}

void report_vanished(const char *dir, const char *name)
{
	char esc[LINE_MAX_BYTES / 2];
	char *p = util_path_join(dir, name);

	util_escape_name(esc, sizeof(esc), p);
	free(p);
	report_error("file has vanished: '%s'", esc);
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

void report_stats(const struct ts_stats *st)
{
	static const char *const mnames[TS_METHOD_COUNT] = {
		"copy_file_range", "sendfile", "read/write",
	};
	char a[32], b[32], bd[160];
	int i;

	pthread_mutex_lock(&out_lock);
	breakdown(bd, sizeof(bd), st->files_reg, st->files_dir,
	    st->files_link, st->files_dev, st->files_special);
	printf("\nNumber of files: %s%s\n", num(a, sizeof(a), st->files), bd);
	breakdown(bd, sizeof(bd), st->created_reg, st->created_dir,
	    st->created_link, st->created_dev, st->created_special);
	printf("Number of created files: %s%s\n",
	    num(a, sizeof(a), st->created), bd);
	breakdown(bd, sizeof(bd), st->deleted_reg, st->deleted_dir,
	    st->deleted_link, st->deleted_dev, st->deleted_special);
	printf("Number of deleted files: %s%s\n",
	    num(a, sizeof(a), st->deleted), bd);
	printf("Number of regular files transferred: %s\n",
	    num(a, sizeof(a), st->reg_transferred));
	printf("Total file size: %s bytes\n", num(a, sizeof(a), st->total_size));
	printf("Total transferred file size: %s bytes\n",
	    num(a, sizeof(a), st->transferred_size));
	printf("Literal data: %s bytes\n",
	    num(a, sizeof(a), st->transferred_size));
	printf("Matched data: 0 bytes\n");
	for (i = 0; i < TS_METHOD_COUNT; i++)
		printf("Copied by %s: %s bytes in %s files\n", mnames[i],
		    num(a, sizeof(a), st->method_bytes[i]),
		    num(b, sizeof(b), st->method_files[i]));
	printf("Files reflinked: %s\n", num(a, sizeof(a), st->reflinked));
	printf("Files verified: %s\n", num(a, sizeof(a), st->verified));
	printf("Copies retried (source changed): %s\n",
	    num(a, sizeof(a), st->retries));
	printf("Errors: %s\n", num(a, sizeof(a), st->errors));
	printf("Vanished source files: %s\n", num(a, sizeof(a), st->vanished));
	printf("Stale temp files removed: %s\n",
	    num(a, sizeof(a), st->stale_temps));
	if (st->delete_skipped)
		printf("Deletions withheld by --max-delete: %s\n",
		    num(a, sizeof(a), st->delete_skipped));
	printf("Worker threads: %d\n", st->jobs);
	printf("Walk and copy time: %.3f seconds\n", st->walk_seconds);
	printf("Delete time: %.3f seconds\n", st->delete_seconds);
	printf("Total time: %.3f seconds\n", st->total_seconds);
	fflush(stdout);
	pthread_mutex_unlock(&out_lock);
}
