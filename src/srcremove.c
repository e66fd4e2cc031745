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

/* One source removed after the walk (-H). */
struct later {
	struct later *next;
	int rootfd;		/* the table's, not owned */
	char *dir;		/* below it ("" for itself) */
	char *name, *rel;
	struct ts_entry listed;
};

struct srcremove {
	pthread_mutex_t lock;	/* guards everything below */
	struct later *list;
	const struct dsrc *roots[64];	/* root sources seen, and */
	int fds[64];			/* their fds, dup'ed */
	size_t nroots;
};

struct srcremove *srcremove_new(const struct ts_options *o)
{
	struct srcremove *s;

	if (!o->remove_source_files || !o->hard_links)
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
		struct later *l = s->list;

		s->list = l->next;
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

/* -H: keeps NAME of FROM for srcremove_flush().  False if it cannot be
 * (too many root sources): removed now then. */
static bool defer(struct ts_run *run, const struct dsrc *from,
    const char *name, const struct ts_entry *listed, const char *rel)
{
	struct srcremove *s = run->plan.srm;
	const struct dsrc *root = from;
	struct later *l;
	char *dir = xstrdup("");
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
		pthread_mutex_unlock(&s->lock);
		free(dir);
		return false;
	}
	l = xcalloc(1, sizeof(*l));
	l->rootfd = s->fds[i];
	l->dir = dir;
	l->name = xstrdup(name);
	l->rel = xstrdup(rel);
	l->listed = *listed;
	l->next = s->list;
	s->list = l;
	pthread_mutex_unlock(&s->lock);
	return true;
}

void srcremove(struct ts_run *run, const struct dsrc *from,
    const char *src_name, const struct ts_entry *listed, const char *rel)
{
	if (!run->o->remove_source_files || run->o->dry_run || !from ||
	    from->slot.fd < 0 || S_ISDIR(listed->mode))
		return;
	if (run->plan.srm && listed->nlink > 1 &&
	    defer(run, from, src_name, listed, rel))
		return;
	remove_now(run, from->slot.fd, from->disp ? from->disp : "", src_name,
	    listed, rel);
}

void srcremove_flush(struct ts_run *run)
{
	struct srcremove *s = run->plan.srm;
	struct later *l;

	if (!s || run_cancelled(run))
		return;
	for (l = s->list; l; l = l->next) {
		int fd = delete_open_beneath(l->rootfd, l->dir);

		if (fd < 0) {
			report_errno(run->rep, -fd, "cannot open source directory",
			    l->rel);
			run_item_failed(run);
			continue;
		}
		remove_now(run, fd, l->dir, l->name, &l->listed, l->rel);
		close(fd);
	}
}
