/*
 * batch.h -- rsync's batch mode for local use: --write-batch records the
 * changes a run makes to DEST, --only-write-batch records them without
 * making them, --read-batch replays them on another DEST (see batch.c).
 *
 *	struct batch_rec *rec = batch_rec_new(&c, &host);  // -> host.item
 *	code = ts_run_exec(...);
 *	code = batch_rec_finish(rec, code);	// FILE and FILE.sh
 *
 *	struct batch_replay rp;
 *	code = batch_replay_prepare(&c, &rp);	// c.opts: staging -> DEST
 *	if (!code) code = ts_run_exec(...);
 *	batch_replay_release(&rp);		// the staging tree removed
 */
#ifndef TS_BATCH_H
#define TS_BATCH_H

#include "cli.h"

#include <treesync/treesync.h>

/* The name a batch's data entries are stored under (DEST is "d"). */
#define BATCH_DATA_DIR "d"

struct batch_rec;

/*
 * Opens C's batch file and its .sh (operator paths: a symlink another
 * user owns is refused unless --insecure-links) and hooks the recording
 * into *HOST's item callback (the callback HOST had is still called).
 * With --only-write-batch, C's options become a dry run.  Returns NULL
 * with *CODE set (11, reported) when a file cannot be opened.  Not
 * thread-safe; the recording callback is called one item at a time.
 */
struct batch_rec *batch_rec_new(struct cli *c, struct ts_host *host,
    int *code);

/*
 * Writes the batch (every recorded entry as it is now: DEST's for
 * --write-batch, the source's for --only-write-batch) and its replay
 * script, frees REC, and returns the run's exit code CODE, or 11 where the
 * batch could not be written (reported).  A run stopped by a signal
 * leaves the batch file empty (a reader refuses it).
 */
int batch_rec_finish(struct batch_rec *rec, int code);

/* A --read-batch run's state: the staging tree and what C's options now
 * point to. */
struct batch_replay {
	char *staging;		/* the private directory the batch is read
				 * into, or NULL */
	char *src;		/* its "d/" (the replay's one source) */
	const char *srcs[1];
	struct ts_filter *filters;	/* the deletion rules */
	char **rules;
	size_t nrules;
};

/*
 * Reads C's batch file into a private staging tree, checks it whole (every
 * entry's XXH3-128, the closing manifest), and points C's options at it:
 * source the staging tree, the batch's recorded transfer flags, and with
 * --delete, rules that delete exactly what the batch deleted.  Nothing in
 * DEST is touched.  Returns 0, or an exit code (reported): 11 the file
 * cannot be opened or is not a regular file, 12 it is corrupt or
 * truncated, 23 the staging tree cannot be made.  *RP is released by
 * batch_replay_release() in every case.
 */
int batch_replay_prepare(struct cli *c, struct batch_replay *rp);

/* Removes the staging tree and frees *RP (zeroed first is fine). */
void batch_replay_release(struct batch_replay *rp);

#endif /* TS_BATCH_H */
