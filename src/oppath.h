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

struct ts_options;

enum oppath_opts {
	OPPATH_INSECURE = 1 << 0,	/* --insecure-links: follow them all */
	OPPATH_CONFINE	= 1 << 1,	/* --confine-root: the path must end up
					 * below the how's root */
};

/*
 * How one run resolves operator paths: its options' --insecure-links and
 * --confine-root, held by the caller (no state of oppath.c's own, so two
 * runs in one process each keep theirs).  Passed by value.
 */
struct oppath_how {
	unsigned opts;		/* enum oppath_opts */
	const char *root;	/* --confine-root DIR (OPPATH_CONFINE), or
				 * NULL; the options' string, not copied */
};

/* The *BAD_UID of an -ELOOP for a path that resolves outside the
 * --confine-root (no symlink owner to blame). */
#define OPPATH_OUTSIDE_ROOT ((uid_t)-2)

/*
 * Whether the directory DIRFD is HOW's --confine-root or below it: 0 when
 * it is (or HOW confines nothing), -EXDEV when it is outside, or the
 * -errno that kept it from being told (EACCES on a ".." of the way up,
 * EMFILE...): a caller refuses both, and says which.  Thread-safe.
 */
int oppath_check_root(struct oppath_how how, int dirfd);

/* How an operator option path is opened under O: --insecure-links and
 * --confine-root (a root of "/" confines nothing).  Thread-safe. */
struct oppath_how oppath_how_of(const struct ts_options *o);

/* HOW without OPPATH_CONFINE: the links on the way to a confined path,
 * or a path only --insecure-links applies to. */
struct oppath_how oppath_unconfined(struct oppath_how how);

/*
 * Opens PATH relative to DIRFD (AT_FDCWD, or a directory; "/" when PATH is
 * absolute) with FLAGS and MODE for its last component, resolving one
 * component at a time.  A symlink owned by another user is not followed:
 * -ELOOP, and *BAD_UID (may be NULL) receives its owner (HOW.opts
 * OPPATH_INSECURE: every symlink is followed).  With
 * OPPATH_CONFINE, a path whose last component's directory (or, for a
 * directory, the path itself) is not below the confine root is -ELOOP
 * with *BAD_UID OPPATH_OUTSIDE_ROOT, and nothing is created.  Returns an fd or
 * -errno.  Thread-safe.
 */
int oppath_open(int dirfd, const char *path, int flags, mode_t mode,
    struct oppath_how how, uid_t *bad_uid);

/* What a reader returns for a name that is not a regular file (a FIFO
 * would block). */
#define OPPATH_NOT_REGULAR (-EBADFD)

/*
 * Reads the whole of PATH (relative to DIRFD, as oppath_open() resolves
 * it) into a malloc'ed *DATA of *LEN bytes: a rule file.  Returns 0,
 * -EPERM for a symlink owned by an untrusted user, -EXDEV for a path
 * outside the confine root, OPPATH_NOT_REGULAR for
 * anything but a regular file (never opened for a blocking read), or
 * another -errno.  Thread-safe.
 */
int oppath_read_file(int dirfd, const char *path, struct oppath_how how,
    char **data, size_t *len);

/*
 * The message for an -ELOOP of oppath_open() with HOW that set *BAD_UID
 * (another user's symlink, or OPPATH_OUTSIDE_ROOT), about PATH.  The
 * string is the calling thread's until its next call.  Thread-safe.
 */
const char *oppath_refusal(struct oppath_how how, uid_t bad_uid,
    const char *path);

#endif /* TS_OPPATH_H */
