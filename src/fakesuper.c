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
	if (len) {
		ssize_t n = write(fd, target, len);

		/* A short write sets no errno: what is there is stale. */
		if (n != (ssize_t)len)
			r = n < 0 ? -errno : -EIO;
	}
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

/*
 * ACLs under --fake-super: rsync keeps them in user.rsync.%aacl (access)
 * and user.rsync.%dacl (default) as its own "rsync_acl": four
 * little-endian 32-bit values (user, group, mask, other; 0x80 for none)
 * and then an (id, access) pair per named entry, bit 31 of the access
 * set for a user.  An access ACL leaves out what the mode says (the
 * user and other entries, the group entry when it equals the mode's
 * group bits); its mask is kept.  Here they are converted from and to
 * the kernel's system.posix_acl_* value (version 2, then 8-byte
 * entries: u16 tag, u16 perm, u32 id), which is what the rest of the
 * code compares and sets.
 */
#define RACL_NONE 0x80u
#define RACL_USER (1u << 31)
enum {
	TAG_USER_OBJ = 0x01, TAG_USER = 0x02, TAG_GROUP_OBJ = 0x04,
	TAG_GROUP = 0x08, TAG_MASK = 0x10, TAG_OTHER = 0x20,
};

static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static void put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

static void put16(unsigned char *p, unsigned v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
}

int fakesuper_acl_pack(const void *value, size_t len, bool access,
    uint32_t mode, void **out, size_t *outlen)
{
	const unsigned char *v = value;
	uint32_t obj[4] = { RACL_NONE, RACL_NONE, RACL_NONE, RACL_NONE };
	uint32_t gbits = (mode >> 3) & 7;
	unsigned char *p;
	size_t i, n = 0, k = 0;

	if (len < 4 || get32(v) != 2 || (len - 4) % 8)
		return -EINVAL;
	for (i = 4; i < len; i += 8) {
		unsigned tag = v[i] | v[i + 1] << 8, perm = (v[i + 2] & 7);

		switch (tag) {
		case TAG_USER_OBJ: obj[0] = perm; break;
		case TAG_GROUP_OBJ: obj[1] = perm; break;
		case TAG_MASK: obj[2] = perm; break;
		case TAG_OTHER: obj[3] = perm; break;
		case TAG_USER: case TAG_GROUP: n++; break;
		default: return -EINVAL;
		}
	}
	if (access) {
		/* What the mode says is left out (rsync's strip). */
		obj[0] = obj[3] = RACL_NONE;
		if (obj[2] == RACL_NONE || obj[1] == gbits)
			obj[1] = RACL_NONE;
		if (!n && obj[1] == RACL_NONE && obj[2] == RACL_NONE)
			return 1;	/* nothing but the mode */
	} else if (n && obj[2] == RACL_NONE) {
		obj[2] = obj[1] & ~RACL_NONE;
	}
	p = xmalloc(16 + 8 * n);
	for (i = 0; i < 4; i++)
		put32(p + 4 * i, obj[i]);
	for (i = 4; i < len; i += 8) {
		unsigned tag = v[i] | v[i + 1] << 8, perm = (v[i + 2] & 7);

		if (tag != TAG_USER && tag != TAG_GROUP)
			continue;
		put32(p + 16 + 8 * k, get32(v + i + 4));
		put32(p + 20 + 8 * k, perm | (tag == TAG_USER ? RACL_USER : 0));
		k++;
	}
	*out = p;
	*outlen = 16 + 8 * n;
	return 0;
}

/* Appends one kernel ACL entry at *P. */
static void put_entry(unsigned char **p, unsigned tag, unsigned perm,
    uint32_t id)
{
	put16(*p, tag);
	put16(*p + 2, perm & 7);
	put32(*p + 4, id);
	*p += 8;
}

int fakesuper_acl_unpack(const void *value, size_t len, bool access,
    uint32_t mode, void **out, size_t *outlen)
{
	const unsigned char *v = value;
	uint32_t obj[4];
	unsigned char *buf, *p;
	size_t i, n;
	int pass;

	if (len < 16 || (len - 16) % 8)
		return -EINVAL;
	n = (len - 16) / 8;
	for (i = 0; i < 4; i++)
		obj[i] = get32(v + 4 * i);
	if (access) {
		if (obj[0] == RACL_NONE)
			obj[0] = (mode >> 6) & 7;
		if (obj[1] == RACL_NONE)
			obj[1] = (mode >> 3) & 7;
		if (obj[3] == RACL_NONE)
			obj[3] = mode & 7;
	}
	if (obj[0] == RACL_NONE || obj[1] == RACL_NONE || obj[3] == RACL_NONE)
		return -EINVAL;
	p = buf = xmalloc(4 + 8 * (n + 4));
	put32(p, 2);
	p += 4;
	/* The kernel's order: user, named users, group, named groups, mask,
	 * other (each list by id, as rsync keeps them). */
	put_entry(&p, TAG_USER_OBJ, obj[0], UINT32_MAX);
	for (pass = 0; pass < 2; pass++) {
		if (pass)
			put_entry(&p, TAG_GROUP_OBJ, obj[1], UINT32_MAX);
		for (i = 0; i < n; i++) {
			uint32_t a = get32(v + 20 + 8 * i);

			if (!!(a & RACL_USER) == !pass)
				put_entry(&p, pass ? TAG_GROUP : TAG_USER, a,
				    get32(v + 16 + 8 * i));
		}
	}
	if (obj[2] != RACL_NONE)
		put_entry(&p, TAG_MASK, obj[2], UINT32_MAX);
	put_entry(&p, TAG_OTHER, obj[3], UINT32_MAX);
	*out = buf;
	*outlen = (size_t)(p - buf);
	return 0;
}
