/* Unit tests for pool.c: tasks that spawn tasks all run, once; an
 * external executor (treesync-mpi's) gets every task and every cancel. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
