/*
 * scan.c -- one directory pair: open both sides, read the listings,
 * sweep temp debris, merge-join source items with destination entries.
 */
#define _GNU_SOURCE
#include "run.h"

#include "copy.h"
#include "tmpfile.h"
#include "report.h"
#include "xattr.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>


int scan_cmp_items(const void *a, const void *b)
{
	const struct srcitem *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c)
		return c;
	return x->order < y->order ? -1 : x->order > y->order;
}

void scan_submit_list(struct pool *p, struct pool_task *t)
{
	while (t) {
		struct pool_task *next = t->next;

		pool_submit(p, t);
		t = next;
	}
}

/*
 * The items ITEMS[0..N) share one name (several operands have it).  rsync
 * keeps the first, except that a directory wins over a non-directory (it
 * may have contents), and the later directories of that name are merged
 * into the winner.  Moves the winner to ITEMS[0]; *MERGE receives the
 * directories to merge (malloc'ed, or NULL).  Returns their count.
 */
size_t scan_settle_duplicates(struct srcitem *items, size_t n,
    const struct srcitem ***merge)
{
	size_t i, w = 0, nm = 0;

	*merge = NULL;
	for (i = 0; i < n && !S_ISDIR(items[i].ent->mode); i++)
		;
	if (i == n)
		return 0;	/* no directory: the first one wins */
	w = i;
	if (w) {
		struct srcitem t = items[w];

		memmove(items + 1, items, w * sizeof(*items));
		items[0] = t;
	}
	for (i = 1; i < n; i++)
		if (S_ISDIR(items[i].ent->mode)) {
			if (!*merge)
				*merge = xcalloc(n, sizeof(**merge));
			(*merge)[nm++] = &items[i];
		}
	return nm;
}

/* How the source items of one name take part (take()). */
enum take {
	TAKE_SEND,	/* decided like any item */
	TAKE_NONE,	/* not selected (--files-from): neither sent nor
			 * extraneous */
	TAKE_EXCLUDED,	/* excluded by a rule: not sent, and a destination
			 * entry of its name is judged like an extraneous one
			 * (protected unless --delete-excluded) */
};

/*
 * The items ITEMS[0..*NDUP) of one name (*NDUP is found here): settles
 * which operand wins and which directories merge into it (*MERGE, to be
 * freed), then applies --files-from and the filter rules to the winner.
 */
static enum take take(struct dnode *d, struct srcitem *items, size_t left,
    size_t *ndup, const struct srcitem ***merge)
{
	char *rel;
	bool out;

	*merge = NULL;
	for (*ndup = 1; *ndup < left &&
	    strcmp(items[*ndup].name, items[0].name) == 0; (*ndup)++)
		;
	if (*ndup > 1)
		items[0].nmerge = scan_settle_duplicates(items, *ndup, merge);
	items[0].merge = *merge;
	if (!select_item(d, &items[0]))
		return TAKE_NONE;
	if (!items[0].layer)
		return TAKE_SEND;
	rel = util_path_join(d->rel, items[0].name);
	out = select_filtered_out(&items[0], rel);
	free(rel);
	return out ? TAKE_EXCLUDED : TAKE_SEND;
}

/*
 * Merge-joins the source items (from every source of D, sorted by name
 * and operand order) with the sorted destination listing: each source
 * item is decided, each destination-only name is extraneous.
 */
void scan_join(struct dnode *d, struct srcitem *items, size_t ni,
    const struct dirlist *dl, bool find_extraneous)
{
	struct ts_run *run = d->run;
	const struct ts_entry **ex = NULL;
	size_t i = 0, j = 0, k, nex = 0;
	struct pending later = { NULL, NULL };

	d->later = &later;
	/* Deletion needs the whole source directory: not in a partial one. */
	for (k = 0; k < d->nsrcs; k++)
		if (d->srcs[k].sel != SEL_ALL)
			find_extraneous = false;
	if (find_extraneous && dl->n)
		ex = xcalloc(dl->n, sizeof(*ex));
	while ((i < ni || j < dl->n) && !pool_cancelled(&run->pool)) {
		const struct srcitem **merge = NULL;
		size_t ndup = 0;
		int c = i == ni ? 1 : j == dl->n ? -1 :
		    strcmp(items[i].name, dl->ents[j].name);
		enum take t = c <= 0 ? take(d, items + i, ni - i, &ndup,
		    &merge) : TAKE_SEND;

		if (c <= 0 && t == TAKE_SEND)
			item_handle(d, &items[i], c == 0 ? &dl->ents[j] : NULL);
		else if (c >= 0 && t != TAKE_NONE && ex &&
		    !select_protected_dest(d, &dl->ents[j]))
			ex[nex++] = &dl->ents[j];	/* extraneous */
		i += ndup;
		j += c >= 0;
		free(merge);
	}
	if (ex && !pool_cancelled(&run->pool))
		prune_record(d, ex, nex);
	free(ex);
	/* LIFO: files pushed last run first, before the subdirectories. */
	scan_submit_list(&run->pool, later.dirs);
	ftask_submit_batches(run, later.files);
	d->later = NULL;
}

/* Opens (or creates) the destination directory of a non-root node.  The
 * gate has removed whatever was in the way of a new one. */
static bool open_dest_dir(struct dnode *d)
{
	struct ts_run *run = d->run;
	int pfd = d->parent->dfd;

	if (run->o->dry_run) {
		if (!d->create && pfd >= 0)
			d->dfd = openat(pfd, d->name,
			    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		return true;
	}
	if (d->create) {
		if (mkdirat(pfd, d->name, 0700) < 0 && errno != EEXIST) {
			int err = errno;

			run_report_dest(run, err, "cannot create directory",
			    d->rel);
			run_item_failed(run);
			if (err == ENOSPC || err == EDQUOT) {
				atomic_store(&run->fatal, true);
				pool_cancel(&run->pool);
			} else if (err == EROFS) {
				run_read_only(run);
			}
			return false;
		}
		atomic_store(&d->parent->touched, true);
	}
	d->dfd = openat(pfd, d->name,
	    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (d->dfd < 0) {
		/* ELOOP/ENOTDIR: something not a directory was planted. */
		run_report_dest(run, errno, "cannot open directory", d->rel);
		run_item_failed(run);
		return false;
	}
	if (d->create)
		made_add_fd(run, d->dfd);
	scan_inherit(d);
	return true;
}

void scan_inherit(struct dnode *d)
{
	const struct ts_run *run = d->run;
	struct stat st;

	if (run->o->perms || d->dfd < 0)
		return;
	/* Without -p, what the destination directory says goes: its default
	 * ACL for the entries made in it, and the setgid bit a new one got
	 * from its parent (rsync keeps both). */
	d->dflt = xattr_default_perms(d->dfd, run->umask);
	if (d->create && fstat(d->dfd, &st) == 0 && (st.st_mode & S_ISGID))
		d->meta.mode |= S_ISGID;
}

/*
 * Temp files of a killed run are debris: removed (and never listed, so
 * never treated as destination entries).  Only treesync's own names
 * match; other dot-files are data.  Runs on one destination at the same
 * time must be serialised (--lock): this would take the other's temps.
 */
static void sweep_temps(struct dnode *d, struct dirlist *dl)
{
	struct ts_run *run = d->run;
	size_t i, o = 0;

	for (i = 0; i < dl->n; i++) {
		const struct ts_entry *en = &dl->ents[i];

		if (!S_ISDIR(en->mode) && tmpfile_is_name(en->name)) {
			if (!run->o->dry_run &&
			    unlinkat(d->dfd, en->name, 0) == 0) {
				add(&run->stale_temps, 1);
				if (run->o->verbose >= 2) {
					char *rel = util_path_join(d->rel,
					    en->name);

					report_note(run->rep, "removed stale temp file %s",
					    rel);
					free(rel);
				}
			}
			continue;
		}
		dl->ents[o++] = *en;
	}
	dl->n = o;
}

bool scan_read_dest(struct dnode *d, struct dirlist *dl)
{
	struct ts_run *run = d->run;
	struct walk_result wr;
	char *disp;

	if (d->dfd < 0)
		return true;
	disp = run_dest_path(run, d->rel);
	/* A name gone between getdents and statx on this side is not a
	 * vanished source file (another run renamed its temp, say). */
	wr = walk_dir(run->rep, d->dfd, disp, run->need | WALK_DEST,
	    dl);
	if (wr.err)
		report_errno_side(run->rep, TS_SIDE_DST, -wr.err,
		    "cannot read directory", disp);
	free(disp);
	if (!wr.err)
		sweep_temps(d, dl);
	add(&run->dst_entries, dl->n);
	if (wr.err || wr.stat_errors) {
		run_item_failed(run);
		return false;
	}
	return true;
}

/*
 * Opens source S of D.  False when it cannot be read (reported: a source
 * error, so nothing is deleted).
 */
static bool open_source(struct dnode *d, struct dsrc *s)
{
	struct ts_run *run = d->run;

	if (s->fd >= 0)
		return true;	/* the root's, held by the plan */
	s->fd = openat(s->parent_fd, s->name,
	    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (s->fd >= 0)
		return true;
	if (errno == ENOENT) {
		/* Gone since its parent was listed: rsync's "vanished",
		 * exit 24; its name was listed, so nothing of it is taken
		 * for extraneous, and deletion elsewhere goes on. */
		add(&run->vanished, 1);
		report_error(run->rep, "directory has vanished: '%s'",
		    s->disp);
		return false;
	}
	report_errno(run->rep, errno, "cannot open directory", s->disp);
	run_source_failed(run);
	return false;
}

/* The directory's own item line and count, now that it is really there
 * (made, or about to be read). */
static void report_dir(struct dnode *d)
{
	struct ts_run *run = d->run;

	if (d->create)
		item_count_created(run, d->iflags, S_IFDIR);
	if (d->iflags & (IT_REPORT_ANY | IT_IS_NEW | IT_LOCAL_CHANGE))
		report_item(run->rep, d->iflags, S_IFDIR, d->rel, NULL, NULL);
}

void scan_collect(struct dnode *d, struct srcitem *extra, size_t nextra,
    struct scan_lists *sc)
{
	struct ts_run *run = d->run;
	size_t k, i, n = nextra;

	sc->lists = xcalloc(d->nsrcs ? d->nsrcs : 1, sizeof(*sc->lists));
	sc->complete = true;
	for (k = 0; k < d->nsrcs; k++) {
		struct dsrc *s = &d->srcs[k];
		struct walk_result wr;

		dirlist_init(&sc->lists[k]);
		if (s->fd < 0 || !select_push_layer(d, s)) {
			sc->complete = false;
			continue;
		}
		wr = walk_dir(run->rep, s->fd, s->disp, run->need, &sc->lists[k]);
		add(&run->vanished, wr.vanished);
		if (wr.err || wr.stat_errors) {
			if (wr.err)
				report_errno(run->rep, -wr.err, "cannot read directory",
				    s->disp);
			run_source_failed(run);
			sc->complete = false;
		}
		n += sc->lists[k].n;
	}
	sc->items = xcalloc(n ? n : 1, sizeof(*sc->items));
	if (nextra)
		memcpy(sc->items, extra, nextra * sizeof(*extra));
	sc->n = nextra;
	for (k = 0; k < d->nsrcs; k++) {
		struct dsrc *s = &d->srcs[k];
		struct dirlist *l = &sc->lists[k];

		for (i = 0; i < l->n; i++) {
			struct srcitem *it = &sc->items[sc->n];

			/* DEST, or a directory this run made in it, met
			 * again inside the source it lies in: not copied
			 * into itself (rsync copies such a tree once). */
			if (made_has(run, &l->ents[i]))
				continue;

			item_adjust_source(run, &l->ents[i]);
			it->ent = &l->ents[i];
			it->sfd = s->fd;
			it->src_name = it->name = it->disp_name =
			    l->ents[i].name;
			it->src_disp = s->disp;
			it->dev_limit = s->dev_limit;
			it->order = ((uint64_t)s->rank << 32) | i;
			it->layer = s->layer;
			it->list = s->list;
			it->sel = s->sel;
			sc->n++;
		}
	}
	/* One source's listing is sorted already; several are merged. */
	if (nextra || d->nsrcs > 1)
		qsort(sc->items, sc->n, sizeof(*sc->items), scan_cmp_items);
}

void scan_lists_free(struct dnode *d, struct scan_lists *sc)
{
	size_t k;

	for (k = 0; k < d->nsrcs; k++)
		dirlist_free(&sc->lists[k]);
	free(sc->lists);
	free(sc->items);
}

/*
 * A directory whose name a non-directory keeps (--ignore-existing): rsync
 * still goes in, and every entry fails (it cannot be made there).
 */
static void fail_blocked(struct dnode *d, const struct scan_lists *sc)
{
	struct ts_run *run = d->run;
	size_t i;

	for (i = 0; i < sc->n; i++) {
		char *rel;

		if (i > 0 && strcmp(sc->items[i].name,
		    sc->items[i - 1].name) == 0)
			continue;
		rel = util_path_join(d->rel, sc->items[i].name);
		if (!select_filtered_out(&sc->items[i], rel)) {
			run_report_dest(run, ENOTDIR, "cannot create", rel);
			run_item_failed(run);
		}
		free(rel);
	}
}

static void scan_dir(struct dnode *d)
{
	struct ts_run *run = d->run;
	struct scan_lists sc;
	struct dirlist dl;
	size_t k;
	bool dest_ok, find_extraneous;

	if (!open_source(d, &d->srcs[0])) {
		d->apply_meta = false;
		return;
	}
	for (k = 1; k < d->nsrcs; k++)
		open_source(d, &d->srcs[k]);
	if (!d->blocked && !open_dest_dir(d)) {
		d->apply_meta = false;
		return;
	}
	report_dir(d);
	if (d->no_descend)
		return;
	dirlist_init(&dl);
	scan_collect(d, NULL, 0, &sc);
	if (d->blocked) {
		fail_blocked(d, &sc);
		scan_lists_free(d, &sc);
		return;
	}
	dest_ok = scan_read_dest(d, &dl);
	/* Extraneous names are only known when every listing is complete;
	 * under -x, not in a destination directory on another file system
	 * (a mount point inside DEST is left alone, as rsync does). */
	find_extraneous = run->o->del && dest_ok && sc.complete &&
	    !(run->o->one_fs && d->has_dst && d->dst.dev != run->dst_dev);
	if (sc.complete || sc.n)
		scan_join(d, sc.items, sc.n, &dl, find_extraneous);
	scan_lists_free(d, &sc);
	dirlist_free(&dl);
}

void scan_task(struct pool_task *t, struct pool_worker *w)
{
	struct dnode *d = container_of(t, struct dnode, task);

	pool_worker_busy(w, d->nsrcs ? d->srcs[0].disp : d->rel);
	if (!pool_cancelled(&d->run->pool)) {
		if (d->is_root)
			root_scan(d);
		else
			scan_dir(d);
	}
	dnode_release(d);
}

