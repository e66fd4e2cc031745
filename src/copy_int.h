/*
 * copy_int.h -- what copy.c (one file's transaction) and copy_chain.c
 * (the methods that move its bytes) share; nothing else looks inside.
 */
#ifndef TS_COPY_INT_H
#define TS_COPY_INT_H

#include "copy.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

/* The state of the chain for one file. */
struct chain {
	struct copy_ctx *c;
	int in, out;
	uint64_t sdev, ddev;
	unsigned disabled;	/* bit per enum ts_method: failed for this file */
	bool forced;		/* --copy-method other than auto: no fallback */
	int round;		/* copy_split.c's probe round: its method + 1;
				 * 0 none (so a zeroed chain has none) */
	struct copy_result *res;
	char *buf;		/* POOL_BUF_SIZE bytes */
	bool punch;		/* -S: what is not written may hold blocks
				 * (preallocated at full size): punch it */
	uint64_t old_size;	/* OUT's size before the copy (in place, or
				 * preallocated): cut to the new size after */
	bool changed_only;	/* in place, --no-W: write only the blocks
				 * that differ (inplace.c) */
	/* OUT's file position is shared with other workers (copy_split.c's
	 * pieces, one open file): sendfile, the one method that writes at
	 * the position, seeks and writes under this lock.  NULL: OUT is
	 * this chain's alone. */
	pthread_mutex_t *pos_lock;
};

/*
 * Copies the file IN (size as in ST) to OUT with the chain, holes kept
 * with -S.  *SHORTENED: the source ended early.  0 or -errno (res->what
 * and res->side say what failed).
 */
int chain_copy_data(struct chain *ch, const struct stat *st, bool *shortened);

/* Copies [OFF, OFF + LEN) of CH's file with the chain: the bytes copied
 * (fewer if the source ended early: *SHORTENED) or -errno. */
int64_t chain_copy_range(struct chain *ch, off_t off, uint64_t len,
    bool *shortened);

/* The method CH's pair wants measured next (its next call would be
 * timed), or -1 when the pair has chosen or has nothing to choose. */
int chain_probe(struct chain *ch);

/* Reports a probe round of method M: BYTES in NS nanoseconds, to CH's
 * pair (copy_pair_sample()). */
void chain_probe_done(struct chain *ch, int m, uint64_t bytes, uint64_t ns);

/* --reflink=always: one FICLONE of the whole file, or -errno. */
int chain_clone_whole(struct chain *ch, uint64_t size);

/* Reads IN and OUT whole: *SAME when their XXH3-128 agree.  0 or
 * -errno (res->what and res->side set). */
int chain_same_content(struct chain *ch, bool *same);

/* --verify: both files read back and their XXH3-128 compared. */
int chain_verify_copy(struct chain *ch);

/* --- copy_sparse.c: -S ----------------------------------------------- */

/* Does -S look for runs of zeros in CH's data (the method allows
 * reading it: auto or readwrite)? */
bool chain_sparse_scans(const struct chain *ch);

/* -S: [0, SIZE) without its holes and (when scanning) its blocks of
 * zeros, the length set last: the length or -errno (*SHORTENED: the
 * source ended early). */
int64_t chain_copy_sparse(struct chain *ch, uint64_t size, bool *shortened);

/* The N bytes BUF written at POS of OUT (pwrite), counted as read/write
 * bytes: 0, or -errno after copy_fail() ("cannot write"; EIO also marks
 * the result fatal, as the chain's own writes). */
int chain_write(struct chain *ch, const char *buf, size_t n, uint64_t pos);

/* What chain_read_each() hands each piece to: the N source bytes in
 * ch->buf that belong at POS; 0 or -errno (reported). */
struct chain_piece {
	size_t max;		/* bytes read at most at a time (<= the buffer) */
	int (*put)(struct chain *ch, uint64_t pos, size_t n, void *arg);
	void *arg;
};

/*
 * [OFF, OFF + LEN) of the source read into ch->buf, piece by piece, each
 * given to HOW->put within --bwlimit and counted as moved; the abort flag
 * is checked before each read.  Returns the bytes covered (fewer if the
 * source ended early: *SHORTENED) or -errno.
 */
int64_t chain_read_each(struct chain *ch, uint64_t off, uint64_t len,
    const struct chain_piece *how, bool *shortened);

/* FIEMAP says FD's extents are shared (a reflink, a server-side clone). */
bool chain_extents_shared(int fd);

/* --- copy_pair.c: per (source device, destination device) ------------ */

/* Is copy_file_range refused (EXDEV, EOPNOTSUPP) on this pair?  Say so. */
bool copy_pair_cfr_no(struct copy_ctx *c, uint64_t sdev, uint64_t ddev);
void copy_pair_set_cfr_no(struct copy_ctx *c, uint64_t sdev, uint64_t ddev);

/*
 * The method for the next call on this pair: on one device the first of
 * FILE (the chain's order); on two, the one chosen, or, while the pair is
 * being measured, the candidate whose turn it is (*MEASURE is then set:
 * time the call and report it with copy_pair_sample()).  USABLE: the
 * methods that work on the pair; FILE: those still usable for this file
 * (a subset).  -1 when FILE is empty.  Thread-safe.
 */
int copy_pair_pick(struct copy_ctx *c, uint64_t sdev, uint64_t ddev,
    unsigned usable, unsigned file, bool *measure);

/* One timed call of method M: BYTES in NS nanoseconds.  Thread-safe. */
void copy_pair_sample(struct copy_ctx *c, uint64_t sdev, uint64_t ddev,
    int m, uint64_t bytes, uint64_t ns, unsigned usable);

/* The method chosen for the pair, or -1 while measuring.  Thread-safe. */
int copy_pair_best(struct copy_ctx *c, uint64_t sdev, uint64_t ddev);

/* Pure: the method P's measurements choose among USABLE (a bit per enum
 * ts_method), or -1 when some usable method is not measured enough. */
int copy_pair_decide(const struct copy_pair *p, unsigned usable);

/* Does the pair reward concurrent requests (a network file system on
 * either side, asked of IN and OUT once per pair)?  Thread-safe. */
bool copy_pair_concurrent(struct copy_ctx *c, uint64_t sdev, uint64_t ddev,
    int in, int out);

/* --- copy_split.c: one big file, several workers ---------------------- */

/* Should [0, SIZE) of CH's file be copied in pieces by several workers? */
bool copy_split_wanted(struct chain *ch, uint64_t size);

/* Copies [0, SIZE) in pieces with the idle workers of ch->c->helpers:
 * as chain_copy_range(). */
int64_t copy_split(struct chain *ch, uint64_t size, bool *shortened);

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t copy_now_ns(void);

/* Errors that say the destination cannot take more: stop the run with
 * exit 11.  (EROFS stops it too, but is rsync's 23: run_read_only().) */
bool copy_is_fatal(int e);

/* Records what failed, and on which side (see enum copy_side). */
void copy_fail(struct copy_result *res, const char *what,
    enum copy_side side);

/* --- copy.c's steps that inplace.c takes too ------------------------- */

#define COPY_CHANGED 1		/* an attempt saw the source change */

/* Opens NAME below SFD for copying: 0 and *IN, *ST0; COPY_CHANGED if it
 * is no longer a regular file (with C's --copy-devices, or for a backup,
 * FLAGS COPY_PLAIN, a device is one, its st_size what it holds); or
 * -errno (RES says what failed). */
int copy_open_source(const struct copy_ctx *c, int sfd, const char *name,
    int *in, struct stat *st0, struct copy_result *res, unsigned flags);

/* The source IN is still as it was opened (ST0: the same inode, size,
 * mtime and ctime; its atime is not asked, util_fstat_no_atime()): 0,
 * COPY_CHANGED, or -errno (RES says what failed). */
int copy_source_unchanged(int in, const struct stat *st0,
    struct copy_result *res);

/* The bytes of CH through the chain (or one clone), then --verify;
 * checked against the source as it was at open (ST0): 0, COPY_CHANGED,
 * or -errno. */
int copy_chain_bytes(struct chain *ch, const struct stat *st0, bool basis);

/* Metadata on the written file OUT (as STO was; xattrs read from IN,
 * NAME), then --fsync and close (OUT is closed either way).  0 or
 * -errno. */
int copy_finish_out(struct copy_ctx *c, int in, int out, const char *name,
    const struct meta_target *meta, const struct stat *st0,
    const struct stat *sto, struct copy_result *res, bool basis);

/* --preallocate: reserves SIZE bytes for OUT (FULL: the file takes that
 * size at once, so that -S can punch its holes inside it; else its size
 * stays).  EOPNOTSUPP is not an error (res->prealloc_unsupported, once a
 * run).  0 or -errno. */
int chain_preallocate(struct chain *ch, uint64_t size, bool full);

/* --- inplace.c -------------------------------------------------------- */

/* Appends the source's bytes past OSIZE to CH's file, in order, and
 * checks the source did not change: 0, COPY_CHANGED, or -errno. */
int inplace_tail(struct chain *ch, const struct stat *st0, uint64_t osize);

/* --no-W in place: [0, SIZE) of the source compared with what OUT holds
 * at each offset, only the blocks that differ written.  The bytes covered
 * (fewer if the source ended early: *SHORTENED) or -errno. */
int64_t inplace_write_changed(struct chain *ch, uint64_t size,
    bool *shortened);

/* One attempt of copy_file_inplace(): 0, COPY_CHANGED, or -errno. */
int inplace_once(struct copy_ctx *c, int sfd, const char *name, int dfd,
    const char *dname, const struct meta_target *meta, char *buf,
    struct copy_result *res, unsigned flags);

#endif /* TS_COPY_INT_H */
