/*
 * mpi_queue.c -- one rank's side of the distributed work queue: its task
 * lists, its worker threads, the calls that add work, the end-of-run
 * collective.  The message loop (stealing, termination) is mpi_loop.c.
 *
 * A rank keeps three lists under one lock.  `steal` holds portable tasks:
 * workers take the newest (a depth-first walk keeps the list short) and
 * thieves the oldest (in a walk, the shallowest directories: the largest
 * subtrees, one message for much work).  `local` holds closures that
 * never leave the rank, also newest first.  `inbox` holds tasks other
 * ranks addressed here, oldest first (they are messages: a reference
 * drop, an output line), and runs before the rest.
 *
 * Invariant: a rank is idle (mpiq_idle()) only when its three lists and
 * its outbox are empty and no worker is inside a task; a running task
 * that adds work does so before it is counted done.  The termination
 * protocol in mpi_loop.c depends on it.
 *
 * Workers never call MPI.  Memory of a task is one allocation, freed
 * when it has run or has been packed into a message.
 */
#include "mpi_queue_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static atomic_bool we_initialized;

int mpi_queue_init_mpi(int *argc, char ***argv)
{
	int inited = 0, provided = MPI_THREAD_SINGLE;

	MPI_Initialized(&inited);
	if (!inited) {
		if (MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED,
		    &provided) != MPI_SUCCESS)
			return -EPROTO;
		atomic_store(&we_initialized, true);
	} else {
		MPI_Query_thread(&provided);
	}
	return provided >= MPI_THREAD_FUNNELED ? 0 : -EPROTO;
}

void mpi_queue_finalize_mpi(void)
{
	int fin = 0;

	MPI_Finalized(&fin);
	if (atomic_load(&we_initialized) && !fin)
		MPI_Finalize();
}

void mpi_queue_config_init(struct mpi_queue_config *c)
{
	memset(c, 0, sizeof(*c));
	c->workers = 1;
	c->steal_max_bytes = 256 * 1024;
	c->steal_tries = -1;
	c->poll_min_us = 20;
	c->poll_max_us = 2000;
	c->poll_idle_us = 10000;
}

/* ------------------------------------------------------------ lists */

struct item *mpiq_item_new(const void *data, size_t len, int origin,
    unsigned flags)
{
	struct item *it;

	if (len > MPI_WIRE_MAX_TASK)
		return NULL;
	it = malloc(sizeof(*it) + len);
	if (!it)
		return NULL;
	memset(it, 0, sizeof(*it));
	it->len = (uint32_t)len;
	it->origin = origin;
	it->flags = flags;
	if (len)
		memcpy(it->data, data, len);
	return it;
}

void mpiq_list_append(struct list *l, struct item *it)
{
	it->next = NULL;
	it->prev = l->tail;
	if (l->tail)
		l->tail->next = it;
	else
		l->head = it;
	l->tail = it;
	l->n++;
}

static void unlink_item(struct list *l, struct item *it)
{
	if (it->prev)
		it->prev->next = it->next;
	else
		l->head = it->next;
	if (it->next)
		it->next->prev = it->prev;
	else
		l->tail = it->prev;
	it->prev = it->next = NULL;
	l->n--;
}

struct item *mpiq_list_pop_head(struct list *l)
{
	struct item *it = l->head;

	if (it)
		unlink_item(l, it);
	return it;
}

static struct item *pop_tail(struct list *l)
{
	struct item *it = l->tail;

	if (it)
		unlink_item(l, it);
	return it;
}

void mpiq_free_list(struct list *l)
{
	struct item *it;

	while ((it = mpiq_list_pop_head(l)))
		free(it);
}

/* Under q->lock: whether a worker may start IT now (cfg.capped_max). */
static bool may_start(const struct mpi_queue *q, const struct item *it)
{
	return !it->capped || q->size < 2 || q->cfg.capped_max <= 0 ||
	    q->capped_running < q->cfg.capped_max;
}

/* How far back from the newest portable task a worker looks for one it
 * may start: a bound on the time under the lock, not on correctness. */
#define START_LOOKBACK 64

/* Under q->lock: the newest portable task a worker may start, or NULL. */
static struct item *pop_startable(struct mpi_queue *q)
{
	struct item *it = q->steal.tail;
	int k;

	for (k = 0; it && k < START_LOOKBACK; k++, it = it->prev)
		if (may_start(q, it)) {
			unlink_item(&q->steal, it);
			return it;
		}
	return NULL;
}

/* Under q->lock: the next task for a worker, or NULL. */
static struct item *next_task_locked(struct mpi_queue *q)
{
	struct item *it;

	if (q->inbox.n)
		return mpiq_list_pop_head(&q->inbox);
	if (q->local.n &&
	    (!q->steal.n || q->local.tail->seq > q->steal.tail->seq))
		return pop_tail(&q->local);
	it = pop_startable(q);
	if (!it && q->local.n)
		it = pop_tail(&q->local);
	return it;
}

/* Marks IT portable-and-capped if the user says so (before queueing). */
static void classify(const struct mpi_queue *q, struct item *it)
{
	it->capped = !it->fn && !(it->flags & MPI_QUEUE_SENT) &&
	    q->cfg.capped && q->cfg.capped(it->data, it->len, q->cfg.user);
}

static bool idle_locked(const struct mpi_queue *q)
{
	return !q->steal.n && !q->local.n && !q->inbox.n && !q->running &&
	    !q->noutbox;
}

static void kick_locked(struct mpi_queue *q)
{
	q->kicked = true;
	pthread_cond_signal(&q->wake);
}

bool mpiq_idle(struct mpi_queue *q)
{
	bool idle;

	pthread_mutex_lock(&q->lock);
	idle = idle_locked(q);
	pthread_mutex_unlock(&q->lock);
	return idle;
}

/* ------------------------------------------------------------ workers */

struct worker_arg {
	struct mpi_queue *q;
	int index;
};

static void run_item(struct mpi_queue *q, struct item *it, int worker)
{
	struct mpi_queue_task t;

	if (it->fn) {
		it->fn(q, it->arg, worker);
		atomic_fetch_add(&q->st.local_run, 1);
		return;
	}
	t.data = it->data;
	t.len = it->len;
	t.origin = it->origin;
	t.flags = it->flags;
	if (atomic_load(&q->cancelled)) {
		t.flags |= MPI_QUEUE_CANCELLED;
		atomic_fetch_add(&q->st.cancelled_runs, 1);
	}
	t.worker = worker;
	q->cfg.exec(q, &t, q->cfg.user);
	atomic_fetch_add(&q->st.executed, 1);
}

static void *worker_main(void *arg)
{
	struct worker_arg *wa = arg;
	struct mpi_queue *q = wa->q;
	int index = wa->index;

	free(wa);
	pthread_mutex_lock(&q->lock);
	for (;;) {
		struct item *it;
		bool capped;

		while (!(it = next_task_locked(q)) && !q->stopping)
			pthread_cond_wait(&q->work, &q->lock);
		if (!it)
			break;	/* stopping, and nothing left */
		capped = it->capped;
		q->running++;
		q->capped_running += capped;
		pthread_mutex_unlock(&q->lock);

		run_item(q, it, index);
		free(it);

		pthread_mutex_lock(&q->lock);
		q->running--;
		if (capped) {
			/* A capped task waiting may start now. */
			q->capped_running--;
			pthread_cond_signal(&q->work);
		}
		/* The loop starts stealing (or a termination round) the
		 * moment the rank runs dry, not at its next poll. */
		if (idle_locked(q))
			kick_locked(q);
	}
	pthread_mutex_unlock(&q->lock);
	return NULL;
}

static int start_workers(struct mpi_queue *q)
{
	int i, r;

	q->threads = calloc((size_t)q->cfg.workers, sizeof(*q->threads));
	if (!q->threads)
		return -ENOMEM;
	for (i = 0; i < q->cfg.workers; i++) {
		struct worker_arg *wa = malloc(sizeof(*wa));

		if (!wa)
			return -ENOMEM;
		wa->q = q;
		wa->index = i;
		r = pthread_create(&q->threads[i], NULL, worker_main, wa);
		if (r) {
			free(wa);
			return -r;
		}
		q->nthreads++;
	}
	return 0;
}

static void stop_workers(struct mpi_queue *q)
{
	int i;

	pthread_mutex_lock(&q->lock);
	q->stopping = true;
	pthread_cond_broadcast(&q->work);
	pthread_mutex_unlock(&q->lock);
	for (i = 0; i < q->nthreads; i++)
		pthread_join(q->threads[i], NULL);
	q->nthreads = 0;
}

/* ------------------------------------------------------------ life */

static int check_mpi(void)
{
	int inited = 0, fin = 0, provided = MPI_THREAD_SINGLE, main_thread = 0;

	MPI_Initialized(&inited);
	MPI_Finalized(&fin);
	if (!inited || fin)
		return -EPROTO;
	MPI_Query_thread(&provided);
	MPI_Is_thread_main(&main_thread);
	return provided >= MPI_THREAD_FUNNELED && main_thread ? 0 : -EPROTO;
}

static int init_locks(struct mpi_queue *q)
{
	pthread_condattr_t ca;

	if (pthread_condattr_init(&ca))
		return -ENOMEM;
	/* The loop sleeps with a timeout on the monotonic clock. */
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->work, NULL);
	pthread_cond_init(&q->wake, &ca);
	pthread_condattr_destroy(&ca);
	return 0;
}

/* Every rank learns whether any rank failed R (collective). */
static int agree(MPI_Comm comm, int r)
{
	int worst = r;

	MPI_Allreduce(&r, &worst, 1, MPI_INT, MPI_MIN, comm);
	return r ? r : worst ? -ECANCELED : 0;
}

int mpi_queue_new(const struct mpi_queue_config *c, MPI_Comm comm,
    struct mpi_queue **qp)
{
	struct mpi_queue *q;
	int r;

	*qp = NULL;
	r = check_mpi();
	if (r)
		return r;
	q = calloc(1, sizeof(*q));
	if (!q)
		return agree(comm, -ENOMEM);
	q->cfg = *c;
	r = init_locks(q);
	MPI_Comm_dup(comm, &q->comm);
	MPI_Comm_rank(q->comm, &q->rank);
	MPI_Comm_size(q->comm, &q->size);
	if (c->workers < 1 || !c->exec || c->poll_min_us > 1000000 ||
	    c->poll_max_us > 1000000 || c->poll_idle_us > 1000000)
		r = -EINVAL;
	if (!r && q->cfg.poll_idle_us < q->cfg.poll_max_us)
		q->cfg.poll_idle_us = q->cfg.poll_max_us;
	if (!r && q->cfg.steal_tries < 0)
		q->cfg.steal_tries = q->size - 1 < 4 ? q->size - 1 : 4;
	if (!r && q->cfg.poll_min_us > q->cfg.poll_max_us)
		q->cfg.poll_min_us = q->cfg.poll_max_us;
	if (!r) {
		q->outbox = calloc((size_t)q->size, sizeof(*q->outbox));
		r = q->outbox ? mpiq_loop_init(q) : -ENOMEM;
	}
	if (!r)
		r = start_workers(q);
	r = agree(q->comm, r);
	if (r) {
		mpi_queue_free(q);
		return r;
	}
	*qp = q;
	return 0;
}

void mpi_queue_free(struct mpi_queue *q)
{
	int i;

	if (!q)
		return;
	stop_workers(q);
	free(q->threads);
	mpiq_free_list(&q->steal);
	mpiq_free_list(&q->local);
	mpiq_free_list(&q->inbox);
	for (i = 0; q->outbox && i < q->size; i++)
		mpiq_free_list(&q->outbox[i]);
	free(q->outbox);
	mpiq_loop_free(q);
	if (q->comm != MPI_COMM_NULL)
		MPI_Comm_free(&q->comm);
	pthread_mutex_destroy(&q->lock);
	pthread_cond_destroy(&q->work);
	pthread_cond_destroy(&q->wake);
	free(q);
}

int mpi_queue_rank(const struct mpi_queue *q)
{
	return q->rank;
}

int mpi_queue_size(const struct mpi_queue *q)
{
	return q->size;
}

/* ------------------------------------------------------------ adding work */

int mpi_queue_push(struct mpi_queue *q, const void *data, size_t len)
{
	struct item *it;
	bool surplus;

	if (len > MPI_WIRE_MAX_TASK)
		return -EMSGSIZE;
	it = mpiq_item_new(data, len, q->rank, 0);
	if (!it)
		return -ENOMEM;
	classify(q, it);
	pthread_mutex_lock(&q->lock);
	it->seq = ++q->seq;
	mpiq_list_append(&q->steal, it);
	pthread_cond_signal(&q->work);
	/* A rank that was refused earlier is waiting for a push. */
	surplus = q->steal.n >= 2 && atomic_load(&q->owed) > 0;
	if (surplus)
		kick_locked(q);
	pthread_mutex_unlock(&q->lock);
	atomic_fetch_add(&q->st.pushed, 1);
	return 0;
}

int mpi_queue_send(struct mpi_queue *q, int rank, const void *data,
    size_t len)
{
	struct item *it;

	if (rank < 0 || rank >= q->size)
		return -EINVAL;
	if (len > MPI_WIRE_MAX_TASK)
		return -EMSGSIZE;
	it = mpiq_item_new(data, len, q->rank, MPI_QUEUE_SENT);
	if (!it)
		return -ENOMEM;
	pthread_mutex_lock(&q->lock);
	if (rank == q->rank) {
		mpiq_list_append(&q->inbox, it);
		pthread_cond_signal(&q->work);
	} else {
		mpiq_list_append(&q->outbox[rank], it);
		if (q->noutbox++ == 0)
			kick_locked(q);
	}
	pthread_mutex_unlock(&q->lock);
	if (rank != q->rank)
		atomic_fetch_add(&q->st.sent, 1);
	return 0;
}

int mpi_queue_push_local(struct mpi_queue *q, mpi_queue_local_fn *fn,
    void *arg)
{
	struct item *it = mpiq_item_new(NULL, 0, q->rank, 0);

	if (!it)
		return -ENOMEM;
	it->fn = fn;
	it->arg = arg;
	pthread_mutex_lock(&q->lock);
	it->seq = ++q->seq;
	mpiq_list_append(&q->local, it);
	pthread_cond_signal(&q->work);
	pthread_mutex_unlock(&q->lock);
	return 0;
}

void mpiq_enqueue(struct mpi_queue *q, struct item *it)
{
	classify(q, it);
	pthread_mutex_lock(&q->lock);
	it->seq = ++q->seq;
	mpiq_list_append(it->flags & MPI_QUEUE_SENT ? &q->inbox : &q->steal,
	    it);
	pthread_cond_signal(&q->work);
	pthread_mutex_unlock(&q->lock);
}

/* Tasks cfg.split() carves out of running ones, for a thief that found
 * nothing queued (its own lock: not q->lock). */
static void take_split(struct mpi_queue *q, struct list *out)
{
	size_t bytes = 0, len;
	uint64_t round = ++q->split_round;
	void *data;

	while (out->n < (size_t)q->cfg.workers &&
	    bytes < q->cfg.steal_max_bytes &&
	    q->cfg.split(q->cfg.user, round, &data, &len)) {
		struct item *it = mpiq_item_new(data, len, q->rank, 0);

		free(data);
		if (!it) {
			/* The carved task is lost: the run cannot be
			 * complete (as a message that cannot be made). */
			atomic_store(&q->cancel_req, true);
			return;
		}
		bytes += len;
		mpiq_list_append(out, it);
	}
}

/*
 * A thief gets the oldest of the portable tasks, its share of them when
 * PARTS ranks share them (a thief that asks: half; the ranks this one
 * owes work and itself, when it pushes to them all at once, so that the
 * first does not get half and the last a small part), rounded up,
 * within steal_max_bytes, at least one, when this rank can spare them:
 * two or more queued, or one while no worker may start it (all busy, or
 * capped tasks at their limit: an idle worker would take it sooner than
 * a message could carry it away).  With none queued, what cfg.split()
 * carves out of running tasks.
 */
void mpiq_take_surplus(struct mpi_queue *q, struct list *out, size_t parts)
{
	size_t give, bytes = 0;

	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&q->lock);
	if (q->steal.n >= 2 || (q->steal.n == 1 &&
	    (q->running >= q->cfg.workers || !may_start(q, q->steal.head)))) {
		give = (q->steal.n + parts - 1) / parts;
		while (out->n < give) {
			struct item *it = q->steal.head;

			if (out->n && bytes + it->len > q->cfg.steal_max_bytes)
				break;
			bytes += it->len;
			mpiq_list_append(out, mpiq_list_pop_head(&q->steal));
		}
	}
	pthread_mutex_unlock(&q->lock);
	if (!out->n && q->cfg.split && !atomic_load(&q->cancelled))
		take_split(q, out);
}

bool mpiq_take_outbox(struct mpi_queue *q, struct list *out)
{
	bool any;
	int i;

	pthread_mutex_lock(&q->lock);
	any = q->noutbox > 0;
	if (any) {
		for (i = 0; i < q->size; i++) {
			out[i] = q->outbox[i];
			memset(&q->outbox[i], 0, sizeof(q->outbox[i]));
		}
		q->noutbox = 0;
	}
	pthread_mutex_unlock(&q->lock);
	return any;
}

/* ------------------------------------------------------------ state */

void mpi_queue_cancel(struct mpi_queue *q)
{
	atomic_store(&q->cancel_req, true);
}

bool mpi_queue_cancelled(const struct mpi_queue *q)
{
	return atomic_load(&q->cancelled) || atomic_load(&q->cancel_req);
}

void mpi_queue_stats(const struct mpi_queue *q, struct mpi_queue_stats *s)
{
	s->executed = atomic_load(&q->st.executed);
	s->local_run = atomic_load(&q->st.local_run);
	s->pushed = atomic_load(&q->st.pushed);
	s->sent = atomic_load(&q->st.sent);
	s->received = atomic_load(&q->st.received);
	s->stolen = atomic_load(&q->st.stolen);
	s->given = atomic_load(&q->st.given);
	s->steal_requests = atomic_load(&q->st.steal_requests);
	s->steal_denied = atomic_load(&q->st.steal_denied);
	s->lifeline_pushes = atomic_load(&q->st.lifeline_pushes);
	s->cancelled_runs = atomic_load(&q->st.cancelled_runs);
	s->messages_out = atomic_load(&q->st.messages_out);
	s->messages_in = atomic_load(&q->st.messages_in);
	s->wakeups = atomic_load(&q->st.wakeups);
	s->term_rounds = atomic_load(&q->st.term_rounds);
}

/* ------------------------------------------------------------ the end */

/*
 * The buffer of mpi_queue_combine(): a header of five values (the three
 * counts, cancelled, mismatch), then the OR, SUM and MAX parts.  The
 * counts travel along so that ranks that disagree on the layout are
 * found out instead of mixing sums with flags.
 */
enum { H_NOR, H_NSUM, H_NMAX, H_CANCELLED, H_BAD, H_LEN };

static void combine_op(void *in, void *inout, int *len, MPI_Datatype *dt)
{
	const uint64_t *a = in;
	uint64_t *b = inout;
	size_t i, n = (size_t)*len, k;

	(void)dt;
	if (n < H_LEN || a[H_NOR] != b[H_NOR] || a[H_NSUM] != b[H_NSUM] ||
	    a[H_NMAX] != b[H_NMAX] ||
	    H_LEN + a[H_NOR] + a[H_NSUM] + a[H_NMAX] != n) {
		if (n > H_BAD)
			b[H_BAD] = 1;
		return;
	}
	b[H_CANCELLED] |= a[H_CANCELLED];
	b[H_BAD] |= a[H_BAD];
	i = H_LEN;
	for (k = 0; k < a[H_NOR]; k++, i++)
		b[i] |= a[i];
	for (k = 0; k < a[H_NSUM]; k++, i++)
		b[i] += a[i];
	for (k = 0; k < a[H_NMAX]; k++, i++)
		b[i] = a[i] > b[i] ? a[i] : b[i];
}

/* memcpy of N values; an empty part may come with a NULL array. */
static void copy_in(uint64_t *to, const uint64_t *from, size_t n)
{
	if (n)
		memcpy(to, from, n * sizeof(*to));
}

int mpi_queue_combine(struct mpi_queue *q, struct mpi_queue_sums *s)
{
	size_t n = H_LEN + s->nor + s->nsum + s->nmax, i = H_LEN;
	uint64_t *buf;
	MPI_Op op;
	int bad;

	if (n > INT32_MAX / 8)
		return -EINVAL;
	buf = calloc(n, sizeof(*buf));
	if (!buf)
		return -ENOMEM;	/* the job ends: the others wait in vain */
	buf[H_NOR] = s->nor;
	buf[H_NSUM] = s->nsum;
	buf[H_NMAX] = s->nmax;
	buf[H_CANCELLED] = mpi_queue_cancelled(q);
	copy_in(buf + i, s->or, s->nor);
	i += s->nor;
	copy_in(buf + i, s->sum, s->nsum);
	i += s->nsum;
	copy_in(buf + i, s->max, s->nmax);
	MPI_Op_create(combine_op, 1, &op);
	MPI_Allreduce(MPI_IN_PLACE, buf, (int)n, MPI_UINT64_T, op, q->comm);
	MPI_Op_free(&op);
	bad = buf[H_BAD] != 0;
	if (!bad) {
		i = H_LEN;
		copy_in(s->or, buf + i, s->nor);
		i += s->nor;
		copy_in(s->sum, buf + i, s->nsum);
		i += s->nsum;
		copy_in(s->max, buf + i, s->nmax);
		s->cancelled = buf[H_CANCELLED] != 0;
	}
	free(buf);
	return bad ? -EINVAL : 0;
}
