/*
 * srcremove.c -- --remove-source-files: a source entry (never a
 * directory) goes once DEST holds it, as rsync's sender removes it.
 *
 * "Holds it" is decided by the caller: the file was copied and renamed
 * into place, or DEST's entry was found up to date, or the symlink, node
 * or hard link was made.  Here the source is looked at once more, without
 * following it, and removed only if it is still the entry the walk
 * listed -- same type, inode, size and mtime to the nanosecond: a source
 * that changed meanwhile (even one copied again after a change) is kept,
 * and said so as rsync says it (an error, exit 23).  Dry runs remove
 * nothing.
 *
 * With -H, a source with other links is removed only after the walk:
 * the walk recognises a group by its link count, and removing one name
 * early would make a later name look like a file of its own.  Those are
 * kept as a path below their root source (whose fd is held for it) and
 * removed by srcremove_flush(), opened with RESOLVE_BENEATH and no
 * symlinks.
 *
 * With --delay-updates a copied file waits in its directory's partial
 * dir until the end of the run: its source is held the same way
 * (srcremove_hold()) and removed only once the file is at its final name
 * (srcremove_held(), from partial.c), as rsync's receiver reports the
 * success of a delayed file only after its rename.  A run that ends
 * before the rename (cancelled, or the rename failed) keeps the source:
 * a crash between leaves the source and the staged copy, never neither.
 */
#define _GNU_SOURCE
#include "run.h"

#include "delete.h"
#include "report.h"
#include "sys.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* One source removed after the walk (-H), or after its staged copy's
 * rename (--delay-updates). */
struct srm_later {
	struct srm_later *next;
	int rootfd;		/* the table's, or own_fd */
	int own_fd;		/* an fd of its own (the table full), or -1 */
	bool staged;		/* --delay-updates: srcremove_held() removes */
	char *dir;		/* below it ("" for itself) */
	char *name, *rel;
	struct ts_entry listed;
};

struct srcremove {
	pthread_mutex_t lock;	/* guards everything below */
	struct srm_later *list;
	const struct dsrc *roots[64];	/* root sources seen, and */
	int fds[64];			/* their fds, dup'ed */
	size_t nroots;
};

struct srcremove *srcremove_new(const struct ts_options *o)
{
	struct srcremove *s;

	if (!o->remove_source_files || (!o->hard_links && !o->delay_updates))
		return NULL;
	s = xcalloc(1, sizeof(*s));
	pthread_mutex_init(&s->lock, NULL);
	return s;
}

void srcremove_free(struct srcremove *s)
{
	size_t i;

	if (!s)
		return;
	while (s->list) {
		struct srm_later *l = s->list;

		s->list = l->next;
		if (l->own_fd >= 0)
			close(l->own_fd);
		free(l->dir);
		free(l->name);
		free(l->rel);
		free(l);
	}
	for (i = 0; i < s->nroots; i++)
		close(s->fds[i]);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

/* Removes NAME of SFD if it is still LISTED.  DISP names SFD in errors. */
static void remove_now(struct ts_run *run, int sfd, const char *disp,
    const char *name, const struct ts_entry *listed, const char *rel)
{
	struct ts_entry now;
	int r = walk_stat(sfd, name, false, &now);

	if (r == -ENOENT)
		return;	/* gone already */
	if (r < 0 || (now.mode & S_IFMT) != (listed->mode & S_IFMT) ||
	    (listed->ino && (now.dev != listed->dev ||
	    now.ino != listed->ino)) || now.size != listed->size ||
	    now.mtime_sec != listed->mtime_sec ||
	    now.mtime_nsec != listed->mtime_nsec) {
		report_error(run->rep, "ERROR: Skipping sender remove for "
		    "changed file: %s", rel);
		run_item_failed(run);
		return;
	}
	if (sys.unlinkat(sfd, name, 0) < 0 && errno != ENOENT) {
		report_errno_at(run->rep, errno, "cannot remove source file",
		    disp, name);
		run_item_failed(run);
		return;
	}
	report_note_info(run->rep, TS_INFO_REMOVE, 1, "sender removed %s",
	    rel);
}

/* Keeps NAME of FROM for later (STAGED: for srcremove_held()): a path
 * below its root source, whose fd the table holds; with the table full,
 * an fd of FROM's own.  NULL if neither can be had. */
static struct srm_later *keep(struct ts_run *run, const struct dsrc *from,
    const char *name, const struct ts_entry *listed, const char *rel,
    bool staged)
{
	struct srcremove *s = run->plan.srm;
	const struct dsrc *root = from;
	struct srm_later *l;
	char *dir = xstrdup("");
	int own = -1;
	size_t i;

	while (root->up) {
		char *up = util_path_join(root->name, dir);

		free(dir);
		dir = up;
		root = root->up;
	}
	pthread_mutex_lock(&s->lock);
	for (i = 0; i < s->nroots && s->roots[i] != root; i++)
		;
	if (i == s->nroots && i < 64 &&
	    (s->fds[i] = fcntl(root->slot.fd, F_DUPFD_CLOEXEC, 0)) >= 0)
		s->roots[s->nroots++] = root;
	if (i == s->nroots) {
		own = fcntl(from->slot.fd, F_DUPFD_CLOEXEC, 0);
		if (own < 0) {
			pthread_mutex_unlock(&s->lock);
			free(dir);
			return NULL;
		}
		free(dir);
		dir = xstrdup("");
	}
	l = xcalloc(1, sizeof(*l));
	l->rootfd = own >= 0 ? own : s->fds[i];
	l->own_fd = own;
	l->staged = staged;
	l->dir = dir;
	l->name = xstrdup(name);
	l->rel = xstrdup(rel);
	l->listed = *listed;
	l->next = s->list;
	s->list = l;
	pthread_mutex_unlock(&s->lock);
	return l;
}

void srcremove(struct ts_run *run, const struct dsrc *from,
    const char *src_name, const struct ts_entry *listed, const char *rel)
{
	if (!run->o->remove_source_files || run->o->dry_run || !from ||
	    from->slot.fd < 0 || S_ISDIR(listed->mode))
		return;
	if (run->plan.srm && run->o->hard_links && listed->nlink > 1 &&
	    keep(run, from, src_name, listed, rel, false))
		return;
	remove_now(run, from->slot.fd, from->disp ? from->disp : "", src_name,
	    listed, rel);
}

struct srm_later *srcremove_hold(struct ts_run *run,
    const struct dsrc *from, const char *src_name,
    const struct ts_entry *listed, const char *rel)
{
	struct srm_later *l;

	if (!run->o->remove_source_files || run->o->dry_run || !from ||
	    from->slot.fd < 0 || S_ISDIR(listed->mode) || !run->plan.srm)
		return NULL;
	l = keep(run, from, src_name, listed, rel, true);
	if (!l) {
		report_errno(run->rep, errno, "cannot keep source for removal",
		    rel);
		run_item_failed(run);
	}
	return l;
}

/* Removes L's source if it is still the entry listed. */
static void remove_later(struct ts_run *run, const struct srm_later *l)
{
	int fd = delete_open_beneath(l->rootfd, l->dir);

	if (fd < 0) {
		report_errno(run->rep, -fd, "cannot open source directory",
		    l->rel);
		run_item_failed(run);
		return;
	}
	remove_now(run, fd, l->dir, l->name, &l->listed, l->rel);
	close(fd);
}

void srcremove_held(struct ts_run *run, const struct srm_later *l)
{
	if (l && !run_cancelled(run))
		remove_later(run, l);
}

void srcremove_flush(struct ts_run *run)
{
	struct srcremove *s = run->plan.srm;
	struct srm_later *l;

	if (!s || run_cancelled(run))
		return;
	for (l = s->list; l; l = l->next)
		if (!l->staged)
			remove_later(run, l);
}
