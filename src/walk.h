/*
 * walk.h -- read one directory: its names (getdents64) and their
 * attributes (statx with the smallest mask the options need), sorted by name.
 */
#ifndef TS_WALK_H
#define TS_WALK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct report;

/* What the engine knows about one directory entry (either side). */
struct ts_entry {
	const char *name;	/* points into the owning dirlist */
	uint32_t mode;		/* type and permission bits */
	uint32_t uid, gid;
	uint32_t nlink;
	uint32_t mtime_nsec;
	int64_t mtime_sec;
	uint64_t size;
	uint64_t ino;
	uint64_t dev;		/* st_dev, as makedev() */
	uint64_t rdev;		/* for devices */
};

/* The sorted entries of one directory; one allocation for all names. */
struct dirlist {
	struct ts_entry *ents;
	size_t n, cap;
	char *names;
	size_t nlen, ncap;
};

enum walk_need {
	WALK_NEED_OWNER = 1 << 0,	/* uid/gid (-o, -g) */
	WALK_NEED_INO = 1 << 1,		/* inode numbers (hard links) */
	WALK_DEST = 1 << 2,		/* the destination side: a name gone
					 * before statx is just left out, and
					 * errors are the destination's */
};

/* Result counts of one walk_dir() call. */
struct walk_result {
	int err;		/* 0, or -errno of reading the directory itself */
	unsigned vanished;	/* names that disappeared before statx */
	unsigned stat_errors;	/* names statx failed on (reported) */
};

/*
 * Reads every entry of the open directory DIRFD (except "." and "..")
 * into OUT (which it resets), statx'ing each name relative to DIRFD with
 * AT_SYMLINK_NOFOLLOW.  RELDIR is used in error messages only ("" for the
 * root), which go to REP.  Entries whose statx fails are left out: ENOENT counts as
 * vanished, other errors are reported with the path.  Thread-safe.
 */
struct walk_result walk_dir(struct report *rep, int dirfd,
    const char *reldir, unsigned need, struct dirlist *out);

void dirlist_init(struct dirlist *l);
void dirlist_free(struct dirlist *l);

/*
 * statx of NAME relative to DIRFD into *E (name not set): 0 or -errno.
 * FOLLOW resolves a final symlink (operator paths only).
 */
int walk_stat(int dirfd, const char *name, bool follow, struct ts_entry *e);

#endif /* TS_WALK_H */
