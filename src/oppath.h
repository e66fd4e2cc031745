/*
 * oppath.h -- opening operator-supplied paths: a symlink on the way is
 * followed only when root or the effective uid owns it (rsync 3.5's rule;
 * see oppath.c).
 */
#ifndef TS_OPPATH_H
#define TS_OPPATH_H

#include <errno.h>
#include <stdbool.h>
#include <sys/types.h>

enum oppath_opts {
	OPPATH_INSECURE = 1 << 0,	/* --insecure-links: follow them all */
};

/*
 * Opens PATH relative to DIRFD (AT_FDCWD, or a directory; "/" when PATH is
 * absolute) with FLAGS and MODE for its last component, resolving one
 * component at a time.  A symlink owned by another user is not followed:
 * -ELOOP, and *BAD_UID (may be NULL) receives its owner.  Returns an fd or
 * -errno.  Thread-safe.
 */
int oppath_open(int dirfd, const char *path, int flags, mode_t mode,
    unsigned opts, uid_t *bad_uid);

/* What a reader returns for a name that is not a regular file (a FIFO
 * would block). */
#define OPPATH_NOT_REGULAR (-EBADFD)

/*
 * Reads the whole of PATH (relative to DIRFD, as oppath_open() resolves
 * it) into a malloc'ed *DATA of *LEN bytes: a rule file.  Returns 0,
 * -EPERM for a symlink owned by an untrusted user, OPPATH_NOT_REGULAR for
 * anything but a regular file (never opened for a blocking read), or
 * another -errno.  Thread-safe.
 */
int oppath_read_file(int dirfd, const char *path, unsigned opts,
    char **data, size_t *len);

/* The message for an -ELOOP of oppath_open() caused by BAD_UID. */
#define OPPATH_REFUSED_FMT \
	"refusing to follow a symlink owned by an untrusted user (uid %u) " \
	"in '%s'; --insecure-links follows it"

#endif /* TS_OPPATH_H */
