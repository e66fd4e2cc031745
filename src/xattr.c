/*
 * xattr.c -- extended attributes (-X) and POSIX ACLs (-A).
 *
 * ACLs travel as their raw system.posix_acl_access/_default values, which
 * is exact for a local copy (the ids inside are the same machine's).  Every
 * access is fd-based or uses the *xattrat() syscalls (Linux 6.13) with
 * AT_SYMLINK_NOFOLLOW relative to a held directory fd; on older kernels an
 * O_PATH|O_NOFOLLOW fd reached through /proc/self/fd stands in, so a
 * symlink in the tree is never followed and no path is resolved from "/".
 *
 * libarchive's read-disk helpers were considered: they read by path for
 * symlinks and write only by path, which the destination's dirfd rule
 * forbids, so the few syscalls are made here directly.
 */
#define _GNU_SOURCE
#include "xattr.h"

#include "fakesuper.h"
#include "filter.h"
#include "sys.h"
#include "util.h"
#include "walk.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

/* The reads; the writes go through the seam (sys.h). */
#define HAVE_XATTRAT SYS_HAVE_XATTRAT
#if HAVE_XATTRAT
#define NR_getxattrat SYS_NR_getxattrat
#define NR_listxattrat SYS_NR_listxattrat
#endif

struct xattr_args_k {
	uint64_t value;
	uint32_t size;
	uint32_t flags;
};

static int xattrat_missing;	/* ENOSYS seen: use the O_PATH fallback */

#define ACL_ACCESS "system.posix_acl_access"

/*
 * rsync's xattr-name rules: a plain rule applies on both sides, an 's'
 * rule only to what the sender reads, an 'r' rule only on the receiver
 * -- to what it keeps of the names received and to its own names, which
 * it then neither compares nor removes.  The source side (XA_SENDER)
 * reads what would arrive, so both sides' rules apply there.
 */
static bool name_excluded(const struct filter_layer *names, const char *n,
    unsigned which)
{
	if (filter_excluded(names, n, FILTER_XATTR | FILTER_RECEIVER))
		return true;
	return (which & XA_SENDER) && filter_excluded(names, n, FILTER_XATTR);
}
#define ACL_DEFAULT "system.posix_acl_default"

/*
 * The name N of a listed attribute as the transfer knows it, or NULL when
 * WHICH does not take it: system.* only as -A's two ACLs; user.* always;
 * trusted.* and security.* when the receiving side acts as root (AM_ROOT,
 * --fake-super included), as rsync.  rsync's own user.rsync.%* names are
 * never sent; on a --fake-super side user.rsync.NAME is NAME and its
 * %stat, %aacl and %dacl are not attributes at all.  With xattr-name
 * rules (NAMES), a name they exclude is not taken, and the rules replace
 * the namespace screening: system.* and (as root or not) any namespace
 * are taken unless excluded, as rsync does once it saw an 'x' rule.
 */
static const char *logical(const char *n, unsigned which, bool am_root,
    const struct filter_layer *names)
{
	size_t rp = sizeof(XA_RSYNC_PREFIX) - 1;

	/* --fake-super -A: rsync's %aacl/%dacl are the ACLs, and real ones
	 * are not looked at (rsync's fake side never reads them). */
	if ((which & XA_FAKE) && (which & XA_ACL)) {
		if (strcmp(n, XA_RSYNC_PREFIX "%aacl") == 0)
			return ACL_ACCESS;
		if (strcmp(n, XA_RSYNC_PREFIX "%dacl") == 0)
			return ACL_DEFAULT;
	}
	if ((which & XA_FAKE) && strncmp(n, "system.posix_acl_", 17) == 0)
		return NULL;
	if (names && name_excluded(names, n, which))
		return NULL;
	if (strncmp(n, "system.posix_acl_", 17) == 0 &&
	    (!names || (which & XA_ACL)))
		return (which & XA_ACL) &&
		    (strcmp(n + 17, "access") == 0 ||
		    strcmp(n + 17, "default") == 0) ? n : NULL;
	if (!(which & XA_PLAIN) || (!names && strncmp(n, "system.", 7) == 0))
		return NULL;
	if (strncmp(n, XA_RSYNC_PREFIX, rp) == 0) {
		if (n[rp] == '%')
			return which & (XA_SENDER | XA_FAKE) ? NULL : n;
		if (which & XA_FAKE)
			return n + rp;
	}
	if (strncmp(n, "user.", 5) == 0)
		return n;
	return am_root || names ? n : NULL;
}

/* The name the attribute called N is stored under on a WHICH side
 * (malloc'ed): --fake-super keeps other namespaces inside user.rsync.,
 * and ACLs as rsync's %aacl and %dacl. */
static char *physical(const char *n, unsigned which)
{
	size_t len;
	char *p;

	if ((which & XA_FAKE) && strcmp(n, ACL_ACCESS) == 0)
		return xstrdup(XA_RSYNC_PREFIX "%aacl");
	if ((which & XA_FAKE) && strcmp(n, ACL_DEFAULT) == 0)
		return xstrdup(XA_RSYNC_PREFIX "%dacl");
	if (!(which & XA_FAKE) || strncmp(n, "user.", 5) == 0 ||
	    strncmp(n, "system.", 7) == 0)
		return xstrdup(n);
	len = strlen(n);
	p = xmalloc(sizeof(XA_RSYNC_PREFIX) + len);
	memcpy(p, XA_RSYNC_PREFIX, sizeof(XA_RSYNC_PREFIX) - 1);
	memcpy(p + sizeof(XA_RSYNC_PREFIX) - 1, n, len + 1);
	return p;
}

/* A target: an open fd, or a name below a directory fd. */
struct target {
	int dirfd;
	const char *name;
	int fd;
	int pathfd;		/* fallback O_PATH fd, or -1 */
	char proc[40];		/* "/proc/self/fd/N" for the fallback */
};

static int target_open(struct target *t, int dirfd, const char *name, int fd)
{
	t->dirfd = dirfd;
	t->name = name;
	t->fd = fd;
	t->pathfd = -1;
	if (fd >= 0 || (HAVE_XATTRAT && !xattrat_missing))
		return 0;
	/* Opens on both sides (reading a source, applying to a destination
	 * entry): through the seam. */
	t->pathfd = sys.openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC,
	    0);
	if (t->pathfd < 0)
		return -errno;
	snprintf(t->proc, sizeof(t->proc), "/proc/self/fd/%d", t->pathfd);
	return 0;
}

static void target_close(struct target *t)
{
	if (t->pathfd >= 0)
		close(t->pathfd);
}

static ssize_t t_list(struct target *t, char *buf, size_t size)
{
	if (t->fd >= 0)
		return flistxattr(t->fd, buf, size);
#if HAVE_XATTRAT
	if (t->pathfd < 0) {
		long r = syscall(NR_listxattrat, t->dirfd, t->name,
		    AT_SYMLINK_NOFOLLOW, buf, size);

		if (r >= 0 || errno != ENOSYS)
			return r;
		xattrat_missing = 1;
		if (target_open(t, t->dirfd, t->name, -1) < 0)
			return -1;
	}
#endif
	return listxattr(t->proc, buf, size);
}

static ssize_t t_get(struct target *t, const char *n, void *buf, size_t size)
{
	if (t->fd >= 0)
		return fgetxattr(t->fd, n, buf, size);
#if HAVE_XATTRAT
	if (t->pathfd < 0) {
		struct xattr_args_k a = { (uint64_t)(uintptr_t)buf,
			(uint32_t)size, 0 };

		return syscall(NR_getxattrat, t->dirfd, t->name,
		    AT_SYMLINK_NOFOLLOW, n, &a, sizeof(a));
	}
#endif
	return getxattr(t->proc, n, buf, size);
}

static int t_set(struct target *t, const char *n, const void *v, size_t len)
{
	if (t->fd >= 0)
		return sys.fsetxattr(t->fd, n, v, len, 0);
	if (t->pathfd < 0)
		return sys.setxattrat(t->dirfd, t->name, AT_SYMLINK_NOFOLLOW,
		    n, v, len, 0);
	return sys.setxattr(t->proc, n, v, len, 0);
}

static int t_remove(struct target *t, const char *n)
{
	if (t->fd >= 0)
		return sys.fremovexattr(t->fd, n);
	if (t->pathfd < 0)
		return sys.removexattrat(t->dirfd, t->name,
		    AT_SYMLINK_NOFOLLOW, n);
	return sys.removexattr(t->proc, n);
}

/* The mode that decides a --fake-super ACL's packing: the entry's own,
 * or what its user.rsync.%stat says. */
static uint32_t fake_mode(struct target *t)
{
	struct ts_entry e = { 0 };
	struct stat st;

	if ((t->fd >= 0 ? fstat(t->fd, &st) :
	    fstatat(t->dirfd, t->name, &st, AT_SYMLINK_NOFOLLOW)) < 0)
		return 0;
	e.mode = st.st_mode;
	(void)fakesuper_read(t->dirfd, t->name, t->fd, &e);
	return e.mode;
}

/* V (*LEN bytes, freed) of rsync's %aacl/%dacl as the kernel's value of
 * the ACL LN (TO_RSYNC: the other way); NULL when it cannot be read. */
static char *fake_acl(struct target *t, const char *ln, char *v, size_t *len,
    bool to_rsync)
{
	bool access = strcmp(ln, ACL_ACCESS) == 0;
	void *out = NULL;
	size_t olen = 0;
	int r = to_rsync ?
	    fakesuper_acl_pack(v, *len, access, fake_mode(t), &out, &olen) :
	    fakesuper_acl_unpack(v, *len, access, fake_mode(t), &out, &olen);

	free(v);
	if (r != 0)
		return NULL;
	*len = olen;
	return out;
}

/* Sets PN (the physical name of LN) to V; a --fake-super ACL packed the
 * rsync way first (one that says no more than the mode: removed). */
static int set_value(struct target *t, unsigned which, const char *pn,
    const char *ln, const char *v, size_t len)
{
	char *packed;
	int r = 0;

	if (!(which & XA_FAKE) || strcmp(pn, ln) == 0 ||
	    strncmp(ln, "system.", 7) != 0)
		return t_set(t, pn, v, len) < 0 ? -errno : 0;
	packed = xmalloc(len ? len : 1);
	memcpy(packed, v, len);
	packed = fake_acl(t, ln, packed, &len, true);
	if (!packed)
		return t_remove(t, pn) < 0 && errno != ENODATA ? -errno : 0;
	if (t_set(t, pn, packed, len) < 0)
		r = -errno;
	free(packed);
	return r;
}

void xattr_set_free(struct xattr_set *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->n; i++) {
		free(s->names[i]);
		free(s->values[i]);
	}
	free(s->names);
	free(s->values);
	free(s->lens);
	memset(s, 0, sizeof(*s));
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Reads the value of N (sized on the way: it may change under us). */
static char *get_value(struct target *t, const char *n, size_t *len)
{
	ssize_t size = t_get(t, n, NULL, 0);

	for (int tries = 0; size >= 0 && tries < 4; tries++) {
		char *v = xmalloc((size_t)size + 1);
		ssize_t got = t_get(t, n, v, (size_t)size);

		if (got >= 0) {
			*len = (size_t)got;
			return v;
		}
		free(v);
		if (errno != ERANGE)
			return NULL;
		size = t_get(t, n, NULL, 0);
	}
	return NULL;
}

int xattr_read(int dirfd, const char *name, int fd, unsigned which,
    bool am_root, const struct filter_layer *names, struct xattr_set *out)
{
	struct target t;
	ssize_t size;
	char *list = NULL, *p;
	size_t i, n = 0;
	int r;

	memset(out, 0, sizeof(*out));
	r = target_open(&t, dirfd, name, fd);
	if (r < 0)
		return r;
	for (;;) {
		size = t_list(&t, NULL, 0);
		if (size <= 0)
			break;
		list = xrealloc(list, (size_t)size);
		size = t_list(&t, list, (size_t)size);
		if (size >= 0 || errno != ERANGE)
			break;
	}
	if (size < 0) {
		r = (errno == ENOTSUP || errno == ENODATA) ? 0 : -errno;
		goto out;
	}
	for (p = list; p && p < list + size; p += strlen(p) + 1)
		if (logical(p, which, am_root, names))
			n++;
	out->names = xcalloc(n ? n : 1, sizeof(char *));
	out->values = xcalloc(n ? n : 1, sizeof(char *));
	out->lens = xcalloc(n ? n : 1, sizeof(size_t));
	for (p = list; p && p < list + size; p += strlen(p) + 1) {
		size_t len = 0;
		const char *ln = logical(p, which, am_root, names);
		char *v;

		if (!ln)
			continue;
		v = get_value(&t, p, &len);
		if (!v)
			continue;	/* removed meanwhile */
		if ((strcmp(p, XA_RSYNC_PREFIX "%aacl") == 0 ||
		    strcmp(p, XA_RSYNC_PREFIX "%dacl") == 0) &&
		    (v = fake_acl(&t, ln, v, &len, false)) == NULL)
			continue;	/* unreadable: as rsync, no ACL */
		out->names[out->n] = xstrdup(ln);
		out->values[out->n] = v;
		out->lens[out->n] = len;
		out->n++;
	}
	/* Sort names, carrying values and lengths along. */
	for (i = 1; i < out->n; i++) {
		size_t j = i;

		while (j > 0 && cmp_str(&out->names[j - 1], &out->names[j]) > 0) {
			char *tn = out->names[j], *tv = out->values[j];
			size_t tl = out->lens[j];

			out->names[j] = out->names[j - 1];
			out->values[j] = out->values[j - 1];
			out->lens[j] = out->lens[j - 1];
			out->names[j - 1] = tn;
			out->values[j - 1] = tv;
			out->lens[j - 1] = tl;
			j--;
		}
	}
out:
	free(list);
	target_close(&t);
	return r;
}

bool xattr_equal(const struct xattr_set *a, const struct xattr_set *b)
{
	size_t i;

	if (a->n != b->n)
		return false;
	for (i = 0; i < a->n; i++)
		if (strcmp(a->names[i], b->names[i]) != 0 ||
		    a->lens[i] != b->lens[i] ||
		    memcmp(a->values[i], b->values[i], a->lens[i]) != 0)
			return false;
	return true;
}

static const struct xattr_set *find(const struct xattr_set *s, const char *n,
    size_t *idx)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (strcmp(s->names[i], n) == 0) {
			*idx = i;
			return s;
		}
	return NULL;
}

int xattr_apply(int dirfd, const char *name, int fd, unsigned which,
    bool am_root, const struct filter_layer *names,
    const struct xattr_set *want, const char **what)
{
	struct xattr_set have;
	struct target t;
	size_t i, k;
	int r;

	r = xattr_read(dirfd, name, fd, which, am_root, names, &have);
	if (r < 0) {
		*what = "cannot read extended attributes of";
		return r;
	}
	r = target_open(&t, dirfd, name, fd);
	if (r < 0) {
		xattr_set_free(&have);
		*what = "cannot open for extended attributes";
		return r;
	}
	for (i = 0; i < have.n && r == 0; i++) {
		char *pn;

		if (find(want, have.names[i], &k))
			continue;
		pn = physical(have.names[i], which);
		if (t_remove(&t, pn) < 0 && errno != ENODATA) {
			r = -errno;
			*what = "cannot remove extended attribute of";
		}
		free(pn);
	}
	for (i = 0; i < want->n && r == 0; i++) {
		char *pn;

		if (find(&have, want->names[i], &k) &&
		    have.lens[k] == want->lens[i] &&
		    memcmp(have.values[k], want->values[i], want->lens[i]) == 0)
			continue;
		pn = physical(want->names[i], which);
		r = set_value(&t, which, pn, want->names[i], want->values[i],
		    want->lens[i]);
		if (r < 0)
			*what = "cannot set extended attribute of";
		free(pn);
	}
	target_close(&t);
	xattr_set_free(&have);
	return r;
}

ssize_t xattr_get1(int dirfd, const char *name, int fd, const char *xname,
    void *buf, size_t size)
{
	struct target t;
	ssize_t n;
	int r = target_open(&t, dirfd, name, fd < 0 && !*name ? dirfd : fd);

	if (r < 0)
		return r;
	n = t_get(&t, xname, buf, size);
	if (n < 0)
		n = -errno;
	target_close(&t);
	return n;
}

int xattr_set1(int dirfd, const char *name, int fd, const char *xname,
    const void *value, size_t len)
{
	struct target t;
	int r = target_open(&t, dirfd, name, fd < 0 && !*name ? dirfd : fd);

	if (r < 0)
		return r;
	if (t_set(&t, xname, value, len) < 0)
		r = -errno;
	target_close(&t);
	return r;
}

int xattr_remove1(int dirfd, const char *name, int fd, const char *xname)
{
	struct target t;
	int r = target_open(&t, dirfd, name, fd < 0 && !*name ? dirfd : fd);

	if (r < 0)
		return r;
	if (t_remove(&t, xname) < 0)
		r = -errno;
	target_close(&t);
	return r;
}

/*
 * The Linux ABI of system.posix_acl_* values: a 4-byte version (2), then
 * 8-byte entries { u16 tag, u16 perm, u32 id }, little-endian.
 */
#define ACL_EA_VERSION 2
#define ACL_TAG_USER_OBJ 0x01
#define ACL_TAG_GROUP_OBJ 0x04
#define ACL_TAG_MASK 0x10
#define ACL_TAG_OTHER 0x20

static unsigned le16(const unsigned char *p)
{
	return (unsigned)p[0] | (unsigned)p[1] << 8;
}

mode_t xattr_default_perms(int dirfd, mode_t umask)
{
	mode_t perms = 0777 & ~umask;
	unsigned char small[512], *buf = small;
	ssize_t n = fgetxattr(dirfd, "system.posix_acl_default", small,
	    sizeof(small));
	int group = -1, mask = -1;
	ssize_t i;

	if (n < 0 && errno == ERANGE) {
		n = fgetxattr(dirfd, "system.posix_acl_default", NULL, 0);
		if (n > 0) {
			buf = xmalloc((size_t)n);
			n = fgetxattr(dirfd, "system.posix_acl_default", buf,
			    (size_t)n);
		}
	}
	if (n < 12 || le16(buf) != ACL_EA_VERSION)
		goto out;	/* none: the umask decides */
	/* POSIX: with a default ACL the umask is not used; each class gets
	 * the ACL's entry, the group class its mask when there is one. */
	for (i = 4; i + 8 <= n; i += 8) {
		unsigned tag = le16(buf + i), perm = le16(buf + i + 2) & 7;

		switch (tag) {
		case ACL_TAG_USER_OBJ:
			perms = (perms & ~0700u) | perm << 6;
			break;
		case ACL_TAG_GROUP_OBJ:
			group = (int)perm;
			break;
		case ACL_TAG_MASK:
			mask = (int)perm;
			break;
		case ACL_TAG_OTHER:
			perms = (perms & ~0007u) | perm;
			break;
		}
	}
	if (mask >= 0 || group >= 0)
		perms = (perms & ~0070u) | (unsigned)(mask >= 0 ? mask : group)
		    << 3;
out:
	if (buf != small)
		free(buf);
	return perms;
}
