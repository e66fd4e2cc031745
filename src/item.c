/*
 * item.c -- one (source, destination) pair: decide with compare, then
 * handle it inline (attributes, symlinks, nodes), or hand it on as a file
 * task or a directory task.
 */
#define _GNU_SOURCE
#include "run.h"

#include "altdest.h"
#include "backup.h"
#include "chmod.h"
#include "copy.h"
#include "dtask.h"
#include "fakesuper.h"
#include "idmap.h"
#include "tmpfile.h"
#include "meta.h"
#include "nameconv.h"
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

/* rsync's --munge-links prefix. */
#define MUNGE_PREFIX "/rsyncd-munged/"

/*
 * The target of IT's source symlink as the transfer takes it (malloc'ed),
 * or NULL with errno set.  --munge-links takes rsync's prefix off a
 * target that has more than it: that is the sending side's half of the
 * option, and a local rsync does no other (its receiver never munges).
 */
char *item_read_link(int fd, const char *name, bool fake, uint64_t size)
{
	char *t;

	/* --fake-super: a symlink may be a placeholder holding its target;
	 * ELOOP: it is a real one. */
	if (fake && ((t = fakesuper_read_link(fd, name)) || errno != ELOOP))
		return t;
	return walk_readlink(fd, name, size);
}

char *item_source_link(const struct ts_run *run, const struct srcitem *it)
{
	size_t pl = sizeof(MUNGE_PREFIX) - 1;
	char *t;

	if (it->link_target)	/* read by scan.c, to decide */
		return xstrdup(it->link_target);
	/* IT's entry is not set yet while scan.c decides to follow it. */
	t = item_read_link(it->sfd, it->src_name,
	    run->o->fake_super_src,
	    it->ent && S_ISLNK(it->ent->mode) ? it->ent->size : 0);

	if (t && run->o->munge_links && strlen(t) > pl &&
	    strncmp(t, MUNGE_PREFIX, pl) == 0)
		memmove(t, t + pl, strlen(t + pl) + 1);
	/* --iconv: the target is converted as a name is (rsync's symlink
	 * data); one it cannot be fails the link (EILSEQ, EINVAL). */
	if (t && run->names) {
		enum nameconv_step step;
		char *c = nameconv_to_dest(run->names, t, &step);
		int e = errno;

		free(t);
		t = c;
		errno = e;
	}
	return t;
}
/* --- items handled inline ------------------------------------------------ */

void item_count_created(struct ts_run *run, uint32_t iflags, uint32_t mode)
{
	if (iflags & IT_IS_NEW)
		add(&run->created[type_index(mode)], 1);
}

/* Sets the attributes of an existing, otherwise up-to-date entry. */
void item_apply_attrs(struct dnode *d, const char *name, const char *rel,
    const struct ts_entry *src, const struct ts_entry *dst,
    const struct xattr_set *xa)
{
	struct ts_run *run = d->run;
	struct meta_target m;
	const char *what = NULL;
	int r;

	if (run->o->dry_run || d->dslot.fd < 0)
		return;
	meta_plan(run->o, run->am_root, run->xa_names,
	    src, dst, d->dflt, &m);
	m.xattrs = xa;
	if (!xa)
		m.xa_which = 0;
	r = meta_apply_at(d->dslot.fd, name, S_ISLNK(src->mode), &m, &what);
	if (r < 0) {
		run_report_dest(run, -r, what, rel);
		run_item_failed(run);
	}
}

int item_node_temp(int dirfd, const char *tmp, void *arg)
{
	const struct item_node *n = arg;

	if (n->fake) {
		int r = fakesuper_make_node(dirfd, tmp, n->src->mode,
		    n->target);

		if (r < 0)
			errno = -r;
		return r < 0 ? -1 : 0;
	}
	if (S_ISLNK(n->src->mode))
		return sys.symlinkat(n->target, dirfd, tmp);
	return sys.mknodat(dirfd, tmp, n->src->mode & (S_IFMT | 07777),
	    (dev_t)n->src->rdev);
}

/* Creates a symlink or a node under a temp name, then renames it over
 * NAME, so that NAME is never missing and never half-made. */
static int make_node(struct dnode *d, const struct srcitem *it,
    const struct ts_entry *dst, const char *target, const char *rel)
{
	struct ts_run *run = d->run;
	const struct ts_entry *src = it->ent;
	struct item_node spec = { src, target, run->fake_super };
	char tmp[NAME_MAX + 1];
	struct meta_target m;
	struct xattr_set xa = { 0 };
	const char *what = NULL;
	int r;

	r = tmpfile_make(run->copy.tmp, d->dslot.fd, it->name, tmp, item_node_temp,
	    &spec);
	if (r < 0) {
		if (r != -EINTR)
			run_report_dest(run, -r, "cannot create", rel);
		return r;
	}
	meta_plan(run->o, run->am_root, run->xa_names,
	    src, dst, d->dflt, &m);
	if (run->xa_which && xattr_read(it->sfd, it->src_name, -1, run->xa_src,
	    run->am_root, run->xa_names, &xa) == 0)
		m.xattrs = &xa;
	r = meta_apply_at(d->dslot.fd, tmp, S_ISLNK(src->mode), &m, &what);
	xattr_set_free(&xa);
	if (r < 0) {
		tmpfile_discard(run->copy.tmp, d->dslot.fd, tmp);
		run_report_dest(run, -r, what, rel);
		return r;
	}
	r = tmpfile_commit(run->copy.tmp, d->dslot.fd, tmp, it->name);
	if (r < 0)
		run_report_dest(run, -r, "cannot rename into place", rel);
	return r;
}

/* Makes the symlink or node IT (over DST); on success fills *MADE with
 * the new entry (for -H). */
bool item_make(struct dnode *d, const struct srcitem *it,
    const struct ts_entry *dst, uint32_t iflags, const char *target,
    const char *rel, struct ts_entry *made)
{
	struct ts_run *run = d->run;

	if (run->o->dry_run && dst)	/* -b: the backup a real run makes */
		backup_note(run, rel, dst->mode);
	if (!run->o->dry_run) {
		/* -b: what it replaces is kept aside first. */
		if (dst && run->plan.bak && !S_ISDIR(dst->mode) &&
		    backup_entry(run, d->dslot.fd, it->name, rel, dst->mode,
		    true) < 0) {
			run_item_failed(run);
			return false;
		}
		if (make_node(d, it, dst, target, rel) < 0) {
			run_item_failed(run);
			return false;
		}
		atomic_store(&d->touched, true);
		if (made && walk_stat(d->dslot.fd, it->name, false, made) < 0)
			memset(made, 0, sizeof(*made));
	}
	item_count_created(run, iflags, it->ent->mode);
	report_item(run->rep, iflags, it->ent->mode, rel, target, NULL);
	return true;
}

void item_make_node(struct dnode *d, const struct srcitem *it,
    const struct ts_entry *dst)
{
	char *rel = util_path_join(d->rel, it->disp_name);
	char *target = NULL;

	if (S_ISLNK(it->ent->mode) &&
	    !(target = item_source_link(d->run, it))) {
		report_errno_at(d->run->rep, errno, "cannot read symlink",
		    it->src_disp, it->src_name);
		run_source_failed(d->run);
	} else {
		item_make(d, it, dst, IT_LOCAL_CHANGE | IT_IS_NEW, target,
		    rel, NULL);
	}
	add(&d->run->entries_done, 1);
	free(target);
	free(rel);
}

/* --- deciding one item --------------------------------------------------- */

static void count_source(struct ts_run *run, const struct ts_entry *src)
{
	add(&run->files[type_index(src->mode)], 1);
	/* rsync's "Total file size" counts symlink target lengths too. */
	if (S_ISREG(src->mode) || S_ISLNK(src->mode))
		add(&run->total_size, src->size);
}

/* Adds the source directory NAME of item IT to C's sources. */
static void add_source(struct dnode *c, const struct srcitem *it)
{
	struct dsrc *s = &c->srcs[c->nsrcs++];

	s->up = it->from;
	s->name = xstrdup(it->src_name);
	dslot_init(&s->slot, &it->from->slot, s->name);
	if (it->follow) {
		/* -k: the directory listed, and only it. */
		s->slot.follow = true;
		s->slot.dev = it->ent->dev;
		s->slot.ino = it->ent->ino;
	}
	s->dev_limit = it->dev_limit;
	s->rank = c->nsrcs - 1;
	s->list = it->list;
	s->sel = it->child_sel;
	s->parent_layer = it->layer ? filter_layer_ref(it->layer) : NULL;
}

struct dnode *item_new_dir(struct dnode *d, const struct action *a)
{
	const struct srcitem *it = a->it;
	const struct ts_entry *dst = a->dst;
	enum cmp_action what = a->what;
	uint32_t iflags = a->iflags;
	struct ts_run *run = d->run;
	struct dnode *c = dnode_new(run, d);
	size_t i;

	c->srcs = xcalloc(1 + it->nmerge, sizeof(*c->srcs));
	add_source(c, it);
	/* Same-named directories of later operands are merged into it; under
	 * -x, one on another file system is not read. */
	for (i = 0; i < it->nmerge; i++)
		if (!run->o->one_fs ||
		    it->merge[i]->ent->dev == it->merge[i]->dev_limit)
			add_source(c, it->merge[i]);
	c->name = xstrdup(it->name);
	c->dslot.name = c->name;
	c->src = *it->ent;
	c->create = what == CMP_MKDIR;
	c->blocked = what == CMP_BLOCKED;
	c->attrs_differ = (iflags & IT_REPORT_ANY) != 0;
	c->no_descend = (run->o->one_fs && it->ent->dev != it->dev_limit) ||
	    it->child_stop || it->too_deep;
	if (dst && !c->create && !c->blocked) {
		c->dst = *dst;
		c->has_dst = true;
		c->via_link = a->via_link;
	}
	c->apply_meta = !run->o->dry_run && !c->blocked;
	meta_plan(run->o, run->am_root, run->xa_names,
	    &c->src, c->has_dst ? &c->dst : NULL,
	    d->dflt, &c->meta);
	/* Reported (and counted) by its scan, once the source directory
	 * opened: a directory that vanishes meanwhile was never made. */
	c->iflags = iflags;
	c->way_mode = it->in_way;
	c->unsent = it->unsent;
	emptydir_child(d, it, c);
	return c;
}

void item_queue_dir(struct dnode *d, struct dnode *c)
{
	if (!d->later) {
		/* After the walk (a deferred item): straight to the pool. */
		pool_submit(&d->run->pool, &c->task);
		return;
	}
	c->task.next = d->later->dirs;
	d->later->dirs = &c->task;
}

void item_submit_dir(struct dnode *d, const struct action *a)
{
	item_queue_dir(d, item_new_dir(d, a));
}

void item_compare_xattrs(struct dnode *d, int sfd, const char *src_name,
    const char *name, struct cmp_in *in, struct xattr_set *sxa)
{
	struct ts_run *run = d->run;
	struct xattr_set dxa = { 0 };
	size_t i;

	if (xattr_read(sfd, src_name, -1, run->xa_src, run->am_root,
	    run->xa_names, sxa) < 0 ||
	    xattr_read(d->dslot.fd, name, -1, run->xa_which, run->am_root,
	    run->xa_names, &dxa) < 0) {
		xattr_set_free(&dxa);
		return;
	}
	if (!xattr_equal(sxa, &dxa)) {
		/* Which kind differs decides the column ('a' or 'x'). */
		struct xattr_set *sets[2] = { sxa, &dxa };
		int k;

		for (k = 0; k < 2; k++)
			for (i = 0; i < sets[k]->n; i++) {
				/* Without -A an ACL is a plain name
				 * (xattr-name rules let it through). */
				bool acl = (run->xa_which & XA_ACL) &&
				    strncmp(sets[k]->names[i],
				    "system.posix_acl_", 17) == 0;
				size_t j;
				bool same = false;
				struct xattr_set *other = sets[1 - k];

				for (j = 0; j < other->n; j++)
					if (strcmp(other->names[j],
					    sets[k]->names[i]) == 0)
						same = other->lens[j] ==
						    sets[k]->lens[i] &&
						    memcmp(other->values[j],
						    sets[k]->values[i],
						    other->lens[j]) == 0;
				if (!same) {
					if (acl)
						in->acl_differs = true;
					else
						in->xattr_differs = true;
				}
			}
	}
	xattr_set_free(&dxa);
}

/* The item's path below the destination root, made once when needed. */
const char *item_rel(const struct dnode *d, const struct srcitem *it,
    char **rel)
{
	if (!*rel)
		*rel = util_path_join(d->rel, it->disp_name);
	return *rel;
}

/* -H: the types whose hard links are kept -- every one the options
 * transfer but directories (rsync links symlinks, devices and FIFOs too). */
static bool hard_linkable(const struct ts_options *o, bool am_root,
    uint32_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG:
		return true;
	case S_IFLNK:
		return o->links;
	case S_IFCHR:
	case S_IFBLK:
		return o->devices && am_root;
	case S_IFIFO:
	case S_IFSOCK:
		return o->specials;
	default:
		return false;
	}
}

/* True when the decision OUT makes a new entry where another type is. */
static bool replaces(const struct cmp_out *out)
{
	if (!out->remove_dst)
		return false;
	switch (out->action) {
	case CMP_COPY:
	case CMP_MKDIR:
	case CMP_SYMLINK:
	case CMP_MKNOD:
		return true;
	default:
		return false;
	}
}

/* --min-size/--max-size leave a regular file out.  True if it is. */
static bool size_skipped(struct dnode *d, const struct srcitem *it,
    char **rel)
{
	struct ts_run *run = d->run;
	const struct ts_options *o = run->o;
	const struct ts_entry *src = it->ent;

	if (!S_ISREG(src->mode) ||
	    (src->size >= o->min_size && src->size <= o->max_size))
		return false;
	if (o->verbose >= 2)
		report_note(run->rep, src->size > o->max_size ?
		    "%s is over max-size" : "%s is under min-size",
		    item_rel(d, it, rel));
	add(&run->entries_done, 1);
	return true;
}

/*
 * A destination entry of another type: the item goes to the gate, to be
 * handled after the walk (nothing is removed during it).  True if it did.
 */
static bool deferred(struct dnode *d, const struct srcitem *it,
    const struct ts_entry *dst, char **rel)
{
	struct ts_run *run = d->run;
	struct cmp_in in = { .src = it->ent, .dst = dst,
		.content_differs = -1, .am_root = run->am_root };
	struct cmp_out out;

	if (!dst || (dst->mode & S_IFMT) == (it->ent->mode & S_IFMT))
		return false;
	cmp_decide(run->o, &in, &out);
	if (!replaces(&out))
		return false;
	if (run->after_walk) {
		gate_unplanned(d, it, item_rel(d, it, rel));
		return true;
	}
	gate_defer(d, it, dst, item_rel(d, it, rel));
	/* treesync-mpi -H: its group learns of it (never its first link);
	 * the links below a directory are met after the exchange. */
	if (run->hlr && S_ISDIR(it->ent->mode))
		dtask_hl_dir_replaced(run);
	else if (run->hlr && it->ent->nlink > 1 &&
	    hard_linkable(run->o, run->am_root, it->ent->mode))
		dtask_hl_gated(d, it);
	return true;
}

/*
 * -l: the symlink targets of both sides, into *STARGET and *DTARGET.
 * False when the source's cannot be read (reported: vanished, or a source
 * error).
 */
static bool read_targets(struct dnode *d, const struct srcitem *it,
    const struct ts_entry *dst, char **starget, char **dtarget)
{
	struct ts_run *run = d->run;

	*starget = item_source_link(run, it);
	if (!*starget) {
		if (errno == ENOENT) {
			add(&run->vanished, 1);
			report_vanished(run->rep, it->src_disp, it->src_name);
		} else {
			report_errno_at(run->rep, errno, "cannot read symlink",
			    it->src_disp, it->src_name);
			run_source_failed(run);
		}
		return false;
	}
	if (dst && S_ISLNK(dst->mode) && d->dslot.fd >= 0)
		*dtarget = item_read_link(d->dslot.fd, it->name,
		    run->fake_super, dst->size);
	return true;
}

void item_say_unsafe(struct ts_run *run, const char *fmt, const char *rel,
    const char *target)
{
	char *both;

	if (report_info_level(run->rep, TS_INFO_SYMSAFE) < 1)
		return;
	/* One %s for both names: each is escaped all the same. */
	both = xmalloc(strlen(rel) + strlen(target) + 7);
	sprintf(both, "%s\" -> \"%s", rel, target);
	report_note_info(run->rep, TS_INFO_SYMSAFE, 1, fmt, both);
	free(both);
}

/*
 * --safe-links: a symlink to TARGET that is unsafe (util_unsafe_symlink(),
 * counted from the top of the transfer) is left out, said at
 * --info=symsafe (-v) as rsync says it.  True if it is.
 */
static bool unsafe_skipped(struct dnode *d, const struct srcitem *it,
    const char *target, char **rel)
{
	struct ts_run *run = d->run;

	if (!run->o->safe_links ||
	    !util_unsafe_symlink(target, item_rel(d, it, rel)))
		return false;
	item_say_unsafe(run, "ignoring unsafe symlink \"%s\"", *rel, target);
	add(&run->entries_done, 1);
	return true;
}

/*
 * -H: an entry with other links.  Returns its group when it is the first
 * link seen (it is made like any entry, the others follow it); NULL
 * otherwise, and *FOLLOWED tells whether this one was a later link (now
 * linked, or waiting for the first).
 */
static struct hl_entry *hard_link(struct dnode *d, const struct srcitem *it,
    const struct ts_entry *dst, const char *starget, bool *followed)
{
	struct ts_run *run = d->run;
	struct hl_entry *hl;
	char *mrel;
	bool master;

	*followed = false;
	if (!run->hl || it->ent->nlink < 2 ||
	    !hard_linkable(run->o, run->am_root, it->ent->mode))
		return NULL;
	/* --compare-dest: a link with an exact match is left out, whatever
	 * its group does; never its group's first, on any number of ranks
	 * and in any walk order. */
	if (run->o->alt_dest && altdest_leaves_out(d, it, dst, starget))
		return NULL;
	/* treesync-mpi: the group is decided after the walk, over every
	 * rank (dtask_hlink.c). */
	if (run->hlr && dtask_hl_hold(d, it, dst)) {
		*followed = true;
		return NULL;
	}
	mrel = util_path_join(d->rel, it->name);
	hl = hl_get(run, it->ent, mrel, &master);
	free(mrel);
	if (master)
		return hl;
	hl_follow(d, hl, it, dst);
	add(&run->entries_done, 1);
	*followed = true;
	return NULL;
}

/*
 * -K: DST, a symlink where the source has a directory, is kept when it
 * points to a directory (rsync's stat of it; whether that directory lies
 * beneath DEST is checked when it is opened, scan.c).  True, and *KEPT is
 * that directory's entry, if it is.
 */
static bool kept_dirlink(struct dnode *d, const struct srcitem *it,
    const struct ts_entry *dst, struct ts_entry *kept)
{
	if (!d->run->o->keep_dirlinks || !dst || !S_ISLNK(dst->mode) ||
	    !S_ISDIR(it->ent->mode) || d->dslot.fd < 0 ||
	    walk_stat(d->dslot.fd, it->name, true, kept) < 0 ||
	    !S_ISDIR(kept->mode))
		return false;
	kept->name = dst->name;
	return true;
}

/*
 * --write-devices: DST, a block or character device node where the
 * source has a regular file, is that file's destination, written in place
 * (inplace.c): it is taken as a regular file of the size the device holds
 * (rsync's get_device_size(), read through a descriptor opened below the
 * held directory fd with O_NOFOLLOW), with the node's permissions, owner
 * and times.  True, and *AS is that entry, if it is.
 */
static bool written_device(struct dnode *d, const struct srcitem *it,
    const struct ts_entry *dst, struct ts_entry *as)
{
	int fd;

	if (!d->run->o->write_devices || !dst || !S_ISREG(it->ent->mode) ||
	    !(S_ISBLK(dst->mode) || S_ISCHR(dst->mode)) || d->dslot.fd < 0)
		return false;
	*as = *dst;
	fd = util_open_data(d->dslot.fd, it->name);
	as->mode = S_IFREG | (dst->mode & 07777);
	as->size = fd < 0 ? 0 : (uint64_t)util_device_size(fd);
	as->rdev = 0;
	if (fd >= 0)
		close(fd);
	return true;
}

/*
 * Decides one item into an action record and has it carried out
 * (action.c).  CLEARED: the gate has cleared the way (after the walk);
 * DST is then NULL, or the non-directory the new entry is renamed over.
 * LEADER: the item is the first link of that -H group, decided by the
 * ranks of treesync-mpi (dtask_hlink.c), or NULL.
 */
static void act(struct dnode *d, const struct srcitem *it,
    const struct ts_entry *dst, bool cleared, struct hl_entry *leader)
{
	struct ts_run *run = d->run;
	const struct ts_entry *src = it->ent;
	char *rel = NULL;	/* built on first use: most items need none */
	char *starget = NULL, *dtarget = NULL;
	struct cmp_in in = { .src = src, .dst = dst, .content_differs = -1,
		.am_root = run->am_root };
	struct cmp_out out;
	struct xattr_set sxa = { 0 };
	struct action a = { .it = it, .dst = dst };
	struct ts_entry kept, wdev;
	bool followed;

	if (size_skipped(d, it, &rel))
		goto out;
	if (it->unsent) {
		implied_act(d, it, dst);
		goto out;
	}
	if (S_ISLNK(src->mode) && run->o->links &&
	    (!read_targets(d, it, dst, &starget, &dtarget) ||
	    unsafe_skipped(d, it, starget, &rel)))
		goto out;
	if (kept_dirlink(d, it, dst, &kept)) {
		in.dst = a.dst = dst = &kept;
		a.via_link = true;
	}
	if (written_device(d, it, dst, &wdev))
		in.dst = a.dst = dst = &wdev;
	if (!cleared && deferred(d, it, dst, &rel))
		goto out;
	if (leader)
		a.hl = leader;
	else if ((a.hl = hard_link(d, it, dst, starget, &followed)) ==
	    NULL && followed)
		goto out;
	in.src_target = a.target = starget;
	in.dst_target = dtarget;
	if (cmp_needs_checksum(run->o, src, dst) && d->dslot.fd >= 0) {
		/* The contents decide: a file task compares them first. */
		a.checksum = true;
		a.what = CMP_COPY;
	} else {
		if (run->xa_which && dst && d->dslot.fd >= 0 &&
		    (dst->mode & S_IFMT) == (src->mode & S_IFMT)) {
			item_compare_xattrs(d, it->sfd, it->src_name,
			    it->name, &in, &sxa);
			a.xattrs = &sxa;
		}
		cmp_decide(run->o, &in, &out);
		a.what = out.action;
		a.iflags = out.iflags;
	}
	if (run->o->alt_dest && altdest_apply(d, &a, &rel))
		goto out;
	if (d->fuzzy)
		fuzzy_decided(d, it, dst, a.what, &rel);
	action_run(d, &a, &rel);
out:
	xattr_set_free(&sxa);
	free(starget);
	free(dtarget);
	free(rel);
}

void item_handle(struct dnode *d, const struct srcitem *it,
    const struct ts_entry *dst)
{
	/* -xx: a mount point is left out altogether (rsync). */
	if (d->run->o->one_fs > 1 && S_ISDIR(it->ent->mode) &&
	    it->ent->dev != it->dev_limit)
		return;
	count_source(d->run, it->ent);
	act(d, it, dst, false, NULL);
}

void item_act(struct dnode *d, const struct srcitem *it,
    const struct ts_entry *dst)
{
	act(d, it, dst, true, NULL);
}

void item_act_leader(struct dnode *d, const struct srcitem *it,
    const struct ts_entry *dst, struct hl_entry *leader)
{
	act(d, it, dst, true, leader);
}


/* --fake-super: a DEST entry NAME below DIRFD (its lstat in *EN) is
 * what its user.rsync.%stat says (a corrupt one is taken as none). */
void item_fake_dest(const struct ts_run *run, int dirfd, const char *name,
    struct ts_entry *en)
{
	if (run->fake_super)
		(void)fakesuper_read(dirfd, name, -1, en);
}

/* --fake-super (the sending side's), --chmod and --chown change what the
 * source NAME below DIRFD (its lstat in *EN) is said to be. */
void item_adjust_source(const struct ts_run *run, int dirfd,
    const char *name, struct ts_entry *en)
{
	const struct ts_options *o = run->o;

	if (o->copy_devices && (S_ISBLK(en->mode) || S_ISCHR(en->mode))) {
		/* rsync's --copy-devices: the device is a regular file of
		 * what it holds, with the node's permissions and times. */
		int fd = util_open_data(dirfd, name);

		en->mode = S_IFREG | (en->mode & 07777);
		en->size = fd < 0 ? 0 : (uint64_t)util_device_size(fd);
		en->rdev = 0;
		if (fd >= 0)
			close(fd);
	}
	if (o->fake_super_src)
		(void)fakesuper_read(dirfd, name, -1, en);
	if (run->chmod)
		en->mode = chmod_apply(run->chmod, en->mode, run->umask);
	if (o->chown_uid >= 0)
		en->uid = (uint32_t)o->chown_uid;
	else if (run->usermap)
		en->uid = idmap_map(run->usermap, en->uid, o->numeric_ids);
	if (o->chown_gid >= 0)
		en->gid = (uint32_t)o->chown_gid;
	else if (run->groupmap)
		en->gid = idmap_map(run->groupmap, en->gid, o->numeric_ids);
}
