/*
 * xattr.h -- extended attributes and POSIX ACLs (as their system.* xattrs)
 * of destination and source entries, read and written relative to a held
 * directory fd without following symlinks (or through an open fd).
 */
#ifndef TS_XATTR_H
#define TS_XATTR_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct filter_layer;

/* Which attributes a set holds / an operation touches. */
enum xattr_which {
	XA_PLAIN = 1 << 0,	/* -X: user.* (and trusted.*, security.* as root) */
	XA_ACL = 1 << 1,	/* -A: system.posix_acl_access, _default */
	XA_SENDER = 1 << 2,	/* the sending side: rsync's own user.rsync.%*
				 * names are never sent (no -XX) */
	XA_FAKE = 1 << 3,	/* --fake-super on this side: another
				 * namespace's NAME is stored as
				 * user.rsync.NAME, and %stat, %aacl, %dacl
				 * are metadata, not attributes */
};

/* rsync's prefix for what --fake-super stores in the user namespace. */
#define XA_RSYNC_PREFIX "user.rsync."
#define XA_STAT_NAME XA_RSYNC_PREFIX "%stat"


/* One entry's attributes, sorted by name. */
struct xattr_set {
	size_t n;
	char **names;
	char **values;
	size_t *lens;
};

/*
 * Reads the attributes WHICH of NAME below DIRFD (or of FD when FD >= 0;
 * NAME is then only for messages) into *OUT.  AM_ROOT widens XA_PLAIN to
 * trusted.* and security.*.  NAMES: rsync's xattr-name rules (the 'x'
 * modifier), or NULL: with them, a name they exclude is not read (on
 * the source side, WHICH with XA_SENDER, by the sender's rules and the
 * receiver's, which would drop it on arrival; on the destination side by
 * the receiver's, so that xattr_apply() neither compares nor removes it),
 * and they replace the namespace screening (system.*, or all but user.*
 * for a non-root receiver), as in rsync.  Returns 0 or -errno (ENOTSUP:
 * the file system has none, which reads as an empty set).  Thread-safe.
 */
int xattr_read(int dirfd, const char *name, int fd, unsigned which,
    bool am_root, const struct filter_layer *names, struct xattr_set *out);

/* True when A and B hold the same names and values. */
bool xattr_equal(const struct xattr_set *a, const struct xattr_set *b);

/*
 * Makes the attributes WHICH of the target (FD, or NAME below DIRFD)
 * exactly WANT: sets what differs, removes what WANT lacks (but a name
 * NAMES excludes on the receiving side: xattr_read()).  Returns 0 or
 * -errno, with *WHAT naming the failed operation.  Thread-safe.
 */
int xattr_apply(int dirfd, const char *name, int fd, unsigned which,
    bool am_root, const struct filter_layer *names,
    const struct xattr_set *want, const char **what);

void xattr_set_free(struct xattr_set *s);

/*
 * One attribute XNAME of the target (FD, or NAME below DIRFD, never
 * followed; "" is DIRFD itself): xattr_get1() reads up to SIZE bytes into BUF (the length,
 * or -errno; ENODATA: none), xattr_set1() sets it, xattr_remove1()
 * removes it (0 or -errno).  Thread-safe.
 */
ssize_t xattr_get1(int dirfd, const char *name, int fd, const char *xname,
    void *buf, size_t size);
int xattr_set1(int dirfd, const char *name, int fd, const char *xname,
    const void *value, size_t len);
int xattr_remove1(int dirfd, const char *name, int fd, const char *xname);

/*
 * The permission bits a new entry made in the directory DIRFD may have
 * without -p (rsync's "default permissions"): those of the directory's
 * default ACL when it has one (POSIX: the umask is then not used), else
 * 0777 & ~UMASK.  Thread-safe.
 */
mode_t xattr_default_perms(int dirfd, mode_t umask);

#endif /* TS_XATTR_H */
