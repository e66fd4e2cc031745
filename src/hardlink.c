/*
 * hardlink.c -- -H: a map from source (dev, ino) to the first link's
 * destination; the first link is copied, the others are linked to it once
 * it is in place.
 */
#define _GNU_SOURCE
#include "run.h"

#include "altdest.h"
#include "backup.h"

#include "copy.h"
#include "tmpfile.h"
#include "delete.h"
#include "partial.h"
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

/* --- hard links (-H) ---------------------------------------------------- */

static struct hl_entry **hl_bucket(struct ts_run *run, uint64_t dev,
    uint64_t ino)
{
	uint64_t h = (ino * 0x9e3779b97f4a7c15ull) ^ dev;

	return &run->hl[(h >> 20) & (HL_BUCKETS - 1)];
}

/*
 * Finds the group of SRC's inode, creating it.  Returns the entry and sets
 * *MASTER when the caller's link is the first one seen: it is copied like
 * any file, and the others are linked to it once it is in place.
 */
struct hl_entry *hl_get(struct ts_run *run, const struct ts_entry *src,
    const char *rel, bool *master)
{
	struct hl_entry **b, *h;

	pthread_mutex_lock(&run->hl_lock);
	b = hl_bucket(run, src->dev, src->ino);
	for (h = *b; h; h = h->next)
		if (h->dev == src->dev && h->ino == src->ino)
			break;
	*master = h == NULL;
	if (!h) {
		h = xcalloc(1, sizeof(*h));
		h->dev = src->dev;
		h->ino = src->ino;
		h->state = HL_PENDING;
		h->master_rel = xstrdup(rel);
		h->next = *b;
		*b = h;
	}
	pthread_mutex_unlock(&run->hl_lock);
	return h;
}

void hl_free(struct ts_run *run)
{
	size_t i;

	if (!run->hl)
		return;
	for (i = 0; i < HL_BUCKETS; i++) {
		struct hl_entry *h = run->hl[i], *next;

		for (; h; h = next) {
			next = h->next;
			free(h->master_rel);
			free(h);
		}
	}
	free(run->hl);
	pthread_mutex_destroy(&run->hl_lock);
}

/* Opens the destination directory holding the master, below the root. */
static int hl_master_dir(struct dnode *d, const char *master_rel,
    const char **base)
{
	const char *slash = strrchr(master_rel, '/');
	char *dir;
	int fd;

	*base = slash ? slash + 1 : master_rel;
	dir = slash ? xstrndup(master_rel, (size_t)(slash - master_rel)) :
	    xstrdup("");
	if (strcmp(dir, d->rel) == 0) {
		free(dir);
		return fcntl(d->dslot.fd, F_DUPFD_CLOEXEC, 0);
	}
	fd = delete_open_kept(d->run->plan.dst_fd, dir,
	    d->run->o->keep_dirlinks);
	free(dir);
	return fd;
}

/* tmpfile_make()'s MAKE for a hard link to BASE in MFD (never followed:
 * a symlink is linked as itself). */
struct link_spec {
	int mfd;
	const char *base;
};

static int make_link(int dirfd, const char *tmp, void *arg)
{
	const struct link_spec *ls = arg;

	return sys.linkat(ls->mfd, ls->base, dirfd, tmp, 0);
}

int hl_make(struct ts_run *run, int dfd, const char *name, int from_fd,
    const char *from_name)
{
	struct link_spec ls = { from_fd, from_name };
	char tmp[NAME_MAX + 1];
	int r;

	r = tmpfile_make(run->copy.tmp, dfd, name, tmp, make_link, &ls);
	if (r >= 0)
		r = tmpfile_commit(run->copy.tmp, dfd, tmp, name);
	return r;
}

/*
 * --delay-updates, the master staged: NAME is linked to it in the
 * staging dirs, MFD's (the master's directory) to D's, and waits there
 * with the other staged files for the renames at the end (so the group
 * appears at its final names together, and its source goes only then).
 * Returns 0 or -errno (said).
 */
static int link_staged(struct dnode *d, const struct srcitem *it,
    const struct hl_entry *h, int mfd, const char *base, const char *rel)
{
	struct ts_run *run = d->run;
	struct partial *p = run->copy.part;
	int sfd = partial_stage_dir(p, mfd, false), tfd, r;

	if (sfd < 0) {
		run_report_dest(run, -sfd, "cannot open the staging dir of",
		    h->master_rel);
		return sfd;
	}
	tfd = partial_stage_dir(p, d->dslot.fd, true);
	if (tfd < 0) {
		close(sfd);
		run_report_dest(run, -tfd, "cannot make the staging dir of",
		    rel);
		return tfd;
	}
	r = hl_make(run, tfd, it->name, sfd, base);
	close(sfd);
	close(tfd);
	if (r < 0) {
		if (r != -EINTR)
			run_report_dest(run, -r, "cannot hard-link", rel);
		return r;
	}
	partial_delay_add(p, d->rel, it->name, srcremove_hold(run, it->from,
	    it->src_name, it->ent, rel));
	return 0;
}

/*
 * The -i flags of a link made where OLD, an entry of another type, was
 * (removed by the gate, or renamed over): rsync compares the link with
 * OLD's attributes as if it were a file of the link's type ("hf.stp....."
 * where a directory was), not "+++++++++".
 */
static uint32_t replaced_flags(const struct ts_run *run,
    const struct ts_entry *src, const struct ts_entry *old)
{
	struct ts_entry as = *old;
	struct cmp_in in = { .src = src, .dst = &as, .content_differs = -1,
		.am_root = run->am_root };
	struct cmp_out out;

	as.mode = (src->mode & S_IFMT) | (old->mode & 07777);
	cmp_decide(run->o, &in, &out);
	return out.iflags & IT_REPORT_ANY;
}

/* Makes NAME in D a hard link to the group's master, atomically (a
 * symlink, a device or a FIFO is linked as itself, never followed). */
static void hl_link(struct dnode *d, const struct hl_entry *h,
    const struct srcitem *it, const struct ts_entry *dst)
{
	const char *name = it->name, *disp_name = it->disp_name;
	const struct ts_entry *src = it->ent;
	struct ts_run *run = d->run;
	bool linked = false, staged = false;
	char *rel = util_path_join(d->rel, disp_name);
	struct cmp_in in = { .src = src, .dst = dst, .am_root = run->am_root };
	struct cmp_out out;
	const char *base;
	uint32_t iflags;
	int mfd, r = 0;
	bool same_type = dst && (dst->mode & S_IFMT) == (src->mode & S_IFMT);

	if (same_type && dst->ino == h->dst_ino && dst->dev == h->dst_dev) {
		linked = true;	/* already a link to it: nothing to do */
		goto out;
	}
	cmp_decide(run->o, &in, &out);
	iflags = IT_LOCAL_CHANGE | IT_HARDLINK |
	    (same_type ? (out.iflags & IT_REPORT_ANY) :
	    dst ? replaced_flags(run, src, dst) :
	    it->gone ? replaced_flags(run, src, it->gone) : IT_IS_NEW);
	if (run->o->dry_run && dst)	/* -b: the backup a real run makes */
		backup_note(run, rel, dst->mode);
	if (!run->o->dry_run) {
		mfd = hl_master_dir(d, h->master_rel, &base);
		if (mfd < 0) {
			run_report_dest(run, -mfd, "cannot open the directory of",
			    h->master_rel);
			run_item_failed(run);
			goto out;
		}
		/* -b: what it replaces is kept aside first. */
		if (dst && run->plan.bak && !S_ISDIR(dst->mode) &&
		    (r = backup_entry(run, d->dslot.fd, name, rel, dst->mode,
		    true)) < 0) {
			close(mfd);
			run_item_failed(run);
			goto out;
		}
		if (h->staged) {
			staged = true;
			r = link_staged(d, it, h, mfd, base, rel);
			close(mfd);
			if (r < 0 && r != -EINTR)
				run_item_failed(run);
			if (r < 0)
				goto out;
		} else {
			r = hl_make(run, d->dslot.fd, name, mfd, base);
			close(mfd);
			if (r == -EINTR)
				goto out;
			if (r < 0) {
				run_report_dest(run, -r, "cannot hard-link",
				    rel);
				run_item_failed(run);
				goto out;
			}
		}
		atomic_store(&d->touched, true);
	}
	if (!same_type)
		add(&run->created[type_index(src->mode)], 1);
	/* --link-dest: a link that repeats the snapshot is not news. */
	if (!same_type && run->o->alt_dest == TS_ALT_LINK &&
	    altdest_same_inode(d, name, h->dst_dev, h->dst_ino))
		iflags = 0;
	report_item(run->rep, iflags, src->mode, rel, h->master_rel, NULL);
	linked = !staged;	/* a staged one's source goes after its rename */
out:
	if (linked)
		srcremove(run, it->from, it->src_name, src, rel);
	free(rel);
}

static void hl_waiter_run(struct ts_run *run, struct hl_entry *h,
    struct hl_waiter *w);

/*
 * The master could not be made: this link gets its own copy (or its own
 * symlink or node) rather than nothing.  LATER: D's scan's pending list,
 * or NULL from another thread.
 */
static void alone(struct dnode *d, const struct srcitem *it,
    const struct ts_entry *dst, struct pending *later)
{
	struct cmp_out out = { .action = CMP_COPY,
		.iflags = IT_TRANSFER | IT_IS_NEW };

	if (S_ISREG(it->ent->mode))
		ftask_submit(d, it, dst, &out, false, NULL, later);
	else
		item_make_node(d, it, dst);
}

/* The master is in place (or failed): link (or copy) everyone waiting. */
void hl_master_done(struct ts_run *run, struct hl_entry *h, bool ok,
    uint64_t dst_dev, uint64_t dst_ino)
{
	struct hl_waiter *w, *next;

	pthread_mutex_lock(&run->hl_lock);
	h->state = ok ? HL_DONE : HL_FAILED;
	h->dst_dev = dst_dev;
	h->dst_ino = dst_ino;
	w = h->waiters;
	h->waiters = NULL;
	pthread_mutex_unlock(&run->hl_lock);
	for (; w; w = next) {
		next = w->next;
		hl_waiter_run(run, h, w);
	}
}

static void hl_waiter_run(struct ts_run *run, struct hl_entry *h,
    struct hl_waiter *w)
{
	struct dnode *d = w->dir;
	struct srcitem it = { .ent = &w->src, .from = w->from,
		.src_name = w->src_name, .name = w->name,
		.disp_name = w->disp_name,
		.gone = w->has_gone ? &w->gone : NULL };

	(void)run;
	if (dnode_enter(d) < 0) {
		/* Reported: D cannot be worked in any more. */
	} else if (h->state == HL_DONE) {
		dnode_src_fields(&it);
		hl_link(d, h, &it, w->has_dst ? &w->dst : NULL);
	} else {
		/* From another thread than D's scan: submitted directly. */
		dnode_src_fields(&it);
		alone(d, &it, w->has_dst ? &w->dst : NULL, NULL);
	}
	dnode_leave(d);
	free(w->name);
	free(w->src_name);
	free(w->disp_name);
	free(w);
	dnode_release(d);
}

/*
 * A link that is not its group's first: linked at once if the master is
 * in place, else queued on the group (holding a reference on D).
 */
void hl_follow(struct dnode *d, struct hl_entry *h,
    const struct srcitem *it, const struct ts_entry *dst)
{
	struct ts_run *run = d->run;
	struct hl_waiter *w;

	pthread_mutex_lock(&run->hl_lock);
	if (h->state == HL_PENDING) {
		w = xcalloc(1, sizeof(*w));
		w->dir = d;
		w->src = *it->ent;
		if (dst) {
			w->dst = *dst;
			w->has_dst = true;
		}
		if (it->gone) {
			w->gone = *it->gone;
			w->has_gone = true;
		}
		w->from = it->from;
		w->name = xstrdup(it->name);
		w->src_name = xstrdup(it->src_name);
		w->disp_name = xstrdup(it->disp_name);
		atomic_fetch_add(&d->pending, 1);
		w->next = h->waiters;
		h->waiters = w;
		pthread_mutex_unlock(&run->hl_lock);
		return;
	}
	pthread_mutex_unlock(&run->hl_lock);
	if (h->state == HL_DONE)
		hl_link(d, h, it, dst);
	else
		alone(d, it, dst, d->later);
}

