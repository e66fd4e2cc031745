/*
 * batch.c -- batch mode: --write-batch, --only-write-batch, --read-batch;
 * here the recording and the replay script (batch_write.c writes the
 * archive, batch_read.c reads and replays it).
 *
 * A batch records the changes one run made (or, with --only-write-batch,
 * would make) to DEST, so that they can be made again to another DEST
 * that was in the same state.  rsync records its protocol stream; treesync
 * has no stream, and its batch is a file of its own (README: batch files
 * are not interchangeable with rsync's): a pax archive, made and read with
 * libarchive, whose entries are
 *
 *	d		DEST itself (a directory)
 *	d/REL		each entry the run reported changed, with the
 *			directories on the way to it and to each deletion:
 *			type, mode, owner, times (to the nanosecond),
 *			symlink target, device numbers, xattrs (and ACLs as
 *			their system.posix_acl_* values), contents; with -H
 *			a hard link to an earlier entry as a pax link
 *	manifest	last: the format's version, the transfer flags rsync
 *			keeps in its batch header, every deletion, and the
 *			XXH3-128 of every regular file's contents, in order
 *
 * Recording: every change a run makes is reported once, through the
 * report's item callback (report_item.c: transfers, attributes, new
 * entries, links, deletions), so the callback is the one place the
 * recording hooks.  After the run, each recorded entry is read as it now
 * is -- from DEST (what the run put there) for --write-batch, from the
 * source for --only-write-batch -- and archived.  Files are archived whole,
 * so a replay never depends on what a target file held before.
 *
 * Replaying: the archive is read into a private staging directory (mode
 * 0700, under $TMPDIR), checked whole -- every header, every file's
 * XXH3-128 against the manifest, the manifest's end -- and only then is
 * DEST touched: by an ordinary treesync run from the staging tree to
 * DEST, with the reading command line's options (the batch's transfer
 * flags win, as rsync's check_batch_flags()), so every change goes through
 * the engine's destination path: dirfd-relative, temp then rename, the
 * destination gate for replacements, --backup honoured.  Deletions are
 * made with --delete only (the reading command's, as in rsync): the
 * batch's deletions are "risk" rules before a "protect everything" rule,
 * so nothing the batch did not delete can go.  libarchive's disk writer
 * writes only the private staging tree (its secure-symlink and no-".."
 * checks on), never DEST.
 *
 * A corrupt or truncated batch stops the replay before DEST is touched
 * (exit 12, rsync's protocol data stream error: rsync itself reads a
 * truncated batch until it hangs, having deleted already).
 */
#define _GNU_SOURCE
#include "batch_int.h"

#include "oppath.h"
#include "tmpfile.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

__attribute__((format(printf, 1, 2)))
void batch_say(const char *fmt, ...)
{
	va_list ap;

	fputs("treesync: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void batch_strv_add(struct strv *s, char *str)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 64;
		s->v = xrealloc(s->v, s->cap * sizeof(*s->v));
	}
	s->v[s->n++] = str;
}

void batch_strv_free(struct strv *s)
{
	while (s->n > 0)
		free(s->v[--s->n]);
	free(s->v);
	s->v = NULL;
	s->cap = 0;
}

char *batch_strip_slash(const char *path)
{
	size_t n = strlen(path);

	while (n > 1 && path[n - 1] == '/')
		n--;
	return xstrndup(path, n);
}

/* --- the recording ------------------------------------------------------ */

/* The host's item callback: every change the run reports. */
static void rec_item(void *arg, const struct ts_item *it)
{
	struct batch_rec *r = arg;

	if (it->deleted) {
		char *p = batch_strip_slash(it->path);

		if (S_ISDIR(it->mode)) {
			char *d = util_path_join(p, "");

			free(p);
			p = d;
		}
		batch_strv_add(&r->dels, p);
	} else {
		batch_strv_add(&r->items, batch_strip_slash(it->path));
	}
	if (r->chained.item)
		r->chained.item(r->chained.arg, it);
}

/* Opens the operator path NAME as HOW says (FLAGS, MODE), saying why
 * not: an fd, or -1. */
static int open_said(const char *name, int flags, mode_t mode,
    struct oppath_how how)
{
	uid_t bad = 0;
	int fd = oppath_open(AT_FDCWD, name, flags | O_CLOEXEC | O_NOCTTY,
	    mode, how, &bad);

	if (fd == -ELOOP && bad)
		batch_say("%s", oppath_refusal(how, bad, name));
	else if (fd < 0)
		batch_say("Batch file \"%s\" open error: %s", name, strerror(-fd));
	return fd < 0 ? -1 : fd;
}

/* A temp beside NAME in O->dirfd for O->fd (MODE): 0 or -errno. */
static int open_temp(struct batch_out *o, mode_t mode)
{
	char tmp[NAME_MAX + 1];
	int tries;

	for (tries = 0; tries < 100; tries++) {
		tmpfile_name(o->name, tmp);
		o->fd = openat(o->dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL |
		    O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, mode);
		if (o->fd >= 0) {
			o->tmp = xstrdup(tmp);
			return 0;
		}
		if (errno != EEXIST)
			return -errno;
	}
	return -EEXIST;
}

/*
 * Opens the write side's file NAME (0600, or 0700 for the script), an
 * operator path, into *O: a temp in NAME's directory, renamed over NAME
 * when the batch is complete (out_commit()), so NAME never holds a part
 * of one and an old batch stays whole until then.  A symlink at NAME
 * that oppath.c follows is written through, in place, as before.  0, or
 * -1 (reported).
 */
static int open_out(const struct cli *c, const char *name, mode_t mode,
    struct batch_out *o)
{
	struct oppath_how how = oppath_how_of(&c->opts);
	char *copy = xstrdup(name), *slash = strrchr(copy, '/');
	struct stat st;
	int r = -1, there = -1;

	o->fd = o->dirfd = -1;
	o->name = xstrdup(slash ? slash + 1 : copy);
	if (slash)
		*slash = '\0';
	/* --confine-root: where the file is made must be below it. */
	o->dirfd = !*o->name ? -1 : open_said(slash ? (*copy ? copy : "/") :
	    ".", O_RDONLY | O_DIRECTORY, 0, oppath_unconfined(how));
	r = o->dirfd >= 0 ? oppath_check_root(how, o->dirfd) : 0;
	if (r < 0) {
		if (r == -EXDEV)
			batch_say("%s", oppath_refusal(how, OPPATH_OUTSIDE_ROOT,
			    name));
		else
			batch_say("Batch file \"%s\" open error: %s", name,
			    strerror(-r));
		close(o->dirfd);
		o->dirfd = -1;
	}
	if (o->dirfd >= 0)
		there = fstatat(o->dirfd, o->name, &st, AT_SYMLINK_NOFOLLOW) == 0 ?
		    1 : errno == ENOENT ? 0 : -errno;
	if (!*o->name || o->dirfd < 0) {
		if (!*o->name)
			batch_say("Batch file \"%s\" is not a regular file", name);
	} else if (there < 0) {
		batch_say("Batch file \"%s\" open error: %s", name,
		    strerror(-there));
	} else if (there && S_ISLNK(st.st_mode)) {
		close(o->dirfd);
		o->dirfd = -1;
		o->fd = open_said(name, O_WRONLY | O_CREAT | O_TRUNC, mode, how);
	} else if (there && !S_ISREG(st.st_mode)) {
		batch_say("Batch file \"%s\" is not a regular file", name);
	} else if ((r = open_temp(o, mode)) < 0) {
		batch_say("Batch file \"%s\" open error: %s", name, strerror(-r));
	}
	if (o->fd >= 0 && o->dirfd < 0 && (fstat(o->fd, &st) != 0 ||
	    !S_ISREG(st.st_mode))) {
		batch_say("Batch file \"%s\" is not a regular file", name);
		close(o->fd);
		o->fd = -1;
	}
	free(copy);
	return o->fd >= 0 ? 0 : -1;
}

/* Puts O's file in place (COMMIT: renamed over its name) or its temp
 * away, and closes it.  0 or -errno. */
static int out_finish(struct batch_out *o, bool commit)
{
	int rc = 0;

	if (o->fd >= 0 && commit && fsync(o->fd) != 0 && errno != EINVAL)
		rc = -errno;
	if (o->fd >= 0 && close(o->fd) != 0 && !rc)
		rc = -errno;
	if (o->tmp && (rc || !commit))
		unlinkat(o->dirfd, o->tmp, 0);
	else if (o->tmp && renameat(o->dirfd, o->tmp, o->dirfd, o->name) != 0)
		rc = -errno;
	if (o->dirfd >= 0)
		close(o->dirfd);
	free(o->name);
	free(o->tmp);
	memset(o, 0, sizeof(*o));
	o->fd = o->dirfd = -1;
	return rc;
}

struct batch_rec *batch_rec_new(struct cli *c, struct ts_host *host,
    int *code)
{
	struct batch_rec *r = xcalloc(1, sizeof(*r));
	char *sh = xmalloc(strlen(c->batch_file) + 4);

	sprintf(sh, "%s.sh", c->batch_file);
	r->c = c;
	r->sh.fd = r->sh.dirfd = -1;
	if (open_out(c, c->batch_file, 0600, &r->out) < 0 ||
	    open_out(c, sh, 0700, &r->sh) < 0) {
		out_finish(&r->out, false);
		out_finish(&r->sh, false);
		free(sh);
		free(r);
		*code = TS_EXIT_FILEIO;
		return NULL;
	}
	free(sh);
	r->fd = r->out.fd;
	r->shfd = r->sh.fd;
	r->from_dest = c->batch == CLI_BATCH_WRITE && !c->opts.dry_run;
	if (c->batch == CLI_BATCH_ONLY_WRITE)
		c->opts.dry_run = c->opts.batch_only = true;
	r->chained = *host;
	host->arg = r;
	host->item = rec_item;
	return r;
}

/* --- the replay script ---------------------------------------------------- */

/* Writes S single-quoted: nothing in it is expanded by the shell. */
static void put_quoted(FILE *f, const char *s)
{
	fputc('\'', f);
	for (; *s; s++) {
		if (*s == '\'')
			fputs("'\\''", f);
		else
			fputc(*s, f);
	}
	fputc('\'', f);
}

static int operand_at(const struct cli *c, int argi)
{
	size_t i;

	for (i = 0; i < c->noperands; i++)
		if (c->operand_argi[i] == argi)
			return (int)i;
	return -1;
}

/*
 * FILE.sh, as rsync writes it: the command line with the write option
 * replaced by --read-batch=FILE, the sources left out, and DEST the
 * script's first argument if it has one.  Every word is single-quoted.
 */
static int write_script(const struct batch_rec *r)
{
	const struct cli *c = r->c;
	FILE *f = fdopen(dup(r->shfd), "w");
	int i, rc;

	if (!f)
		return -errno;
	for (i = 0; i < c->argc; i++) {
		int op = operand_at(c, i);

		if (i == c->batch_argi) {
			char *w = xmalloc(strlen(c->batch_file) + 16);

			sprintf(w, "--read-batch=%s", c->batch_file);
			put_quoted(f, w);
			free(w);
			i += c->batch_nwords - 1;
		} else if (op >= 0 && (size_t)op + 1 < c->noperands) {
			continue;	/* a source */
		} else if (op >= 0) {
			fputs("${1:-", f);
			put_quoted(f, c->argv[i]);
			fputc('}', f);
		} else {
			put_quoted(f, c->argv[i]);
		}
		fputc(i + 1 < c->argc ? ' ' : '\n', f);
	}
	rc = ferror(f) ? -EIO : 0;
	if (fclose(f) != 0 && !rc)
		rc = -errno;
	return rc;
}

int batch_rec_finish(struct batch_rec *r, int code)
{
	bool written = code != TS_EXIT_SIGNAL && code != TS_EXIT_TIMEOUT &&
	    code != TS_EXIT_SYNTAX && code != TS_EXIT_LOCKED, done;
	int rc = 0, r2;

	if (written) {
		rc = batch_write_archive(r);
		if (!rc && (rc = write_script(r)) != 0)
			batch_say("cannot write '%s.sh': %s", r->c->batch_file,
			    strerror(-rc));
	}
	/* Complete: the batch, then its script, take their names; else
	 * neither does (an older batch of that name stays as it was). */
	done = written && !rc;
	r2 = out_finish(&r->out, done);
	if (!rc)
		rc = r2;
	r2 = out_finish(&r->sh, done && !rc);
	if (!rc)
		rc = r2;
	batch_strv_free(&r->items);
	batch_strv_free(&r->dels);
	free(r);
	if (rc && (code == TS_EXIT_OK || code > TS_EXIT_FILEIO))
		code = TS_EXIT_FILEIO;
	return code;
}
