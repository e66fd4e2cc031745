/* Unit tests for pool.c: tasks that spawn tasks all run, once; an
 * external executor (treesync-mpi's) gets every task and every cancel;
 * pool_for() runs every index once, on several threads when workers are
 * free, and alone when none is. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "pool.h"

struct node {
	struct pool_task t;
	int depth;
};

static atomic_int ran;

static void run(struct pool_task *t, struct pool_worker *w)
{
	struct node *n = (struct node *)t;
	int i;

	atomic_fetch_add(&ran, 1);
	if (n->depth < 6) {
		for (i = 0; i < 3; i++) {
			struct node *c = malloc(sizeof(*c));

			c->t.fn = run;
			c->depth = n->depth + 1;
			pool_submit(w->pool, &c->t);
		}
	}
	free(n);
}

static void tree_of_tasks(int threads)
{
	struct pool p;
	struct node *root = malloc(sizeof(*root));

	atomic_store(&ran, 0);
	assert_int_equal(pool_start(&p, threads), 0);
	root->t.fn = run;
	root->depth = 0;
	pool_submit(&p, &root->t);
	pool_wait(&p);
	/* 1 + 3 + ... + 3^6 */
	assert_int_equal(atomic_load(&ran), 1093);
	pool_stop(&p);
}

static void test_one_thread(void **state)
{
	(void)state;
	tree_of_tasks(1);
}

static void test_many_threads(void **state)
{
	(void)state;
	tree_of_tasks(16);
}

/* --- pool_for() ----------------------------------------------------------- */

#define FOR_N 64

struct for_ctx {
	atomic_int hits[FOR_N];
	atomic_int entered;		/* calls started */
	pthread_mutex_t lock;
	pthread_t seen[FOR_N];		/* distinct threads that ran a call */
	int nseen;
	atomic_bool wait_for_company;	/* calls wait for a second thread */
};

static void for_note_thread(struct for_ctx *c)
{
	pthread_t me = pthread_self();
	int k;

	pthread_mutex_lock(&c->lock);
	for (k = 0; k < c->nseen && !pthread_equal(c->seen[k], me); k++)
		;
	if (k == c->nseen)
		c->seen[c->nseen++] = me;
	pthread_mutex_unlock(&c->lock);
}

static int for_threads(struct for_ctx *c)
{
	int n;

	pthread_mutex_lock(&c->lock);
	n = c->nseen;
	pthread_mutex_unlock(&c->lock);
	return n;
}

static void for_fn(void *ctx, size_t i)
{
	struct for_ctx *c = ctx;
	struct timespec ms = { 0, 1000000 };
	int tries;

	atomic_fetch_add(&c->hits[i], 1);
	atomic_fetch_add(&c->entered, 1);
	for_note_thread(c);
	/* A call that waits (as a statx over a network does) for another
	 * thread to join: up to 10 s once, so that a pool whose helpers
	 * never come shows as one thread, not as a hang. */
	for (tries = 0; atomic_load(&c->wait_for_company) &&
	    for_threads(c) < 2; tries++) {
		if (tries == 10000) {
			atomic_store(&c->wait_for_company, false);
			break;
		}
		nanosleep(&ms, NULL);
	}
}

static void for_ctx_init(struct for_ctx *c, bool wait)
{
	int i;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < FOR_N; i++)
		atomic_init(&c->hits[i], 0);
	pthread_mutex_init(&c->lock, NULL);
	atomic_init(&c->wait_for_company, wait);
}

static void test_for_every_index_once(void **state)
{
	static const size_t ns[] = { 0, 1, 2, 7, FOR_N };
	static const unsigned helpers[] = { 0, 1, 3, 200 };
	struct pool p;
	size_t a, b, i;

	(void)state;
	assert_int_equal(pool_start(&p, 4), 0);
	for (a = 0; a < sizeof(ns) / sizeof(ns[0]); a++)
		for (b = 0; b < sizeof(helpers) / sizeof(helpers[0]); b++) {
			struct for_ctx c;

			for_ctx_init(&c, false);
			pool_for(&p, ns[a], helpers[b], for_fn, &c);
			for (i = 0; i < FOR_N; i++)
				assert_int_equal(atomic_load(&c.hits[i]),
				    i < ns[a] ? 1 : 0);
			pthread_mutex_destroy(&c.lock);
		}
	pool_wait(&p);		/* late helpers found nothing, and ended */
	pool_stop(&p);
}

/* Called from a task while the other workers are free: they join. */
struct for_task {
	struct pool_task t;
	struct for_ctx c;
	int threads;
};

static void for_in_task(struct pool_task *t, struct pool_worker *w)
{
	struct for_task *ft = (struct for_task *)t;

	pool_for(w->pool, FOR_N, 7, for_fn, &ft->c);
	ft->threads = for_threads(&ft->c);
}

/* pool_for() from a task on a pool of NTHREADS workers; returns how
 * many threads ran the calls (each index checked to have run once). */
static int for_from_task(int nthreads, bool wait)
{
	struct for_task ft;
	struct pool p;
	int i;

	for_ctx_init(&ft.c, wait);
	ft.t.fn = for_in_task;
	assert_int_equal(pool_start(&p, nthreads), 0);
	pool_submit(&p, &ft.t);
	pool_wait(&p);
	pool_stop(&p);
	for (i = 0; i < FOR_N; i++)
		assert_int_equal(atomic_load(&ft.c.hits[i]), 1);
	pthread_mutex_destroy(&ft.c.lock);
	return ft.threads;
}

static void test_for_uses_free_workers(void **state)
{
	(void)state;
	assert_true(for_from_task(8, true) >= 2);
}

/* A one-worker pool whose worker is the caller: nobody can help, and the
 * loop still ends (the caller runs every index). */
static void test_for_alone(void **state)
{
	(void)state;
	assert_int_equal(for_from_task(1, false), 1);
}

static void test_cancel_flag(void **state)
{
	struct pool p;

	(void)state;
	assert_int_equal(pool_start(&p, 2), 0);
	assert_false(pool_cancelled(&p));
	pool_cancel(&p);
	assert_true(pool_cancelled(&p));
	pool_wait(&p);
	pool_stop(&p);
}

/* An executor of its own: a stack the test empties on "its" workers. */
struct ext_state {
	struct pool_task *top;
	int submitted, cancels;
};

static void ext_submit(void *arg, struct pool_task *t)
{
	struct ext_state *x = arg;

	t->next = x->top;	/* single-threaded here: no lock */
	x->top = t;
	x->submitted++;
}

static void ext_cancel(void *arg)
{
	((struct ext_state *)arg)->cancels++;
}

static void test_external(void **state)
{
	struct ext_state x = { 0 };
	const struct pool_ext ext = { &x, ext_submit, ext_cancel };
	struct pool p;
	struct node *root = malloc(sizeof(*root));
	int turn = 0;

	(void)state;
	atomic_store(&ran, 0);
	assert_int_equal(pool_start_external(&p, 3, &ext), 0);
	assert_int_equal(p.nthreads, 3);
	root->t.fn = run;
	root->depth = 0;
	pool_submit(&p, &root->t);
	assert_int_equal(x.submitted, 1);
	assert_int_equal(atomic_load(&ran), 0);	/* nothing runs by itself */
	while (x.top) {
		struct pool_task *t = x.top;

		x.top = t->next;
		/* Each worker has its own buffer; tasks submit through EXT. */
		assert_non_null(p.workers[turn].buf);
		pool_run(&p, t, turn);
		turn = (turn + 1) % 3;
	}
	assert_int_equal(atomic_load(&ran), 1093);
	assert_int_equal(x.submitted, 1093);
	assert_false(pool_cancelled(&p));
	pool_cancel(&p);
	assert_true(pool_cancelled(&p));
	assert_int_equal(x.cancels, 1);
	pool_stop(&p);
	assert_null(p.workers);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_thread),
		cmocka_unit_test(test_many_threads),
		cmocka_unit_test(test_cancel_flag),
		cmocka_unit_test(test_external),
		cmocka_unit_test(test_for_every_index_once),
		cmocka_unit_test(test_for_uses_free_workers),
		cmocka_unit_test(test_for_alone),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
