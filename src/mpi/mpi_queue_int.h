/*
 * mpi_queue_int.h -- what mpi_queue.c (the rank's queue and its workers)
 * and mpi_loop.c (the message loop on the main thread) share.
 *
 * Lock order: q->lock is the only lock; no MPI call, no task and no
 * allocation of a message is made under it.
 */
#ifndef TS_MPI_QUEUE_INT_H
#define TS_MPI_QUEUE_INT_H

#include "mpi_queue.h"
#include "mpi_wire.h"

#include <pthread.h>
#include <stdatomic.h>

/* MPI tags on the queue's own communicator. */
enum { TAG_STEAL = 1, TAG_WORK = 2 };

/* One queued task.  A local closure has fn set and no data. */
struct item {
	struct item *prev, *next;
	uint64_t seq;		/* push order: the newest runs first */
	uint32_t len;
	int origin;
	unsigned flags;		/* enum mpi_queue_task_flags */
	bool capped;		/* counts against cfg.capped_max */
	mpi_queue_local_fn *fn;
	void *arg;
	unsigned char data[];
};

struct list {
	struct item *head;	/* oldest */
	struct item *tail;	/* newest */
	size_t n;
};

/* The message loop's state: main thread only. */
enum term_state {
	TERM_NONE,		/* no round in progress */
	TERM_BARRIER,		/* MPI_Ibarrier posted */
	TERM_BARRIER_DONE,	/* every rank went idle once; wait to be idle */
	TERM_REDUCE,		/* MPI_Iallreduce of the round's counts posted */
};

struct loop {
	MPI_Request *reqs;	/* MPI_Issend in flight */
	unsigned char **bufs;	/* their buffers, freed once matched */
	int nsend, capsend;
	int victim;		/* rank asked for work, -1: none */
	int tries;		/* random victims asked in this idle period */
	bool quiet;		/* every victim and lifeline refused */
	unsigned char *asked;	/* [size]: asked in this idle period */
	unsigned char *owe;	/* [size]: refused earlier: push work there */
	int nowe;
	int64_t work_out;	/* counted messages sent (tasks, cancels) */
	int64_t work_in;	/* counted messages received */
	enum term_state term;
	MPI_Request treq;
	int64_t tsend[2], tres[2];
	bool round_active;	/* a counted message came since the barrier */
	bool done;		/* termination detected */
	bool told;		/* another rank cancelled the run */
	struct list *per_rank;	/* [size]: the outbox being sent */
	bool drain_posted;	/* the final barrier is posted */
	MPI_Request dreq;
	unsigned interval_us;	/* current sleep between polls */
	bool idle;		/* at the last pass */
	uint64_t rng;
	int err;		/* first -EPROTO seen */
};

struct mpi_queue {
	struct mpi_queue_config cfg;
	MPI_Comm comm;		/* our duplicate */
	int rank, size;

	pthread_mutex_t lock;
	pthread_cond_t work;	/* workers: something queued, or stopping */
	pthread_cond_t wake;	/* the message loop: kicked */
	struct list steal;	/* lock: portable tasks, thieves take the head */
	struct list local;	/* lock: local closures, LIFO */
	struct list inbox;	/* lock: tasks sent here, FIFO */
	struct list *outbox;	/* lock: [size] tasks for other ranks */
	size_t noutbox;		/* lock */
	uint64_t seq;		/* lock */
	int running;		/* lock: workers inside a task */
	int capped_running;	/* lock: of which capped tasks */
	bool kicked;		/* lock */
	bool stopping;		/* lock */

	uint64_t split_round;	/* the loop's: replies split for */
	atomic_int owed;	/* ranks waiting for a push (loop writes) */
	atomic_bool cancel_req;	/* mpi_queue_cancel(): signal-safe */
	atomic_bool cancelled;	/* the cancel is in effect here */

	pthread_t *threads;
	int nthreads;

	struct {
		atomic_uint_fast64_t executed, local_run, pushed, sent,
		    received, stolen, given, steal_requests, steal_denied,
		    lifeline_pushes, cancelled_runs, messages_out, messages_in,
		    wakeups, term_rounds;
	} st;

	struct loop lp;
};

/* mpi_queue.c, for the loop.  All take q->lock themselves unless named
 * _locked, which expect it held. */
struct item *mpiq_item_new(const void *data, size_t len, int origin,
    unsigned flags);
void mpiq_list_append(struct list *l, struct item *it);
struct item *mpiq_list_pop_head(struct list *l);
void mpiq_free_list(struct list *l);

/* Queues IT (from a message) on the steal list or the inbox.  Takes the
 * lock. */
void mpiq_enqueue(struct mpi_queue *q, struct item *it);

/* Detaches the tasks a thief may have now, its share when PARTS ranks
 * share them (this one included; see mpi_queue.c), or leaves *OUT
 * empty.  Takes the lock. */
void mpiq_take_surplus(struct mpi_queue *q, struct list *out, size_t parts);

/* Nothing queued, nothing running, nothing to send.  Takes the lock. */
bool mpiq_idle(struct mpi_queue *q);

/* Moves the outbox into OUT[size] (each rank's tasks).  Takes the lock. */
bool mpiq_take_outbox(struct mpi_queue *q, struct list *out);


/* mpi_loop.c */
int mpiq_loop_init(struct mpi_queue *q);
void mpiq_loop_free(struct mpi_queue *q);

#endif /* TS_MPI_QUEUE_INT_H */
