/*
 * mpi_loop.c -- the message loop of the distributed work queue: work
 * stealing between ranks, termination detection, the drain at the end.
 *
 * One thread per rank makes every MPI call: the main thread, inside
 * mpi_queue_run() (MPI_THREAD_FUNNELED).  Workers never touch MPI; they
 * fill the rank's lists and its outbox and kick this loop.  Why not
 * MPI_THREAD_MULTIPLE with workers sending themselves: a blocking MPI
 * call in Open MPI spins on the CPU, so a worker waiting for a reply
 * would burn a core that the copy needs; every message would take the
 * library's big lock; and the termination protocol below reasons about
 * one sequence of sends and receives per rank, which one thread gives by
 * construction.
 *
 * No busy polling.  MPI has no call that sleeps until a message comes or
 * a thread signals, and Open MPI's blocking waits poll in a loop.  So the
 * loop sleeps on a condition variable, which workers signal when the
 * rank runs dry or has a message to send, and otherwise wakes to poll
 * MPI after poll_min_us, doubling while nothing happens up to
 * poll_max_us (2 ms) while the rank has work, poll_idle_us (10 ms) while
 * it has none: an idle rank costs about a hundred cheap
 * MPI_Improbe/MPI_Test calls a second, not a core.  Idle ranks do not
 * flood each other either: a thief asks up to steal_tries random ranks,
 * then its lifeline ranks (its hypercube neighbours, rank ^ 2^k: a
 * connected graph for any size), then goes quiet.  Every rank that said
 * no remembers the asker and pushes it tasks as soon as it has more than
 * it needs (Saraswat et al., "Lifeline-based global load balancing",
 * PPoPP 2011).  So while one rank works on a long task the others send
 * nothing at all.
 *
 * Termination: rounds of MPI_Ibarrier then MPI_Iallreduce, on the
 * queue's own communicator.  A rank enters a round's barrier only when it
 * is idle (nothing queued, running or to send); it keeps working if
 * tasks reach it meanwhile, and marks the round "active".  Once the
 * barrier completes (every rank was idle at some point), each rank, when
 * idle again, contributes (active, sent - received) of its counted
 * messages (those carrying tasks, and cancels) to the reduction.  All
 * zero means done.  Why it is right: let t be the moment the barrier
 * completed.  A rank with active = 0 was idle when it entered and
 * received no counted message from then until it contributed, so it
 * sent none either (an idle rank with nothing received has nothing to
 * give; cancels are counted and make the sum non-zero): every rank was
 * idle at t.  A task message in flight at t was sent before its sender
 * entered the barrier (counted in its sent) and received after its
 * receiver contributed (not counted), so the sum would not be zero.
 * Hence all zero means: at t, no rank had work and no work was in
 * flight, and nothing can create work from there.  Otherwise a new round
 * starts once the rank is idle.  Why this and not Dijkstra-Safra's token
 * ring (libcircle's): the same silence while ranks work (a rank enters
 * a round only when idle and waits in it without traffic), but the end
 * is seen in two collectives of O(log P) steps instead of a token that
 * needs up to two trips around all P ranks, and a rank that gets work
 * back in the middle of a round needs no colouring rule: the round just
 * fails.
 *
 * The drain: every message is an MPI_Issend, complete only once the
 * receiver has matched it.  After the decision a rank stops asking and
 * giving, waits until its own sends are matched (still answering
 * requests that arrive, with "nothing"), then enters a last barrier,
 * still receiving until it completes.  No message is left unreceived
 * when mpi_queue_run() returns.
 */
#include "mpi_queue_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ------------------------------------------------------------ sends */

/* An error that loses work (no memory for a message, a malformed one):
 * the run cannot be complete, so it is cancelled everywhere. */
static void fail(struct mpi_queue *q, int err)
{
	if (!q->lp.err)
		q->lp.err = err;
	atomic_store(&q->cancel_req, true);
}

/* Posts one send of BUF (ours until matched; NULL for an empty one).
 * COUNTED: it carries tasks or a cancel (termination counts it). */
static int post(struct mpi_queue *q, int dest, int tag, unsigned char *buf,
    size_t len, bool counted)
{
	struct loop *lp = &q->lp;

	if (lp->nsend == lp->capsend) {
		int cap = lp->capsend ? lp->capsend * 2 : 16;
		MPI_Request *r = realloc(lp->reqs, (size_t)cap * sizeof(*r));
		unsigned char **b;

		if (!r) {
			free(buf);
			fail(q, -ENOMEM);
			return -ENOMEM;
		}
		lp->reqs = r;
		b = realloc(lp->bufs, (size_t)cap * sizeof(*b));
		if (!b) {
			free(buf);
			fail(q, -ENOMEM);
			return -ENOMEM;
		}
		lp->bufs = b;
		lp->capsend = cap;
	}
	MPI_Issend(buf, (int)len, MPI_BYTE, dest, tag, q->comm,
	    &lp->reqs[lp->nsend]);
	lp->bufs[lp->nsend++] = buf;
	atomic_fetch_add(&q->st.messages_out, 1);
	if (counted)
		lp->work_out++;
	return 0;
}

/* Frees the buffers of the sends that were matched.  True if any. */
static bool reap_sends(struct mpi_queue *q)
{
	struct loop *lp = &q->lp;
	int i, j, flag;

	if (!lp->nsend)
		return false;
	MPI_Testall(lp->nsend, lp->reqs, &flag, MPI_STATUSES_IGNORE);
	if (flag) {
		for (i = 0; i < lp->nsend; i++)
			free(lp->bufs[i]);
		lp->nsend = 0;
		return true;
	}
	/* Some are still waiting: test one by one and compact. */
	for (i = j = 0; i < lp->nsend; i++) {
		MPI_Test(&lp->reqs[i], &flag, MPI_STATUS_IGNORE);
		if (flag) {
			free(lp->bufs[i]);
			continue;
		}
		lp->reqs[j] = lp->reqs[i];
		lp->bufs[j++] = lp->bufs[i];
	}
	flag = j < lp->nsend;
	lp->nsend = j;
	return flag;
}

/* Packs the tasks of L (consumed) into messages of KIND to DEST: as many
 * as steal_max_bytes asks.  Returns the number of messages or -errno. */
static int send_tasks(struct mpi_queue *q, int dest, enum mpi_wire_kind kind,
    struct list *l)
{
	struct item *it;
	struct mpi_wire w;
	int n = 0, r = 0;

	while (l->n && !r) {
		r = mpi_wire_init(&w, kind);
		while (!r && (it = l->head)) {
			if (w.ntasks && mpi_wire_len_with(&w, it->len) >
			    q->cfg.steal_max_bytes)
				break;
			r = mpi_wire_add(&w, it->origin, it->data, it->len);
			if (!r)
				free(mpiq_list_pop_head(l));
		}
		if (r) {
			mpi_wire_release(&w);
			break;
		}
		r = post(q, dest, TAG_WORK, w.buf, w.len, true);
		n++;
	}
	if (r)
		fail(q, r);
	mpiq_free_list(l);	/* what an error left */
	return r ? r : n;
}

static int send_empty(struct mpi_queue *q, int dest, enum mpi_wire_kind kind)
{
	struct mpi_wire w;
	int r = mpi_wire_init(&w, kind);

	if (r) {
		fail(q, r);
		return r;
	}
	return post(q, dest, TAG_WORK, w.buf, w.len, kind == MPI_WIRE_CANCEL);
}

/* ------------------------------------------------------------ stealing */

static uint64_t rnd(struct loop *lp)
{
	/* xorshift64*: victims need spread, not quality. */
	lp->rng ^= lp->rng >> 12;
	lp->rng ^= lp->rng << 25;
	lp->rng ^= lp->rng >> 27;
	return lp->rng * 0x2545f4914f6cdd1dULL;
}

/* A new idle period: ask anyone again. */
static void reset_thief(struct mpi_queue *q)
{
	q->lp.tries = 0;
	q->lp.quiet = false;
	memset(q->lp.asked, 0, (size_t)q->size);
}

/* The next rank to ask in this idle period, or -1: go quiet. */
static int next_victim(struct mpi_queue *q)
{
	struct loop *lp = &q->lp;
	int others = q->size - 1, v, i, b;

	if (lp->tries < q->cfg.steal_tries) {
		v = (int)(rnd(lp) % (uint64_t)others);
		for (i = 0; i < others; i++) {
			int r = (q->rank + 1 + (v + i) % others) % q->size;

			if (!lp->asked[r]) {
				lp->tries++;
				return r;
			}
		}
	}
	for (b = 1; b < q->size; b <<= 1) {	/* the lifelines */
		v = q->rank ^ b;
		if (v < q->size && !lp->asked[v])
			return v;
	}
	return -1;
}

static void ask_for_work(struct mpi_queue *q)
{
	struct loop *lp = &q->lp;
	int v = next_victim(q);

	if (v < 0) {
		lp->quiet = true;
		return;
	}
	lp->asked[v] = 1;
	if (post(q, v, TAG_STEAL, NULL, 0, false) == 0) {
		lp->victim = v;
		atomic_fetch_add(&q->st.steal_requests, 1);
	}
}

/* RANK asks for work: give the oldest surplus, or say no and owe it. */
static int answer_steal(struct mpi_queue *q, int rank)
{
	struct loop *lp = &q->lp;
	struct list give;
	size_t n;
	int r;

	if (!lp->done && !atomic_load(&q->cancelled)) {
		mpiq_take_surplus(q, &give, 2);
		if (give.n) {
			n = give.n;
			r = send_tasks(q, rank, MPI_WIRE_REPLY, &give);
			if (r > 0)
				atomic_fetch_add(&q->st.given, n);
			return r < 0 ? r : 0;
		}
		if (!lp->owe[rank]) {
			lp->owe[rank] = 1;
			lp->nowe++;
			atomic_store(&q->owed, lp->nowe);
		}
	}
	return send_empty(q, rank, MPI_WIRE_REPLY);
}

/* Gives surplus tasks to the ranks that were refused earlier, an equal
 * share each (at the start every other rank waits for the root's
 * children: halving gave the first 1/2 of them, the third 1/8). */
static bool push_owed(struct mpi_queue *q)
{
	struct loop *lp = &q->lp;
	struct list give;
	bool any = false;
	int i, r;

	if (!lp->nowe || lp->done || atomic_load(&q->cancelled))
		return false;
	for (i = 0; i < q->size && lp->nowe; i++) {
		r = (q->rank + 1 + i) % q->size;
		if (!lp->owe[r])
			continue;
		mpiq_take_surplus(q, &give, (size_t)lp->nowe + 1);
		if (!give.n)
			break;
		atomic_fetch_add(&q->st.given, give.n);
		if (send_tasks(q, r, MPI_WIRE_PUSH, &give) > 0)
			atomic_fetch_add(&q->st.lifeline_pushes, 1);
		lp->owe[r] = 0;
		lp->nowe--;
		any = true;
	}
	atomic_store(&q->owed, lp->nowe);
	return any;
}

/* ------------------------------------------------------------ receiving */

struct rx {
	struct mpi_queue *q;
	unsigned flags;
};

static int take_task(void *ctx, int origin, const void *data, size_t len)
{
	struct rx *rx = ctx;
	struct item *it = mpiq_item_new(data, len, origin, rx->flags);

	if (!it)
		return -ENOMEM;
	mpiq_enqueue(rx->q, it);
	return 0;
}

/* A TAG_WORK message from SRC. */
static int on_work(struct mpi_queue *q, int src, const void *msg, size_t len)
{
	struct loop *lp = &q->lp;
	enum mpi_wire_kind kind;
	struct rx rx = { q, 0 };
	uint32_t k, n;
	int r;

	r = mpi_wire_peek(msg, len, &k, &n);
	if (r)
		return r;	/* shorter than any message we send */
	/* Counted as its sender counted it, whatever follows: a count
	 * that never balances would hold the run forever. */
	if (n || k == MPI_WIRE_CANCEL) {
		lp->work_in++;
		lp->round_active = true;
	}
	r = mpi_wire_parse(msg, len, &kind, NULL, NULL);
	if (r)
		return r;
	rx.flags = kind == MPI_WIRE_SEND ? MPI_QUEUE_SENT : MPI_QUEUE_STOLEN;
	if (kind == MPI_WIRE_CANCEL) {
		lp->told = true;
		atomic_store(&q->cancel_req, true);
	}
	else if (kind == MPI_WIRE_SEND)
		atomic_fetch_add(&q->st.received, n);
	else if (n)
		atomic_fetch_add(&q->st.stolen, n);
	if (kind == MPI_WIRE_REPLY && src == lp->victim) {
		lp->victim = -1;
		if (!n)
			atomic_fetch_add(&q->st.steal_denied, 1);
	}
	if (!n)
		return 0;
	reset_thief(q);
	return mpi_wire_parse(msg, len, &kind, take_task, &rx);
}

/* Receives every message that has arrived.  True if any did. */
static bool receive(struct mpi_queue *q)
{
	bool any = false;

	for (;;) {
		MPI_Message m;
		MPI_Status st;
		unsigned char *buf = NULL;
		int flag = 0, count = 0, r = 0;

		MPI_Improbe(MPI_ANY_SOURCE, MPI_ANY_TAG, q->comm, &flag, &m,
		    &st);
		if (!flag)
			return any;
		any = true;
		MPI_Get_count(&st, MPI_BYTE, &count);
		if (count > 0 && !(buf = malloc((size_t)count)))
			r = -ENOMEM;
		/* Even without a buffer the message must be taken off. */
		MPI_Mrecv(buf, buf ? count : 0, MPI_BYTE, &m, MPI_STATUS_IGNORE);
		atomic_fetch_add(&q->st.messages_in, 1);
		if (!r && st.MPI_TAG == TAG_STEAL)
			r = answer_steal(q, st.MPI_SOURCE);
		else if (!r && st.MPI_TAG == TAG_WORK)
			r = on_work(q, st.MPI_SOURCE, buf, (size_t)count);
		else if (!r)
			r = -EPROTO;
		free(buf);
		if (r)
			fail(q, r);
	}
}

/* ------------------------------------------------------------ the loop */

/* A cancel asked here (mpi_queue_cancel(), an error) or told by another
 * rank: from now on tasks run marked cancelled and nothing is stolen;
 * unless told, tell every other rank, once. */
static bool handle_cancel(struct mpi_queue *q)
{
	int i;

	if (atomic_load(&q->cancelled) || !atomic_load(&q->cancel_req))
		return false;
	atomic_store(&q->cancelled, true);
	if (q->lp.told || q->lp.done)
		return true;
	for (i = 0; i < q->size; i++)
		if (i != q->rank)
			send_empty(q, i, MPI_WIRE_CANCEL);
	return true;
}

/* Sends what workers addressed to other ranks (after a cancel too:
 * they are how tasks release what other ranks wait for).  True if
 * anything went. */
static bool flush_outbox(struct mpi_queue *q)
{
	struct list *per_rank = q->lp.per_rank;
	int i;

	if (!mpiq_take_outbox(q, per_rank))
		return false;
	for (i = 0; i < q->size; i++)
		if (per_rank[i].n)
			send_tasks(q, i, MPI_WIRE_SEND, &per_rank[i]);
	return true;
}

/* One step of the termination protocol (see the head comment).  True
 * when the state changed. */
static bool terminate_step(struct mpi_queue *q, bool idle)
{
	struct loop *lp = &q->lp;
	int flag = 0;

	switch (lp->term) {
	case TERM_NONE:
		if (!idle)
			return false;
		lp->round_active = false;
		MPI_Ibarrier(q->comm, &lp->treq);
		lp->term = TERM_BARRIER;
		atomic_fetch_add(&q->st.term_rounds, 1);
		return true;
	case TERM_BARRIER:
		MPI_Test(&lp->treq, &flag, MPI_STATUS_IGNORE);
		if (!flag)
			return false;
		lp->term = TERM_BARRIER_DONE;
		if (!idle)
			return true;
		/* fall through */
	case TERM_BARRIER_DONE:
		if (!idle)
			return false;	/* no change: no reason to poll sooner */
		lp->tsend[0] = lp->round_active;
		lp->tsend[1] = lp->work_out - lp->work_in;
		MPI_Iallreduce(lp->tsend, lp->tres, 2, MPI_INT64_T, MPI_SUM,
		    q->comm, &lp->treq);
		lp->term = TERM_REDUCE;
		return true;
	case TERM_REDUCE:
		MPI_Test(&lp->treq, &flag, MPI_STATUS_IGNORE);
		if (!flag)
			return false;
		if (lp->tres[0] == 0 && lp->tres[1] == 0)
			lp->done = true;
		lp->term = TERM_NONE;
		return true;
	}
	return false;
}

/* Sleeps until a worker kicks or the poll interval passes.  BUSY: the
 * last pass did something, so poll again soon.  IDLE: this rank has no
 * work and no request out, so nobody waits for its answer (a thief's
 * request still gets one within poll_idle_us). */
static void wait_a_little(struct mpi_queue *q, bool busy, bool idle)
{
	struct loop *lp = &q->lp;
	unsigned cap = idle && lp->victim < 0 ? q->cfg.poll_idle_us :
	    q->cfg.poll_max_us;
	struct timespec until;

	if (busy)
		lp->interval_us = q->cfg.poll_min_us;
	else if (lp->interval_us < cap)
		lp->interval_us = lp->interval_us * 2 > cap ? cap :
		    lp->interval_us * 2;
	else
		lp->interval_us = cap;
	if (!lp->interval_us)
		lp->interval_us = q->cfg.poll_min_us ? q->cfg.poll_min_us : 1;
	if (!q->cfg.poll_max_us)
		return;	/* the busy loop asked for comparison */
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_nsec += (long)lp->interval_us * 1000;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec += until.tv_nsec / 1000000000L;
		until.tv_nsec %= 1000000000L;
	}
	pthread_mutex_lock(&q->lock);
	if (!q->kicked)
		pthread_cond_timedwait(&q->wake, &q->lock, &until);
	q->kicked = false;
	pthread_mutex_unlock(&q->lock);
}

/* One pass while the run goes on.  True if anything happened. */
static bool pass(struct mpi_queue *q)
{
	struct loop *lp = &q->lp;
	bool busy = false, idle;

	busy |= receive(q);
	busy |= handle_cancel(q);
	busy |= reap_sends(q);
	busy |= flush_outbox(q);
	busy |= push_owed(q);
	idle = mpiq_idle(q);
	if (idle && q->size > 1 && lp->victim < 0 && !lp->quiet &&
	    !atomic_load(&q->cancelled)) {
		ask_for_work(q);
		busy = true;
	}
	busy |= terminate_step(q, idle);
	lp->idle = idle;
	return busy;
}

/* After the decision: until every send of ours is matched and every rank
 * has said so in a last barrier, keep receiving (and refusing). */
static void drain(struct mpi_queue *q)
{
	struct loop *lp = &q->lp;
	bool busy = true;
	int flag = 0;

	for (;;) {
		busy = receive(q);
		busy |= reap_sends(q);
		if (!lp->nsend && !lp->drain_posted) {
			MPI_Ibarrier(q->comm, &lp->dreq);
			lp->drain_posted = true;
		}
		if (lp->drain_posted) {
			MPI_Test(&lp->dreq, &flag, MPI_STATUS_IGNORE);
			if (flag)
				return;
		}
		atomic_fetch_add(&q->st.wakeups, 1);
		wait_a_little(q, busy, true);
	}
}

int mpi_queue_run(struct mpi_queue *q)
{
	struct loop *lp = &q->lp;

	lp->interval_us = q->cfg.poll_min_us;
	for (;;) {
		bool busy = pass(q);

		if (lp->done)
			break;
		atomic_fetch_add(&q->st.wakeups, 1);
		wait_a_little(q, busy, lp->idle);
	}
	drain(q);
	return lp->err;
}

int mpiq_loop_init(struct mpi_queue *q)
{
	struct loop *lp = &q->lp;

	memset(lp, 0, sizeof(*lp));
	lp->victim = -1;
	lp->term = TERM_NONE;
	lp->rng = q->cfg.seed ? q->cfg.seed :
	    ((uint64_t)q->rank + 1) * 0x9e3779b97f4a7c15ULL ^
	    (uint64_t)time(NULL);
	if (!lp->rng)
		lp->rng = 1;
	lp->asked = calloc((size_t)q->size, 1);
	lp->owe = calloc((size_t)q->size, 1);
	lp->per_rank = calloc((size_t)q->size, sizeof(*lp->per_rank));
	return lp->asked && lp->owe && lp->per_rank ? 0 : -ENOMEM;
}

void mpiq_loop_free(struct mpi_queue *q)
{
	struct loop *lp = &q->lp;
	int i;

	for (i = 0; i < lp->nsend; i++)
		free(lp->bufs[i]);
	free(lp->reqs);
	free(lp->bufs);
	free(lp->asked);
	free(lp->owe);
	free(lp->per_rank);
	memset(lp, 0, sizeof(*lp));
}
