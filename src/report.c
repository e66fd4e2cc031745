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
#include "oppath.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <treesync/treesync.h>

#ifndef TS_VERSION_STRING
#define TS_VERSION_STRING "unknown"
#endif

#define LINE_MAX_BYTES (4 * PATH_MAX + 64)

static const struct ts_options *opts;
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_uint_fast64_t changes;

/* --log-file; guarded by log_lock. */
static FILE *log_fp;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

/* Machine output replaces human lines on stdout. */
static bool machine_output(void)
{
	return opts->json || opts->json_items;
}

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

/* Width of the progress line now on the terminal, 0 if none; guarded by
 * out_lock.  Any other line first wipes it (it is redrawn soon after). */
static int progress_shown;

static void wipe_progress(void)
{
	if (progress_shown > 0) {
		fflush(stdout);
		fprintf(stderr, "\r%*s\r", progress_shown, "");
		fflush(stderr);
		progress_shown = 0;
	}
}

static void emit(FILE *f, const char *text, size_t len)
{
	pthread_mutex_lock(&out_lock);
	wipe_progress();
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
	if (nheld > 1)
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

/* "path[/][ -> target]" escaped, into BUF (" => " for a hard link). */
static size_t format_name_sep(char *buf, size_t size, const char *relpath,
    bool is_dir, const char *target, const char *sep);

static size_t format_name(char *buf, size_t size, const char *relpath,
    bool is_dir, const char *target)
{
	return format_name_sep(buf, size, relpath, is_dir, target, " -> ");
}

static size_t format_name_sep(char *buf, size_t size, const char *relpath,
    bool is_dir, const char *target, const char *sep)
{
	size_t n = util_escape_name(buf, size, relpath);

	if (is_dir && n + 2 < size && !(n > 0 && buf[n - 1] == '/')) {
		buf[n++] = '/';
		buf[n] = '\0';
	}
	if (target && n + 5 < size) {
		memcpy(buf + n, sep, 5);
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

/* The reasons behind an item, for --json-items. */
static json_t *reasons(uint32_t iflags)
{
	static const struct {
		uint32_t bit;
		const char *name;
	} r[] = {
		{ IT_IS_NEW, "new" }, { IT_REPORT_CHANGE, "checksum" },
		{ IT_REPORT_SIZE, "size" }, { IT_REPORT_TIME, "mtime" },
		{ IT_REPORT_PERMS, "perms" }, { IT_REPORT_OWNER, "owner" },
		{ IT_REPORT_GROUP, "group" }, { IT_REPORT_ACL, "acl" },
		{ IT_REPORT_XATTR, "xattr" },
	};
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < TS_ARRAY_SIZE(r); i++)
		if (iflags & r[i].bit)
			json_array_append_new(a, json_string(r[i].name));
	return a;
}

static const char *type_name(uint32_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG: return "file";
	case S_IFDIR: return "dir";
	case S_IFLNK: return "symlink";
	case S_IFCHR: case S_IFBLK: return "device";
	default: return "special";
	}
}

static const char *action_name(uint32_t iflags)
{
	if (iflags & IT_DELETED)
		return "delete";
	if (iflags & IT_HARDLINK)
		return "link";
	if (iflags & IT_IS_NEW)
		return "create";
	if (iflags & (IT_TRANSFER | IT_LOCAL_CHANGE))
		return "update";
	return "attrs";
}

/* One --json-items record: a line of JSON on stdout. */
static void json_item(uint32_t iflags, uint32_t mode, const char *relpath,
    const char *target, const struct report_xfer *x)
{
	json_t *o = json_object();
	char *text;

	/* Names are bytes: JSON wants UTF-8, so invalid ones are escaped. */
	json_object_set_new(o, "path", json_string(relpath));
	if (!json_object_get(o, "path")) {
		char esc[LINE_MAX_BYTES / 2];

		util_escape_name(esc, sizeof(esc), relpath);
		json_object_set_new(o, "path", json_string(esc));
	}
	json_object_set_new(o, "type", json_string(type_name(mode)));
	json_object_set_new(o, "action", json_string(action_name(iflags)));
	json_object_set_new(o, "reasons", reasons(iflags));
	if (!(iflags & IT_DELETED)) {
		char item[12];

		cmp_itemize_string(opts, iflags, mode, item);
		json_object_set_new(o, "itemize", json_string(item));
	}
	if (target)
		json_object_set_new(o, "target", json_string(target));
	if (x) {
		json_object_set_new(o, "bytes", json_integer((json_int_t)x->bytes));
		json_object_set_new(o, "method", json_string(x->methods));
	}
	json_object_set_new(o, "dry_run", json_boolean(opts->dry_run));
	text = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(o);
	if (text) {
		size_t n = strlen(text);

		text = xrealloc(text, n + 2);
		text[n] = '\n';
		text[n + 1] = '\0';
		emit_item(relpath, text, n + 1);
		free(text);
	}
}

/* rsync's log line: "%i %n%L" (or "*deleting"), timestamped. */
static void log_item(uint32_t iflags, uint32_t mode, const char *shown,
    const char *target)
{
	char line[LINE_MAX_BYTES], item[12];
	size_t n;

	if (!log_fp)
		return;
	cmp_itemize_string(opts, iflags, mode, item);
	n = (size_t)snprintf(line, sizeof(line), "%s%s",
	    (iflags & IT_DELETED) ? "*deleting  " : item, " ");
	format_name_sep(line + n, sizeof(line) - n, shown, S_ISDIR(mode),
	    target, (iflags & IT_HARDLINK) ? " => " : " -> ");
	report_log("%s", line);
}

void report_item(uint32_t iflags, uint32_t mode, const char *relpath,
    const char *target, const struct report_xfer *x)
{
	char line[LINE_MAX_BYTES];
	char item[12];
	size_t n = 0;
	const char *shown = strcmp(relpath, ".") == 0 ? "./" : relpath;

	/* Unchanged items are shown only with -ii, as rsync does. */
	if (!(iflags & (IT_TRANSFER | IT_LOCAL_CHANGE | IT_IS_NEW |
	    IT_REPORT_ANY)) && opts->itemize < 2)
		return;
	atomic_fetch_add(&changes, 1);
	log_item(iflags, mode, shown, target);
	if (opts->json_items) {
		json_item(iflags, mode, relpath, target, x);
		return;
	}
	if (machine_output() || opts->quiet)	/* rsync: -q silences -i */
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
	n += format_name_sep(line + n, sizeof(line) - n - 1, shown,
	    S_ISDIR(mode), target, (iflags & IT_HARDLINK) ? " => " : " -> ");
	line[n++] = '\n';
	line[n] = '\0';
	emit_item(relpath, line, n);
}

uint64_t report_changes(void)
{
	return atomic_load(&changes);
}

void report_delete(const char *relpath, bool is_dir)
{
	char line[LINE_MAX_BYTES];
	size_t n;

	atomic_fetch_add(&changes, 1);
	log_item(IT_DELETED, is_dir ? S_IFDIR : S_IFREG, relpath, NULL);
	if (opts->json_items) {
		json_item(IT_DELETED, is_dir ? S_IFDIR : S_IFREG, relpath, NULL,
		    NULL);
		return;
	}
	if (machine_output() || opts->quiet)
		return;
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

	if (opts && (opts->quiet || machine_output()))
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

/*
 * Every error line is escaped whole: the paths and rule texts in it come
 * from trees that may be hostile, and no message of ours has a control
 * character of its own.
 */
void report_error(const char *fmt, ...)
{
	char raw[LINE_MAX_BYTES / 2], line[LINE_MAX_BYTES];
	va_list ap;
	size_t n;
	int p;

	va_start(ap, fmt);
	p = vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	if (p < 0)
		return;
	memcpy(line, "treesync: ", 10);
	n = 10 + util_escape_name(line + 10, sizeof(line) - 12, raw);
	report_log("%s", line + 10);
	line[n++] = '\n';
	emit(stderr, line, n);
}

void report_errno(int err, const char *what, const char *path)
{
	report_error("%s '%s': %s", what, path, strerror(err));
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
	char *p = util_path_join(dir, name);

	report_error("file has vanished: '%s'", p);
	free(p);
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

/* --- the log file ---------------------------------------------------- */

int report_open_log(const char *path, unsigned path_opts)
{
	/* An operator path: a symlink someone else planted at the log path
	 * or on the way to it (the log is often in a shared directory) is
	 * never written through; root's and our own are (rsync 3.5). */
	uid_t bad = (uid_t)-1;
	int fd = oppath_open(AT_FDCWD, path, O_WRONLY | O_APPEND | O_CREAT |
	    O_NOCTTY, 0644, path_opts, &bad);

	if (fd == -ELOOP && bad != (uid_t)-1) {
		report_error(OPPATH_REFUSED_FMT, (unsigned)bad, path);
		return -EPERM;
	}
	if (fd < 0)
		return fd;
	log_fp = fdopen(fd, "a");
	if (!log_fp) {
		int e = errno;

		close(fd);
		return -e;
	}
	return 0;
}

void report_log(const char *fmt, ...)
{
	char stamp[32];
	struct tm tm;
	time_t now;
	va_list ap;

	if (!log_fp)
		return;
	now = time(NULL);
	localtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y/%m/%d %H:%M:%S", &tm);
	pthread_mutex_lock(&log_lock);
	fprintf(log_fp, "%s [%ld] ", stamp, (long)getpid());
	va_start(ap, fmt);
	vfprintf(log_fp, fmt, ap);
	va_end(ap);
	fputc('\n', log_fp);
	pthread_mutex_unlock(&log_lock);
}

void report_close_log(void)
{
	if (log_fp) {
		fclose(log_fp);
		log_fp = NULL;
	}
}

/* --- progress ---------------------------------------------------------- */

static struct {
	pthread_t thread;
	pthread_mutex_t lock;	/* guards current[], stop */
	pthread_cond_t wake;
	bool running, stop;
	char current[PATH_MAX];
	void (*fn)(struct report_progress *, void *);
	void *arg;
	double t0;
	int width;		/* of the last line drawn */
} prog = { .lock = PTHREAD_MUTEX_INITIALIZER,
	.wake = PTHREAD_COND_INITIALIZER };

void report_set_current(const char *relpath)
{
	if (!prog.running)
		return;
	pthread_mutex_lock(&prog.lock);
	snprintf(prog.current, sizeof(prog.current), "%s", relpath);
	pthread_mutex_unlock(&prog.lock);
}

static const char *human_bytes(char *buf, size_t size, double v)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	int u = 0;

	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	snprintf(buf, size, u ? "%.1f %s" : "%.0f %s", v, units[u]);
	return buf;
}

/* The width of the terminal on stderr (80 if it cannot be told). */
static int terminal_cols(void)
{
	struct winsize ws;

	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20)
		return ws.ws_col < 500 ? ws.ws_col : 500;
	return 80;
}

static void draw_progress(bool final)
{
	struct report_progress p = { 0 };
	char line[512], a[32], b[32], r[32], eta[32], cur[PATH_MAX], esc[160];
	double el = util_now() - prog.t0;
	double rate;
	int n, room;

	prog.fn(&p, prog.arg);
	rate = el > 0 ? (double)p.bytes_done / el : 0;
	if (p.bytes_todo > p.bytes_done && rate > 0 && el > 1.0) {
		long s = (long)((double)(p.bytes_todo - p.bytes_done) / rate);

		snprintf(eta, sizeof(eta), "ETA %ld:%02ld:%02ld", s / 3600,
		    s / 60 % 60, s % 60);
	} else {
		snprintf(eta, sizeof(eta), "%s", final ? "done" : "ETA -:--:--");
	}
	pthread_mutex_lock(&prog.lock);
	snprintf(cur, sizeof(cur), "%s", final ? "" : prog.current);
	pthread_mutex_unlock(&prog.lock);
	n = snprintf(line, sizeof(line), "\r%llu/%llu files  %s/%s  %s/s  %s",
	    (unsigned long long)p.files_done,
	    (unsigned long long)p.files_seen,
	    human_bytes(a, sizeof(a), (double)p.bytes_done),
	    human_bytes(b, sizeof(b), (double)p.bytes_todo),
	    human_bytes(r, sizeof(r), rate), eta);
	if (n < 0)
		return;
	/* Never reach the last column: a wrapped line leaves a stale row at
	 * every redraw.  The file name gets what room is left (in bytes,
	 * which is at least its width). */
	room = terminal_cols() - 1 - (n - 1) - 2;
	if (*cur && room > 8) {
		util_escape_name(esc, (size_t)room + 1 < sizeof(esc) ?
		    (size_t)room + 1 : sizeof(esc), cur);
		n += snprintf(line + n, sizeof(line) - (size_t)n, "  %s", esc);
	}
	if (n - 1 > terminal_cols() - 1)
		n = terminal_cols();
	/* Pad over what the previous, longer line left behind. */
	while (n < prog.width && n < terminal_cols() &&
	    (size_t)n < sizeof(line) - 1)
		line[n++] = ' ';
	line[n] = '\0';
	prog.width = n;
	pthread_mutex_lock(&out_lock);
	fflush(stdout);		/* item lines before the redraw */
	fputs(line, stderr);
	if (final)
		fputc('\n', stderr);
	fflush(stderr);
	progress_shown = final ? 0 : prog.width - 1;
	pthread_mutex_unlock(&out_lock);
}

static void *progress_main(void *arg)
{
	struct timespec ts;

	(void)arg;
	pthread_mutex_lock(&prog.lock);
	while (!prog.stop) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 250 * 1000 * 1000;	/* 4 redraws a second */
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&prog.wake, &prog.lock, &ts);
		if (prog.stop)
			break;
		pthread_mutex_unlock(&prog.lock);
		draw_progress(false);
		pthread_mutex_lock(&prog.lock);
	}
	pthread_mutex_unlock(&prog.lock);
	return NULL;
}

void report_progress_start(void (*fn)(struct report_progress *, void *),
    void *arg, bool always)
{
	if (!always && !isatty(STDERR_FILENO))
		return;		/* cron: nobody watches */
	prog.fn = fn;
	prog.arg = arg;
	prog.t0 = util_now();
	prog.stop = false;
	prog.width = 0;
	if (pthread_create(&prog.thread, NULL, progress_main, NULL) == 0)
		prog.running = true;
}

void report_progress_stop(void)
{
	if (!prog.running)
		return;
	pthread_mutex_lock(&prog.lock);
	prog.stop = true;
	pthread_cond_signal(&prog.wake);
	pthread_mutex_unlock(&prog.lock);
	pthread_join(prog.thread, NULL);
	prog.running = false;
	draw_progress(true);
}

/* --- --json ------------------------------------------------------------ */

void report_json_summary(const struct ts_stats *st, int exit_code)
{
	static const char *const mnames[TS_METHOD_COUNT] = {
		"copy_file_range", "sendfile", "read_write",
	};
	json_t *o = json_object(), *m = json_object(), *t = json_object();
	json_t *files = json_object(), *opt = json_object(), *src;
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
		json_object_set_new(m, mnames[k], json_pack("{s:I,s:I}",
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
	pthread_mutex_lock(&out_lock);
	fputs(text, stdout);
	fputc('\n', stdout);
	fflush(stdout);
	pthread_mutex_unlock(&out_lock);
	free(text);
}
