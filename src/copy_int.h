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
	struct copy_result *res;
	char *buf;		/* POOL_BUF_SIZE bytes */
};

/*
 * Copies the file IN (size as in ST) to OUT with the chain, holes kept
 * with -S.  *SHORTENED: the source ended early.  0 or -errno (res->what
 * and res->side say what failed).
 */
int chain_copy_data(struct chain *ch, const struct stat *st, bool *shortened);

/* --reflink=always: one FICLONE of the whole file, or -errno. */
int chain_clone_whole(struct chain *ch, uint64_t size);

/* --verify: both files read back and their XXH3-128 compared. */
int chain_verify_copy(struct chain *ch);

/* FIEMAP says FD's extents are shared (a reflink, a server-side clone). */
bool chain_extents_shared(int fd);

/* Errors that say the destination cannot take more: stop the run with
 * exit 11.  (EROFS stops it too, but is rsync's 23: run_read_only().) */
bool copy_is_fatal(int e);

/* Records what failed, and on which side (see enum copy_side). */
void copy_fail(struct copy_result *res, const char *what,
    enum copy_side side);

#endif /* TS_COPY_INT_H */
