/*
 * partial.h -- where a copy's temp lives and what a copy that does not
 * finish leaves: -T/--temp-dir, --partial, --partial-dir, --delay-updates
 * (partial.c).
 *
 * The copy (copy.c) asks three things of it: which directory to make the
 * temp in (partial_temp_dir), where to put a temp that will not be
 * finished (partial_keep), and where a finished one goes under
 * --delay-updates (partial_stage).  The run renames the staged files into
 * place at its end (partial_delay_finish).
 */
#ifndef TS_PARTIAL_H
#define TS_PARTIAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "oppath.h"

struct stat;
struct ts_options;
struct ts_run;
struct tmpfile_reg;
struct report;

/* One run's choices; see partial_new(). */
struct partial {
	int tmp_fd;		/* -T's directory, or -1: each file's own */
	char *dir;		/* --partial-dir, trailing '/' cut, or NULL */
	bool abs;		/* dir is absolute: one directory for all */
	bool keep;		/* --partial (also implied by a dir): only with
				 * a dir, never over a final name */
	bool delay;		/* --delay-updates: staged in dir */
	struct oppath_how how;	/* for an absolute dir */
	struct report *rep;
	pthread_mutex_t lock;	/* guards opening abs_fd, and staged */
	/* The absolute dir, opened on first use (under lock): once set it
	 * stays open until partial_free(), and is read without the lock. */
	atomic_int abs_fd;
	atomic_bool abs_tried;	/* a first open (without CREATE) failed: */
	atomic_int abs_err;	/* its -errno, set before abs_tried */
	struct staged *staged;	/* --delay-updates: what waits for the end */
	size_t nstaged, cap;
};

/*
 * The run's partial state for options O, with DST_FD (DEST, or -1 in a
 * dry run into a missing DEST) the directory a relative -T is relative
 * to; NULL when no option of this file is given.  *CODE: 0, or the exit
 * code for a -T that cannot be used (reported, as rsync: "The temp-dir
 * does not exist").  Not thread-safe.
 */
struct partial *partial_new(const struct ts_options *o, int dst_fd,
    struct report *rep, int *code);
void partial_free(struct partial *p);

/* The directory a temp for a file of DFD is made in.  Thread-safe. */
int partial_temp_dir(const struct partial *p, int dfd);

/* The extended attribute a kept partial carries: which source (device,
 * inode, size, mtime, ctime) its bytes are a prefix of, and how many. */
#define PARTIAL_XATTR "user.treesync.partial"

/*
 * A copy into DFD/NAME failed with its temp TMP (below TFD) unfinished:
 * with --partial it is kept -- renamed into the partial dir (never over
 * NAME: a final name only ever holds a complete file); otherwise, or if
 * it holds no data, it is removed.  SRC (NULL: none) is the source as it was
 * opened, recorded on the kept file when its bytes are a prefix of it
 * (for partial_resume()).  Thread-safe.
 */
void partial_keep(struct partial *p, struct tmpfile_reg *reg, int tfd,
    const char *tmp, int out, int dfd, const char *name,
    const struct stat *src);

/*
 * With --partial: a partial of DFD/NAME kept by an earlier run in the
 * partial dir whose record says it is a prefix of the source
 * IN as it is now (SRC: same device, inode, size, mtime and ctime), and
 * whose last block (up to BUFSIZE bytes, read into BUF) equals the
 * source's, becomes the temp: renamed to a temp name below TFD (TMP,
 * registered in REG) and opened read-write.  Returns its fd, with *KEPT
 * the bytes it holds, or -1: no partial to resume (the copy starts from
 * 0).  Thread-safe.
 */
int partial_resume(struct partial *p, struct tmpfile_reg *reg, int tfd,
    int dfd, const char *name, int in, const struct stat *src, char *tmp,
    char *buf, size_t bufsize, uint64_t *kept);

/*
 * --delay-updates: renames the finished temp TMP (below TFD) to NAME in
 * DFD's partial dir (made if missing).  Returns 0 or -errno (the temp is
 * removed then).  The caller records it with partial_delay_add().
 * Thread-safe.
 */
int partial_stage(struct partial *p, struct tmpfile_reg *reg, int tfd,
    const char *tmp, int dfd, const char *name);

/* --delay-updates: the staging directory of DFD (CREATE: made if
 * missing, as for a copy), an fd the caller closes, or -errno.  -H links
 * a group's other names to its staged first file there.  Thread-safe. */
int partial_stage_dir(struct partial *p, int dfd, bool create);

/* A file of directory REL (below DEST) was staged as NAME; SRC, its
 * source to remove once it is in place (srcremove_hold()), or NULL.
 * Thread-safe. */
struct srm_later;
void partial_delay_add(struct partial *p, const char *rel, const char *name,
    struct srm_later *src);

/*
 * After a copy of NAME into DFD succeeded (RESUMED: from its partial,
 * partial_resume()), or NAME was found up to date: a partial of it in the
 * partial dir is removed (it has been used), and a relative partial dir
 * left empty with it.  Thread-safe.
 */
void partial_done(struct partial *p, int dfd, const char *name,
    bool resumed);

/* Is NAME, a directory DEST lists, (the first component of) the relative
 * partial dir?  Thread-safe. */
bool partial_dir_listed(const struct partial *p, const char *name);

/* May a directory hold a partial of its files: HAS_PDIR, its listing had
 * the relative partial dir (partial_dir_listed()), or the partial dir is
 * absolute.  Thread-safe. */
bool partial_may_hold(const struct partial *p, bool has_pdir);

/* Whether P keeps partials in a directory (--partial-dir, or --partial's
 * default one), not over the final name. */
bool partial_has_dir(const struct partial *p);

/* Is REL (below DEST) the partial dir of its directory, which must not be
 * deleted while staged files wait in it?  Thread-safe. */
bool partial_protects(const struct partial *p, const char *rel, bool is_dir);

/*
 * --delay-updates, at the end of a run that was not cancelled: every
 * staged file is renamed into place, directory by directory, and the
 * directories' times put back as they were.  A rename that fails is
 * reported and counted (exit 23).  Not thread-safe (the workers are idle).
 */
void partial_delay_finish(struct ts_run *run);

/* Whether P stages files for the end (--delay-updates). */
bool partial_delaying(const struct partial *p);

/*
 * partial_delay_finish() in phases, for treesync-mpi (run_ranks.c), whose
 * ranks may each have staged files of one directory: every rank reads
 * its directories' times (PARTIAL_PH_TIME: before any rank renames),
 * renames (PARTIAL_PH_RENAME), then removes the staging dirs and puts
 * the times back (PARTIAL_PH_SETTLE: once every rank renamed).  The
 * caller decides whether the run may finish.  Not thread-safe.
 */
enum partial_phase {
	PARTIAL_PH_TIME = 1 << 0,
	PARTIAL_PH_RENAME = 1 << 1,
	PARTIAL_PH_SETTLE = 1 << 2,
	PARTIAL_PH_ALL = 7,
};
void partial_delay_phases(struct ts_run *run, unsigned phases);

#endif /* TS_PARTIAL_H */
