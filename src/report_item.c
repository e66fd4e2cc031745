/*
 * report_item.c -- one item's output: the line -i, -v or --out-format
 * prints, its --log-file line, its --json-items record and the host's
 * item callback, as rsync decides which of them an item gets (log.c
 * log_item(), maybe_log_item(), log_delete()).
 *
 * Counts the run's changes (what --check and the host see) and its
 * transfers (--progress's xfr#N).  Writes nothing itself: lines go
 * through report.c's sink (report_emit_item(), held and sorted in a dry
 * run) and log file (report_log()).  Thread-safe: called by every
 * worker; the host's callback runs under r->lock.
 */
#define _GNU_SOURCE
#include "report.h"
#include "report_int.h"

#include "compare.h"
#include "nameconv.h"
#include "util.h"

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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
		report_emit_item(r, it->path, text, n + 1);
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
	report_emit_item(r, it->path, line, n);
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
		report_emit_item(r, strcmp(fi->path, "./") == 0 ? "." : fi->path, line,
		    n);
	} else if (sent && x && !r->o->dry_run &&
	    r->info[TS_INFO_PROGRESS] > 0 && !report_progress_live(r)) {
		pthread_mutex_lock(&r->lock);
		report_delta_locked(r);
		report_progress_file_locked(r, x->bytes, fi->xfer);
		pthread_mutex_unlock(&r->lock);
	}
}

static void item_src(struct report *r, uint32_t iflags,
    const struct report_src *src, const char *relpath, const char *target,
    const struct report_xfer *x);

/* --iconv: the paths of an item are DEST's; rsync prints its sender's. */
void report_item_src(struct report *r, uint32_t iflags,
    const struct report_src *src, const char *relpath, const char *target,
    const struct report_xfer *x)
{
	char *lp, *lt;

	if (!r->names) {
		item_src(r, iflags, src, relpath, target, x);
		return;
	}
	lp = nameconv_to_local(r->names, relpath);
	lt = target ? nameconv_to_local(r->names, target) : NULL;
	item_src(r, iflags, src, lp ? lp : relpath, lt ? lt : target, x);
	free(lp);
	free(lt);
}

static void item_src(struct report *r, uint32_t iflags,
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

static void delete_line(struct report *r, const char *relpath,
    bool is_dir);

void report_delete(struct report *r, const char *relpath, bool is_dir)
{
	char *lp = r->names ? nameconv_to_local(r->names, relpath) : NULL;

	delete_line(r, lp ? lp : relpath, is_dir);
	free(lp);
}

static void delete_line(struct report *r, const char *relpath, bool is_dir)
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
	report_emit_item(r, relpath, line, n);
}
