/*
 * dnode.c -- directory nodes: one per directory pair being synchronised.
 *
 * Every task below a directory holds a reference on its node; the last
 * one to finish applies the directory's metadata (mtime last, after all
 * its children: post-order), closes its fds and releases the parent.
 */
#define _GNU_SOURCE
#include "run.h"

#include "altdest.h"
#include "meta.h"
#include "report.h"
#include "sys.h"
#include "util.h"
#include "xattr.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* --- paths, built when a node is entered ---------------------------------- */

/*
 * A node keeps its own name only: its path below the destination root,
 * and each source's path for messages, are built from the names above it
 * when a task enters it, and freed when the last one leaves.  A tree
 * 10,000 levels deep then holds 10,000 names, not 10,000 paths.
 */
char *dnode_path(const struct dnode *d)
{
	const struct dnode *p;
	size_t len = 0, at;
	char *s;

	/* A stolen task's parent (dtask.c) has no parent: its name is its
	 * whole path, "" for the destination root. */
	for (p = d; p && !p->is_root; p = p->parent)
		len += *p->name ? strlen(p->name) + 1 : 0;
	s = xmalloc(len + 1);
	at = len ? len - 1 : 0;	/* no trailing '/' */
	s[at] = '\0';
	for (p = d; p && !p->is_root; p = p->parent) {
		size_t n = strlen(p->name);

		if (!n)
			continue;
		at -= n;
		memcpy(s + at, p->name, n);
		if (at > 0)
			s[--at] = '/';
	}
	return s;
}

/* S's path for messages: its names joined below the nearest source with
 * a path of its own (a root source, an operand's directory), as
 * util_path_join() would join them one by one. */
static char *src_path(const struct dsrc *s)
{
	const struct dsrc *p, *base;
	size_t names = 0, dl, total, at;
	char *out;

	for (base = s; base->up; base = base->up)
		names += strlen(base->name) + 1;
	if (base == s)
		return xstrdup(s->disp ? s->disp : "");
	dl = strlen(base->disp);
	while (dl > 1 && base->disp[dl - 1] == '/')
		dl--;		/* "src/" + "a" is "src/a" */
	total = dl + names - (dl == 0);	/* "" + "a" is "a" */
	out = xmalloc(total + 1);
	memcpy(out, base->disp, dl);
	at = total;
	out[at] = '\0';
	for (p = s; p != base; p = p->up) {
		size_t n = strlen(p->name);

		at -= n;
		memcpy(out + at, p->name, n);
		if (at > 0)
			out[--at] = '/';
	}
	return out;
}

/* --- directory nodes ----------------------------------------------------- */


/* --- entering a node ------------------------------------------------------ */

/* Pins S's slot if it was ever opened (cache lock held).  0 or -errno. */
static int pin_known(struct dslot_cache *c, struct dslot *s, bool *pinned)
{
	int r;

	*pinned = false;
	if (s->fixed || !s->known)
		return 0;	/* held by the plan, or its scan opens it */
	r = dslot_pin_locked(c, s);
	if (r < 0)
		return r;
	*pinned = !s->fixed;
	return 0;
}

int dnode_enter(struct dnode *d)
{
	struct ts_run *run = d->run;
	struct dslot_cache *c = &run->slots;
	size_t k;
	int r = 0;

	pthread_mutex_lock(&c->lock);
	while (d->entering)
		pthread_cond_wait(&c->changed, &c->lock);
	if (d->views++ > 0) {
		r = d->enter_err;
		pthread_mutex_unlock(&c->lock);
		return r;
	}
	d->entering = true;
	if (!d->is_root)
		d->rel = dnode_path(d);
	r = pin_known(c, &d->dslot, &d->pinned_dst);
	for (k = 0; k < d->nsrcs; k++) {
		struct dsrc *s = &d->srcs[k];
		int rs;

		if (s->up)
			s->disp = src_path(s);
		rs = pin_known(c, &s->slot, &s->pinned);
		if (rs < 0 && r == 0)
			r = rs;
	}
	d->enter_err = r;
	d->entering = false;
	pthread_cond_broadcast(&c->changed);
	pthread_mutex_unlock(&c->lock);
	if (r < 0) {
		/* Renamed, replaced or removed while the run went on: this
		 * directory is not worked in again. */
		run_report_dest(run, -r, "cannot open directory again",
		    d->rel);
		run_item_failed(run);
	}
	return r;
}

void dnode_leave(struct dnode *d)
{
	struct dslot_cache *c = &d->run->slots;
	size_t k;

	pthread_mutex_lock(&c->lock);
	if (--d->views > 0) {
		pthread_mutex_unlock(&c->lock);
		return;
	}
	if (d->pinned_dst)
		dslot_unpin_locked(c, &d->dslot);
	d->pinned_dst = false;
	for (k = 0; k < d->nsrcs; k++) {
		struct dsrc *s = &d->srcs[k];

		if (s->pinned)
			dslot_unpin_locked(c, &s->slot);
		s->pinned = false;
		if (s->up) {
			free(s->disp);
			s->disp = NULL;
		}
	}
	if (!d->is_root) {
		free(d->rel);
		d->rel = NULL;
	}
	pthread_mutex_unlock(&c->lock);
}

void dnode_src_fields(struct srcitem *it)
{
	it->sfd = it->from->slot.fd;
	it->src_disp = it->from->disp ? it->from->disp : "";
}

/* -K: D's attributes go to the DEST symlink it was reached through, as
 * rsync sets them (owner and times; a symlink has no mode of its own, and
 * its directory keeps its own).  0 or -errno, *WHAT set. */
static int meta_on_link(struct dnode *d, const char **what)
{
	struct ts_run *run = d->run;
	struct meta_target m = d->meta;
	int pfd = dslot_pin(&run->slots, &d->parent->dslot), r;

	if (pfd < 0) {
		*what = "cannot open directory again";
		return pfd;
	}
	m.xattrs = NULL;
	m.xa_which = 0;
	r = meta_apply_at(pfd, d->name, true, &m, what);
	dslot_unpin(&run->slots, &d->parent->dslot);
	return r;
}

/* A directory D made by this run: its owner and mode as its mkdir left
 * them, which the MKDIR's answer brought (no request for them), so that
 * an owner already right is not set again.  NULL for any other. */
static const struct stat *fresh_state(const struct dnode *d,
    struct stat *st)
{
	if (!d->fresh ||
	    util_fstat_flags(d->dslot.fd, st, AT_STATX_DONT_SYNC) < 0)
		return NULL;
	return st;
}

/* D's attributes (mtime last, after all its children), and --fsync.  D is
 * entered, its directory open. */
static void apply_meta(struct dnode *d)
{
	struct ts_run *run = d->run;
	struct xattr_set xa = { 0 };
	const char *what = NULL;
	struct stat have;
	int r = 0;

	if (run->xa_which && dnode_sfd(d) >= 0) {
		r = xattr_read(-1, dnode_src_disp(d), dnode_sfd(d),
		    run->xa_src, run->am_root, run->xa_names, &xa);
		d->meta.xattrs = &xa;
	}
	if (r == 0 && d->via_link)
		r = meta_on_link(d, &what);
	else if (r == 0)
		r = meta_apply_fd_st(d->dslot.fd, &d->meta,
		    fresh_state(d, &have), &what);
	else
		what = "cannot read extended attributes of";
	d->meta.xattrs = NULL;
	xattr_set_free(&xa);
	if (r < 0) {
		run_report_dest(run, -r, what, d->rel);
		run_item_failed(run);
	}
}

void dnode_make_writable(struct dnode *d)
{
	struct ts_run *run = d->run;

	if (!run->am_root && !run->o->dry_run && d->dslot.fd >= 0 &&
	    meta_make_writable(d->dslot.fd, &d->mode_before, run->am_root))
		d->made_writable = true;
}

static void dnode_finish(struct dnode *d)
{
	struct ts_run *run = d->run;
	bool kept = emptydir_finish(d);
	bool changed = kept && (d->create || atomic_load(&d->touched));
	bool meta = kept && d->apply_meta && !pool_cancelled(&run->pool) &&
	    (d->attrs_differ || changed || d->made_writable);
	/* --fsync: a directory whose entries changed is synced once, after
	 * every rename into it. */
	bool sync = run->o->fsync && !run->o->dry_run && changed;
	size_t i;

	/* -K: a kept link's attributes are set on it, also when its
	 * directory could not be opened. */
	if ((meta || sync || d->made_writable) &&
	    (d->dslot.known || d->dslot.fixed || d->via_link)) {
		if (dnode_enter(d) == 0 &&
		    (d->dslot.fd >= 0 || d->via_link)) {
			if (meta)
				apply_meta(d);
			else if (d->made_writable &&
			    sys.fchmod(d->dslot.fd, d->mode_before) < 0)
				run_report_dest(run, errno,
				    "cannot change mode of", d->rel);
			if (sync && d->dslot.fd >= 0 &&
			    sys.fsync(d->dslot.fd) < 0) {
				run_report_dest(run, errno,
				    "cannot fsync directory", d->rel);
				run_item_failed(run);
			}
		}
		dnode_leave(d);
	}
	dslot_close(&run->slots, &d->dslot);
	altdest_node_close(d);
	for (i = 0; i < d->nsrcs; i++) {
		struct dsrc *s = &d->srcs[i];

		if (s->owned)
			close(s->slot.fd);
		else
			dslot_close(&run->slots, &s->slot);
		filter_layer_unref(s->layer);
		filter_layer_unref(s->parent_layer);
		free(s->name);
		free(s->disp);
	}
	if (d->on_finish)
		d->on_finish(d);
	free(d->srcs);
	free(d->name);
	free(d->rel);
	if (d->is_root && run->opdirs) {
		for (i = 0; i < run->plan.nsrcs; i++)
			free(run->opdirs[i].disp);
		free(run->opdirs);
		run->opdirs = NULL;
	}
	free(d);
}

/* Drops one reference; the last one finishes the node, then its parent. */
void dnode_release(struct dnode *d)
{
	while (d && atomic_fetch_sub(&d->pending, 1) == 1) {
		struct dnode *parent = d->parent;

		dnode_finish(d);
		d = parent;
	}
}

struct dnode *dnode_new(struct ts_run *run, struct dnode *parent)
{
	struct dnode *d = xcalloc(1, sizeof(*d));

	d->run = run;
	d->parent = parent;
	dslot_init(&d->dslot, parent ? &parent->dslot : NULL, NULL);
	if (parent && parent->alt)
		altdest_node_init(d);
	d->dflt = parent ? parent->dflt : 0777 & ~run->umask;
	atomic_init(&d->pending, 1);
	atomic_init(&d->touched, false);
	/* -m: the root (and a stand-in without a parent) is always there. */
	atomic_init(&d->kept, parent == NULL);
	d->task.fn = scan_task;
	if (parent)
		atomic_fetch_add(&parent->pending, 1);
	return d;
}

