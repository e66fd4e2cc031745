/*
 * walk.h -- read one directory: its names (getdents64) and their
 * attributes (statx with the smallest mask the options need), sorted by name.
 */
#ifndef TS_WALK_H
#define TS_WALK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
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
	int64_t atime_sec;	/* whole seconds, as rsync's -U (only with
				 * WALK_NEED_ATIME from a walk) */
	uint64_t size;
	uint64_t ino;
	uint64_t dev;		/* st_dev, as makedev() */
	uint64_t rdev;		/* for devices */
};

/*
 * A column of a dirlist: NULL values while every entry has the value
 * FIRST (the owner of every file in a directory is often the same; a
 * column the run does not need is never filled).
 */
struct dirlist_col32 {
	uint32_t *v;
	uint32_t first;
};

struct dirlist_col64 {
	uint64_t *v;
	uint64_t first;
};

/*
 * The sorted entries of one directory, in columns: a directory of a
 * million entries is held in about 20 to 40 bytes per entry plus its names
 * (rather than a struct ts_entry each).  Read an entry with dirlist_get(),
 * its name or type with dirlist_name() and dirlist_mode().  An entry's
 * mtime is packed in 64 bits; every entry is taken to be on the device of
 * the first one, and to have rdev 0.  The few that do not fit (mount
 * points, devices, mtimes before 1698 or after 2242) are kept whole in
 * ODD.
 */
struct dirlist {
	size_t n, cap;
	unsigned cols;		/* enum walk_need: the optional columns kept */
	uint32_t *name;		/* offset of each name in NAMES */
	struct dirlist_col32 mode, uid, gid, nlink;
	struct dirlist_col64 size, mtime, ino, atime;
	uint64_t dev;		/* the first entry's device */
	struct dirlist_odd *odd;	/* sorted by index */
	size_t nodd, oddcap;
	char *names;
	size_t nlen, ncap;
};

/* An entry whose device, rdev or mtime do not fit the columns. */
struct dirlist_odd {
	size_t i;
	uint64_t dev, rdev;
	int64_t sec;
	uint32_t nsec;
};

enum walk_need {
	WALK_NEED_OWNER = 1 << 0,	/* uid/gid (-o, -g) */
	WALK_NEED_INO = 1 << 1,		/* inode numbers (hard links) */
	WALK_NEED_ATIME = 1 << 3,	/* access times (-U) */
	WALK_LIST_INO = 1 << 4,		/* inode numbers for dirlist_ino()
					 * only (the deletion pass compares
					 * them); dirlist_get() gives them
					 * with WALK_NEED_INO alone */
	WALK_DEST = 1 << 2,		/* the destination side: a name gone
					 * before statx is just left out, and
					 * errors are the destination's */
	DIRLIST_SRC_NAMES = 1 << 8,	/* (in cols) each name is followed by
					 * its source name (dirlist_convert) */
};

/* Result counts of one walk_dir() call. */
struct walk_result {
	int err;		/* 0, or -errno of reading the directory itself */
	unsigned vanished;	/* names that disappeared before statx */
	unsigned stat_errors;	/* names statx failed on (reported) */
};

/*
 * Reads every entry of the open directory DIRFD (except "." and "..")
 * into OUT (which it resets, keeping the columns NEED asks for),
 * statx'ing each name relative to DIRFD with AT_SYMLINK_NOFOLLOW as soon
 * as getdents returned it (while a network file system's attribute cache
 * still holds it).  RELDIR is used in error messages only ("" for the
 * root), which go to REP (NULL: none are said).  Entries whose statx
 * fails are left out: ENOENT
 * counts as vanished, other errors are reported with the path.  A
 * directory too big for 32-bit name offsets fails with -EOVERFLOW.
 * Thread-safe.
 */
struct walk_result walk_dir(struct report *rep, int dirfd,
    const char *reldir, unsigned need, struct dirlist *out);

/*
 * A parallel loop walk_dir_fan() may borrow: EACH(ARG, N, FN, CTX) calls
 * FN(CTX, i) once for every i < N, on whatever threads it has, and
 * returns when all have returned (pool_for() over the run's workers).
 */
struct walk_fan {
	void (*each)(void *arg, size_t n, void (*fn)(void *ctx, size_t i),
	    void *ctx);
	void *arg;
};

/*
 * walk_dir(), with the entries of each getdents buffer statx'ed through
 * FAN (NULL: one after another).  On a network file system, where each
 * statx is a round trip, a directory's entries are then looked at
 * together instead of one per round trip; the listing, its order and its
 * messages are walk_dir()'s.
 */
struct walk_result walk_dir_fan(struct report *rep, int dirfd,
    const char *reldir, unsigned need, const struct walk_fan *fan,
    struct dirlist *out);

void dirlist_init(struct dirlist *l);
void dirlist_free(struct dirlist *l);

/* Entry I of L: its name (in L's storage), and its type and mode. */
static inline const char *dirlist_name(const struct dirlist *l, size_t i)
{
	return l->names + l->name[i];
}

static inline uint32_t dirlist_mode(const struct dirlist *l, size_t i)
{
	return l->mode.v ? l->mode.v[i] : l->mode.first;
}

/* The inode number of entry I, or 0 when L keeps none (neither
 * WALK_NEED_INO nor WALK_LIST_INO). */
static inline uint64_t dirlist_ino(const struct dirlist *l, size_t i)
{
	return l->ino.v ? l->ino.v[i] : l->ino.first;
}

/* The name entry I has in the source directory it was read from: its
 * name, or the one dirlist_convert() kept. */
static inline const char *dirlist_src_name(const struct dirlist *l,
    size_t i)
{
	const char *n = dirlist_name(l, i);

	return (l->cols & DIRLIST_SRC_NAMES) ? n + strlen(n) + 1 : n;
}

/*
 * --iconv: gives every entry of L the name NAME(ARG, old) returns
 * (malloc'ed; NULL leaves the entry out), keeps the old one for
 * dirlist_src_name(), and sorts L by the new names.
 */
void dirlist_convert(struct dirlist *l,
    char *(*name)(void *arg, const char *old), void *arg);

/* Entry I of L, decoded into *E (E->name points into L's storage;
 * columns L does not keep read as 0). */
void dirlist_get(const struct dirlist *l, size_t i, struct ts_entry *e);

/* Keeps only the entries for which KEEP(ARG, name, mode) is true, in
 * order. */
void dirlist_filter(struct dirlist *l,
    bool (*keep)(void *arg, const char *name, uint32_t mode), void *arg);

/*
 * statx of NAME relative to DIRFD into *E (name not set): 0 or -errno.
 * FOLLOW resolves a final symlink (operator paths only).
 */
int walk_stat(int dirfd, const char *name, bool follow, struct ts_entry *e);

/* walk_readlink(): util.h */

/*
 * -L: where the thing the source symlink NAME below DIRFD points to is, as
 * a directory fd and a name in it that is no symlink: returns the fd (the
 * caller's to close; O_PATH) and sets *BASE (malloc'ed), or -errno
 * (ELOOP after 40 links, EISDIR when it names a directory by its path).
 * The links of the chain are read one by one; the directories on the way
 * are left to the kernel, as opening the whole path would.  Thread-safe.
 */
int walk_referent(int dirfd, const char *name, char **base);

#endif /* TS_WALK_H */
