/*
 * delete.h -- removing destination entries: extraneous ones after a clean
 * walk, and entries in the way of a new entry of another type.
 *
 * Works only below held directory fds: a directory is opened with
 * O_NOFOLLOW|O_DIRECTORY and emptied through that fd, so a symlink in the
 * destination is removed as a link and never followed.
 *
 * Any depth: a call uses the same C stack and at most ten fds however deep
 * the tree, and memory linear in its depth (delete.c says how).
 */
#ifndef TS_DELETE_H
#define TS_DELETE_H

#include <stdbool.h>
#include <stdint.h>

struct report;

/* Counts of what one delete call removed (or would remove in a dry run). */
struct del_counts {
	uint64_t reg, dir, link, dev, special;
	uint64_t errors;
};

struct del_opts {
	struct report *rep;	/* where lines and errors go */
	bool dry_run;
	bool am_root;		/* the run acts as root: no u+w added */
	bool one_fs;		/* -x: do not descend into other file systems */
	bool quiet_report;	/* no "deleting" lines (type replacement) */
	bool silent;		/* a counting pass (--max-delete): no line at
				 * all, errors only counted -- the removal
				 * itself says them, once */
	/* Filter rules: true keeps an entry inside a directory being deleted
	 * (so that directory stays too).  NULL: nothing is protected. */
	bool (*protect)(void *arg, const char *relpath, bool is_dir);
	void *protect_arg;
	/* -b: instead of unlinking a non-directory, BACKUP keeps it aside
	 * (moves it: 0 or -errno, reported).  NULL: unlinked. */
	int (*backup)(void *arg, int dirfd, const char *name,
	    const char *relpath, uint32_t mode);
	void *backup_arg;
};

/*
 * Removes NAME below DIRFD -- recursively if it is a directory, children
 * first -- reporting each entry as RELPATH-relative "deleting" lines.
 * A directory that keeps something (protected by a rule, or a mount point
 * under one_fs) stays, with a "cannot delete non-empty directory" line;
 * that is -ENOTEMPTY, and a mount point itself is -EXDEV (silent).
 * MODE is the entry's type as scanned.  Adds to *COUNTS; errors are reported
 * with the path and counted.  A directory renamed away while it is being
 * emptied (its ".." is no longer the directory we came from) is left with
 * the rest of the subtree, an error.  Returns 0 if everything went, else
 * -errno of the first failure.  Thread-safe.
 */
int delete_entry(const struct del_opts *o, int dirfd, const char *name,
    const char *relpath, uint32_t mode, struct del_counts *counts);

/*
 * What the listing saw at a name: its type, and its inode (INO 0: not
 * known, only the type is compared).
 */
struct del_seen {
	uint32_t mode;
	uint64_t dev, ino;
};

/*
 * delete_entry() of an entry listed before (the deletion pass): NAME goes
 * only if it still is what SEEN says -- the same type, and the same
 * (dev, ino) when known: looked at (never followed) just before its
 * removal, a directory through the fd its contents are read from.  What
 * the run (or anyone) put at the name since is kept: not counted, not
 * said, no error (1 is returned; a line at --info=del2).  Else what
 * delete_entry() returns.  A dry run changed nothing, so it sees the same.
 */
int delete_seen(const struct del_opts *o, int dirfd, const char *name,
    const char *relpath, const struct del_seen *seen,
    struct del_counts *counts);

/*
 * Removes everything inside the open directory DIRFD (RELPATH names it in
 * messages), children first, but not the directory itself.  Same rules and
 * return as delete_entry().
 */
int delete_dir_contents(const struct del_opts *o, int dirfd,
    const char *relpath, struct del_counts *counts);

/*
 * Opens RELPATH (a relative directory path) below ROOTFD with O_NOFOLLOW
 * at every component (openat2 RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS, or one
 * name at a time where the kernel lacks it and for a path longer than
 * PATH_MAX): a symlink anywhere on the way is refused (ELOOP or ENOTDIR),
 * and so are an absolute path and a ".." that leaves ROOTFD (EXDEV; the
 * walk by names refuses every "..").  "" opens ROOTFD itself (dup).
 * Returns an fd or -errno.
 */
int delete_open_beneath(int rootfd, const char *relpath);

/*
 * delete_open_beneath(), or with KEPT_LINKS (-K) symlinks on the way
 * followed while they stay below ROOTFD (openat2 RESOLVE_BENEATH): one
 * that leads out, or a kernel without openat2(), gives -ELOOP.  Returns
 * an fd or -errno.
 */
int delete_open_kept(int rootfd, const char *relpath, bool kept_links);

#endif /* TS_DELETE_H */
