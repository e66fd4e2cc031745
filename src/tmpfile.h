/*
 * tmpfile.h -- every "temp, then rename into place" of a run: regular
 * files (copy.c), symlinks and nodes (item.c), hard links (hardlink.c).
 *
 * A final name only ever holds a complete entry: it is made under a temp
 * name ".NAME.XXXXXX.tstmp" in the same directory, finished, then renamed
 * over NAME.  The registry knows the temps in flight, one slot per
 * thread, so that a cancelled run -- or a host that must exit at once on
 * a second signal -- removes every one of them.
 *
 *	char tmp[NAME_MAX + 1];
 *	int r = tmpfile_make(reg, dfd, "f", tmp, make_symlink, target);
 *	if (r >= 0)
 *		r = finish(...) < 0 ? ... : tmpfile_commit(reg, dfd, tmp, "f");
 *	else ...				// nothing was left behind
 */
#ifndef TS_TMPFILE_H
#define TS_TMPFILE_H

#include <limits.h>
#include <stdatomic.h>
#include <stdbool.h>

#define TMPFILE_SUFFIX ".tstmp"
#define TMPFILE_SLOTS 1100	/* > the largest pool (1024) + the host */

/* One run's temps in flight.  Embedded in the run; see tmpfile_init. */
struct tmpfile_reg {
	struct tmpfile_slot {
		atomic_int dirfd;	/* -1: free; set last, cleared first */
		char name[NAME_MAX + 1];
	} slots[TMPFILE_SLOTS];
	atomic_int used;	/* slots handed out (one per thread) */
	atomic_int creating;	/* threads between deciding and creating */
	atomic_bool stopped;	/* no new temp may be made */
	unsigned gen;		/* this registry among the process's (a
				 * thread's slot is tied to one) */
};

void tmpfile_init(struct tmpfile_reg *reg);

/*
 * Makes a temp for NAME below DIRFD: picks a free temp name (into TMP,
 * NAME_MAX + 1 bytes), registers it, and calls MAKE(DIRFD, TMP, ARG),
 * which creates it and returns an fd, 0, or -1 with errno (EEXIST: another
 * name is tried).  Returns what MAKE returned, or -errno; -EINTR once the
 * registry is stopped (nothing is made then).  On failure nothing is left
 * registered.  Thread-safe (one temp in flight per thread).
 */
int tmpfile_make(struct tmpfile_reg *reg, int dirfd, const char *name,
    char *tmp, int (*make)(int dirfd, const char *tmp, void *arg), void *arg);

/*
 * Renames the finished temp TMP over NAME (the entry is complete) and
 * forgets it; on failure removes it.  Both calls go through the syscall
 * seam (sys.h).  Returns 0 or -errno.  Thread-safe.
 */
int tmpfile_commit(struct tmpfile_reg *reg, int dirfd, const char *tmp,
    const char *name);

/* tmpfile_commit() of a temp made below another directory TDIRFD (-T,
 * or a partial dir): renamed over NAME below DIRFD. */
int tmpfile_commit_at(struct tmpfile_reg *reg, int tdirfd, const char *tmp,
    int dirfd, const char *name);

/* Removes the unfinished temp TMP and forgets it.  Thread-safe. */
void tmpfile_discard(struct tmpfile_reg *reg, int dirfd, const char *tmp);

/*
 * Brackets making an entry under its final name without a temp (an empty
 * file into an absent name: complete the moment it exists): false once the
 * registry is stopped.  tmpfile_abort() waits for such creations.
 */
bool tmpfile_enter(struct tmpfile_reg *reg);
void tmpfile_leave(struct tmpfile_reg *reg);

/* No temp may be made any more.  Async-signal-safe. */
void tmpfile_stop(struct tmpfile_reg *reg);

/*
 * Stops the registry, waits (briefly) for creations in progress, and
 * removes every temp in flight.  Async-signal-safe: what a host calls on
 * a second signal, just before _exit().
 */
void tmpfile_abort(struct tmpfile_reg *reg);

/* ".NAME.XXXXXX.tstmp", NAME cut so that the whole fits NAME_MAX; OUT has
 * room for NAME_MAX + 1 bytes.  Thread-safe. */
void tmpfile_name(const char *name, char *out);

/* True when NAME looks like a temp of treesync's (debris to sweep). */
bool tmpfile_is_name(const char *name);

#endif /* TS_TMPFILE_H */
