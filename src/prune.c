/*
 * prune.c -- the deletion pass: extraneous destination entries recorded
 * during the walk, deleted after it, all or nothing (--max-delete).
 */
#define _GNU_SOURCE
#include "run.h"

#include "backup.h"

#include "delete.h"
#include "meta.h"
#include "report.h"
#include "sys.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* --- directory scans ----------------------------------------------------- */

/* A group of the directory REL with room for N names (none yet). */
static struct del_group *new_group(const char *rel, size_t n)
{
	struct del_group *g = xcalloc(1, sizeof(*g));

	g->rel = xstrdup(rel);
	g->names = xcalloc(n, sizeof(*g->names));
	g->seen = xcalloc(n, sizeof(*g->seen));
	return g;
}

/* Whether D's groups wait for D to be kept or pruned (-m).  del_lock
 * held. */
static bool held_for(const struct dnode *d)
{
	return d && d->run->o->prune_empty_dirs && !atomic_load(&d->kept);
}

/* Hands G, a group of the directory D (NULL: no node), to the deletion
 * pass, or, under -m, to D until it is kept.  Thread-safe. */
static void push_group(struct ts_run *run, struct dnode *d,
    struct del_group *g)
{
	pthread_mutex_lock(&run->del_lock);
	if (held_for(d)) {
		g->next = d->held;
		d->held = g;
	} else {
		g->next = run->groups;
		run->groups = g;
	}
	pthread_mutex_unlock(&run->del_lock);
}

static void free_group(struct del_group *g)
{
	size_t i;

	for (i = 0; i < g->n; i++)
		free(g->names[i]);
	free(g->names);
	free(g->seen);
	filter_layer_unref(g->layer);
	free(g->rel);
	free(g);
}

/* A group of NAME (of type MODE) in D, which need not be entered. */
static struct del_group *one_group(struct dnode *d, const char *name,
    uint32_t mode)
{
	char *rel = dnode_path(d);
	struct del_group *g = new_group(rel, 1);

	free(rel);
	g->layer = dnode_layer(d) ? filter_layer_ref(dnode_layer(d)) : NULL;
	g->meta = d->meta;
	g->n = 1;
	g->names[0] = xstrdup(name);
	g->seen[0].mode = mode;
	return g;
}

void prune_keep(struct dnode *d)
{
	struct ts_run *run = d->run;
	struct del_group *g, *next;

	pthread_mutex_lock(&run->del_lock);
	for (g = d->held; g; g = next) {
		next = g->next;
		g->next = run->groups;
		run->groups = g;
	}
	d->held = NULL;
	atomic_store(&d->kept, true);
	pthread_mutex_unlock(&run->del_lock);
}

/*
 * rsync prunes the directory from its file list, so an existing one of
 * that name is extraneous in its parent's: everything in it goes, and
 * what its own scan found extraneous is inside that.
 */
void prune_unkept(struct dnode *d)
{
	struct ts_run *run = d->run;
	struct dnode *p = d->parent;
	struct del_group *g, *next;

	pthread_mutex_lock(&run->del_lock);
	g = d->held;
	d->held = NULL;
	pthread_mutex_unlock(&run->del_lock);
	for (; g; g = next) {
		next = g->next;
		free_group(g);
	}
	if (p && d->way_mode && p->del_ok && run->replace_ok &&
	    !pool_cancelled(&run->pool)) {
		prune_delete_now(p, d->name, d->way_mode);
		return;
	}
	if (!p || !d->has_dst || !S_ISDIR(d->dst.mode) || !d->del_ok ||
	    !p->del_ok || pool_cancelled(&run->pool))
		return;
	push_group(run, p, one_group(p, d->name, d->dst.mode));
}

/* Remembers the extraneous entries of D for the deletion pass. */
void prune_record(struct dnode *d, const struct dirlist *dl,
    const uint32_t *ex, size_t n)
{
	struct del_group *g;
	size_t i;

	if (n == 0)
		return;
	g = new_group(d->rel, n);
	g->layer = dnode_layer(d) ? filter_layer_ref(dnode_layer(d)) : NULL;
	g->meta = d->meta;
	g->n = n;
	for (i = 0; i < n; i++) {
		struct ts_entry e;

		dirlist_get(dl, ex[i], &e);
		g->names[i] = xstrdup(e.name);
		g->seen[i] = (struct del_seen){ e.mode, e.dev,
			dirlist_ino(dl, ex[i]) };
	}
	push_group(d->run, d, g);
}

/*
 * --delete-missing-args: whether the DEST directory FD holds nothing (a
 * directory that is not empty goes only with --delete or --force).
 */
static bool dir_is_empty(struct ts_run *run, int dfd, const char *name,
    const char *rel)
{
	struct dirlist l;
	bool empty = true;
	int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);

	dirlist_init(&l);
	if (fd >= 0) {
		walk_dir(run->rep, fd, rel, WALK_DEST, &l);
		empty = l.n == 0;
		close(fd);
	}
	dirlist_free(&l);
	return empty;
}

/* Whether PATH is REL or below it ("" holds everything). */
static bool at_or_below(const char *path, const char *rel)
{
	size_t n = strlen(rel);

	return n == 0 || (strncmp(path, rel, n) == 0 &&
	    (path[n] == '\0' || path[n] == '/'));
}

/*
 * Whether the removals recorded so far already take PATH: it, or a
 * directory above it, is extraneous (--delete of a directory listed with
 * -r holding a missing listed name).  rsync removes such a name once.
 */
static bool covered(struct ts_run *run, const char *path)
{
	struct del_group *g;
	bool hit = false;
	size_t i;

	pthread_mutex_lock(&run->del_lock);
	for (g = run->groups; g && !hit; g = g->next) {
		if (!at_or_below(path, g->rel))
			continue;
		for (i = 0; i < g->n && !hit; i++) {
			char *e = util_path_join(g->rel, g->names[i]);

			hit = at_or_below(path, e);
			free(e);
		}
	}
	pthread_mutex_unlock(&run->del_lock);
	return hit;
}

/*
 * --delete-missing-args: the DEST entry REL (below the root) of a missing
 * argument -- an operand, or a listed path of --files-from or -R -- is
 * deleted with the extraneous entries: through the gate, after a clean
 * walk, counted for --max-delete, honouring -x and --backup.  Not when
 * the receiver's rules keep it (rsync's generator checks them first),
 * nor a directory with something in it without --delete or --force
 * (rsync's rule and words).  Its directory's time is put back after, as
 * rsync's touches up the directories it sent (the root is not one).
 */
static void record_gone_one(struct ts_run *run, const char *rel)
{
	const char *slash = strrchr(rel, '/');
	char *dir = slash ? xstrndup(rel, (size_t)(slash - rel)) : xstrdup("");
	const char *name = slash ? slash + 1 : rel;
	int fd = delete_open_kept(run->plan.dst_fd, dir, run->o->keep_dirlinks);
	struct del_group *g;
	struct ts_entry e;
	struct stat st;

	if (fd < 0 || walk_stat(fd, name, false, &e) < 0 ||
	    select_gone_kept(run, rel, S_ISDIR(e.mode)) || covered(run, rel))
		goto out;
	if (S_ISDIR(e.mode) && !run->o->del && !run->o->force &&
	    !dir_is_empty(run, fd, name, rel)) {
		report_note(run->rep, "cannot delete non-empty directory: %s",
		    rel);
		goto out;
	}
	g = new_group(dir, 1);
	if (*dir && run->o->times && !run->o->omit_dir_times &&
	    fstat(fd, &st) == 0) {
		g->meta.set_times = true;
		g->meta.mtime = st.st_mtim;
	}
	g->n = 1;
	g->names[0] = xstrdup(name);
	g->seen[0] = (struct del_seen){ e.mode, e.dev, e.ino };
	push_group(run, NULL, g);
out:
	if (fd >= 0)
		close(fd);
	free(dir);
}

/* --delete-missing-args: the missing operands' names in DEST, and the
 * listed paths select.c marked gone. */
static void record_gone(struct ts_run *run)
{
	const struct plan *p = &run->plan;
	size_t i, k;

	if (p->dst_fd < 0 || p->single_name)
		return;
	for (i = 0; i < p->ngone; i++) {
		const char *name = p->gone[i];

		/* Only a name in DEST: the "." or ".." of an operand such as
		 * "missing/.." names DEST itself or its parent. */
		if (name[0] && strcmp(name, ".") != 0 &&
		    strcmp(name, "..") != 0 && !strchr(name, '/'))
			record_gone_one(run, name);
	}
	for (k = 0; k < run->nsels; k++)
		for (i = 0; i < run->sels[k].n; i++)
			if (run->sels[k].v[i].gone)
				record_gone_one(run, run->sels[k].v[i].path);
}

void prune_record_quiet(struct dnode *d, const char *name, uint32_t mode)
{
	struct del_group *g = new_group(d->rel, 1);

	g->meta = d->meta;
	g->quiet = true;
	g->n = 1;
	g->names[0] = xstrdup(name);
	g->seen[0].mode = mode;
	push_group(d->run, d, g);
}

/* --- deletion ------------------------------------------------------------ */

static int cmp_groups(const void *a, const void *b)
{
	const struct del_group *const *x = a, *const *y = b;

	return strcmp((*x)->rel, (*y)->rel);
}

void prune_free(struct ts_run *run)
{
	struct del_group *g, *next;

	for (g = run->groups; g; g = next) {
		next = g->next;
		free_group(g);
	}
	run->groups = NULL;
}

/* Deletes entry I of G below FD, as DOPTS say, unless it is this run's
 * backup (made, or in a dry run to be made, after the name was listed):
 * the deletion pass and the count --max-delete makes of it alike. */
static void delete_listed(struct ts_run *run, const struct del_opts *dopts,
    int fd, const struct del_group *g, size_t i, struct del_counts *c)
{
	char *rel = util_path_join(g->rel, g->names[i]);

	if (!backup_made(run, rel))
		delete_seen(dopts, fd, g->names[i], rel, &g->seen[i], c);
	free(rel);
}

static void delete_group(struct ts_run *run, struct del_group *g,
    struct del_counts *c)
{
	struct protect_arg pa = { run, g->layer };
	struct del_opts dopts = { .rep = run->rep,
		.dry_run = run->o->dry_run, .am_root = run->am_root, .quiet_report = g->quiet,
		.one_fs = run->o->one_fs > 0, .protect = g->layer ||
		run->plan.bak ? select_protect_inside : NULL, .protect_arg = &pa,
		.backup = run->plan.bak ? backup_removed : NULL,
		.backup_arg = run };
	const char *what = NULL;
	size_t i;
	int fd = delete_open_kept(run->plan.dst_fd, g->rel,
	    run->o->keep_dirlinks);
	mode_t before = 0;
	bool writable;

	if (fd < 0) {
		run_report_dest(run, -fd, "cannot open directory for deletion",
		    g->rel);
		c->errors++;
		return;
	}
	writable = !run->o->dry_run &&
	    meta_make_writable(fd, &before, run->am_root);
	for (i = 0; i < g->n; i++)
		delete_listed(run, &dopts, fd, g, i, c);
	if (writable && sys.fchmod(fd, before) < 0) {
		run_report_dest(run, errno, "cannot change mode of", g->rel);
		c->errors++;
	}
	/* Removing entries bumped the directory's mtime: restore it. */
	if (!run->o->dry_run && g->meta.set_times) {
		struct meta_target m = { .set_times = true,
			.mtime = g->meta.mtime };

		int r = meta_apply_fd(fd, &m, &what);

		if (r < 0) {
			run_report_dest(run, -r, what, g->rel);
			c->errors++;
		}
	}
	if (!run->o->dry_run && run->o->fsync && sys.fsync(fd) < 0) {
		run_report_dest(run, errno, "cannot fsync directory", g->rel);
		c->errors++;
	}
	close(fd);
}

void prune_count_deleted(struct ts_run *run, const struct del_counts *c)
{
	add(&run->deleted[TY_REG], c->reg);
	add(&run->deleted[TY_DIR], c->dir);
	add(&run->deleted[TY_LINK], c->link);
	add(&run->deleted[TY_DEV], c->dev);
	add(&run->deleted[TY_SPECIAL], c->special);
}

/* C's removals, and its errors (exit 23). */
static void add_del_counts(struct ts_run *run, const struct del_counts *c)
{
	prune_count_deleted(run, c);
	if (c->errors) {
		add(&run->errors, c->errors);
		atomic_store(&run->partial, true);
	}
}

void prune_delete_now(struct dnode *d, const char *name, uint32_t mode)
{
	struct del_counts c = { 0 };
	struct del_group *g = one_group(d, name, mode);

	delete_group(d->run, g, &c);
	free_group(g);
	add_del_counts(d->run, &c);
}

/* Counts what the groups would delete, reading extraneous directories. */
static uint64_t count_deletions(struct ts_run *run, struct del_group **v,
    size_t n)
{
	struct protect_arg pa = { run, NULL };
	struct del_opts dopts = { .rep = run->rep, .dry_run = true,
		.am_root = run->am_root,
		.one_fs = run->o->one_fs > 0,
		.quiet_report = true, .silent = true,
		.protect = select_protect_inside, .protect_arg = &pa };
	struct del_counts c = { 0 };
	size_t i, k;

	for (i = 0; i < n; i++) {
		int fd = delete_open_kept(run->plan.dst_fd, v[i]->rel,
		    run->o->keep_dirlinks);

		if (fd < 0)
			continue;
		pa.layer = v[i]->layer;
		for (k = 0; k < v[i]->n; k++)
			delete_listed(run, &dopts, fd, v[i], k, &c);
		close(fd);
	}
	return c.reg + c.dir + c.link + c.dev + c.special;
}

/*
 * --max-delete is all-or-nothing: the whole plan -- extraneous entries and
 * what replacements by another type remove -- is counted first, and over
 * the limit nothing at all is removed (rsync deletes up to the limit and
 * stops, leaving a half-pruned mirror).  Exit 25 either way.
 *
 * treesync-mpi: each rank counts what it listed, the counts are summed
 * over every rank (the same decision everywhere, said by rank 0), and each
 * rank's stats keep its own share of what was not deleted.  Every rank
 * takes part in the sum, also one that may not remove anything (ALLOWED
 * false: a signal that reached it alone), which then says nothing.
 */
static bool within_max_delete(struct ts_run *run, bool allowed,
    uint64_t want, uint64_t replacing, uint64_t tops)
{
	uint64_t limit = (uint64_t)run->o->max_delete;
	uint64_t mine = want, entries = run->dst_entries, total;
	char also[96] = "";

	if (run->exec) {
		uint64_t v[4] = { want, replacing, tops, entries };

		run->exec->combine(run->exec->arg, v, 0, 4, 0);
		want = v[0];
		replacing = v[1];
		tops = v[2];
		entries = v[3];
	}
	if (!allowed)
		return false;
	/* The listed entries plus what lies inside extraneous directories. */
	total = entries + (want > tops ? want - tops : 0);
	if (run->o->max_delete_pct)
		limit = total * (uint64_t)run->o->max_delete / 100;
	if (want <= limit && !(run->o->max_delete == 0 && want > 0))
		return true;
	run->delete_skipped = mine;
	if (run->exec && run->exec->rank != 0)
		return false;
	if (replacing)
		snprintf(also, sizeof(also), " (%llu to replace entries by "
		    "another type)", (unsigned long long)replacing);
	if (run->o->max_delete_pct)
		report_error(run->rep, "--max-delete=%ld%% limit: %llu deletions needed "
		    "(%llu%% of %llu destination entries)%s; nothing deleted",
		    run->o->max_delete, (unsigned long long)want,
		    (unsigned long long)(total ? want * 100 / total : 0),
		    (unsigned long long)total, also);
	else
		report_error(run->rep, "--max-delete=%ld limit: %llu deletions needed%s; "
		    "nothing deleted", run->o->max_delete,
		    (unsigned long long)want, also);
	return false;
}

/*
 * Decides whether anything may be removed at all: a run that went right
 * only.  Any error, source or destination, withholds every removal
 * (--ignore-errors: source listing errors are forgiven; directories whose
 * listing failed recorded nothing to remove).
 */
static bool removal_allowed(struct ts_run *run)
{
	/* treesync-mpi: every rank takes the decision, rank 0 says it once
	 * for all of them (run.c combined what they hold). */
	bool groups = run->exec ? run->exec_groups > 0 : run->groups != NULL;
	uint64_t ndeferred = run->exec ? run->exec_deferred : run->ndeferred;
	bool voice = !run->exec || run->exec->rank == 0;

	/* Any I/O error stops every removal -- a source listing error, and
	 * also an item that failed -- unless --ignore-errors (rsync's "go
	 * ahead and delete even when there are I/O errors"); directories
	 * whose own listing failed recorded nothing to delete anyway. */
	if ((atomic_load(&run->src_error) || atomic_load(&run->other_error)) &&
	    !run->o->ignore_errors) {
		if (groups && voice)
			report_error(run->rep, "IO error encountered -- skipping file "
			    "deletion");
		if (ndeferred && voice)
			report_error(run->rep, "IO error encountered -- not replacing "
			    "%llu entr%s by another type",
			    (unsigned long long)ndeferred,
			    ndeferred == 1 ? "y" : "ies");
		return false;
	}
	if (atomic_load(&run->fatal) || pool_cancelled(&run->pool) ||
	    run_cancelled(run))
		return false;
	if (run->refuse_delete && groups) {
		if (!voice)
			return false;
		report_error(run->rep, "refusing to delete: source is empty and "
		    "destination '%s' is not (an unmounted source?); "
		    "use --allow-empty-source if this is meant",
		    run->plan.dst_operand);
		return false;
	}
	return true;
}

void prune_run(struct ts_run *run)
{
	struct del_group **v = NULL;
	struct del_group *g;
	struct del_counts c = { 0 };
	size_t n = 0, i;
	uint64_t tops = 0, want = 0, replacing = 0;
	bool allowed;

	/* From here on, the plan is fixed: a type change met now is not
	 * deferred again (gate_unplanned). */
	run->after_walk = true;
	srcremove_flush(run);	/* -H: the sources with other links */
	record_gone(run);
	if (!run->groups && !run->deferred &&
	    !(run->exec && (run->exec_groups || run->exec_deferred)))
		return;
	allowed = removal_allowed(run);
	for (g = run->groups; g; g = g->next)
		n++;
	if (allowed && n) {
		v = xcalloc(n, sizeof(*v));
		for (g = run->groups, i = 0; g; g = g->next) {
			v[i++] = g;
			tops += g->n;
		}
		qsort(v, n, sizeof(*v), cmp_groups);
	}
	if (allowed) {
		/* Counting also tells the gate which replacements are
		 * blocked: it must run before any of them. */
		replacing = gate_count_deferred(run);
		tops += run->ndeferred;	/* each replaced entry was listed */
		if (run->o->max_delete >= 0)
			want = (v ? count_deletions(run, v, n) : 0) + replacing;
	}
	if (run->o->max_delete >= 0 && (allowed || run->exec))
		allowed = within_max_delete(run, allowed, want, replacing, tops);
	for (i = 0; allowed && v && i < n && !run_cancelled(run); i++)
		delete_group(run, v[i], &c);
	free(v);
	add_del_counts(run, &c);
	gate_run_deferred(run, allowed);
}
