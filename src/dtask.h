/*
 * dtask.h -- directory tasks as bytes, for treesync-mpi (docs/mpi.md).
 *
 * A directory task (the scan of one directory pair, not yet started) is
 * written as a message that another rank can run: the paths below the
 * operands, the entries as listed, the decisions already taken.  Never an
 * fd or a device number; the rank that made the task keeps its node (and
 * with it the reference on the parent directory) until the rank that ran
 * the task says the whole subtree is done (DIR_DONE), so a directory's
 * mtime is still set after all of its children, wherever they ran.
 *
 * A thief re-opens the parent directories from its own roots with
 * RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS (delete_open_beneath()), checks
 * they are the directories the task names (their inodes), and scans the
 * task's directory below them as any other.  The engine knows nothing of
 * MPI: messages leave through run->exec->send.
 */
#ifndef TS_DTASK_H
#define TS_DTASK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct report_progress;

struct dnode;
struct pool_task;
struct srcitem;
struct ts_entry;
struct ts_run;

/* A growable byte buffer. */
struct dtask_buf {
	unsigned char *p;
	size_t n, cap;
};

void dtask_buf_free(struct dtask_buf *b);

/*
 * T, a task the engine submits: when it is a directory task that may run
 * on another rank, its message into OUT (replacing what was there) and
 * true; T then belongs to the message (run it with dtask_exec()).
 */
bool dtask_encode(struct ts_run *run, struct pool_task *t,
    struct dtask_buf *out);
/* A batch of files carved out of one running here (ftask_split(), at
 * most once from each in ROUND), as dtask_encode() makes one, for a rank
 * that found nothing to steal.  False when there is none; OUT is then
 * empty. */
bool dtask_split(struct ts_run *run, uint64_t round, struct dtask_buf *out);

/*
 * Runs message BUF (from dtask_encode() or a DIR_DONE) on worker W.
 * ORIGIN: the rank that made it; CANCELLED: the run is cancelled, only
 * release what the task holds.  0, or -EPROTO for a malformed message.
 */
int dtask_exec(struct ts_run *run, const void *buf, size_t len, int origin,
    bool cancelled, int w);

/* Directory tasks and batches of files of other ranks RUN ran (re-opened
 * here), chunks of big files it copied, and batches it carved out of its
 * running ones for other ranks (dtask_split()).  Thread-safe. */
void dtask_stolen(const struct ts_run *run, uint64_t *dirs,
    uint64_t *batches, uint64_t *chunks, uint64_t *split);

/* A big file's pieces (copy_split.c) are shared with the other ranks:
 * its tail in chunks of 64 MiB, sent to the other ranks in turn, which
 * copy them below their own roots while the owner waits for them. */
void dtask_set_remote(struct ts_run *run);

/*
 * -H under treesync-mpi (dtask_hlink.c): the links of multi-link sources
 * are held during the walk (each holding a reference on its directory)
 * and decided after it, over every rank, so that a group stays one inode
 * wherever its links were listed, and which link is its first does not
 * depend on the number of ranks.  dtask_hl_init(): before the walk, with
 * -H under an executor (any number of ranks).  dtask_hl_hold(): IT in D (DST: its DEST
 * entry, or NULL) held; false once the exchange has begun (decide it
 * here: after the exchange, a link whose group's first link another rank
 * made has that group entered in this rank's -H map first).
 * dtask_hl_exchange(): collective, main thread, after the walk, with the
 * engine's own workers running; links the groups and releases everything
 * held.  dtask_hl_free(): at the end of the run, frees the records (a
 * directory still held stays so: the run is over).
 */
void dtask_hl_init(struct ts_run *run);
bool dtask_hl_hold(struct dnode *d, const struct srcitem *it,
    const struct ts_entry *dst);
/* IT, a link that the gate makes after the walk (DEST has another type
 * there): its group learns of it, and this rank's -H map gets the group's
 * first link for it. */
void dtask_hl_gated(struct dnode *d, const struct srcitem *it);
/* A directory that the gate makes after the walk (DEST has another type
 * there) was met on this rank: the links below it, met only then, learn
 * their groups' first links from the ranks that made them (round 4), and
 * dtask_hl_hold() enters their groups in this rank's -H map.  During the
 * walk; thread-safe. */
void dtask_hl_dir_replaced(struct ts_run *run);
void dtask_hl_exchange(struct ts_run *run);
void dtask_hl_free(struct ts_run *run);
/* Links RUN held, and first links it made whose group had links on other
 * ranks (for TREESYNC_MPI_STATS).  Thread-safe. */
void dtask_hl_counts(const struct ts_run *run, uint64_t *held,
    uint64_t *spanning);

/*
 * --files-from and -R over several ranks (dtask_list.c), each collective
 * (main thread, every rank at the same point).  dtask_list_share(): rank
 * 0's lists (select_load() ran there alone) to every other rank, which
 * had none; 0 or an exit code (reported).  dtask_list_unlisted(): the
 * listed paths that no rank met, said once by rank 0 as one process says
 * them: before the deletion decision (AFTER false) those not below a
 * directory that some rank replaces after the walk, after the deletion
 * pass (AFTER true) the rest.
 */
int dtask_list_share(struct ts_run *run);
void dtask_list_unlisted(struct ts_run *run, bool after);

/* What treesync-mpi does not spread across ranks yet (an option, for
 * the message), or NULL; once the rules and the plan are made. */
const char *dtask_unsupported(const struct ts_run *run);

/* Message BUF (from dtask_encode()) is a directory to scan. */
bool dtask_is_dir(const void *buf, size_t len);

/* --progress across ranks (docs/mpi.md COUNTERS), each rank's counts:
 * files listed, files done, bytes to copy, bytes copied, files copied. */
enum { DTP_SEEN, DTP_DONE, DTP_TODO, DTP_MOVED, DTP_XFERS, DTP_N };
/* A rank other than 0: its counts to rank 0, at most 4 times a second
 * (LAST: now, once the walk is over; delivered by the settle).  From a
 * worker while it runs a task, or the main thread.  Thread-safe. */
void dtask_progress_send(struct ts_run *run, bool last);
/* Rank 0: the live line and --info=progress2 show every rank's counts
 * (those of the others as last sent) from now on.  Main thread, before
 * the walk. */
void dtask_progress_combine(struct ts_run *run);
/* Rank 0: the counts of the other ranks added to *P. */
void dtask_progress_add(const struct ts_run *run, struct report_progress *p);

#endif /* TS_DTASK_H */
