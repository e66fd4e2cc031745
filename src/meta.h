/*
 * meta.h -- applying owner, mode and times to a destination fd or to a
 * name below a destination directory fd.  Never follows a symlink, never
 * resolves a path from "/".
 */
#ifndef TS_META_H
#define TS_META_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

struct ts_options;
struct ts_entry;
struct filter_layer;

/* The attributes to give one destination entry. */
struct meta_target {
	bool set_owner, set_group, set_mode, set_times;
	uid_t uid;
	gid_t gid;
	mode_t mode;		/* permission bits only (07777) */
	struct timespec mtime;
	bool set_atime;		/* -U: not for directories */
	struct timespec atime;
	unsigned xa_which;	/* enum xattr_which to make equal, or 0 */
	unsigned xa_src;	/* ... and to read the source's with */
	bool am_root;
	const struct filter_layer *xa_names;	/* the run's xattr-name rules
						 * (xattr_read()), or NULL */
	bool fake;		/* --fake-super: owner, group, mode, type and
				 * device numbers as rsync's user.rsync.%stat
				 * (fakesuper.c) instead of chown and chmod */
	uint32_t ftype;		/* the type the entry stands for (S_IFMT) */
	uint64_t rdev;		/* a device's numbers, as makedev() */
	const struct xattr_set *xattrs;	/* the wanted set (NULL: none) */
};

struct xattr_set;

/*
 * Decides the attributes of the destination for SRC with rsync's rules:
 * -p copies the mode, otherwise an existing DST keeps its mode and a new
 * one gets the source's mode masked by DFLT (the default permissions of
 * the directory it is made in: xattr_default_perms()), without the
 * special bits;
 * -o (as root) and -g (a group we may give: meta_may_set_group()) copy
 * ids; -t copies mtime (directories unless -O).  XA_NAMES: the run's
 * xattr-name rules (xattr_read()), or NULL.
 * DST is the existing destination entry or NULL.
 */
void meta_plan(const struct ts_options *o, bool am_root,
    const struct filter_layer *xa_names, const struct ts_entry *src,
    const struct ts_entry *dst, mode_t dflt, struct meta_target *out);

/*
 * Whether this process may give a file group GID: root may give any, a
 * plain user only its own groups (effective and supplementary).  rsync's
 * rule for -g: a group the user is not in is left alone, silently -- the
 * file keeps the group it is made with, and no change is reported.
 * Thread-safe (the group list is read once per process).
 */
bool meta_may_set_group(gid_t gid, bool am_root);

/*
 * The enum xattr_which of a run with options O, for reading the SOURCE
 * side's attributes or for the destination's; 0 without -X and -A.
 */
unsigned meta_xa_which(const struct ts_options *o, bool source);

/*
 * Whether the receiving side acts as the super-user (rsync's am_root):
 * --super and --fake-super say yes (the latter keeps what root would set in
 * xattrs), --no-super no, otherwise the effective uid decides.
 * Thread-safe.
 */
bool meta_am_root(const struct ts_options *o);

/*
 * A plain user cannot create or remove entries in its own directory of
 * mode 0555: rsync adds u+w for as long as it works in it.  Adds u+w to
 * the directory FD when the run does not act as root (AM_ROOT: see
 * meta_am_root()), the process owns it and it lacks the bit: true, with
 * the mode to put back in *BEFORE; false when nothing was (or could be)
 * changed.
 */
bool meta_make_writable(int fd, mode_t *before, bool am_root);

/*
 * Applies M to the open FD: owner first (chown clears set-id bits), then
 * mode, then times last (every write bumps mtime).  Returns 0 or -errno and
 * sets *WHAT to the failing operation.  Thread-safe.
 */
int meta_apply_fd(int fd, const struct meta_target *m, const char **what);

/* The same, skipping the owner and mode changes HAVE (the fd's fstat)
 * shows are already in place: fewer syscalls per new file. */
struct stat;
int meta_apply_fd_st(int fd, const struct meta_target *m,
    const struct stat *have, const char **what);

/* The same for NAME below DIRFD without following it (symlinks: no mode). */
int meta_apply_at(int dirfd, const char *name, bool is_symlink,
    const struct meta_target *m, const char **what);

#endif /* TS_META_H */
