/*
 * gate.c -- the destination gate: every removal of an existing destination
 * entry goes through here.
 *
 * What passes the gate: extraneous entries (--delete, planned in prune.c),
 * entries in the way of a new entry of another type, and everything inside
 * a directory so removed.  The gate is the one place that
 *
 *  - waits: nothing is removed during the walk.  An item whose destination
 *    entry is of another type is deferred (gate_defer()) with everything
 *    needed to handle it later; after the walk, once it is known to be
 *    complete and clean, prune_run() decides the whole removal plan and
 *    gate_run_deferred() clears the way and hands each item back to
 *    item.c as if the destination entry had never been there;
 *  - counts: gate_count_deferred() says how many entries the replacements
 *    remove (a directory's contents included), so that --max-delete is
 *    decided over everything, all or nothing, before the first removal;
 *  - keeps to one file system under -x: a mount point is never entered
 *    and never removed (delete.c);
 *  - prints the same lines in a dry run as in a real run.
 *
 * What does not pass: a file rewritten by a newer version of itself (the
 * temp is renamed over it: an update, not a removal), and treesync's own
 * temp debris.
 *
 * A non-directory in the way of a non-directory is not unlinked first:
 * the new entry is renamed over it, so the name is never missing.  It is
 * counted as removed all the same (rsync counts it too).
 */
#define _GNU_SOURCE
#include "run.h"

#include "backup.h"

#include "delete.h"
#include "report.h"
#include "sys.h"
#include "util.h"
#include "walk.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* An item whose destination entry is of another type, waiting for the
 * walk to end.  Everything it points to is its own (the scan that found
 * it is long gone when it runs), except what its directory node keeps. */
struct defer {
	struct pool_task task;
	struct defer *next;	/* run->deferred, guarded by defer_lock */
	struct dnode *dir;	/* holds a reference */
	struct ts_entry src, dst;
	struct srcitem it;	/* it.ent == &src */
	struct srcitem *merge;	/* a directory: merged operands (copies) */
	struct ts_entry *merge_ents;
	const struct srcitem **merge_ptrs;
	char *rel;		/* below the destination root */
	uint64_t removals;	/* what clearing the way removes (counted) */
	bool blocked;		/* it cannot be cleared (counted as 0) */
};

static const char *kind_of(uint32_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG:
		return "regular file";
	case S_IFDIR:
		return "directory";
	case S_IFLNK:
		return "symlink";
	default:
		return "special file";
	}
}

/* Copies S's strings into one allocation; the copy's pointers use it. */
static void copy_item(struct srcitem *to, const struct srcitem *s,
    struct ts_entry *ent)
{
	size_t n1 = strlen(s->name) + 1, n2 = strlen(s->src_name) + 1;
	size_t n3 = strlen(s->disp_name) + 1, n4 = strlen(s->src_disp) + 1;
	char *p = xmalloc(n1 + n2 + n3 + n4);

	*to = *s;
	*ent = *s->ent;
	to->ent = ent;
	to->name = memcpy(p, s->name, n1);
	to->src_name = memcpy(p + n1, s->src_name, n2);
	to->disp_name = memcpy(p + n1 + n2, s->disp_name, n3);
	to->src_disp = memcpy(p + n1 + n2 + n3, s->src_disp, n4);
	ent->name = to->name;
	to->layer = s->layer ? filter_layer_ref(s->layer) : NULL;
	to->merge = NULL;
	to->nmerge = 0;
	to->link_target = NULL;	/* the scan's: read again if needed */
}

static void free_item(struct srcitem *it)
{
	free((void *)(uintptr_t)it->name);	/* the strings' allocation */
	filter_layer_unref(it->layer);
}

void gate_defer(struct dnode *d, const struct srcitem *it,
    const struct ts_entry *dst, const char *rel)
{
	struct ts_run *run = d->run;
	struct defer *df = xcalloc(1, sizeof(*df));
	size_t i;

	df->dir = d;
	atomic_fetch_add(&d->pending, 1);
	copy_item(&df->it, it, &df->src);
	df->dst = *dst;
	df->dst.name = df->it.name;
	df->rel = xstrdup(rel);
	if (it->nmerge) {
		df->merge = xcalloc(it->nmerge, sizeof(*df->merge));
		df->merge_ents = xcalloc(it->nmerge, sizeof(*df->merge_ents));
		df->merge_ptrs = xcalloc(it->nmerge, sizeof(*df->merge_ptrs));
		for (i = 0; i < it->nmerge; i++) {
			copy_item(&df->merge[i], it->merge[i],
			    &df->merge_ents[i]);
			df->merge_ptrs[i] = &df->merge[i];
		}
		df->it.merge = df->merge_ptrs;
		df->it.nmerge = it->nmerge;
	}
	pthread_mutex_lock(&run->defer_lock);
	df->next = run->deferred;
	run->deferred = df;
	run->ndeferred++;
	pthread_mutex_unlock(&run->defer_lock);
}

static void free_defer(struct defer *df)
{
	size_t i;

	for (i = 0; i < df->it.nmerge; i++)
		free_item(&df->merge[i]);
	free(df->merge);
	free(df->merge_ents);
	free(df->merge_ptrs);
	free_item(&df->it);
	free(df->rel);
	free(df);
}

/* The options of a removal in the way of an entry of D: protect rules
 * (-f 'P ...', excluded names without --delete-excluded, -b's implied
 * "P *SUFFIX") keep what they name inside it, as they do for --delete;
 * -b keeps the files it removes aside.  PA must outlive the options. */
static struct del_opts del_opts_of(const struct ts_run *run,
    const struct dnode *d, bool dry, bool quiet, struct protect_arg *pa)
{
	struct del_opts o = { .rep = run->rep, .dry_run = dry,
		.am_root = run->am_root,
		.one_fs = run->o->one_fs > 0,
		.quiet_report = quiet };

	pa->run = run;
	pa->layer = dnode_layer(d);
	if (pa->layer || run->plan.bak) {
		o.protect = select_protect_inside;
		o.protect_arg = pa;
	}
	if (run->plan.bak) {
		o.backup = backup_removed;
		o.backup_arg = (void *)(uintptr_t)run;
	}
	return o;
}

/* Opens the directory NAME in the way, without following anything. */
static int open_in_way(int dfd, const char *name)
{
	return sys.openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC, 0);
}

/* True when the directory FD is on another file system than its parent
 * PFD (a mount point): -x never enters or removes it. */
static bool other_fs(int pfd, int fd)
{
	struct stat a, b;

	return fstat(pfd, &a) == 0 && fstat(fd, &b) == 0 &&
	    a.st_dev != b.st_dev;
}

/*
 * Counts what clearing the way for DF removes: the entry itself, and for
 * a directory everything inside, as a dry run of the removal would.  A
 * directory that will not be removed (full, without --delete or --force;
 * a mount point under -x) counts nothing.
 */
static uint64_t count_one(struct ts_run *run, struct defer *df)
{
	struct dnode *d = df->dir;
	struct protect_arg pa;
	struct del_opts o = del_opts_of(run, d, true, true, &pa);
	struct del_counts c = { 0 };
	struct dirlist l;
	int fd;

	o.silent = true;	/* counting: the removal reports, once */

	if (!S_ISDIR(df->dst.mode))
		return 1;
	if (d->dslot.fd < 0 || (fd = open_in_way(d->dslot.fd, df->it.name)) < 0)
		return 1;
	if (run->o->one_fs && other_fs(d->dslot.fd, fd)) {
		close(fd);
		df->blocked = true;
		return 0;
	}
	dirlist_init(&l);
	walk_dir(NULL, fd, df->rel, WALK_DEST, &l);
	if (l.n && !run->o->del && !run->o->force) {
		dirlist_free(&l);
		close(fd);
		df->blocked = true;
		return 0;
	}
	dirlist_free(&l);
	delete_dir_contents(&o, fd, df->rel, &c);
	close(fd);
	return 1 + c.reg + c.dir + c.link + c.dev + c.special;
}

uint64_t gate_count_deferred(struct ts_run *run)
{
	struct defer *df;
	uint64_t n = 0;

	for (df = run->deferred; df; df = df->next) {
		if (dnode_enter(df->dir) == 0)
			df->removals = count_one(run, df);
		else
			df->blocked = true;	/* reported */
		dnode_leave(df->dir);
		n += df->removals;
	}
	return n;
}

/* "could not make way": the new entry cannot be made (exit 23). */
static int refuse(struct ts_run *run, struct defer *df, const char *why)
{
	if (why)
		report_note(run->rep, why, df->rel);
	report_error(run->rep, "could not make way for new %s: %s",
	    kind_of(df->src.mode), df->rel);
	run_item_failed(run);
	return -ENOTEMPTY;
}

/*
 * Removes the directory in DF's way with everything inside (rsync's rules:
 * an empty one always, a full one only with --delete or --force).  Its
 * contents are reported as deleted; the directory itself is not, since the
 * new entry takes its place (as rsync prints it).
 */
static int clear_dir(struct ts_run *run, struct defer *df)
{
	struct dnode *d = df->dir;
	bool dry = run->o->dry_run;
	struct protect_arg pa;
	struct del_opts o = del_opts_of(run, d, dry, false, &pa);
	struct del_counts c = { 0 };
	int fd, r;

	fd = open_in_way(d->dslot.fd, df->it.name);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;	/* gone meanwhile: the way is clear */
		r = -errno;
		run_report_dest(run, -r, "cannot open directory", df->rel);
		run_item_failed(run);
		return r;
	}
	if (df->blocked) {
		close(fd);
		return refuse(run, df, "cannot delete non-empty directory: %s");
	}
	r = delete_dir_contents(&o, fd, df->rel, &c);
	close(fd);
	if (r == -ENOTEMPTY || r == -EXDEV) {
		/* A mount point inside (-x) keeps it. */
		prune_count_deleted(run, &c);
		return refuse(run, df, "cannot delete non-empty directory: %s");
	}
	if (r == 0 && !dry &&
	    sys.unlinkat(d->dslot.fd, df->it.name, AT_REMOVEDIR) < 0) {
		r = -errno;
		run_report_dest(run, -r, "cannot remove directory", df->rel);
	}
	/* The directory itself is replaced, not deleted: rsync counts only
	 * what was inside it (its "*deleting" lines). */
	prune_count_deleted(run, &c);
	if (r < 0 || c.errors) {
		run_item_failed(run);
		return r < 0 ? r : -EIO;
	}
	return 0;
}

/* Clears the way for DF: 0 when its item may now be made. */
static int clear_way(struct ts_run *run, struct defer *df)
{
	struct dnode *d = df->dir;
	int r;

	if (d->dslot.fd < 0)
		return 0;	/* a dry run below a new directory */
	if (S_ISDIR(df->dst.mode))
		return clear_dir(run, df);
	if (S_ISDIR(df->src.mode) && run->o->prune_empty_dirs) {
		/* -m: only if something non-directory goes below it
		 * (gate_clear_for_kept()); else it stays, or --delete
		 * deletes it (prune_unkept()). */
		df->it.in_way = df->dst.mode;
		return 0;
	}
	if (S_ISDIR(df->src.mode) && run->plan.bak) {
		/* -b: it is moved aside instead (reported if it fails). */
		r = backup_entry(run, d->dslot.fd, df->it.name, df->rel,
		    df->dst.mode, false);
		if (r < 0 && r != -ENOENT) {
			run_item_failed(run);
			return r;
		}
	} else if (S_ISDIR(df->src.mode) && !run->o->dry_run &&
	    sys.unlinkat(d->dslot.fd, df->it.name, 0) < 0 && errno != ENOENT) {
		/* A directory cannot be renamed over a non-directory. */
		r = -errno;
		run_report_dest(run, -r, "cannot remove", df->rel);
		run_item_failed(run);
		return r;
	}
	/* Replaced, not deleted: not in --stats' deleted files (rsync's
	 * count), though --max-delete counted it (gate_count()). */
	return 0;
}

int gate_clear_for_kept(struct dnode *d)
{
	struct ts_run *run = d->run;
	struct dslot *up = &d->parent->dslot;
	int pfd, r = 0;

	if (run->o->dry_run)
		return 0;
	pfd = dslot_pin(&run->slots, up);
	if (pfd < 0) {
		run_report_dest(run, -pfd, "cannot open directory again",
		    d->rel);
		run_item_failed(run);
		return pfd;
	}
	if (run->plan.bak) {
		r = backup_entry(run, pfd, d->name, d->rel, d->way_mode, false);
		if (r == -ENOENT)
			r = 0;
	} else if (sys.unlinkat(pfd, d->name, 0) < 0 && errno != ENOENT) {
		r = -errno;
		run_report_dest(run, -r, "cannot remove", d->rel);
	}
	dslot_unpin(&run->slots, up);
	if (r < 0) {
		run_item_failed(run);
		return r;
	}
	return 0;	/* replaced, not deleted (clear_way()) */
}

static void defer_task(struct pool_task *t, struct pool_worker *w)
{
	struct defer *df = container_of(t, struct defer, task);
	struct dnode *d = df->dir;
	struct ts_run *run = d->run;

	(void)w;
	if (dnode_enter(d) == 0 && run->replace_ok &&
	    !pool_cancelled(&run->pool) && clear_way(run, df) == 0) {
		size_t i;

		/* The fds the items were listed with may have been closed
		 * since: those of the node now entered. */
		dnode_src_fields(&df->it);
		for (i = 0; i < df->it.nmerge; i++)
			dnode_src_fields(&df->merge[i]);
		/* A directory in the way is gone; a non-directory stays until
		 * the new entry is renamed over it. */
		if (S_ISDIR(df->dst.mode) && !S_ISDIR(df->src.mode))
			df->it.gone = &df->dst;
		item_act(d, &df->it, S_ISDIR(df->dst.mode) ||
		    S_ISDIR(df->src.mode) ? NULL : &df->dst);
		df->it.gone = NULL;
	}
	dnode_leave(d);
	free_defer(df);
	dnode_release(d);
}

static int cmp_defer(const void *a, const void *b)
{
	const struct defer *const *x = a, *const *y = b;

	return strcmp((*x)->rel, (*y)->rel);
}

void gate_run_deferred(struct ts_run *run, bool allowed)
{
	struct defer **v, *df;
	size_t n = 0, i;

	if (!run->deferred)
		return;
	v = xcalloc(run->ndeferred, sizeof(*v));
	for (df = run->deferred; df; df = df->next)
		v[n++] = df;
	run->deferred = NULL;
	run->ndeferred = 0;
	/* In path order: what is printed follows the tree, and a dry run
	 * lists the same as a real one. */
	qsort(v, n, sizeof(*v), cmp_defer);
	run->replace_ok = allowed;
	for (i = 0; i < n; i++) {
		v[i]->task.fn = defer_task;
		pool_submit(&run->pool, &v[i]->task);
	}
	free(v);
	run_wait(run);
}

bool gate_defers_above(struct ts_run *run, const char *path)
{
	const struct defer *df;
	bool found = false;

	pthread_mutex_lock(&run->defer_lock);
	for (df = run->deferred; df && !found; df = df->next) {
		size_t n = strlen(df->rel);

		found = S_ISDIR(df->src.mode) && strncmp(path, df->rel, n) == 0 &&
		    (path[n] == '/' || path[n] == '\0');
	}
	pthread_mutex_unlock(&run->defer_lock);
	return found;
}

void gate_unplanned(struct dnode *d, const struct srcitem *it,
    const char *rel)
{
	report_error(d->run->rep, "not replacing '%s' by a %s: it changed "
	    "type during the run", rel, kind_of(it->ent->mode));
	run_item_failed(d->run);
}
