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
 * --stats and --json: report_summary.c; the live progress line:
 * report_progress.c.
 */
#define _GNU_SOURCE
#include "report.h"
#include "report_int.h"

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

/* Machine output replaces human lines on stdout. */
static bool machine_output(const struct report *r)
{
	return r->o->json || r->o->json_items;
}

/* Whether human lines go to stdout at all (rsync: -q silences them). */
static bool human_output(const struct report *r)
{
	return !machine_output(r) && !r->o->quiet;
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

/* An item line: written now, or held for sorting in a dry run. */
static void emit_item(struct report *r, const char *key, const char *text,
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

/* --- items --------------------------------------------------------------- */

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
		{ IT_REPORT_GROUP, "group" }, { IT_REPORT_ATIME, "atime" },
		{ IT_REPORT_ACL, "acl" },
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
static void json_item(struct report *r, const struct ts_item *it,
    uint32_t iflags, const struct report_xfer *x)
{
	json_t *o = json_object();
	char *text;

	/* Names are bytes: JSON wants UTF-8, so invalid ones are escaped. */
	json_object_set_new(o, "path", json_string(it->path));
	if (!json_object_get(o, "path")) {
		char esc[LINE_MAX_BYTES / 2];

		util_escape_name(esc, sizeof(esc), it->path);
		json_object_set_new(o, "path", json_string(esc));
	}
	json_object_set_new(o, "type", json_string(type_name(it->mode)));
	json_object_set_new(o, "action", json_string(action_name(iflags)));
	json_object_set_new(o, "reasons", reasons(iflags));
	if (!it->deleted)
		json_object_set_new(o, "itemize", json_string(it->itemize));
	if (it->target)
		json_object_set_new(o, "target", json_string(it->target));
	if (x) {
		json_object_set_new(o, "bytes", json_integer((json_int_t)x->bytes));
		json_object_set_new(o, "method", json_string(x->methods));
	}
	json_object_set_new(o, "dry_run", json_boolean(it->dry_run));
	text = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(o);
	if (text) {
		size_t n = strlen(text);

		text = xrealloc(text, n + 2);
		text[n] = '\n';
		text[n + 1] = '\0';
		emit_item(r, it->path, text, n + 1);
		free(text);
	}
}

/* The host's item callback, one at a time. */
static void call_item(struct report *r, const struct ts_item *it)
{
	if (!r->host.item)
		return;
	pthread_mutex_lock(&r->lock);
	r->host.item(r->host.arg, it);
	pthread_mutex_unlock(&r->lock);
}

/* FMT for IT as one line (with its '\n') into LINE; its length. */
static size_t format_line(const struct report *r, const char *fmt,
    const struct fmt_item *it, char *line, size_t size)
{
	size_t n = report_format(r, fmt, it, line, size - 1);

	line[n++] = '\n';
	line[n] = '\0';
	return n;
}

/* An item's --log-file line, by the log format (or DEL_FMT for a
 * deletion whose log format shows neither %i nor %o). */
static void log_line(struct report *r, const struct fmt_item *it)
{
	const char *fmt = r->log_fmt;
	char line[LINE_MAX_BYTES];

	if (!r->log_fp || !fmt)
		return;
	/* rsync: an empty format logs no items, but still the deletions. */
	if (it->deleted && !r->log_has_o_or_i)
		fmt = "deleting %n";
	else if (!*fmt)
		return;
	report_format(r, fmt, it, line, sizeof(line));
	report_log(r, "%s", line);
}

/*
 * Whether rsync prints an item that moved no data (log.c maybe_log_item(),
 * for the side that prints): what -i/-ii shows, a local change (a new or
 * changed symlink, node or hard link), a directory with any change.
 */
static bool shows_unsent(const struct report *r, uint32_t iflags,
    uint32_t mode)
{
	uint32_t significant = iflags & (IT_IS_NEW | IT_REPORT_ANY);
	bool hl = (iflags & IT_HARDLINK) && !(iflags & IT_ALT_MATCH);
	bool see = r->out_has_i && (significant || hl || r->out_has_i > 1 ||
	    r->info[TS_INFO_NAME] >= 2);

	return see || ((iflags & IT_LOCAL_CHANGE) && significant) || hl ||
	    (S_ISDIR(mode) && significant);
}

/* --info=name2 without %i: rsync's "X is uptodate" for an entry that was
 * already right, the bare name for one whose attributes were set (a new,
 * sent or linked entry has its own line). */
static void uptodate_line(struct report *r, const struct fmt_item *it,
    uint32_t iflags)
{
	char line[LINE_MAX_BYTES];
	size_t n;
	/* An entry made as its match in an alternate directory is up to
	 * date for rsync, a directory too. */
	bool alt = iflags & IT_ALT_MATCH;

	if (r->out_has_i || r->info[TS_INFO_NAME] < 2 || !human_output(r) ||
	    (!alt && (S_ISDIR(it->mode) ||
	    (iflags & (IT_TRANSFER | IT_IS_NEW | IT_LOCAL_CHANGE)))))
		return;
	n = report_escape(r, line, sizeof(line) - 16, it->path);
	if (S_ISDIR(it->mode) && n > 0 && line[n - 1] != '/')
		line[n++] = '/';	/* "d/ is uptodate" */
	n += (size_t)snprintf(line + n, sizeof(line) - n, "%s\n",
	    (iflags & IT_REPORT_ANY) && !alt ? "" : " is uptodate");
	emit_item(r, it->path, line, n);
}

/* The stdout and log lines of one item that is not a deletion. */
static void item_lines(struct report *r, const struct fmt_item *fi,
    uint32_t iflags, const struct report_xfer *x)
{
	bool sent = iflags & IT_TRANSFER;
	bool shown = sent || shows_unsent(r, iflags, fi->mode);
	char line[LINE_MAX_BYTES];
	size_t n;

	/* The log has the items rsync logs: every transfer, and what it
	 * shows otherwise if it changed (or the log format has %i). */
	if (shown && (sent || (iflags & (IT_IS_NEW | IT_REPORT_ANY)) ||
	    r->log_has_i))
		log_line(r, fi);
	uptodate_line(r, fi, iflags);
	if (!shown || !human_output(r))
		return;
	if (r->out_fmt) {
		n = format_line(r, r->out_fmt, fi, line, sizeof(line));
		if (sent && x && !r->o->dry_run &&
		    r->info[TS_INFO_PROGRESS] > 0 && !report_progress_live(r)) {
			/* rsync -P in cron: the name, then how the copy went. */
			pthread_mutex_lock(&r->lock);
			report_delta_locked(r);
			report_emit_locked(r, TS_OUT_STDOUT, line, n);
			report_progress_file_locked(r, x->bytes, fi->xfer);
			pthread_mutex_unlock(&r->lock);
			return;
		}
		emit_item(r, strcmp(fi->path, "./") == 0 ? "." : fi->path, line,
		    n);
	} else if (sent && x && !r->o->dry_run &&
	    r->info[TS_INFO_PROGRESS] > 0 && !report_progress_live(r)) {
		pthread_mutex_lock(&r->lock);
		report_delta_locked(r);
		report_progress_file_locked(r, x->bytes, fi->xfer);
		pthread_mutex_unlock(&r->lock);
	}
}

void report_item_src(struct report *r, uint32_t iflags,
    const struct report_src *src, const char *relpath, const char *target,
    const struct report_xfer *x)
{
	const struct ts_entry *e = src ? src->ent : NULL;
	uint32_t mode = e ? e->mode : 0;
	struct ts_item it = { .path = relpath, .mode = mode,
		.target = target, .dry_run = r->o->dry_run,
		.bytes = x ? x->bytes : 0 };
	struct fmt_item fi = { .path = strcmp(relpath, ".") == 0 ? "./" :
		relpath, .mode = mode, .itemize = it.itemize,
		.bytes = x ? x->bytes : 0 };

	cmp_itemize_string(r->o, iflags, mode, it.itemize);
	if ((iflags & IT_HARDLINK) && !(iflags & IT_ALT_MATCH))
		fi.hlink = target;
	else
		fi.target = target;
	if (e) {
		fi.uid = e->uid;
		fi.gid = e->gid;
		fi.mtime = e->mtime_sec;
		fi.size = S_ISREG(mode) ? e->size : S_ISLNK(mode) && target ?
		    strlen(target) : e->size;
	} else if (x) {
		fi.size = x->bytes;
	}
	if (src) {
		fi.src_dir = src->dir;
		fi.src_name = src->name;
		fi.sum = src->sum;
	}
	if (x && x->sum) {
		fi.sum = x->sum;
	}
	if (iflags & IT_TRANSFER) {
		fi.xfer = atomic_fetch_add(&r->xfers, 1) + 1;
		atomic_fetch_add(&r->xfer_bytes, x ? x->bytes : 0);
	}
	if (iflags & (IT_TRANSFER | IT_LOCAL_CHANGE | IT_IS_NEW |
	    IT_REPORT_ANY)) {
		/* A change: what --check counts and the host and JSON see. */
		atomic_fetch_add(&r->changes, 1);
		call_item(r, &it);
		if (r->o->json_items)
			json_item(r, &it, iflags, x);
	}
	item_lines(r, &fi, iflags, x);
}

void report_item(struct report *r, uint32_t iflags, uint32_t mode,
    const char *relpath, const char *target, const struct report_xfer *x)
{
	struct ts_entry e = { .mode = mode };
	struct report_src src = { .ent = &e };

	/* What the caller did not say: the size of a copy is its bytes. */
	if (x)
		e.size = x->bytes;
	report_item_src(r, iflags, &src, relpath, target, x);
}

uint64_t report_changes(const struct report *r)
{
	return atomic_load(&r->changes);
}

void report_delete(struct report *r, const char *relpath, bool is_dir)
{
	struct ts_item it = { .path = relpath,
		.mode = is_dir ? S_IFDIR : S_IFREG, .deleted = true,
		.dry_run = r->o->dry_run };
	struct fmt_item fi = { .path = relpath, .mode = it.mode,
		.itemize = "*deleting  ", .deleted = true };
	char line[LINE_MAX_BYTES];
	size_t n;

	memcpy(it.itemize, "*deleting  ", 12);
	atomic_fetch_add(&r->changes, 1);
	log_line(r, &fi);
	call_item(r, &it);
	if (r->o->json_items) {
		json_item(r, &it, IT_DELETED, NULL);
		return;
	}
	/* rsync's log_delete(): said at --info=del1 or with any out format;
	 * in that format only if it shows %i or %o. */
	if (!human_output(r) || (r->info[TS_INFO_DEL] < 1 && !r->out_fmt))
		return;
	n = format_line(r, r->out_has_o_or_i ? r->out_fmt : "deleting %n", &fi,
	    line, sizeof(line));
	emit_item(r, relpath, line, n);
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

int report_open_log(struct report *r, const char *path, unsigned path_opts)
{
	/* An operator path: a symlink someone else planted at the log path
	 * or on the way to it (the log is often in a shared directory) is
	 * never written through; root's and our own are (rsync 3.5). */
	uid_t bad = (uid_t)-1;
	int fd = oppath_open(AT_FDCWD, path, O_WRONLY | O_APPEND | O_CREAT |
	    O_NOCTTY, 0644, path_opts, &bad);

	if (fd == -ELOOP && bad != (uid_t)-1) {
		report_error(r, OPPATH_REFUSED_FMT, (unsigned)bad, path);
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

void report_set_listing(struct report *r)
{
	r->listing = true;
}

bool report_wants_sum(const struct report *r)
{
	return r->want_sum;
}
