/*
 * dnode.c -- directory nodes: one per directory pair being synchronised.
 *
 * Every task below a directory holds a reference on its node; the last
 * one to finish applies the directory's metadata (mtime last, after all
 * its children: post-order), closes its fds and releases the parent.
 */
#define _GNU_SOURCE
#include "run.h"

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

/* --- directory nodes ----------------------------------------------------- */


static void dnode_finish(struct dnode *d)
{
	struct ts_run *run = d->run;
	const char *what = NULL;
	size_t i;

	if (d->apply_meta && d->dfd >= 0 && !pool_cancelled(&run->pool) &&
	    (d->attrs_differ || d->create || atomic_load(&d->touched))) {
		struct xattr_set xa = { 0 };
		int r = 0;

		if (run->xa_which && dnode_sfd(d) >= 0) {
			r = xattr_read(-1, dnode_src_disp(d), dnode_sfd(d),
			    run->xa_which,
			    run->am_root, &xa);
			d->meta.xattrs = &xa;
		}
		if (r == 0)
			r = meta_apply_fd(d->dfd, &d->meta, &what);
		else
			what = "cannot read extended attributes of";
		d->meta.xattrs = NULL;
		xattr_set_free(&xa);

		if (r < 0) {
			run_report_dest(run, -r, what, d->rel);
			run_item_failed(run);
		}
	}
	/* --fsync: a directory whose entries changed is synced once, after
	 * every rename into it. */
	if (run->o->fsync && !run->o->dry_run && d->dfd >= 0 &&
	    (d->create || atomic_load(&d->touched)) && sys.fsync(d->dfd) < 0) {
		run_report_dest(run, errno, "cannot fsync directory", d->rel);
		run_item_failed(run);
	}
	if (!d->is_root && d->dfd >= 0)
		close(d->dfd);
	for (i = 0; i < d->nsrcs; i++) {
		struct dsrc *s = &d->srcs[i];

		if (s->fd >= 0 && !s->borrowed)
			close(s->fd);
		filter_layer_unref(s->layer);
		filter_layer_unref(s->parent_layer);
		free(s->name);
		free(s->disp);
	}
	free(d->srcs);
	free(d->name);
	free(d->rel);
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
	d->dfd = -1;
	d->dflt = parent ? parent->dflt : 0777 & ~run->umask;
	atomic_init(&d->pending, 1);
	atomic_init(&d->touched, false);
	d->task.fn = scan_task;
	if (parent)
		atomic_fetch_add(&parent->pending, 1);
	return d;
}

