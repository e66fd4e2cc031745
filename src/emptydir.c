/*
 * emptydir.c -- -m/--prune-empty-dirs: a directory is made only when
 * something not a directory goes below it.
 *
 * rsync decides from its sender's file list: a directory with no
 * non-directory below it in the list (after the filter rules; a file
 * left alone by --min-size, --existing or the like still counts, and so
 * does a symlink or device skipped for want of -l or -D) is dropped from
 * the list, with every directory of its chain, unless a receiver-side
 * rule (protect) covers it or one below it.  The top of the transfer
 * ("./") always stays.  A dropped directory is not made; an existing one
 * is neither changed nor reported, and with --delete it is extraneous.
 *
 * treesync walks and creates as it goes, so the decision is turned
 * around: a node's scan does not make its directory (it only opens an
 * existing one, to read it) and does not report it.  The first
 * non-directory selected anywhere below makes the whole chain of unmade
 * directories above it, top down, each as its scan would have done
 * (emptydir_need(), under keep_lock so that two workers never make one
 * directory twice and every directory exists before anything goes into
 * it).  A node still unmade when its last reference ends was empty: it
 * gets no attributes, and the extraneous entries found in it are dropped
 * or, with --delete, replaced by the directory itself (prune.c).  DEST
 * never holds an empty directory that rsync would not have made.
 *
 * treesync-mpi: a chain of unmade directories never spans ranks.  A
 * directory is stolen only once its parent is made (dtask.c
 * encode_dir()); the thief's chain stops at the proxy of that parent,
 * and its DONE tells the origin whether the directory was made or, if
 * pruned, whether its extraneous entries were looked for, so that the
 * origin, which owns the parent, deletes an existing one with --delete
 * as it would here (prune_unkept()).
 */
#define _GNU_SOURCE
#include "run.h"

#include "util.h"

#include <stdlib.h>
#include <sys/stat.h>

bool emptydir_defers(const struct dnode *d)
{
	return d->run->o->prune_empty_dirs && !d->is_root && !d->keep_self &&
	    !d->blocked && !atomic_load(&d->kept);
}

void emptydir_child(struct dnode *d, const struct srcitem *it,
    struct dnode *c)
{
	struct ts_entry e;

	if (!d->run->o->prune_empty_dirs)
		return;
	e = *it->ent;
	e.name = it->name;
	e.mode = (e.mode & ~(uint32_t)S_IFMT) | S_IFDIR;
	if (select_protected_dest(d, &e)) {
		c->keep_self = true;
		emptydir_need(d);
	}
}

/* Makes the unmade directory D, whose parent is kept; keep_lock held. */
static bool keep_one(struct dnode *d, bool parent_ok)
{
	bool ok = false;

	if (parent_ok) {
		if (dnode_enter(d) == 0)
			ok = scan_materialize(d);
		dnode_leave(d);
	}
	d->keep_failed = !ok;
	prune_keep(d);		/* publishes keep_failed */
	return ok;
}

bool emptydir_need(struct dnode *d)
{
	struct ts_run *run = d->run;
	struct dnode *p, **chain;
	size_t n = 0, i;
	bool ok = true;

	if (!run->o->prune_empty_dirs)
		return true;
	if (atomic_load(&d->kept))
		return !d->keep_failed;
	pthread_mutex_lock(&run->keep_lock);
	for (p = d; p && !atomic_load(&p->kept); p = p->parent)
		n++;
	chain = xmalloc((n ? n : 1) * sizeof(*chain));
	for (p = d, i = n; i > 0; p = p->parent)
		chain[--i] = p;
	if (n && chain[0]->parent)
		ok = !chain[0]->parent->keep_failed;
	for (i = 0; i < n; i++)
		ok = keep_one(chain[i], ok);
	if (!n)
		ok = !d->keep_failed;	/* made by another worker meanwhile */
	pthread_mutex_unlock(&run->keep_lock);
	free(chain);
	return ok;
}

bool emptydir_finish(struct dnode *d)
{
	if (!d->run->o->prune_empty_dirs || atomic_load(&d->kept))
		return !d->keep_failed;
	prune_unkept(d);
	return false;
}
