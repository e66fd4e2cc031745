/*
 * fakesuper.c -- --fake-super: privileged metadata in user.rsync.%stat.
 *
 * rsync's --fake-super lets a plain user keep what only root can set: a
 * regular file or directory carries the xattr user.rsync.%stat, the text
 * "MODE MAJOR,MINOR UID:GID" (MODE in octal, type bits included), and a
 * device, FIFO, socket or symlink is an inert regular file (a symlink's
 * holding its target) with that xattr.  The receiving side writes it; a
 * side that reads with --fake-super takes the xattr's values for the
 * real ones.  The format is rsync's byte for byte, so each reads the
 * other's.
 *
 * Owns the xattr's format and when it is written or removed.  Must not
 * follow a symlink: every access is through an fd or below a held
 * directory fd (xattr.c's *1() calls).
 */
#define _GNU_SOURCE
#include "fakesuper.h"

#include "meta.h"
#include "sys.h"
#include "util.h"
#include "walk.h"
#include "xattr.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

int fakesuper_read(int dirfd, const char *name, int fd, struct ts_entry *e)
{
	char buf[256];
	unsigned mode, maj, min, uid, gid;
	ssize_t n;

	if (!S_ISREG(e->mode) && !S_ISDIR(e->mode))
		return 0;
	n = xattr_get1(dirfd, name, fd, XA_STAT_NAME, buf, sizeof(buf) - 1);
	if (n == -ENODATA || n == -ENOTSUP)
		return 0;
	if (n < 0)
		return (int)n;
	buf[n] = '\0';
	if (sscanf(buf, "%o %u,%u %u:%u", &mode, &maj, &min, &uid, &gid) != 5)
		return -EINVAL;
	e->mode = mode;
	e->rdev = makedev(maj, min);
	e->uid = uid;
	e->gid = gid;
	return 1;
}

/* rsync's text for the wanted metadata: "MODE MAJOR,MINOR UID:GID". */
static int format_stat(char *buf, size_t size, uint32_t fmode, uint64_t rdev,
    uid_t uid, gid_t gid)
{
	return snprintf(buf, size, "%o %u,%u %u:%u", (unsigned)fmode,
	    major(rdev), minor(rdev), (unsigned)uid, (unsigned)gid);
}

static int stat_target(int dirfd, const char *name, int fd, struct stat *st)
{
	if (fd >= 0)
		return fstat(fd, st) < 0 ? -errno : 0;
	return fstatat(dirfd, name, st, AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
}

int fakesuper_apply(int dirfd, const char *name, int fd,
    const struct meta_target *m, const char **what)
{
	uint32_t fmode = m->ftype | (m->mode & 07777);
	uint64_t rdev = S_ISCHR(fmode) || S_ISBLK(fmode) ? m->rdev : 0;
	char have[256], want[96];
	struct stat st;
	uint32_t real;
	uid_t uid;
	gid_t gid;
	ssize_t n;
	int r, len;

	r = stat_target(dirfd, name, fd, &st);
	if (r < 0) {
		*what = "cannot stat";
		return r;
	}
	if (S_ISLNK(st.st_mode))
		return 0;	/* a symlink takes no user.* xattr */
	uid = m->set_owner ? m->uid : st.st_uid;
	gid = m->set_group ? m->gid : st.st_gid;
	/* The owner must be able to use what it keeps: u+rw (u+rwx for a
	 * directory), and no set-id or sticky bit on the real inode. */
	real = (st.st_mode & S_IFMT) | (fmode & 0777) |
	    (S_ISDIR(st.st_mode) ? 0700 : 0600);
	if ((st.st_mode & (S_IFMT | 07777)) != real &&
	    (fd >= 0 ? sys.fchmod(fd, real & 07777) :
	    sys.fchmodat(dirfd, name, real & 07777, AT_SYMLINK_NOFOLLOW)) < 0) {
		*what = "cannot change mode of";
		return -errno;
	}
	n = xattr_get1(dirfd, name, fd, XA_STAT_NAME, have, sizeof(have));
	if (real == fmode && st.st_uid == uid && st.st_gid == gid) {
		/* The inode says it all: no xattr. */
		if (n >= 0 && (r = xattr_remove1(dirfd, name, fd,
		    XA_STAT_NAME)) < 0 && r != -ENODATA) {
			*what = "cannot remove extended attribute of";
			return r;
		}
		return 0;
	}
	len = format_stat(want, sizeof(want), fmode, rdev, uid, gid);
	if (n == len && memcmp(have, want, (size_t)len) == 0)
		return 0;
	r = xattr_set1(dirfd, name, fd, XA_STAT_NAME, want, (size_t)len);
	if (r < 0)
		*what = "cannot set extended attribute of";
	return r;
}

int fakesuper_make_node(int dirfd, const char *tmp, uint32_t mode,
    const char *target)
{
	int fd = sys.openat(dirfd, tmp,
	    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	size_t len = S_ISLNK(mode) && target ? strlen(target) : 0;
	int r = 0;

	if (fd < 0)
		return -errno;
	if (len && write(fd, target, len) != (ssize_t)len)
		r = errno ? -errno : -EIO;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	return r;
}

char *fakesuper_read_link(int dirfd, const char *name)
{
	int fd = openat(dirfd, name,
	    O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	char *buf;
	ssize_t n;
	int e;

	if (fd < 0)
		return NULL;
	buf = xmalloc(PATH_MAX + 1);
	n = read(fd, buf, PATH_MAX);
	e = errno;
	close(fd);
	if (n < 0) {
		free(buf);
		errno = e;
		return NULL;
	}
	buf[n] = '\0';
	return buf;
}
