/*
 * report.c -- the output of one run: item lines, messages, the log file,
 * and the sink every byte goes through.
 *
 * Owns struct report (one per run; nothing global) and the rules of what
 * each option prints (rsync's: -i, -v, -q, --json-items, --log-file).
 * Lines are formatted into a private buffer and appended under one lock:
 * they never interleave.  Standard-output lines are buffered and go to
 * the host's sink in large pieces; before an error line, a progress
 * redraw or the end, what is buffered goes first, so the order is the
 * order of events.  In a dry run item lines are held and written sorted
 * by path at report_flush().  Counts nothing but its own lines.
 *
 * Item lines (-i, -v, --out-format, --json-items, the host's item
 * callback): report_item.c; --stats and --json: report_summary.c; the
 * live progress line: report_progress.c; --out-format's escapes:
 * report_format.c.
 */
#define _GNU_SOURCE
#include "report.h"
#include "report_int.h"

#include "oppath.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define OUT_BUF (64 * 1024)	/* standard output, buffered */

/* --- the sink ------------------------------------------------------------ */

/* The default sink: fds 1 and 2, whole pieces (EINTR and short writes
 * retried; a failing descriptor drops the text: nobody can read it). */
static void default_write(void *arg, enum ts_out out, const char *text,
    size_t len)
{
	int fd = out == TS_OUT_STDOUT ? STDOUT_FILENO : STDERR_FILENO;

	(void)arg;
	while (len > 0) {
		ssize_t n = write(fd, text, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		text += n;
		len -= (size_t)n;
	}
}

static bool default_is_terminal(void *arg, enum ts_out out)
{
	(void)arg;
	return isatty(out == TS_OUT_STDOUT ? STDOUT_FILENO : STDERR_FILENO);
}

/*
 * The --info levels of a host that did not set them: what its verbose,
 * stats and progress imply, as rsync's -v, --stats and --progress do (the
 * command line sets them itself, with rsync's priorities) -- except
 * rsync's chatter around the items, the "sending incremental file list"
 * header and the "sent ... total size is" trailer, which a host asks for
 * by setting info_levels.
 */
static void implied_levels(struct report *r)
{
	const struct ts_options *o = r->o;
	signed char *in = r->info;

	in[TS_INFO_NONREG] = 1;
	if (o->verbose >= 1)
		in[TS_INFO_COPY] = in[TS_INFO_DEL] = in[TS_INFO_MISC] =
		    in[TS_INFO_NAME] = in[TS_INFO_SYMSAFE] = 1;
	if (o->verbose >= 2) {
		in[TS_INFO_BACKUP] = in[TS_INFO_MOUNT] = in[TS_INFO_REMOVE] =
		    in[TS_INFO_SKIP] = 1;
		in[TS_INFO_MISC] = in[TS_INFO_NAME] = 2;
	}
	if (o->stats && in[TS_INFO_STATS] < 2)
		in[TS_INFO_STATS] = o->verbose > 1 ? 3 : 2;
	if (o->progress && in[TS_INFO_PROGRESS] < 1)
		in[TS_INFO_PROGRESS] = 1;
}

/* What each item prints, as rsync's options.c decides it: -i is
 * --out-format="%i %n%L", -v "%n%L"; the log's default is "%i %n%L". */
static void settle_output(struct report *r)
{
	const struct ts_options *o = r->o;

	if (o->info_levels) {
		memcpy(r->info, o->info, sizeof(r->info));
		memcpy(r->debug, o->debug, sizeof(r->debug));
	} else {
		implied_levels(r);
	}
	r->human = o->human < 0 ? 0 : o->human > 1 ? 3 : 1 + o->human;
	if (o->out_format) {
		r->out_fmt = o->out_format;
		if (report_format_has(o->out_format, 'i'))
			r->out_has_i = o->itemize > 1 ? o->itemize : 1;
	} else if (o->itemize) {
		r->out_fmt = "%i %n%L";
		r->out_has_i = o->itemize;
	}
	if (r->info[TS_INFO_NAME] >= 1 && !r->out_fmt)
		r->out_fmt = "%n%L";
	r->out_has_o_or_i = r->out_has_i || report_format_has(r->out_fmt, 'o');
	/* Used once a log is open (report_open_log()). */
	r->log_fmt = o->log_format ? o->log_format : "%i %n%L";
	r->log_has_i = report_format_has(r->log_fmt, 'i');
	r->log_has_o_or_i = r->log_has_i || report_format_has(r->log_fmt, 'o');
	r->want_sum = report_format_has(r->out_fmt, 'C') ||
	    (o->log_file && report_format_has(r->log_fmt, 'C'));
}

struct report *report_new(const struct ts_options *o,
    const struct ts_host *host)
{
	struct report *r = xcalloc(1, sizeof(*r));

	r->o = o;
	if (host)
		r->host = *host;
	if (!r->host.write)
		r->host.write = default_write;
	if (!r->host.is_terminal)
		r->host.is_terminal = default_is_terminal;
	pthread_mutex_init(&r->lock, NULL);
	pthread_mutex_init(&r->log_lock, NULL);
	atomic_init(&r->changes, 0);
	atomic_init(&r->xfers, 0);
	atomic_init(&r->xfer_bytes, 0);
	r->out = xmalloc(OUT_BUF);
	r->t0 = util_now();
	r->pid = (long)getpid();
	settle_output(r);
	return r;
}

void report_free(struct report *r)
{
	if (!r)
		return;
	report_flush(r);
	report_close_log(r);
	report_progress_free(r);
	pthread_mutex_destroy(&r->lock);
	pthread_mutex_destroy(&r->log_lock);
	free(r->out);
	free(r);
}

const struct ts_options *report_options(const struct report *r)
{
	return r->o;
}

/* Where informational lines go: stdout, or stderr with --stderr=all
 * (machine output stays on stdout). */
static enum ts_out info_stream(const struct report *r)
{
	return r->o->msgs2stderr && !machine_output(r) ? TS_OUT_STDERR :
	    TS_OUT_STDOUT;
}

/* Writes the buffered standard output.  Called with r->lock held. */
static void flush_out(struct report *r)
{
	if (r->nout) {
		r->host.write(r->host.arg, info_stream(r), r->out, r->nout);
		r->nout = 0;
	}
}

/* Any line but a redraw first wipes the progress line.  r->lock held. */
static void wipe_progress(struct report *r)
{
	char blank[512 + 3];

	if (r->progress_shown <= 0)
		return;
	flush_out(r);
	blank[0] = '\r';
	memset(blank + 1, ' ', (size_t)r->progress_shown);
	blank[r->progress_shown + 1] = '\r';
	r->host.write(r->host.arg, TS_OUT_PROGRESS, blank,
	    (size_t)r->progress_shown + 2);
	r->progress_shown = 0;
}

/* Appends to the buffered standard output.  r->lock held. */
static void put_out(struct report *r, const char *text, size_t len)
{
	if (r->nout + len > OUT_BUF)
		flush_out(r);
	if (len > OUT_BUF) {
		r->host.write(r->host.arg, info_stream(r), text, len);
		return;
	}
	memcpy(r->out + r->nout, text, len);
	r->nout += len;
	/* --outbuf=N or L: each line as it comes (rsync's setvbuf()). */
	if (r->o->outbuf == 'N' || r->o->outbuf == 'L')
		flush_out(r);
}

void report_header_locked(struct report *r)
{
	static const char header[] = "sending incremental file list\n";
	static const char list_header[] = "building file list ... done\n";

	if (r->header_done)
		return;
	r->header_done = true;
	/* rsync's client says it at --info=flist1 (-v); treesync always
	 * reads the trees incrementally, one directory at a time.  A
	 * listing is built whole first (rsync: no incremental recursion). */
	if (r->info[TS_INFO_FLIST] >= 1 && human_output(r)) {
		if (r->listing)
			put_out(r, list_header, sizeof(list_header) - 1);
		else
			put_out(r, header, sizeof(header) - 1);
	}
}

void report_emit(struct report *r, enum ts_out stream, const char *text,
    size_t len)
{
	pthread_mutex_lock(&r->lock);
	report_emit_locked(r, stream, text, len);
	pthread_mutex_unlock(&r->lock);
}

void report_emit_locked(struct report *r, enum ts_out stream,
    const char *text, size_t len)
{
	if (stream != TS_OUT_PROGRESS)
		wipe_progress(r);
	if (stream == TS_OUT_STDOUT) {
		report_header_locked(r);
		put_out(r, text, len);
		return;
	}
	/* Errors and redraws come after what was printed before them. */
	flush_out(r);
	r->host.write(r->host.arg, stream, text, len);
}

void report_delta_locked(struct report *r)
{
	static const char line[] =
	    "delta-transmission disabled for local transfer or --whole-file\n";

	if (r->delta_done)
		return;
	r->delta_done = true;
	/* rsync's --debug=flist1 line (-vv): treesync always copies whole
	 * files, never by delta. */
	if (r->debug[TS_DEBUG_FLIST] >= 1 && human_output(r))
		report_emit_locked(r, TS_OUT_STDOUT, line, sizeof(line) - 1);
}

void report_emit_item(struct report *r, const char *key, const char *text,
    size_t len)
{
	pthread_mutex_lock(&r->lock);
	report_delta_locked(r);
	if (!r->o->dry_run) {
		report_emit_locked(r, TS_OUT_STDOUT, text, len);
		pthread_mutex_unlock(&r->lock);
		return;
	}
	if (r->nheld == r->capheld) {
		r->capheld = r->capheld ? r->capheld * 2 : 256;
		r->held = xrealloc(r->held, r->capheld * sizeof(*r->held));
	}
	r->held[r->nheld].key = xstrdup(key);
	r->held[r->nheld].text = xstrdup(text);
	r->nheld++;
	pthread_mutex_unlock(&r->lock);
}

static int cmp_held(const void *a, const void *b)
{
	const struct held_line *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	return c ? c : strcmp(x->text, y->text);
}

void report_flush(struct report *r)
{
	report_flush_held(r, NULL, NULL);
}

void report_flush_held(struct report *r,
    void (*fn)(void *arg, const char *key, const char *text), void *arg)
{
	size_t i;

	pthread_mutex_lock(&r->lock);
	if (r->nheld > 1)
		qsort(r->held, r->nheld, sizeof(*r->held), cmp_held);
	if (fn)
		flush_out(r);	/* what came before the items */
	for (i = 0; i < r->nheld; i++) {
		if (fn)
			fn(arg, r->held[i].key, r->held[i].text);
		else
			report_emit_locked(r, TS_OUT_STDOUT, r->held[i].text,
			    strlen(r->held[i].text));
		free(r->held[i].key);
		free(r->held[i].text);
	}
	free(r->held);
	r->held = NULL;
	r->nheld = r->capheld = 0;
	flush_out(r);
	pthread_mutex_unlock(&r->lock);
}

/* --- names --------------------------------------------------------------- */

size_t report_escape(const struct report *r, char *buf, size_t size,
    const char *name)
{
	const unsigned char *s = (const unsigned char *)name;
	size_t o = 0;

	if (!r->o->eight_bit)
		return util_escape_name(buf, size, name);
	if (size == 0)
		return 0;
	/* -8: bytes with the high bit set are printed as they are; control
	 * characters, C1 controls written in UTF-8 and a literal "\#ooo"
	 * are still escaped (rsync's filtered_fwrite() with -8, and
	 * treesync's rule for C1). */
	while (*s) {
		bool esc = (*s < 0x20 && *s != '\t') ||
		    (s[0] == 0xc2 && s[1] >= 0x80 && s[1] < 0xa0) ||
		    (*s == '\\' && s[1] == '#' && s[2] >= '0' && s[2] <= '9' &&
		    s[3] >= '0' && s[3] <= '9' && s[4] >= '0' && s[4] <= '9');

		if (esc) {
			if (o + 5 >= size)
				break;
			snprintf(buf + o, 6, "\\#%03o", *s++);
			o += 5;
			continue;
		}
		if (o + 1 >= size)
			break;
		buf[o++] = (char)*s++;
	}
	buf[o] = '\0';
	return o;
}

/* --- messages ------------------------------------------------------------ */

void report_info(struct report *r, const char *fmt, ...)
{
	char line[LINE_MAX_BYTES];
	va_list ap;
	int n;

	if (r->o->quiet || machine_output(r))
		return;
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line) - 1)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	report_emit(r, TS_OUT_STDOUT, line, (size_t)n);
}

void report_note(struct report *r, const char *fmt, const char *path)
{
	char esc[LINE_MAX_BYTES / 2];

	if (r->o->quiet || machine_output(r))
		return;		/* report_info() would print nothing */
	report_escape(r, esc, sizeof(esc), path);
	/* FMT is always one of this program's literals with one %s. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	report_info(r, fmt, esc);
#pragma GCC diagnostic pop
}

void report_note2(struct report *r, const char *fmt, const char *a,
    const char *b)
{
	char ea[LINE_MAX_BYTES / 4], eb[LINE_MAX_BYTES / 4];

	if (r->o->quiet || machine_output(r))
		return;
	report_escape(r, ea, sizeof(ea), a);
	report_escape(r, eb, sizeof(eb), b);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	report_info(r, fmt, ea, eb);
#pragma GCC diagnostic pop
}

int report_info_level(const struct report *r, enum ts_info flag)
{
	return r->info[flag];
}

void report_note_info(struct report *r, enum ts_info flag, int level,
    const char *fmt, const char *path)
{
	if (r->info[flag] >= level)
		report_note(r, fmt, path);
}

/*
 * Every error line is escaped whole: the paths and rule texts in it come
 * from trees that may be hostile, and no message of ours has a control
 * character of its own.  E, when given, is the error as a value for the
 * host's callback.  Lines are as long as they need to be: a path deeper
 * than PATH_MAX is printed whole, with the errno after it.
 */
static void error_line(struct report *r, struct ts_error *e,
    const char *raw)
{
	/* Escaping makes one byte five at most ("\#ooo"). */
	size_t esc = 5 * strlen(raw) + 1, n;
	char *line = xmalloc(10 + esc + 1);

	memcpy(line, "treesync: ", 10);
	n = 10 + report_escape(r, line + 10, esc, raw);
	report_log(r, "%s", line + 10);
	if (r->host.error) {
		e->message = line + 10;
		pthread_mutex_lock(&r->lock);
		r->host.error(r->host.arg, e);
		pthread_mutex_unlock(&r->lock);
	}
	line[n++] = '\n';
	report_emit(r, TS_OUT_STDERR, line, n);
	free(line);
}

void report_error(struct report *r, const char *fmt, ...)
{
	struct ts_error e = { .side = TS_SIDE_NONE };
	va_list ap;
	char *raw;
	int p;

	va_start(ap, fmt);
	p = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (p < 0)
		return;
	raw = xmalloc((size_t)p + 1);
	va_start(ap, fmt);
	vsnprintf(raw, (size_t)p + 1, fmt, ap);
	va_end(ap);
	error_line(r, &e, raw);
	free(raw);
}

void report_errno_side(struct report *r, enum ts_side side, int err,
    const char *what, const char *path)
{
	const char *msg = strerror(err);
	size_t size = strlen(what) + strlen(path) + strlen(msg) + 6;
	char *raw = xmalloc(size);
	struct ts_error e = { .side = side, .err = err, .what = what,
		.path = path };

	snprintf(raw, size, "%s '%s': %s", what, path, msg);
	error_line(r, &e, raw);
	free(raw);
}

void report_errno(struct report *r, int err, const char *what,
    const char *path)
{
	report_errno_side(r, TS_SIDE_NONE, err, what, path);
}

void report_errno_at(struct report *r, int err, const char *what,
    const char *dir, const char *name)
{
	char *p = util_path_join(dir, name);

	report_errno_side(r, TS_SIDE_SRC, err, what, p);
	free(p);
}

void report_vanished(struct report *r, const char *dir, const char *name)
{
	char *p = util_path_join(dir, name);
	size_t size = strlen(p) + sizeof("file has vanished: ''");
	char *raw = xmalloc(size);
	struct ts_error e = { .side = TS_SIDE_SRC, .err = ENOENT,
		.what = "file has vanished", .path = p };

	snprintf(raw, size, "file has vanished: '%s'", p);
	error_line(r, &e, raw);
	free(raw);
	free(p);
}

/* --- the log file -------------------------------------------------------- */

int report_open_log(struct report *r, const char *path,
    struct oppath_how how)
{
	/* An operator path: a symlink someone else planted at the log path
	 * or on the way to it (the log is often in a shared directory) is
	 * never written through; root's and our own are (rsync 3.5). */
	uid_t bad = (uid_t)-1;
	int fd = oppath_open(AT_FDCWD, path, O_WRONLY | O_APPEND | O_CREAT |
	    O_NOCTTY, 0644, how, &bad);

	if (fd == -ELOOP && bad != (uid_t)-1) {
		report_error(r, "%s", oppath_refusal(how, bad, path));
		return -EPERM;
	}
	if (fd < 0)
		return fd;
	r->log_fp = fdopen(fd, "a");
	if (!r->log_fp) {
		int e = errno;

		close(fd);
		return -e;
	}
	return 0;
}

void report_log(struct report *r, const char *fmt, ...)
{
	char stamp[32];
	struct tm tm;
	time_t now;
	va_list ap;

	if (!r->log_fp)
		return;
	now = time(NULL);
	localtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y/%m/%d %H:%M:%S", &tm);
	pthread_mutex_lock(&r->log_lock);
	fprintf(r->log_fp, "%s [%ld] ", stamp, r->pid);
	va_start(ap, fmt);
	vfprintf(r->log_fp, fmt, ap);
	va_end(ap);
	fputc('\n', r->log_fp);
	pthread_mutex_unlock(&r->log_lock);
}

void report_close_log(struct report *r)
{
	if (r->log_fp) {
		fclose(r->log_fp);
		r->log_fp = NULL;
	}
	free(r->log_mem);	/* not taken */
	r->log_mem = NULL;
	r->log_in_memory = false;
}

int report_open_log_memory(struct report *r)
{
	r->log_fp = open_memstream(&r->log_mem, &r->log_mem_len);
	r->log_in_memory = r->log_fp != NULL;
	return r->log_fp ? 0 : -errno;
}

char *report_log_take(struct report *r, size_t *len)
{
	char *text;

	*len = 0;
	if (!r->log_fp || !r->log_in_memory)
		return NULL;
	fclose(r->log_fp);	/* the buffer is final now */
	r->log_fp = NULL;
	r->log_in_memory = false;
	text = r->log_mem;
	*len = r->log_mem_len;
	r->log_mem = NULL;
	return text;
}

void report_log_raw(struct report *r, const char *text, size_t len)
{
	if (!r->log_fp || !len)
		return;
	pthread_mutex_lock(&r->log_lock);
	fwrite(text, 1, len, r->log_fp);
	pthread_mutex_unlock(&r->log_lock);
}

void report_set_nameconv(struct report *r, struct nameconv *nc)
{
	r->names = nc;
}

void report_set_listing(struct report *r)
{
	r->listing = true;
}

bool report_wants_sum(const struct report *r)
{
	return r->want_sum;
}
