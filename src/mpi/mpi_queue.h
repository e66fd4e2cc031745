/*
 * mpi_queue.h -- one work queue over every rank of an MPI job.
 *
 * Tasks are opaque byte strings (a serialized relative path, operand
 * index, flags: never an fd or a pointer).  Each rank runs a pool of
 * worker threads over its own queue; a rank that runs dry steals the
 * oldest tasks of a random rank; the run ends when no task is left or
 * in flight on any rank, which every rank learns at the same moment.  A
 * collective then combines flags and counters so that every rank takes
 * the same decision (delete or not, the exit code).  The module knows
 * nothing of files; the design of treesync-mpi on top of it is
 * docs/mpi.md.
 *
 *	mpi_queue_init_mpi(&argc, &argv);	// MPI_THREAD_FUNNELED
 *	struct mpi_queue_config c;
 *	mpi_queue_config_init(&c);
 *	c.workers = 8;
 *	c.exec = run_task;			// called on a worker thread
 *	c.user = ctx;
 *	struct mpi_queue *q;
 *	mpi_queue_new(&c, MPI_COMM_WORLD, &q);
 *	if (mpi_queue_rank(q) == 0)
 *		mpi_queue_push(q, seed, seed_len);
 *	mpi_queue_run(q);			// every task on every rank done
 *	mpi_queue_combine(q, &sums);		// the same on every rank
 *	mpi_queue_free(q);
 *	mpi_queue_finalize_mpi();
 *
 * Threads: the thread that called MPI_Init_thread (the main thread)
 * makes every MPI call: mpi_queue_new(), mpi_queue_run() (which drives
 * the messages until the end), mpi_queue_combine() and mpi_queue_free().
 * Worker threads never call MPI; they call mpi_queue_push(),
 * mpi_queue_send(), mpi_queue_push_local() and mpi_queue_cancelled(),
 * which are thread-safe.  mpi_queue_cancel() is async-signal-safe.
 */
#ifndef TS_MPI_QUEUE_H
#define TS_MPI_QUEUE_H

#include <mpi.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mpi_queue;

enum mpi_queue_task_flags {
	MPI_QUEUE_STOLEN = 1 << 0,	/* came from another rank's queue */
	MPI_QUEUE_SENT = 1 << 1,	/* addressed here by mpi_queue_send() */
	MPI_QUEUE_CANCELLED = 1 << 2,	/* the run is cancelled: only clean up
					 * (release what the task holds) */
};

/* What a worker is given for one task; valid during the exec call only. */
struct mpi_queue_task {
	const void *data;
	size_t len;
	int origin;		/* the rank that pushed or sent it */
	unsigned flags;		/* enum mpi_queue_task_flags */
	int worker;		/* the local worker running it, 0..workers-1 */
};

/* Runs one task on a worker thread.  It may push, send and push_local. */
typedef void mpi_queue_exec_fn(struct mpi_queue *q,
    const struct mpi_queue_task *t, void *user);

/* A local closure (mpi_queue_push_local()): never leaves the rank. */
typedef void mpi_queue_local_fn(struct mpi_queue *q, void *arg, int worker);

struct mpi_queue_config {
	int workers;		/* worker threads on this rank, >= 1 */
	mpi_queue_exec_fn *exec;
	void *user;		/* passed to exec */
	/* Task bytes given to a thief in one reply, at most (one task is
	 * always given whatever its size).  Default 256 KiB. */
	size_t steal_max_bytes;
	/* Random victims asked in a row before the rank goes quiet (then
	 * its lifeline ranks, then silence until work comes to it).
	 * Default min(ranks - 1, 4). */
	int steal_tries;
	/* The message loop sleeps between polls of MPI, from poll_min_us
	 * after activity, doubling while nothing happens up to
	 * poll_max_us while this rank has work (a thief waits at most
	 * that long for an answer), or up to poll_idle_us while it is
	 * idle and waits for nothing in particular (for work to be
	 * pushed, for the end).  Local events (the rank running dry, a
	 * message to send) wake it at once.  Defaults 20, 2000 and
	 * 10000.  poll_max_us 0 polls without sleeping: a busy loop, for
	 * comparison only. */
	unsigned poll_min_us;
	unsigned poll_max_us;
	unsigned poll_idle_us;
	uint64_t seed;		/* victim choice; 0: from the rank */
	/* Portable tasks for which CAPPED(data, len, user) is true run at
	 * most CAPPED_MAX at a time on a rank while other ranks exist; the
	 * others stay queued, and so stealable, until one ends.  For tasks
	 * that each keep a rank busy long after they start (a directory to
	 * list over a network file system): a rank must not take more of
	 * them than it can work on while other ranks have none.  0 or no
	 * CAPPED: no limit. */
	bool (*capped)(const void *data, size_t len, void *user);
	int capped_max;
	/* When a thief asks and no portable task is queued here: SPLIT may
	 * carve a new portable task out of one running here (the later
	 * half of the files a running batch has not started), which then
	 * goes to the thief.  Called on the message loop's thread while
	 * workers run, again while it says yes, up to steal_max_bytes and
	 * `workers' tasks, each call of one reply with the same ROUND: it
	 * should carve from each running task at most once a round (so a
	 * thief gets about half of the work, not all of it).  True with
	 * *DATA a malloc'ed task of *LEN bytes the queue takes over.  It
	 * must carve only from a task still running (not counted done),
	 * so the rank is not idle meanwhile.  NULL: never. */
	bool (*split)(void *user, uint64_t round, void **data, size_t *len);
};

/* Counters of one rank (mpi_queue_stats()). */
struct mpi_queue_stats {
	uint64_t executed;	/* tasks run by exec here */
	uint64_t local_run;	/* local closures run here */
	uint64_t pushed;	/* mpi_queue_push() calls here */
	uint64_t sent;		/* mpi_queue_send() to another rank */
	uint64_t received;	/* tasks addressed here by another rank */
	uint64_t stolen;	/* tasks this rank took from others */
	uint64_t given;		/* tasks others took from this rank */
	uint64_t steal_requests;	/* requests this rank made */
	uint64_t steal_denied;	/* of them, answered "nothing" */
	uint64_t lifeline_pushes;	/* messages of tasks given unasked */
	uint64_t cancelled_runs;	/* tasks handed over marked cancelled */
	uint64_t messages_out;	/* point-to-point messages sent */
	uint64_t messages_in;
	uint64_t wakeups;	/* passes of the message loop */
	uint64_t term_rounds;	/* termination rounds started */
};

/* Fills C with the defaults (1 worker, no exec). */
void mpi_queue_config_init(struct mpi_queue_config *c);

/*
 * MPI_Init_thread() with MPI_THREAD_FUNNELED unless MPI is initialized
 * already.  Returns 0, or -EPROTO when MPI cannot give FUNNELED.  Call
 * from the main thread.
 */
int mpi_queue_init_mpi(int *argc, char ***argv);

/* MPI_Finalize() if mpi_queue_init_mpi() initialized MPI. */
void mpi_queue_finalize_mpi(void);

/*
 * Makes the queue on every rank of COMM (collective: every rank calls
 * it) and starts the workers.  The queue uses its own duplicate of COMM.
 * Returns 0, -EINVAL (bad config), -EPROTO (MPI is not initialized with
 * at least FUNNELED, or this is not the main thread), -ENOMEM, or
 * -errno from pthread_create.  *QP is set on success.
 */
int mpi_queue_new(const struct mpi_queue_config *c, MPI_Comm comm,
    struct mpi_queue **qp);

int mpi_queue_rank(const struct mpi_queue *q);
int mpi_queue_size(const struct mpi_queue *q);

/*
 * Queues a task (DATA copied) on this rank; another rank may steal it.
 * From a worker during the run, or from the main thread before
 * mpi_queue_run().  Returns 0, -ENOMEM or -EMSGSIZE (over 2 GiB).  After
 * a cancel the task is still run, marked MPI_QUEUE_CANCELLED.
 * Thread-safe.
 */
int mpi_queue_push(struct mpi_queue *q, const void *data, size_t len);

/*
 * Has RANK run a task (DATA copied): it is never stolen from there.  To
 * this rank, it is a pinned local task.  Messages to one rank are
 * batched.  Same callers and returns as mpi_queue_push(), and -EINVAL
 * for a rank out of range.  Thread-safe.
 */
int mpi_queue_send(struct mpi_queue *q, int rank, const void *data,
    size_t len);

/*
 * Queues FN(q, ARG, worker) on this rank only (it runs after a cancel
 * too: mpi_queue_cancelled() tells it).  Returns 0 or -ENOMEM.
 * Thread-safe.
 */
int mpi_queue_push_local(struct mpi_queue *q, mpi_queue_local_fn *fn,
    void *arg);

/*
 * Runs until every task on every rank is done: the workers execute,
 * this thread moves messages.  Collective; call once, from the main
 * thread.  Returns 0, or -EPROTO if a malformed message arrived (the
 * run is then cancelled everywhere, and still ends everywhere).
 */
int mpi_queue_run(struct mpi_queue *q);

/*
 * Cancels the run on every rank.  Nothing is dropped: every task still
 * queued, in flight or added later is handed to exec exactly once,
 * marked MPI_QUEUE_CANCELLED, so that it can release what it holds (a
 * reference on a directory, a message to the rank that waits for it)
 * without doing its work; stealing stops; mpi_queue_run() returns on
 * every rank once the last task is through.  Async-signal-safe (it only
 * sets a flag; the message loop acts on it within poll_max_us).
 */
void mpi_queue_cancel(struct mpi_queue *q);

/* Whether this rank knows of a cancel (its own or another's).
 * Thread-safe. */
bool mpi_queue_cancelled(const struct mpi_queue *q);

/* This rank's counters.  Thread-safe (a snapshot). */
void mpi_queue_stats(const struct mpi_queue *q, struct mpi_queue_stats *s);

/*
 * Values combined over every rank by one collective, in place: `or`
 * bitwise OR (error flags), `sum` added (counters), `max` the largest.
 * Any array may be NULL with its count 0; every rank passes the same
 * counts.  `cancelled` is set when any rank was cancelled.
 */
struct mpi_queue_sums {
	uint64_t *or;
	size_t nor;
	uint64_t *sum;
	size_t nsum;
	uint64_t *max;
	size_t nmax;
	bool cancelled;
};

/*
 * After mpi_queue_run(): one MPI_Allreduce over every rank; on return
 * every rank holds the same values.  Collective, main thread.  Returns
 * 0, -EINVAL (counts differ between ranks, or too many), -ENOMEM.
 */
int mpi_queue_combine(struct mpi_queue *q, struct mpi_queue_sums *s);

/* Stops the workers and frees Q (NULL is fine).  Collective, main
 * thread, after mpi_queue_run(). */
void mpi_queue_free(struct mpi_queue *q);

#endif /* TS_MPI_QUEUE_H */
