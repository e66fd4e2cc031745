/*
 * scan.c -- one directory pair: open both sides, read the listings,
 * sweep temp debris, merge-join source items with destination entries.
 */
#define _GNU_SOURCE
#include "run.h"

#include "altdest.h"
#include "copy.h"
#include "delete.h"
#include "nameconv.h"
#include "tmpfile.h"
#include "partial.h"
#include "report.h"
#include "sys.h"
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


/* Items by name, then operand order. */
static int cmp_items(const void *a, const void *b)
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

/* D's new destination fd FD (-1 and ERRNO set: none), as its slot's first. */
static bool adopt_dest(struct dnode *d, int fd)
{
	struct ts_run *run = d->run;
	int r;

	if (fd < 0)
		return false;
	r = dslot_adopt(&run->slots, &d->dslot, fd);
	if (r < 0) {
		close(fd);
		errno = -r;
		return false;
	}
	d->pinned_dst = true;
	return true;
}

/* Makes the directory D (the gate has removed whatever was in the way). */
static bool make_dest_dir(struct dnode *d, int pfd)
{
	struct ts_run *run = d->run;
	int err;

	if (sys.mkdirat(pfd, d->name, 0700) == 0) {
		d->fresh = true;
		atomic_store(&d->parent->touched, true);
		return true;
	}
	if (errno == EEXIST) {
		atomic_store(&d->parent->touched, true);
		return true;
	}
	err = errno;
	run_report_dest(run, err, "cannot create directory", d->rel);
	run_item_failed(run);
	if (err == ENOSPC || err == EDQUOT) {
		atomic_store(&run->fatal, true);
		pool_cancel(&run->pool);
	} else if (err == EROFS) {
		run_read_only(run);
	}
	return false;
}

/*
 * -K: D's DEST entry is a symlink to a directory.  It is opened from the
 * destination root with RESOLVE_BENEATH (symlinks followed only while
 * they stay below DEST, as rsync 3.5 resolves it; delete_open_kept()):
 * one that leads out of DEST is ELOOP, as rsync says it.  Afterwards its
 * slot opens it again through the link, as that very directory only.
 * Returns the fd, or -1 and errno.
 */
static int open_kept_link(struct dnode *d)
{
	int fd = delete_open_kept(d->run->plan.dst_fd, d->rel, true);

	if (fd < 0) {
		/* Out of DEST: kept, not followed, each entry fails
		 * (fail_blocked()). */
		d->blocked = fd == -ELOOP;
		errno = -fd;
		return -1;
	}
	d->dslot.follow = true;
	d->dslot.dev = d->dst.dev;
	d->dslot.ino = d->dst.ino;
	return fd;
}

/* D's existing destination directory, in PFD (its parent's). */
static int open_existing(struct dnode *d, int pfd)
{
	if (d->via_link)
		return open_kept_link(d);
	return dslot_open_name(&d->run->slots, pfd, d->name, false);
}

/* Opens the destination directory of a non-root node in its parent's
 * (pinned meanwhile; opened again if it had been closed), making it
 * first if it is new and MAKE says so.  QUIET: an existing one that
 * cannot be opened is no error (nothing was to be done in it). */
static bool attach_dest_dir(struct dnode *d, bool make, bool quiet)
{
	struct ts_run *run = d->run;
	struct dslot *up = &d->parent->dslot;
	int pfd = dslot_pin(&run->slots, up);
	bool ok = true;

	if (pfd < 0 && pfd != -EBADF) {
		run_report_dest(run, -pfd, "cannot open directory again",
		    d->parent->rel ? d->parent->rel : d->rel);
		run_item_failed(run);
		return false;
	}
	if (run->o->dry_run || (d->create && !make)) {
		/* Nothing is made: an absent directory stays absent. */
		if (!d->create && pfd >= 0)
			adopt_dest(d, open_existing(d, pfd));
	} else if (d->create && !make_dest_dir(d, pfd)) {
		ok = false;
	} else if (!adopt_dest(d, open_existing(d, pfd)) &&
	    (quiet || !d->blocked)) {
		if (!quiet) {
			/* ELOOP/ENOTDIR: something not a directory was
			 * planted. */
			run_report_dest(run, errno, "cannot open directory",
			    d->rel);
			run_item_failed(run);
		}
		ok = false;
	}
	if (pfd >= 0)
		dslot_unpin(&run->slots, up);
	return ok;
}

/* A directory now open for the run: made by it, or made writable. */
static void settle_dest_dir(struct dnode *d)
{
	if (d->dslot.fd < 0)
		return;
	if (d->create)
		made_add_fd(d->run, d->dslot.fd);
	else if (!d->via_link)	/* -K: its mode is its own, left alone */
		dnode_make_writable(d);
	scan_inherit(d);
}

/* Opens (or creates) the destination directory of a non-root node. */
static bool open_dest_dir(struct dnode *d)
{
	if (!attach_dest_dir(d, true, false))
		return false;
	settle_dest_dir(d);
	return true;
}

void scan_inherit(struct dnode *d)
{
	const struct ts_run *run = d->run;
	struct stat st;

	if (run->o->perms || d->dslot.fd < 0)
		return;
	/* Without -p, what the destination directory says goes: its default
	 * ACL for the entries made in it, and the setgid bit a new one got
	 * from its parent (rsync keeps both). */
	d->dflt = xattr_default_perms(d->dslot.fd, run->umask);
	if (d->create && fstat(d->dslot.fd, &st) == 0 && (st.st_mode & S_ISGID))
		d->meta.mode |= S_ISGID;
}

/*
 * Temp files of a killed run are debris: removed (and never listed, so
 * never treated as destination entries).  Only treesync's own names
 * match; other dot-files are data.  Runs on one destination at the same
 * time must be serialised (--lock): this would take the other's temps.
 */
static bool keep_non_temp(void *arg, const char *name, uint32_t mode)
{
	struct dnode *d = arg;
	struct ts_run *run = d->run;

	if (S_ISDIR(mode) && partial_dir_listed(run->copy.part, name))
		d->has_pdir = true;
	if (S_ISDIR(mode) || !tmpfile_is_name(name))
		return true;
	if (!run->o->dry_run && sys.unlinkat(d->dslot.fd, name, 0) == 0) {
		add(&run->stale_temps, 1);
		if (run->o->verbose >= 2) {
			char *rel = util_path_join(d->rel, name);

			report_note(run->rep, "removed stale temp file %s", rel);
			free(rel);
		}
	}
	return false;
}

static void sweep_temps(struct dnode *d, struct dirlist *dl)
{
	dirlist_filter(dl, keep_non_temp, d);
}

/* pool_for() over the run's workers, for walk_dir_fan(): at most half
 * of them on one getdents buffer, so that one huge directory leaves
 * room for the others' listings. */
static void stat_each(void *arg, size_t n, void (*fn)(void *ctx, size_t i),
    void *ctx)
{
	struct ts_run *run = arg;

	pool_for(&run->pool, n, (unsigned)run->pool.nthreads / 2, fn, ctx);
}

/*
 * walk_dir() of one of D's directories (DIRFD, said as DISP): on a
 * network file system, where each statx is a round trip and a directory
 * lock does not hold lookups back, its entries are looked at by several
 * workers at once (a no-op over a cold client was one round trip after
 * another, a directory at a time).
 */
static struct walk_result scan_walk(struct dnode *d, int dirfd,
    const char *disp, unsigned need, struct dirlist *out)
{
	struct ts_run *run = d->run;
	struct walk_fan fan = { stat_each, run };

	return walk_dir_fan(run->rep, dirfd, disp, need,
	    run->plan.network_fs && run->pool.nthreads > 1 ? &fan : NULL,
	    out);
}

bool scan_read_dest(struct dnode *d, struct dirlist *dl)
{
	struct ts_run *run = d->run;
	struct walk_result wr;
	char *disp;

	/* Not there, or made just now by this run: nothing to list.  (A
	 * name another process puts into a fresh directory meanwhile is
	 * met as a name that appeared after the listing is, anywhere.) */
	if (d->dslot.fd < 0 || d->fresh)
		return true;
	disp = run_dest_path(run, d->rel);
	/* A name gone between getdents and statx on this side is not a
	 * vanished source file (another run renamed its temp, say). */
	/* --delete: an extraneous entry goes only if it is still the inode
	 * listed (delete_seen()). */
	wr = scan_walk(d, d->dslot.fd, disp, run->need | WALK_DEST |
	    (run->o->del ? WALK_LIST_INO : 0), dl);
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
 * Opens source S of D, in the source directory it was listed in (pinned
 * meanwhile).  0, or -errno when it cannot be read (reported: a source
 * error, so nothing is deleted; -ENOENT when it vanished, exit 24).
 */
static int open_source(struct dnode *d, struct dsrc *s)
{
	struct ts_run *run = d->run;
	int pfd, fd, err;

	if (s->slot.fd >= 0)
		return 0;	/* the root's, or pinned by dnode_enter() */
	pfd = dslot_pin(&run->slots, &s->up->slot);
	if (pfd < 0) {
		report_errno_side(run->rep, TS_SIDE_SRC, -pfd,
		    "cannot open directory again", s->disp);
		run_source_failed(run);
		return pfd;
	}
	fd = dslot_open_name(&run->slots, pfd, s->name, s->slot.follow);
	err = errno;
	dslot_unpin(&run->slots, &s->up->slot);
	if (fd >= 0) {
		if ((err = -dslot_adopt(&run->slots, &s->slot, fd)) == 0) {
			s->pinned = true;
			return 0;
		}
		close(fd);
	}
	if (err == ENOENT) {
		/* Gone since its parent was listed: rsync's "vanished",
		 * exit 24; its name was listed, so nothing of it is taken
		 * for extraneous, and deletion elsewhere goes on. */
		add(&run->vanished, 1);
		report_error(run->rep, "directory has vanished: '%s'",
		    s->disp);
		return -ENOENT;
	}
	report_errno_side(run->rep, TS_SIDE_SRC, err, "cannot open directory",
	    s->disp);
	run_source_failed(run);
	return -err;
}

/* The directory's own item line and count, now that it is really there
 * (made, or about to be read). */
static void report_dir(struct dnode *d)
{
	struct ts_run *run = d->run;
	struct ts_entry e = d->src;
	/* No .dir: a node's display path is not its source path; the report
	 * makes %f from the operand. */
	struct report_src src = { .ent = &e };

	if (d->unsent)
		return;		/* not sent: neither listed nor counted */
	e.mode = (e.mode & ~(uint32_t)S_IFMT) | S_IFDIR;
	if (d->create)
		item_count_created(run, d->iflags, S_IFDIR);
	/* Unchanged too: -ii lists it (".d          x/"); the report
	 * decides what each option shows. */
	report_item_src(run->rep, d->iflags, &src, d->rel, NULL, NULL);
}

bool scan_materialize(struct dnode *d)
{
	if (d->way_mode && gate_clear_for_kept(d) < 0)
		return false;
	if (d->create && !d->run->o->dry_run) {
		if (!open_dest_dir(d))
			return false;
	} else {
		settle_dest_dir(d);	/* opened by its scan, if it exists */
	}
	report_dir(d);
	return true;
}

/* --iconv: a source directory's names as DEST calls them. */
struct conv_arg {
	struct dnode *d;
	const struct dsrc *s;
};

/* dirlist_convert()'s NAME: OLD in DEST's charset, or NULL when it has
 * none there (said as rsync says it: an I/O error, no deletion). */
static char *conv_name(void *arg, const char *old)
{
	struct conv_arg *ca = arg;
	struct ts_run *run = ca->d->run;
	enum nameconv_step step;
	char *nn = nameconv_to_dest(run->names, old, &step), *utf8 = NULL;
	char *rel;
	int e = errno;

	if (nn)
		return nn;
	/* Only listed paths of a partly selected directory are sent, and
	 * a name with no form in DEST is none of them (select.c said so
	 * of a listed one). */
	if (ca->s->sel == SEL_PARTIAL)
		return NULL;
	/* rsync's receiver names the UTF-8 form it could not convert. */
	if (step == NAMECONV_RECEIVER)
		utf8 = nameconv_to_utf8(run->names, old);
	rel = util_path_join(ca->d->rel, utf8 ? utf8 : old);
	report_errno_side(run->rep, TS_SIDE_SRC, e, "cannot convert filename",
	    rel);
	free(rel);
	free(utf8);
	run_source_failed(run);	/* the listing itself is whole */
	return NULL;
}

void scan_collect(struct dnode *d, const struct srcitem *extra,
    size_t nextra, struct scan_lists *sc)
{
	struct ts_run *run = d->run;
	size_t k;

	memset(sc, 0, sizeof(*sc));
	sc->nlists = d->nsrcs;
	sc->lists = xcalloc(d->nsrcs ? d->nsrcs : 1, sizeof(*sc->lists));
	sc->pos = xcalloc(d->nsrcs ? d->nsrcs : 1, sizeof(*sc->pos));
	sc->complete = true;
	for (k = 0; k < d->nsrcs; k++) {
		struct dsrc *s = &d->srcs[k];
		struct walk_result wr;

		dirlist_init(&sc->lists[k]);
		if (s->slot.fd < 0 || !select_push_layer(d, s)) {
			sc->complete = false;
			continue;
		}
		wr = scan_walk(d, s->slot.fd, s->disp, run->need,
		    &sc->lists[k]);
		if (run->names && !wr.err) {
			struct conv_arg ca = { d, s };

			dirlist_convert(&sc->lists[k], conv_name, &ca);
		}
		add(&run->vanished, wr.vanished);
		if (wr.err || wr.stat_errors) {
			if (wr.err)
				report_errno_side(run->rep, TS_SIDE_SRC,
				    -wr.err, "cannot read directory", s->disp);
			run_source_failed(run);
			sc->complete = false;
		}
	}
	if (nextra) {
		sc->extra = xmalloc(nextra * sizeof(*extra));
		memcpy(sc->extra, extra, nextra * sizeof(*extra));
		sc->nextra = nextra;
		for (k = 0; k < nextra; k++)
			if (sc->extra[k].layer)
				filter_layer_ref(sc->extra[k].layer);
		qsort(sc->extra, nextra, sizeof(*extra), cmp_items);
	}
	sc->items = xcalloc(d->nsrcs + nextra + 1, sizeof(*sc->items));
	sc->targets = xcalloc(d->nsrcs + nextra + 1, sizeof(*sc->targets));
	sc->ents = xcalloc(d->nsrcs + 1, sizeof(*sc->ents));
}

/* The smallest name not read yet among SC's sources, or NULL. */
static const char *next_name(const struct scan_lists *sc)
{
	const char *min = NULL;
	size_t k;

	if (sc->xpos < sc->nextra)
		min = sc->extra[sc->xpos].name;
	for (k = 0; k < sc->nlists; k++) {
		const struct dirlist *l = &sc->lists[k];
		const char *nm;

		if (sc->pos[k] == l->n)
			continue;
		nm = dirlist_name(l, sc->pos[k]);
		if (!min || strcmp(nm, min) < 0)
			min = nm;
	}
	return min;
}

/* The kernel's limit on symlinks in one path (MAXSYMLINKS). */
#define PATH_SYMLINKS 40

/* How many symlinks the path of an entry of S goes through, itself
 * included when it is a followed link. */
static unsigned path_links(const struct dsrc *s)
{
	unsigned n = 1;

	for (; s; s = s->up)
		n += s->slot.follow;
	return n;
}

/*
 * Which source symlink is what it points to: every one with -L, an
 * unsafe one (util_unsafe_symlink() at REL, its path from the top of the
 * transfer) with --copy-unsafe-links.  -k's links to directories are not
 * among them: a dangling one stays a link.
 */
static bool must_follow(struct ts_run *run, const struct srcitem *it,
    const char *rel, char **keep)
{
	char *target;
	bool unsafe;

	if (run->o->copy_links)
		return true;
	if (!run->o->copy_unsafe_links || !(target = item_source_link(run, it)))
		return false;
	unsafe = util_unsafe_symlink(target, rel);
	if (unsafe)
		item_say_unsafe(run, "copying unsafe symlink \"%s\"", rel,
		    target);
	if (keep && !unsafe)
		*keep = target;		/* read once: kept for making it */
	else
		free(target);
	return unsafe;
}

int scan_follow_link(struct ts_run *run, struct srcitem *it,
    struct ts_entry *e, const char *rel, char **target)
{
	const struct dsrc *s = it->from;
	bool must, implied;
	struct ts_entry t;
	int r;

	if (target)
		*target = NULL;
	must = must_follow(run, it, rel, target);

	/* -R, --files-from: a directory on the way to a listed path is sent
	 * as a directory, whatever it is on the source side (rsync). */
	implied = !must && !run->o->copy_dirlinks &&
	    select_implied_dir(run, it, rel);
	if (!must && !run->o->copy_dirlinks && !implied)
		return 0;
	r = walk_stat(it->sfd, e->name, true, &t);
	if (r < 0 || (!must && !S_ISDIR(t.mode)))
		return must ? r : 0;	/* -k: dangling, or not a directory */
	if (target) {
		free(*target);		/* followed: no link is made */
		*target = NULL;
	}
	t.name = e->name;
	*e = t;
	it->follow = true;
	it->implied = implied;
	/* rsync opens the whole path: past 40 links, a directory is made but
	 * not read, and a file is not sent. */
	if (path_links(s) > PATH_SYMLINKS) {
		if (!S_ISDIR(e->mode))
			return -ELOOP;
		report_errno_at(run->rep, ELOOP, "cannot open directory",
		    it->src_disp, e->name);
		run_source_failed(run);
		it->too_deep = true;
	}
	return 0;
}

/* scan_follow_link()'s failure R for IT's link (reported: a source error,
 * and the listing is not complete). */
static void follow_failed(struct ts_run *run, const struct srcitem *it,
    struct scan_lists *sc, int r)
{
	char *p;

	if (r == -ENOENT) {
		p = util_path_join(it->src_disp, it->src_name);
		report_error(run->rep, "symlink has no referent: '%s'", p);
		free(p);
	} else {
		report_errno_at(run->rep, -r, "cannot open", it->src_disp,
		    it->src_name);
	}
	run_source_failed(run);
	sc->complete = false;
}

/* Does scan_follow_link() look at IT's path: --copy-unsafe-links (which
 * -L overrides), or a partly selected directory of -R or --files-from
 * (select_implied_dir()), unless --copy-dirlinks follows it anyway? */
static bool needs_rel(const struct ts_options *o, const struct srcitem *it)
{
	if (o->copy_links)
		return false;
	return o->copy_unsafe_links ||
	    (!o->copy_dirlinks && it->list && it->sel != SEL_ALL);
}

/* Follows IT's symlink E if the options say so; false when it must be
 * and cannot be, or leads to a directory this run made. */
static bool follow_link(struct dnode *d, struct scan_lists *sc,
    struct srcitem *it, struct ts_entry *e)
{
	struct ts_run *run = d->run;
	char *rel = needs_rel(run->o, it) ?
	    util_path_join(d->rel, e->name) : NULL, *target;
	int r = scan_follow_link(run, it, e, rel, &target);

	free(rel);
	if (r < 0) {
		free(target);
		follow_failed(run, it, sc, r);
		return false;
	}
	/* The item made from it reads the target from here. */
	sc->targets[sc->n] = target;
	it->link_target = target;
	return !it->follow || !made_has(run, e);
}

/* Entry I of source K of D as a source item of SC's current name; false
 * when it is not one (DEST, or a directory this run made in it, met
 * again inside the source it lies in: rsync copies such a tree once). */
static bool add_item(struct dnode *d, struct scan_lists *sc, size_t k,
    size_t i)
{
	struct ts_run *run = d->run;
	struct dsrc *s = &d->srcs[k];
	struct ts_entry *e = &sc->ents[k];
	struct srcitem *it = &sc->items[sc->n];

	dirlist_get(&sc->lists[k], i, e);
	if (made_has(run, e))
		return false;
	memset(it, 0, sizeof(*it));
	it->src_disp = s->disp;		/* scan_follow_link()'s messages */
	it->from = s;
	it->sfd = s->slot.fd;
	it->src_name = it->name = it->disp_name = e->name;
	/* --iconv: E is the source's entry, under its own name; the item
	 * is called by DEST's name (printed back in the source's). */
	if (sc->lists[k].cols & DIRLIST_SRC_NAMES)
		it->src_name = e->name = dirlist_src_name(&sc->lists[k], i);
	it->list = s->list;
	it->sel = s->sel;
	if (S_ISLNK(e->mode) && !follow_link(d, sc, it, e))
		return false;
	item_adjust_source(run, s->slot.fd, e->name, e);
	it->ent = e;
	it->dev_limit = s->dev_limit;
	it->order = ((uint64_t)s->rank << 32) | i;
	it->layer = s->layer;
	sc->n++;
	return true;
}

/* The last name's link targets (struct srcitem's link_target). */
static void free_targets(struct scan_lists *sc)
{
	size_t i;

	for (i = 0; sc->targets && i < sc->nlists + sc->nextra + 1; i++) {
		free(sc->targets[i]);
		sc->targets[i] = NULL;
	}
}

/* The next name's items into SC->items[0..n); returns n (0: no more). */
static size_t scan_next(struct dnode *d, struct scan_lists *sc)
{
	const char *name;
	size_t k, i, j;

	free_targets(sc);
	sc->n = 0;
	while (sc->n == 0 && (name = next_name(sc)) != NULL) {
		for (; sc->xpos < sc->nextra &&
		    strcmp(sc->extra[sc->xpos].name, name) == 0; sc->xpos++)
			sc->items[sc->n++] = sc->extra[sc->xpos];
		for (k = 0; k < sc->nlists; k++) {
			const struct dirlist *l = &sc->lists[k];

			if (sc->pos[k] < l->n &&
			    strcmp(dirlist_name(l, sc->pos[k]), name) == 0)
				add_item(d, sc, k, sc->pos[k]++);
		}
	}
	/* Operand order within the name (a handful of items). */
	for (i = 1; i < sc->n; i++)
		for (j = i; j > 0 &&
		    sc->items[j].order < sc->items[j - 1].order; j--) {
			struct srcitem t = sc->items[j];

			sc->items[j] = sc->items[j - 1];
			sc->items[j - 1] = t;
		}
	return sc->n;
}

bool scan_peek(struct dnode *d, struct scan_lists *sc)
{
	return sc->n > 0 || scan_next(d, sc) > 0;
}

void scan_lists_free(struct scan_lists *sc)
{
	size_t k;

	for (k = 0; k < sc->nlists; k++)
		dirlist_free(&sc->lists[k]);
	for (k = 0; k < sc->nextra; k++)
		filter_layer_unref(sc->extra[k].layer);
	free(sc->lists);
	free(sc->pos);
	free(sc->extra);
	free_targets(sc);
	free(sc->targets);
	free(sc->items);
	free(sc->ents);
	memset(sc, 0, sizeof(*sc));
}

/*
 * A directory whose name a non-directory keeps (--ignore-existing), or a
 * -K link that is kept but leads out of DEST: rsync still goes in, and
 * every entry fails (it cannot be made there).
 */
static void fail_blocked(struct dnode *d, struct scan_lists *sc)
{
	struct ts_run *run = d->run;

	while (scan_next(d, sc)) {
		char *rel = util_path_join(d->rel, sc->items[0].name);

		if (!select_filtered_out(&sc->items[0], rel)) {
			/* -K: a kept link that leads out of DEST. */
			run_report_dest(run, d->via_link ? ELOOP : ENOTDIR,
			    d->via_link ? "cannot stat" : "cannot create", rel);
			run_item_failed(run);
		}
		free(rel);
	}
}

/*
 * D's source directory was listed in its parent but cannot be read (said,
 * a source error: nothing is deleted).  rsync still makes the directory,
 * or keeps the one DEST has, with the listed mode and times, and puts
 * nothing in it: what is known of it is synced, and an empty directory
 * can only be added to.  Not one that vanished (ERR -ENOENT: there is
 * nothing to sync it with), nor under -m, where an empty directory is not
 * made.
 */
static void unreadable_dir(struct dnode *d, int err)
{
	/* DEST's existing counterpart is left as it is, unsaid: it holds
	 * the good copy of what the source cannot show now (RT-06, t3006),
	 * and rsync's mode 000 and times on it would lock its readers out
	 * (README "Deliberate differences").  A missing one is made. */
	if (err == -ENOENT || d->blocked || d->run->o->prune_empty_dirs ||
	    !d->create || !attach_dest_dir(d, true, false)) {
		d->apply_meta = false;
		return;
	}
	settle_dest_dir(d);
	report_dir(d);
}

/*
 * Opens D's sources: 0, or the first one's -errno when none can be read.
 * With several operands, a directory of the first that cannot be read
 * does not hide the same-named ones of the others: as rsync, their
 * entries are synced into D, which takes the attributes listed first
 * (the unreadable one's: unreadable_dir() is for a directory of which
 * nothing can be read).  The listing is incomplete: nothing is deleted.
 */
static int open_sources(struct dnode *d)
{
	int r = open_source(d, &d->srcs[0]);
	bool other = false;
	size_t k;

	for (k = 1; k < d->nsrcs; k++)
		if (open_source(d, &d->srcs[k]) == 0)
			other = true;
	return other ? 0 : r;
}

static void scan_dir(struct dnode *d)
{
	struct ts_run *run = d->run;
	struct scan_lists sc;
	struct dirlist dl;
	bool dest_ok, find_extraneous, defer;
	int r;

	if ((r = open_sources(d)) < 0) {
		unreadable_dir(d, r);
		return;
	}
	/* -m: a directory is made when something not a directory goes
	 * below it (emptydir_need()); until then only an existing one is
	 * opened, to be read. */
	defer = emptydir_defers(d);
	if (!d->blocked && !(defer ? attach_dest_dir(d, false, false) :
	    open_dest_dir(d))) {
		d->apply_meta = false;
		return;
	}
	if (defer) {
		if (d->dslot.fd >= 0)
			scan_inherit(d);
	} else {
		if (d->run->o->prune_empty_dirs)
			prune_keep(d);
		report_dir(d);
	}
	if (d->no_descend)
		return;
	altdest_node_open(d);
	dirlist_init(&dl);
	scan_collect(d, NULL, 0, &sc);
	if (d->blocked) {
		fail_blocked(d, &sc);
		scan_lists_free(&sc);
		return;
	}
	dest_ok = scan_read_dest(d, &dl);
	/* Extraneous names are only known when every listing is complete;
	 * under -x, not in a destination directory on another file system
	 * (a mount point inside DEST is left alone, as rsync does). */
	find_extraneous = run->o->del && dest_ok && sc.complete &&
	    !(run->o->one_fs && d->has_dst && d->dst.dev != run->dst_dev);
	join_start(d, &sc, &dl, find_extraneous);
}

void scan_task(struct pool_task *t, struct pool_worker *w)
{
	struct dnode *d = container_of(t, struct dnode, task);

	if (!pool_cancelled(&d->run->pool)) {
		if (dnode_enter(d) == 0) {
			pool_worker_busy(w, dnode_src_disp(d)[0] ?
			    dnode_src_disp(d) : d->rel);
			if (d->is_root)
				root_scan(d);
			else
				scan_dir(d);
		}
		dnode_leave(d);
	}
	dnode_release(d);
}

