/*
 * pool.h -- N worker threads and one work stack.
 *
 * Tasks are intrusive (embed struct pool_task) and know nothing of the
 * pool's internals; the pool knows nothing of files.  The stack is LIFO so
 * that the walk goes depth-first and the number of tasks waiting stays
 * proportional to the tree's depth times its fan-out, not to its size.
 *
 *	struct job { struct pool_task t; ... };
 *	static void run(struct pool_task *t, struct pool_worker *w) { ... }
 *
 *	pool_start(&p, 8);
 *	j->t.fn = run;
 *	pool_submit(&p, &j->t);
 *	pool_wait(&p);		// every task, and every task they submitted
 *	pool_stop(&p);
 */
#ifndef TS_POOL_H
#define TS_POOL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

struct pool;
struct pool_task;

/* Per-thread state handed to every task (a private copy buffer). */
struct pool_worker {
	struct pool *pool;
	int index;
	char *buf;		/* POOL_BUF_SIZE bytes */
	/* What the task is busy with (a path), for a watchdog's message;
	 * written by the worker only.  busy_len 0: nothing said. */
	atomic_int busy_len;
	char busy[512];
};

#define POOL_BUF_SIZE (1u << 20)

struct pool_task {
	struct pool_task *next;	/* owned by the pool while queued */
	void (*fn)(struct pool_task *t, struct pool_worker *w);
};

/*
 * Another executor in place of the threads (treesync-mpi: the MPI work
 * queue, docs/mpi.md): every pool_submit() goes to SUBMIT, which hands
 * the task to pool_run() on one of the executor's threads, and
 * pool_cancel() also calls CANCEL (which must be async-signal-safe).
 */
struct pool_ext {
	void *arg;
	void (*submit)(void *arg, struct pool_task *t);
	void (*cancel)(void *arg);
};

struct pool {
	const struct pool_ext *ext;	/* NULL: the pool's own threads */
	pthread_mutex_t lock;
	pthread_cond_t work;	/* signalled when a task is pushed or stop */
	pthread_cond_t idle;	/* signalled when pending reaches 0 */
	struct pool_task *top;	/* guarded by lock */
	size_t pending;		/* queued + running; guarded by lock */
	bool stopping;		/* guarded by lock */
	atomic_bool cancelled;	/* read without the lock by tasks */
	int nthreads;
	pthread_t *threads;
	struct pool_worker *workers;
};

/* Starts N (>= 1) workers.  0 or -errno. */
int pool_start(struct pool *p, int n);

/* Makes P a pool of N workers (their buffers, no threads) whose tasks
 * EXT runs.  0 or -errno.  pool_stop() frees it; pool_wait() is EXT's. */
int pool_start_external(struct pool *p, int n, const struct pool_ext *ext);

/* Runs T on worker W (0..N-1) of an external pool: for EXT's threads. */
void pool_run(struct pool *p, struct pool_task *t, int w);

/* Queues T; thread-safe, callable from tasks. */
void pool_submit(struct pool *p, struct pool_task *t);

/* Waits until every submitted task (and those they submit) has run. */
void pool_wait(struct pool *p);

/* pool_wait() for at most SECONDS: true when every task is done. */
bool pool_wait_for(struct pool *p, double seconds);

/*
 * A parallel loop: runs FN(CTX, i) once for every i < N, on the calling
 * thread and on up to HELPERS of P's workers that are free to join, and
 * returns when every call has returned.  The caller claims indices too,
 * so the loop never waits for a worker to become free: with every
 * worker busy it is an ordinary loop.  FN must not block on other tasks.
 * For many independent slow calls (statx over a network file system).
 */
void pool_for(struct pool *p, size_t n, unsigned helpers,
    void (*fn)(void *ctx, size_t i), void *ctx);

/* Says what W's task is busy with (NULL: nothing); cleared after each
 * task.  For messages about stuck work only. */
void pool_worker_busy(struct pool_worker *w, const char *what);

/* Asks tasks to stop doing new work (they still run, to clean up). */
void pool_cancel(struct pool *p);
bool pool_cancelled(struct pool *p);

/* Joins the workers and frees the pool's memory.  Tasks must be done. */
void pool_stop(struct pool *p);

#endif /* TS_POOL_H */
