/*
 * meta.c -- owner, mode and times of destination entries.
 *
 * Owns the order of metadata operations (owner, mode, times) and rsync's
 * rules for what a new or updated entry gets.  Works on an fd or on a name
 * relative to a held directory fd with AT_SYMLINK_NOFOLLOW: a symlink
 * planted in the destination can never redirect a chmod or chown.
 */
#define _GNU_SOURCE
#include "meta.h"

#include "fakesuper.h"
#include "sys.h"
#include "walk.h"
#include "xattr.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <treesync/treesync.h>

/* The process's groups, read once (a process-wide capability cache):
 * asked per file by meta_plan(), so no getegid() call per file either. */
static pthread_once_t groups_once = PTHREAD_ONCE_INIT;
static gid_t my_egid;
static gid_t *my_groups;
static int n_groups;

static void read_groups(void)
{
	int n = getgroups(0, NULL);
	gid_t *g = n > 0 ? calloc((size_t)n, sizeof(*g)) : NULL;

	my_egid = getegid();
	if (g && (n = getgroups(n, g)) > 0) {
		my_groups = g;
		n_groups = n;
	} else {
		free(g);
	}
}

bool meta_may_set_group(gid_t gid, bool am_root)
{
	int i;

	if (am_root)
		return true;
	pthread_once(&groups_once, read_groups);
	if (gid == my_egid)
		return true;
	for (i = 0; i < n_groups; i++)
		if (my_groups[i] == gid)
			return true;
	return false;
}

bool meta_am_root(const struct ts_options *o)
{
	switch (o->super) {
	case TS_SUPER_ON:
	case TS_SUPER_FAKE:
		return true;
	case TS_SUPER_OFF:
		return false;
	default:
		return geteuid() == 0;
	}
}

bool meta_make_writable(int fd, mode_t *before, bool am_root)
{
	struct stat st;
	uid_t me = geteuid();

	if (am_root || fstat(fd, &st) < 0 || (st.st_mode & S_IWUSR) ||
	    st.st_uid != me)
		return false;
	if (sys.fchmod(fd, (st.st_mode & 07777) | S_IWUSR) < 0)
		return false;
	*before = st.st_mode & 07777;
	return true;
}

/* rsync's -E for an existing file kept without -p: the source not
 * executable takes every x bit away; an executable source gives x to
 * whoever may read a file that has none. */
static mode_t exec_mode(const struct ts_options *o, uint32_t smode,
    mode_t have)
{
	if (!o->executability || !S_ISREG(smode))
		return have;
	if (!(smode & 0111))
		return have & ~0111u;
	if (!(have & 0111))
		return have | (have & 0444) >> 2;
	return have;
}

unsigned meta_xa_which(const struct ts_options *o, bool source)
{
	unsigned w = (o->xattrs ? XA_PLAIN : 0) | (o->acls ? XA_ACL : 0);

	if (!w)
		return 0;
	if (source)
		return w | XA_SENDER | (o->fake_super_src ? XA_FAKE : 0);
	return w | (o->super == TS_SUPER_FAKE ? XA_FAKE : 0);
}

void meta_plan(const struct ts_options *o, bool am_root,
    const struct filter_layer *xa_names, const struct ts_entry *src,
    const struct ts_entry *dst, mode_t dflt, struct meta_target *out)
{
	bool same_type = dst && (dst->mode & S_IFMT) == (src->mode & S_IFMT);

	out->set_owner = o->owner && am_root;
	out->uid = src->uid;
	out->set_group = o->group && meta_may_set_group(src->gid, am_root);
	out->gid = src->gid;

	out->set_mode = true;
	if (o->perms)
		out->mode = src->mode & 07777;
	else if (same_type)
		out->mode = exec_mode(o, src->mode, dst->mode & 07777);
	else
		out->mode = src->mode & 0777 & dflt;

	out->xa_which = meta_xa_which(o, false);
	out->xa_src = meta_xa_which(o, true);
	out->am_root = am_root;
	out->xa_names = xa_names;
	out->fake = o->super == TS_SUPER_FAKE;
	out->ftype = src->mode & S_IFMT;
	out->rdev = src->rdev;
	out->xattrs = NULL;
	out->set_times = o->times &&
	    !(S_ISDIR(src->mode) && o->omit_dir_times) &&
	    !(S_ISLNK(src->mode) && o->omit_link_times);
	out->mtime.tv_sec = src->mtime_sec;
	out->mtime.tv_nsec = src->mtime_nsec;
	/* rsync sets whole seconds, and no directory's. */
	out->set_atime = o->atimes && !S_ISDIR(src->mode) &&
	    !(S_ISLNK(src->mode) && o->omit_link_times);
	out->atime.tv_sec = src->atime_sec;
	out->atime.tv_nsec = 0;
}

/* The times utimensat() gets for M: atime (-U) and mtime (-t), each
 * left alone (UTIME_OMIT) when not kept. */
static void meta_times(const struct meta_target *m, struct timespec t[2])
{
	t[0] = m->set_atime ? m->atime :
	    (struct timespec){ 0, UTIME_OMIT };
	t[1] = m->set_times ? m->mtime : (struct timespec){ 0, UTIME_OMIT };
}

/*
 * The last steps, after owner and mode (an ACL's mask is the group bits
 * of the mode): xattrs and ACLs, then times.  Through FD when it is not
 * -1, else on NAME below DIRFD (never following a symlink).  0 or
 * -errno with *WHAT.
 */
static int apply_xattrs_times(int dirfd, const char *name, int fd,
    const struct meta_target *m, const char **what)
{
	if (m->xa_which && m->xattrs) {
		int r = xattr_apply(dirfd, name, fd, m->xa_which, m->am_root,
		    m->xa_names, m->xattrs, what);

		if (r < 0)
			return r;
	}
	if (m->set_times || m->set_atime) {
		struct timespec t[2];

		meta_times(m, t);
		if ((fd >= 0 ? sys.futimens(fd, t) :
		    sys.utimensat(dirfd, name, t, AT_SYMLINK_NOFOLLOW)) < 0) {
			*what = "cannot set times of";
			return -errno;
		}
	}
	return 0;
}

int meta_apply_fd(int fd, const struct meta_target *m, const char **what)
{
	return meta_apply_fd_st(fd, m, NULL, what);
}

int meta_apply_fd_st(int fd, const struct meta_target *m,
    const struct stat *have, const char **what)
{
	bool owner_ok = have && (!m->set_owner || have->st_uid == m->uid) &&
	    (!m->set_group || have->st_gid == m->gid);
	bool mode_ok = have && (have->st_mode & 07777) == m->mode;

	if (m->fake) {
		int r = fakesuper_apply(-1, "", fd, m, what);

		if (r < 0)
			return r;
	} else if ((m->set_owner || m->set_group) && !owner_ok) {
		if (sys.fchown(fd, m->set_owner ? m->uid : (uid_t)-1,
		    m->set_group ? m->gid : (gid_t)-1) < 0) {
			*what = "cannot change owner of";
			return -errno;
		}
	}
	/* chown may have cleared set-id bits: then the mode is redone. */
	if (!m->fake && m->set_mode && (!mode_ok || !owner_ok) &&
	    sys.fchmod(fd, m->mode) < 0) {
		*what = "cannot change mode of";
		return -errno;
	}
	return apply_xattrs_times(-1, "", fd, m, what);
}

int meta_apply_at(int dirfd, const char *name, bool is_symlink,
    const struct meta_target *m, const char **what)
{
	if (m->fake) {
		int r = fakesuper_apply(dirfd, name, -1, m, what);

		if (r < 0)
			return r;
	} else if (m->set_owner || m->set_group) {
		if (sys.fchownat(dirfd, name, m->set_owner ? m->uid : (uid_t)-1,
		    m->set_group ? m->gid : (gid_t)-1,
		    AT_SYMLINK_NOFOLLOW) < 0) {
			*what = "cannot change owner of";
			return -errno;
		}
	}
	if (m->set_mode && !is_symlink && !m->fake &&
	    sys.fchmodat(dirfd, name, m->mode, AT_SYMLINK_NOFOLLOW) < 0) {
		*what = "cannot change mode of";
		return -errno;
	}
	return apply_xattrs_times(dirfd, name, -1, m, what);
}
