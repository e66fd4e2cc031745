/*
 * compare.c -- the decision for one (source, destination) pair, and the
 * itemize string that reports it.
 *
 * Pure: no I/O, no globals.  It follows rsync's generator: a type the
 * options do not transfer is skipped, --existing/--ignore-existing/-u are
 * applied first, then the quick check (size, then checksum or mtime), then
 * the attribute comparison that itemize reports.  A destination entry of a
 * different type is treated as absent (it is removed first and the item is
 * new), as rsync does.
 */
#include "compare.h"

#include "meta.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <treesync/treesync.h>

bool cmp_same_mtime(const struct ts_options *o, const struct ts_entry *a,
    const struct ts_entry *b)
{
	long long d;

	if (o->modify_window < 0)
		return a->mtime_sec == b->mtime_sec &&
		    a->mtime_nsec == b->mtime_nsec;
	d = llabs((long long)(a->mtime_sec - b->mtime_sec));
	return d <= o->modify_window;
}

bool cmp_needs_checksum(const struct ts_options *o,
    const struct ts_entry *src, const struct ts_entry *dst)
{
	return o->checksum && dst && S_ISREG(src->mode) &&
	    S_ISREG(dst->mode) && src->size == dst->size;
}

static bool keeps_time(const struct ts_options *o, uint32_t mode)
{
	if (!o->times)
		return false;
	if (S_ISDIR(mode))
		return !o->omit_dir_times;
	if (S_ISLNK(mode))
		return !o->omit_link_times;
	return true;
}

/* The attribute columns for an existing destination entry of the same type
 * (rsync's itemize() for statret >= 0). */
static uint32_t attr_flags(const struct ts_options *o, const struct cmp_in *in,
    uint32_t iflags)
{
	const struct ts_entry *s = in->src, *d = in->dst;
	uint32_t perm_mask = in->acl_differs ? 07707 : 07777;

	if (S_ISREG(s->mode) && s->size != d->size)
		iflags |= IT_REPORT_SIZE;
	if (keeps_time(o, s->mode) ? !cmp_same_mtime(o, s, d)
	    : (iflags & (IT_TRANSFER | IT_LOCAL_CHANGE)) != 0)
		iflags |= IT_REPORT_TIME;
	/* Linux cannot chmod a symlink: its mode is never compared.  With an
	 * ACL change the group bits are the ACL's mask: rsync reports that
	 * as 'a', not 'p'. */
	if (o->perms && !S_ISLNK(s->mode) &&
	    (s->mode & perm_mask) != (d->mode & perm_mask))
		iflags |= IT_REPORT_PERMS;
	/* -E without -p: whether either is executable at all (rsync). */
	else if (!o->perms && o->executability && !S_ISLNK(s->mode) &&
	    !(s->mode & 0111) != !(d->mode & 0111))
		iflags |= IT_REPORT_PERMS;
	if (o->owner && in->am_root && s->uid != d->uid)
		iflags |= IT_REPORT_OWNER;
	if (o->group && s->gid != d->gid &&
	    meta_may_set_group(s->gid, in->am_root))
		iflags |= IT_REPORT_GROUP;
	/* -U: seconds only, never directories or symlinks (rsync). */
	if (o->atimes && !S_ISDIR(s->mode) && !S_ISLNK(s->mode) &&
	    s->atime_sec != d->atime_sec)
		iflags |= IT_REPORT_ATIME;
	if (in->xattr_differs)
		iflags |= IT_REPORT_XATTR;
	if (in->acl_differs)
		iflags |= IT_REPORT_ACL;
	return iflags;
}

static bool quick_check_same(const struct ts_options *o,
    const struct cmp_in *in)
{
	const struct ts_entry *s = in->src, *d = in->dst;

	if (s->size != d->size)
		return false;
	if (o->checksum)
		return in->content_differs == 0;
	if (o->size_only)
		return true;
	if (o->ignore_times)
		return false;
	return cmp_same_mtime(o, s, d);
}

/* Settles an existing same-type entry whose data needs no transfer. */
static void attrs_only(const struct ts_options *o, const struct cmp_in *in,
    uint32_t base, struct cmp_out *out)
{
	out->iflags = attr_flags(o, in, base);
	out->action = (out->iflags & (IT_REPORT_ANY | IT_LOCAL_CHANGE))
	    ? CMP_ATTRS : CMP_NONE;
}

static void decide_reg(const struct ts_options *o, const struct cmp_in *in,
    struct cmp_out *out)
{
	const struct ts_entry *s = in->src, *d = in->dst;

	if (!d || !S_ISREG(d->mode)) {
		out->action = CMP_COPY;
		out->iflags = IT_TRANSFER | IT_IS_NEW;
		return;
	}
	if (o->update && !cmp_same_mtime(o, s, d) &&
	    (d->mtime_sec > s->mtime_sec ||
	    (d->mtime_sec == s->mtime_sec && d->mtime_nsec > s->mtime_nsec))) {
		out->action = CMP_SKIP;
		return;
	}
	if (quick_check_same(o, in)) {
		attrs_only(o, in, 0, out);
		/* rsync: with -c an unchanged file gets its exact time back,
		 * silently, even where the quick check calls it "the same". */
		if (o->checksum && o->times && out->action == CMP_NONE &&
		    (s->mtime_sec != d->mtime_sec ||
		    s->mtime_nsec != d->mtime_nsec)) {
			out->action = CMP_ATTRS;
			out->fix_time = true;
		}
		return;
	}
	/* --append: a file that is not shorter is left alone, attributes
	 * and all (rsync). */
	if (o->append && d->size >= s->size) {
		out->action = CMP_NONE;
		return;
	}
	out->action = CMP_COPY;
	out->iflags = attr_flags(o, in,
	    IT_TRANSFER | (o->checksum ? IT_REPORT_CHANGE : 0));
}

static void decide_symlink(const struct ts_options *o, const struct cmp_in *in,
    struct cmp_out *out)
{
	const struct ts_entry *d = in->dst;

	if (d && S_ISLNK(d->mode) && in->src_target && in->dst_target &&
	    strcmp(in->src_target, in->dst_target) == 0) {
		attrs_only(o, in, 0, out);
		return;
	}
	out->action = CMP_SYMLINK;
	if (!d || !S_ISLNK(d->mode))
		out->iflags = IT_LOCAL_CHANGE | IT_IS_NEW;
	else
		out->iflags = attr_flags(o, in,
		    IT_LOCAL_CHANGE | IT_REPORT_CHANGE);
}

static void decide_node(const struct ts_options *o, const struct cmp_in *in,
    struct cmp_out *out)
{
	const struct ts_entry *s = in->src, *d = in->dst;

	if (d && (d->mode & S_IFMT) == (s->mode & S_IFMT) &&
	    (!(S_ISCHR(s->mode) || S_ISBLK(s->mode)) || d->rdev == s->rdev)) {
		attrs_only(o, in, 0, out);
		return;
	}
	out->action = CMP_MKNOD;
	if (!d || (d->mode & S_IFMT) != (s->mode & S_IFMT))
		out->iflags = IT_LOCAL_CHANGE | IT_IS_NEW;
	else
		out->iflags = attr_flags(o, in,
		    IT_LOCAL_CHANGE | IT_REPORT_CHANGE);
}

void cmp_decide(const struct ts_options *o, const struct cmp_in *in,
    struct cmp_out *out)
{
	const struct ts_entry *s = in->src, *d = in->dst;
	uint32_t st = s->mode & S_IFMT;
	bool is_dir = S_ISDIR(s->mode);

	memset(out, 0, sizeof(*out));

	/* Devices only as root (rsync's am_root: --super, --no-super). */
	if ((st == S_IFLNK && !o->links) ||
	    ((st == S_IFCHR || st == S_IFBLK) &&
	    !(o->devices && in->am_root)) ||
	    ((st == S_IFIFO || st == S_IFSOCK) && !o->specials)) {
		out->action = CMP_SKIP_TYPE;
		return;
	}
	if (is_dir && !o->recursive) {
		out->action = CMP_SKIP_DIR;
		return;
	}
	if (!d && o->existing) {
		out->action = CMP_SKIP;
		return;
	}
	if (d && o->ignore_existing && !(is_dir && S_ISDIR(d->mode))) {
		/* rsync still descends into a directory whose name is taken
		 * by a non-directory, and fails each entry inside. */
		out->action = is_dir ? CMP_BLOCKED : CMP_SKIP;
		return;
	}
	/* A destination of another type goes first; the item is then new. */
	if (d && (d->mode & S_IFMT) != st) {
		out->remove_dst = true;
		out->dst_is_dir = S_ISDIR(d->mode);
	}

	switch (st) {
	case S_IFDIR:
		if (!d || out->remove_dst) {
			out->action = CMP_MKDIR;
			out->iflags = IT_LOCAL_CHANGE | IT_IS_NEW;
		} else {
			out->action = CMP_DIR;
			out->iflags = attr_flags(o, in, 0);
		}
		return;
	case S_IFREG:
		decide_reg(o, in, out);
		return;
	case S_IFLNK:
		decide_symlink(o, in, out);
		return;
	default:
		decide_node(o, in, out);
		return;
	}
}

void cmp_itemize_string(const struct ts_options *o, uint32_t iflags,
    uint32_t mode, char *c)
{
	int i;

	if (iflags & IT_DELETED) {
		memcpy(c, "*deleting  ", 12);
		return;
	}
	c[0] = (iflags & IT_LOCAL_CHANGE)
	    ? ((iflags & IT_HARDLINK) ? 'h' : 'c')
	    : (iflags & IT_TRANSFER) ? '>' : '.';
	if (S_ISLNK(mode)) {
		c[1] = 'L';
		c[3] = '.';
	} else {
		c[1] = S_ISDIR(mode) ? 'd'
		    : (S_ISFIFO(mode) || S_ISSOCK(mode)) ? 'S'
		    : (S_ISCHR(mode) || S_ISBLK(mode)) ? 'D' : 'f';
		c[3] = (iflags & IT_REPORT_SIZE) ? 's' : '.';
	}
	c[4] = !(iflags & IT_REPORT_TIME) ? '.' : o->times ? 't' : 'T';
	c[2] = (iflags & IT_REPORT_CHANGE) ? 'c' : '.';
	c[5] = (iflags & IT_REPORT_PERMS) ? 'p' : '.';
	c[6] = (iflags & IT_REPORT_OWNER) ? 'o' : '.';
	c[7] = (iflags & IT_REPORT_GROUP) ? 'g' : '.';
	c[8] = (iflags & IT_REPORT_ATIME) ? 'u' : '.';
	c[9] = (iflags & IT_REPORT_ACL) ? 'a' : '.';
	c[10] = (iflags & IT_REPORT_XATTR) ? 'x' : '.';
	c[11] = '\0';

	if (iflags & IT_IS_NEW) {
		for (i = 2; c[i]; i++)
			c[i] = '+';
	} else if (c[0] == '.' || c[0] == 'h' || c[0] == 'c') {
		for (i = 2; c[i] == '.'; i++)
			;
		if (!c[i])
			for (i = 2; c[i]; i++)
				c[i] = ' ';
	}
}
