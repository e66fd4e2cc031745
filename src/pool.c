/*
 * pool.c -- worker threads over a LIFO stack of intrusive tasks.
 *
 * Invariant: `pending` counts tasks pushed and not yet finished, so it can
 * only reach 0 when nothing is queued and nothing runs: a running task
 * that submits children increments it before it itself is counted done.
 * Lock order: only p->lock exists here; tasks never run under it.
 */
#include "pool.h"

#include "util.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <stdlib.h>

static void *worker_main(void *arg)
{
	struct pool_worker *w = arg;
	struct pool *p = w->pool;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		struct pool_task *t;

		while (!p->top && !p->stopping)
			pthread_cond_wait(&p->work, &p->lock);
		if (!p->top)
			break;
		t = p->top;
		p->top = t->next;
		pthread_mutex_unlock(&p->lock);

		t->fn(t, w);	/* may free t */
		pool_worker_busy(w, NULL);

		pthread_mutex_lock(&p->lock);
		if (--p->pending == 0)
			pthread_cond_broadcast(&p->idle);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

int pool_start(struct pool *p, int n)
{
	int i, r;

	if (n < 1)
		n = 1;
	p->ext = NULL;
	p->top = NULL;
	p->pending = 0;
	p->stopping = false;
	atomic_init(&p->cancelled, false);
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->idle, NULL);
	p->threads = xcalloc((size_t)n, sizeof(*p->threads));
	p->workers = xcalloc((size_t)n, sizeof(*p->workers));
	p->nthreads = 0;
	for (i = 0; i < n; i++) {
		p->workers[i].pool = p;
		p->workers[i].index = i;
		p->workers[i].buf = xmalloc(POOL_BUF_SIZE);
		r = pthread_create(&p->threads[i], NULL, worker_main,
		    &p->workers[i]);
		if (r != 0) {
			free(p->workers[i].buf);
			if (i == 0)
				return -r;
			break;	/* run with the threads we got */
		}
		p->nthreads++;
	}
	return 0;
}

int pool_start_external(struct pool *p, int n, const struct pool_ext *ext)
{
	int i;

	if (n < 1)
		n = 1;
	memset(p, 0, sizeof(*p));
	p->ext = ext;
	atomic_init(&p->cancelled, false);
	p->workers = xcalloc((size_t)n, sizeof(*p->workers));
	for (i = 0; i < n; i++) {
		p->workers[i].pool = p;
		p->workers[i].index = i;
		p->workers[i].buf = xmalloc(POOL_BUF_SIZE);
	}
	p->nthreads = n;
	return 0;
}

void pool_run(struct pool *p, struct pool_task *t, int w)
{
	struct pool_worker *pw = &p->workers[w];

	t->fn(t, pw);	/* may free t */
	pool_worker_busy(pw, NULL);
}

void pool_submit(struct pool *p, struct pool_task *t)
{
	if (p->ext) {
		p->ext->submit(p->ext->arg, t);
		return;
	}
	pthread_mutex_lock(&p->lock);
	t->next = p->top;
	p->top = t;
	p->pending++;
	pthread_cond_signal(&p->work);
	pthread_mutex_unlock(&p->lock);
}

void pool_wait(struct pool *p)
{
	pthread_mutex_lock(&p->lock);
	while (p->pending > 0)
		pthread_cond_wait(&p->idle, &p->lock);
	pthread_mutex_unlock(&p->lock);
}

bool pool_wait_for(struct pool *p, double seconds)
{
	struct timespec until;
	bool idle;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += (time_t)seconds;
	until.tv_nsec += (long)((seconds - (double)(time_t)seconds) * 1e9);
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&p->lock);
	while (p->pending > 0 &&
	    pthread_cond_timedwait(&p->idle, &p->lock, &until) == 0)
		;
	idle = p->pending == 0;
	pthread_mutex_unlock(&p->lock);
	return idle;
}

void pool_cancel(struct pool *p)
{
	atomic_store(&p->cancelled, true);
	if (p->ext && p->ext->cancel)
		p->ext->cancel(p->ext->arg);
}

bool pool_cancelled(struct pool *p)
{
	return atomic_load(&p->cancelled);
}

void pool_stop(struct pool *p)
{
	int i;

	if (p->ext) {
		for (i = 0; i < p->nthreads; i++)
			free(p->workers[i].buf);
		free(p->workers);
		p->workers = NULL;
		return;
	}
	pthread_mutex_lock(&p->lock);
	p->stopping = true;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->lock);
	for (i = 0; i < p->nthreads; i++) {
		pthread_join(p->threads[i], NULL);
		free(p->workers[i].buf);
	}
	free(p->threads);
	free(p->workers);
	p->threads = NULL;
	p->workers = NULL;
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->work);
	pthread_cond_destroy(&p->idle);
}

/* --- pool_for() -------------------------------------------------------- */

struct pfor;

struct pfor_helper {
	struct pool_task task;
	struct pfor *f;
};

/* One parallel loop, shared by its caller and its helper tasks; freed by
 * whichever of them lets go of it last. */
struct pfor {
	void (*fn)(void *ctx, size_t i);
	void *ctx;
	size_t n;
	atomic_size_t next;	/* the next index to claim */
	pthread_mutex_t lock;
	pthread_cond_t done_cv;
	size_t done;		/* calls returned; guarded by lock */
	unsigned refs;		/* caller + helpers not run yet; by lock */
	struct pfor_helper helpers[];
};

static void pfor_unref(struct pfor *f)
{
	unsigned left;

	pthread_mutex_lock(&f->lock);
	left = --f->refs;
	pthread_mutex_unlock(&f->lock);
	if (left)
		return;
	pthread_mutex_destroy(&f->lock);
	pthread_cond_destroy(&f->done_cv);
	free(f);
}

/* Claims and runs indices until none is left; counts what it ran. */
static void pfor_work(struct pfor *f)
{
	size_t i, ran = 0;

	while ((i = atomic_fetch_add(&f->next, 1)) < f->n) {
		f->fn(f->ctx, i);
		ran++;
	}
	if (!ran)
		return;
	pthread_mutex_lock(&f->lock);
	f->done += ran;
	if (f->done == f->n)
		pthread_cond_broadcast(&f->done_cv);
	pthread_mutex_unlock(&f->lock);
}

static void pfor_task(struct pool_task *t, struct pool_worker *w)
{
	struct pfor *f = ((struct pfor_helper *)t)->f;	/* task: first */

	(void)w;
	pfor_work(f);
	pfor_unref(f);
}

void pool_for(struct pool *p, size_t n, unsigned helpers,
    void (*fn)(void *ctx, size_t i), void *ctx)
{
	struct pfor *f;
	unsigned k;

	if (helpers > n - (n > 0))
		helpers = (unsigned)(n - (n > 0));
	if (helpers == 0) {
		size_t i;

		for (i = 0; i < n; i++)
			fn(ctx, i);
		return;
	}
	f = xcalloc(1, sizeof(*f) + helpers * sizeof(f->helpers[0]));
	f->fn = fn;
	f->ctx = ctx;
	f->n = n;
	atomic_init(&f->next, 0);
	pthread_mutex_init(&f->lock, NULL);
	pthread_cond_init(&f->done_cv, NULL);
	f->refs = helpers + 1;
	for (k = 0; k < helpers; k++) {
		f->helpers[k].f = f;
		f->helpers[k].task.fn = pfor_task;
		pool_submit(p, &f->helpers[k].task);
	}
	pfor_work(f);
	pthread_mutex_lock(&f->lock);
	while (f->done < f->n)
		pthread_cond_wait(&f->done_cv, &f->lock);
	pthread_mutex_unlock(&f->lock);
	pfor_unref(f);
}

void pool_worker_busy(struct pool_worker *w, const char *what)
{
	if (!what) {
		atomic_store(&w->busy_len, 0);
		return;
	}
	/* Torn reads are harmless (a message), so a length and a buffer
	 * are enough: the length is written last, cleared first. */
	atomic_store(&w->busy_len, 0);
	snprintf(w->busy, sizeof(w->busy), "%s", what);
	atomic_store(&w->busy_len, (int)strlen(w->busy));
}
