/*
 * test_mpi_queue.c -- the MPI work queue (src/mpi) under mpirun, 1 to 4
 * ranks.  One scenario per run:
 *
 *	mpirun -np 4 test_mpi_queue tree depth=5 fanout=6 us=200
 *	mpirun -np 3 test_mpi_queue chain hops=60 us=2000
 *	mpirun -np 4 test_mpi_queue idle ms=2000 limit=0.10
 *	mpirun -np 4 test_mpi_queue cancel
 *	mpirun -np 4 test_mpi_queue combine
 *	mpirun -np 2 test_mpi_queue empty
 *	mpirun -np 3 test_mpi_queue cap n=48 cap=2 ms=40
 *	mpirun -np 3 test_mpi_queue split n=240 us=2000
 *
 * tree:    rank 0 seeds the root of a tree of tasks (each task pushes its
 *          children); every task also sends a mark to rank id % ranks.
 *          Every task and every mark runs exactly once, marks on their
 *          rank; with several ranks, every rank ran tasks it stole.
 * chain:   one task hops from rank to rank by mpi_queue_send, sleeping
 *          in between while every other rank is idle: termination must
 *          not be declared before the last hop (rounds fail meanwhile).
 * idle:    one task sleeps on rank 0; every rank's CPU time (getrusage,
 *          every thread, MPI's too) stays under limit x wall time, and
 *          idle ranks stop asking for work.  poll_max=0 is the busy
 *          loop: this scenario must then fail (run.sh checks that).
 * cancel:  the last rank cancels mid-tree (from a thread of its own,
 *          150 ms in, as a signal handler would): the run still ends on every
 *          rank, every rank learns it, every task made is handed over
 *          exactly once (run, or marked cancelled: the clean-up that
 *          keeps references balanced), and most of the tree never runs.
 * combine: OR, SUM, MAX over ranks, the same on every rank; a layout
 *          mismatch is refused on every rank.
 * empty:   no task at all still ends.
 * cap:     rank 0 pushes n capped tasks (cfg.capped_max = cap), each
 *          sleeping ms: on several ranks no rank ever runs more than
 *          cap of them at once and every other rank ran some it stole;
 *          on one rank the cap does not apply (more than cap at once),
 *          which also shows that the count would see a broken cap.
 * split:   rank 0 pushes one task: units [0, n), run one after the
 *          other (us each) by one worker; cfg.split() carves the later
 *          half of the units a running task has not started into a new
 *          task for a thief (as treesync-mpi carves a running batch of
 *          files).  Every unit runs exactly once over all ranks; with
 *          several ranks every other rank ran units it got so, and each
 *          rank at least half its share; alone, nothing is split.
 *
 * Rank 0 prints one result line; every rank exits with the same status
 * (0 pass, 1 fail), so mpirun's status is the test's.
 */
#include "mpi_queue.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#endif

static int rank, nranks;
static int failed;	/* this rank's verdict */

#define CHECK(cond, ...)                                                   \
	do {                                                               \
		if (!(cond)) {                                             \
			fprintf(stderr, "rank %d: FAIL %s:%d: ", rank,     \
			    __FILE__, __LINE__);                           \
			fprintf(stderr, __VA_ARGS__);                      \
			fputc('\n', stderr);                               \
			failed = 1;                                        \
		}                                                          \
	} while (0)

/* key=value arguments */
static int argc_g;
static char **argv_g;

static long arg(const char *key, long def)
{
	size_t n = strlen(key);
	int i;

	for (i = 2; i < argc_g; i++)
		if (!strncmp(argv_g[i], key, n) && argv_g[i][n] == '=')
			return strtol(argv_g[i] + n + 1, NULL, 0);
	return def;
}

static double argf(const char *key, double def)
{
	size_t n = strlen(key);
	int i;

	for (i = 2; i < argc_g; i++)
		if (!strncmp(argv_g[i], key, n) && argv_g[i][n] == '=')
			return strtod(argv_g[i] + n + 1, NULL);
	return def;
}

static void sleep_us(long us)
{
	struct timespec ts = { us / 1000000, (us % 1000000) * 1000 };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_seconds(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	    (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static void config(struct mpi_queue_config *c, mpi_queue_exec_fn *fn)
{
	mpi_queue_config_init(c);
	c->workers = (int)arg("workers", 4);
	c->exec = fn;
	c->poll_max_us = (unsigned)arg("poll_max", 2000);
	c->poll_idle_us = (unsigned)arg("poll_idle", 10000);
	c->steal_max_bytes = (size_t)arg("steal_max", 256 * 1024);
}

/* Every rank's stats summed on rank 0 (and the whole array returned). */
static void gather_stats(struct mpi_queue *q, struct mpi_queue_stats *all)
{
	struct mpi_queue_stats s;

	mpi_queue_stats(q, &s);
	MPI_Gather(&s, (int)(sizeof(s) / 8), MPI_UINT64_T, all,
	    (int)(sizeof(s) / 8), MPI_UINT64_T, 0, MPI_COMM_WORLD);
}

static void print_stats(const char *what, const struct mpi_queue_stats *all)
{
	int r;

	if (rank)
		return;
	for (r = 0; r < nranks; r++)
		printf("  %s rank %d: executed %" PRIu64 " stolen %" PRIu64
		    " given %" PRIu64 " requests %" PRIu64 " denied %" PRIu64
		    " pushes %" PRIu64 " sent %" PRIu64 " received %" PRIu64
		    " cancelled %" PRIu64 " msgs %" PRIu64 "/%" PRIu64
		    " wakeups %" PRIu64 " rounds %" PRIu64 "\n",
		    what, r, all[r].executed, all[r].stolen, all[r].given,
		    all[r].steal_requests, all[r].steal_denied,
		    all[r].lifeline_pushes, all[r].sent, all[r].received,
		    all[r].cancelled_runs, all[r].messages_out, all[r].messages_in,
		    all[r].wakeups, all[r].term_rounds);
}

/* ------------------------------------------------------------ tree */

enum { T_NODE = 1, T_MARK = 2, T_HOP = 3, T_SLEEP = 4, T_RANGE = 5 };

struct task {
	uint32_t type;
	uint32_t depth;
	uint64_t id;
	/* then `pad` bytes of 0xa5, checked on arrival */
};

struct tree {
	long depth, fanout, us, pad, cancel_ms;
	uint64_t total;
	_Atomic uint32_t *ran;		/* [total] tasks run here */
	_Atomic uint32_t *marked;	/* [total] marks run here */
	_Atomic uint32_t *made;		/* [total] tasks pushed here */
	_Atomic uint32_t *marks_made;	/* [total] marks sent from here */
	_Atomic uint32_t *ran_cancelled;	/* handed over cancelled */
	_Atomic uint32_t *marked_cancelled;
	atomic_long misplaced, corrupt, push_errors;
};

static struct tree tr;

static uint64_t tree_total(long depth, long fanout)
{
	uint64_t n = 1, level = 1;
	long d;

	for (d = 0; d < depth; d++) {
		level *= (uint64_t)fanout;
		n += level;
	}
	return n;
}

static int push_task(struct mpi_queue *q, int to, uint32_t type,
    uint32_t depth, uint64_t id, size_t pad)
{
	size_t len = sizeof(struct task) + pad;
	unsigned char *buf = malloc(len);
	struct task t = { type, depth, id };
	int r;

	memcpy(buf, &t, sizeof(t));
	memset(buf + sizeof(t), 0xa5, pad);
	r = to < 0 ? mpi_queue_push(q, buf, len) : mpi_queue_send(q, to, buf, len);
	free(buf);
	return r;
}

static bool pad_ok(const struct mpi_queue_task *t)
{
	const unsigned char *p = t->data;
	size_t i;

	for (i = sizeof(struct task); i < t->len; i++)
		if (p[i] != 0xa5)
			return false;
	return true;
}

static void tree_exec(struct mpi_queue *q, const struct mpi_queue_task *mt,
    void *user)
{
	struct task t;
	long k;
	int r;

	(void)user;
	if (mt->len < sizeof(t) || !pad_ok(mt)) {
		atomic_fetch_add(&tr.corrupt, 1);
		return;
	}
	memcpy(&t, mt->data, sizeof(t));
	if (t.id >= tr.total) {
		atomic_fetch_add(&tr.corrupt, 1);
		return;
	}
	if (mt->flags & MPI_QUEUE_CANCELLED) {
		/* Clean-up only: no work, no new task. */
		atomic_fetch_add(t.type == T_MARK ? &tr.marked_cancelled[t.id] :
		    &tr.ran_cancelled[t.id], 1);
		return;
	}
	if (t.type == T_MARK) {
		atomic_fetch_add(&tr.marked[t.id], 1);
		if ((int)(t.id % (uint64_t)nranks) != rank ||
		    !(mt->flags & MPI_QUEUE_SENT))
			atomic_fetch_add(&tr.misplaced, 1);
		return;
	}
	atomic_fetch_add(&tr.ran[t.id], 1);
	if (tr.us)
		sleep_us(tr.us);
	r = push_task(q, (int)(t.id % (uint64_t)nranks), T_MARK, 0, t.id, 0);
	if (r)
		atomic_fetch_add(&tr.push_errors, 1);
	else
		atomic_fetch_add(&tr.marks_made[t.id], 1);
	if ((long)t.depth >= tr.depth)
		return;
	for (k = 0; k < tr.fanout; k++) {
		uint64_t id = t.id * (uint64_t)tr.fanout + 1 + (uint64_t)k;

		r = push_task(q, -1, T_NODE, t.depth + 1, id, (size_t)tr.pad);
		if (r)
			atomic_fetch_add(&tr.push_errors, 1);
		else
			atomic_fetch_add(&tr.made[id], 1);
	}
}

/* The last rank's canceller: a thread that is neither a worker nor the
 * main thread, as a signal handler would be. */
static void *canceller(void *arg)
{
	sleep_us(tr.cancel_ms * 1000);
	mpi_queue_cancel(arg);
	return NULL;
}

/* The counts of all ranks, summed on rank 0. */
static uint32_t *sum_counts(_Atomic uint32_t *a)
{
	uint32_t *mine = malloc(tr.total * sizeof(*mine));
	uint32_t *all = rank ? NULL : malloc(tr.total * sizeof(*all));
	uint64_t i;

	for (i = 0; i < tr.total; i++)
		mine[i] = atomic_load(&a[i]);
	MPI_Reduce(mine, all, (int)tr.total, MPI_UINT32_T, MPI_SUM, 0,
	    MPI_COMM_WORLD);
	free(mine);
	return all;
}

static void tree_setup(bool cancel)
{
	tr.depth = arg("depth", 5);
	tr.fanout = arg("fanout", 6);
	tr.us = arg("us", 200);
	tr.pad = arg("pad", 0);
	tr.cancel_ms = cancel ? arg("cancel_ms", 150) : 0;
	if (cancel && arg("us", -1) < 0)
		tr.us = 2000;	/* the tree must outlast the cancel */
	tr.total = tree_total(tr.depth, tr.fanout);
	tr.ran = calloc(tr.total, sizeof(*tr.ran));
	tr.marked = calloc(tr.total, sizeof(*tr.marked));
	tr.made = calloc(tr.total, sizeof(*tr.made));
	tr.marks_made = calloc(tr.total, sizeof(*tr.marks_made));
	tr.ran_cancelled = calloc(tr.total, sizeof(*tr.ran_cancelled));
	tr.marked_cancelled = calloc(tr.total, sizeof(*tr.marked_cancelled));
}

/* Checks of a complete tree on rank 0. */
static void tree_check_complete(const uint32_t *ran, const uint32_t *marked)
{
	uint64_t i, bad = 0, badm = 0;

	for (i = 0; i < tr.total; i++) {
		bad += ran[i] != 1;
		badm += marked[i] != 1;
	}
	CHECK(bad == 0, "%" PRIu64 " of %" PRIu64 " tasks not run exactly once",
	    bad, tr.total);
	CHECK(badm == 0, "%" PRIu64 " of %" PRIu64 " marks not run exactly once",
	    badm, tr.total);
}

static void tree_check_spread(const struct mpi_queue_stats *all)
{
	uint64_t stolen = 0, given = 0, received = 0, sent = 0;
	int r;

	for (r = 0; r < nranks; r++) {
		stolen += all[r].stolen;
		given += all[r].given;
		sent += all[r].sent;
		received += all[r].received;
		/* Rank 0 alone has the root: the others only work if they
		 * stole (or were pushed) tasks. */
		if (nranks > 1)
			CHECK(all[r].executed > 0 && (r == 0 || all[r].stolen > 0),
			    "rank %d ran %" PRIu64 " tasks, stole %" PRIu64, r,
			    all[r].executed, all[r].stolen);
	}
	CHECK(stolen == given, "stolen %" PRIu64 " != given %" PRIu64, stolen,
	    given);
	CHECK(sent == received, "sent %" PRIu64 " != received %" PRIu64, sent,
	    received);
	if (nranks > 1)
		CHECK(stolen > 0, "nothing was stolen");
}

static int run_tree(struct mpi_queue **qp, bool expect_cancel)
{
	struct mpi_queue_config c;
	struct mpi_queue_stats *all = calloc((size_t)nranks, sizeof(*all));
	uint32_t *ran, *marked, *made, *marks_made, *ranc, *markc;
	struct mpi_queue_sums sums = { 0 };
	uint64_t i, once = 0, unbalanced = 0, handed = 0;
	pthread_t cth;
	double t0;
	int r;

	tree_setup(expect_cancel);
	config(&c, tree_exec);
	r = mpi_queue_new(&c, MPI_COMM_WORLD, qp);
	CHECK(r == 0, "mpi_queue_new: %d", r);
	if (r)
		return 1;
	if (rank == 0) {
		CHECK(push_task(*qp, -1, T_NODE, 0, 0, (size_t)tr.pad) == 0,
		    "seed");
		atomic_fetch_add(&tr.made[0], 1);
	}
	t0 = now();
	if (expect_cancel && rank == nranks - 1)
		pthread_create(&cth, NULL, canceller, *qp);
	r = mpi_queue_run(*qp);
	if (expect_cancel && rank == nranks - 1)
		pthread_join(cth, NULL);
	CHECK(r == 0, "mpi_queue_run: %d", r);
	CHECK(mpi_queue_combine(*qp, &sums) == 0, "combine");
	CHECK(sums.cancelled == expect_cancel, "cancelled %d on rank %d",
	    sums.cancelled, rank);
	/* Each rank knew before the collective: it was told, and stopped. */
	CHECK(mpi_queue_cancelled(*qp) == expect_cancel,
	    "rank %d does not know of the cancel", rank);
	CHECK(atomic_load(&tr.misplaced) == 0, "%ld marks on the wrong rank",
	    atomic_load(&tr.misplaced));
	CHECK(atomic_load(&tr.corrupt) == 0, "%ld corrupt tasks",
	    atomic_load(&tr.corrupt));
	CHECK(atomic_load(&tr.push_errors) == 0, "%ld push errors",
	    atomic_load(&tr.push_errors));
	gather_stats(*qp, all);
	ran = sum_counts(tr.ran);
	marked = sum_counts(tr.marked);
	made = sum_counts(tr.made);
	marks_made = sum_counts(tr.marks_made);
	ranc = sum_counts(tr.ran_cancelled);
	markc = sum_counts(tr.marked_cancelled);
	if (rank == 0) {
		print_stats("tree", all);
		if (!expect_cancel) {
			tree_check_complete(ran, marked);
			tree_check_spread(all);
		} else {
			for (i = 0; i < tr.total; i++) {
				once += ran[i] == 1;
				/* Every task and mark made was handed over
				 * exactly once, run or cancelled. */
				unbalanced += made[i] != ran[i] + ranc[i] ||
				    ran[i] > 1 ||
				    marks_made[i] != marked[i] + markc[i];
				handed += ranc[i] + markc[i];
			}
			CHECK(unbalanced == 0, "%" PRIu64 " tasks not handed "
			    "over exactly once", unbalanced);
			/* Work was left when the cancel came: it was handed
			 * over marked, and the tree was never completed. */
			CHECK(handed > 0, "no task was handed over cancelled");
			CHECK(once < tr.total, "every task ran despite the "
			    "cancel");
		}
		printf("%s ranks=%d tasks=%" PRIu64 " ran=%" PRIu64
		    " in %.3f s\n", expect_cancel ? "cancel" : "tree", nranks,
		    tr.total, expect_cancel ? once : tr.total, now() - t0);
	}
	free(ran);
	free(marked);
	free(made);
	free(marks_made);
	free(ranc);
	free(markc);
	free(all);
	return 0;
}

/* ------------------------------------------------------------ chain */

static struct {
	long hops, us;
	atomic_long seen, misplaced;
	_Atomic uint32_t *ran;
} ch;

static void chain_exec(struct mpi_queue *q, const struct mpi_queue_task *mt,
    void *user)
{
	struct task t;

	(void)user;
	memcpy(&t, mt->data, sizeof(t));
	if (t.id > (uint64_t)ch.hops)
		return;
	atomic_fetch_add(&ch.ran[t.id], 1);
	if ((int)(t.id % (uint64_t)nranks) != rank)
		atomic_fetch_add(&ch.misplaced, 1);
	sleep_us(ch.us);
	if (t.id < (uint64_t)ch.hops)
		push_task(q, (int)((t.id + 1) % (uint64_t)nranks), T_HOP, 0,
		    t.id + 1, 0);
}

static int run_chain(struct mpi_queue **qp)
{
	struct mpi_queue_config c;
	struct mpi_queue_stats *all = calloc((size_t)nranks, sizeof(*all));
	uint32_t *mine, *sum;
	uint64_t rounds = 0;
	long i, bad = 0;
	int r;

	ch.hops = arg("hops", 60);
	ch.us = arg("us", 2000);
	ch.ran = calloc((size_t)ch.hops + 1, sizeof(*ch.ran));
	config(&c, chain_exec);
	r = mpi_queue_new(&c, MPI_COMM_WORLD, qp);
	CHECK(r == 0, "mpi_queue_new: %d", r);
	if (r)
		return 1;
	if (rank == 0)
		push_task(*qp, 0, T_HOP, 0, 0, 0);
	CHECK(mpi_queue_run(*qp) == 0, "run");
	CHECK(atomic_load(&ch.misplaced) == 0, "hops on the wrong rank");
	gather_stats(*qp, all);
	mine = malloc(((size_t)ch.hops + 1) * sizeof(*mine));
	sum = malloc(((size_t)ch.hops + 1) * sizeof(*sum));
	for (i = 0; i <= ch.hops; i++)
		mine[i] = atomic_load(&ch.ran[i]);
	MPI_Reduce(mine, sum, (int)ch.hops + 1, MPI_UINT32_T, MPI_SUM, 0,
	    MPI_COMM_WORLD);
	if (rank == 0) {
		print_stats("chain", all);
		for (i = 0; i <= ch.hops; i++)
			bad += sum[i] != 1;
		for (i = 0; i < nranks; i++)
			rounds += all[i].term_rounds;
		CHECK(bad == 0, "%ld of %ld hops not run exactly once "
		    "(termination declared early?)", bad, ch.hops + 1);
		/* Idle ranks start rounds that must fail while the chain
		 * goes on; one round would mean nobody ever went idle. */
		if (nranks > 1)
			CHECK(rounds > (uint64_t)nranks, "only %" PRIu64
			    " termination rounds", rounds);
		printf("chain ranks=%d hops=%ld rounds=%" PRIu64 "\n", nranks,
		    ch.hops, rounds);
	}
	free(mine);
	free(sum);
	free(all);
	return 0;
}

/* ------------------------------------------------------------ idle */

static long idle_ms;

static void sleep_exec(struct mpi_queue *q, const struct mpi_queue_task *mt,
    void *user)
{
	(void)q;
	(void)mt;
	(void)user;
	sleep_us(idle_ms * 1000);
}

static int run_idle(struct mpi_queue **qp)
{
	struct mpi_queue_config c;
	struct mpi_queue_stats *all = calloc((size_t)nranks, sizeof(*all));
	double limit = argf("limit", 0.10), cpu0, wall0, ratio, *ratios;
	int r, i;
	char x = 0;

	idle_ms = arg("ms", 2000);
	config(&c, sleep_exec);
	r = mpi_queue_new(&c, MPI_COMM_WORLD, qp);
	CHECK(r == 0, "mpi_queue_new: %d", r);
	if (r)
		return 1;
	if (rank == 0)
		mpi_queue_push(*qp, &x, 1);
	MPI_Barrier(MPI_COMM_WORLD);
	cpu0 = cpu_seconds();
	wall0 = now();
	CHECK(mpi_queue_run(*qp) == 0, "run");
	ratio = (cpu_seconds() - cpu0) / (now() - wall0);
	ratios = calloc((size_t)nranks, sizeof(*ratios));
	MPI_Gather(&ratio, 1, MPI_DOUBLE, ratios, 1, MPI_DOUBLE, 0,
	    MPI_COMM_WORLD);
	gather_stats(*qp, all);
	if (rank == 0) {
		print_stats("idle", all);
		for (i = 0; i < nranks; i++) {
			printf("idle rank %d: cpu/wall %.4f (limit %.3f)\n", i,
			    ratios[i], limit);
			CHECK(ratios[i] < limit, "rank %d used %.1f%% of a CPU "
			    "while idle", i, 100 * ratios[i]);
			/* Asked a few, then quiet: not a request per poll. */
			CHECK(all[i].steal_requests <= 16, "rank %d made %"
			    PRIu64 " steal requests", i,
			    all[i].steal_requests);
		}
	}
	free(ratios);
	free(all);
	return 0;
}

/* ------------------------------------------------------------ combine */

static void noop_exec(struct mpi_queue *q, const struct mpi_queue_task *mt,
    void *user)
{
	(void)q;
	(void)mt;
	(void)user;
}

static int run_combine(struct mpi_queue **qp)
{
	struct mpi_queue_config c;
	uint64_t o[2], s[2], m[2], all[5 * 4], mine[5];
	struct mpi_queue_sums sums = { o, 2, s, 1, m, 2, false };
	int r, i;

	config(&c, noop_exec);
	r = mpi_queue_new(&c, MPI_COMM_WORLD, qp);
	CHECK(r == 0, "mpi_queue_new: %d", r);
	if (r)
		return 1;
	CHECK(mpi_queue_run(*qp) == 0, "run");
	/* Overlapping bits: adding them would not give their OR. */
	o[0] = (1u << rank) | 1u;
	o[1] = 0x100;
	s[0] = (uint64_t)rank + 1;
	m[0] = (uint64_t)rank * 10;
	m[1] = 7;
	CHECK(mpi_queue_combine(*qp, &sums) == 0, "combine");
	CHECK(o[0] == (1u << nranks) - 1, "or %#" PRIx64, o[0]);
	CHECK(o[1] == 0x100, "or[1] %#" PRIx64, o[1]);
	CHECK(s[0] == (uint64_t)nranks * (nranks + 1) / 2, "sum %" PRIu64, s[0]);
	CHECK(m[0] == (uint64_t)(nranks - 1) * 10, "max %" PRIu64, m[0]);
	CHECK(m[1] == 7, "max[1] %" PRIu64, m[1]);
	CHECK(!sums.cancelled, "cancelled");
	/* Every rank holds the same values. */
	mine[0] = o[0], mine[1] = o[1], mine[2] = s[0], mine[3] = m[0];
	mine[4] = m[1];
	if (nranks <= 4) {
		MPI_Allgather(mine, 5, MPI_UINT64_T, all, 5, MPI_UINT64_T,
		    MPI_COMM_WORLD);
		for (i = 1; i < nranks; i++)
			CHECK(!memcmp(all, all + 5 * i, 5 * sizeof(*all)),
			    "rank %d holds other values", i);
	}
	/* Ranks that disagree on the layout (same total length): every
	 * rank is told. */
	sums.nor = rank == 0 ? 2 : 1;
	sums.nsum = rank == 0 ? 1 : 2;
	r = mpi_queue_combine(*qp, &sums);
	CHECK(nranks == 1 ? r == 0 : r == -EINVAL,
	    "a layout mismatch gave %d", r);
	if (rank == 0)
		printf("combine ranks=%d or=%#" PRIx64 " sum=%" PRIu64
		    " max=%" PRIu64 "\n", nranks, o[0], s[0], m[0]);
	return 0;
}

/* ------------------------------------------------------------ cap */

static struct {
	atomic_int running, most, ran;
	long ms;
} cp;

static bool cap_is_capped(const void *data, size_t len, void *user)
{
	struct task t;

	(void)user;
	if (len < sizeof(t))
		return false;
	memcpy(&t, data, sizeof(t));
	return t.type == T_SLEEP;
}

static void cap_exec(struct mpi_queue *q, const struct mpi_queue_task *mt,
    void *user)
{
	int now = atomic_fetch_add(&cp.running, 1) + 1, m;

	(void)q;
	(void)mt;
	(void)user;
	for (m = atomic_load(&cp.most); now > m &&
	    !atomic_compare_exchange_weak(&cp.most, &m, now);)
		;
	sleep_us(cp.ms * 1000);
	atomic_fetch_sub(&cp.running, 1);
	atomic_fetch_add(&cp.ran, 1);
}

static int run_cap(struct mpi_queue **qp)
{
	struct mpi_queue_config c;
	struct mpi_queue_stats s;
	long n = arg("n", 48), cap = arg("cap", 2), k;
	int r, ran, total = 0;

	cp.ms = arg("ms", 40);
	config(&c, cap_exec);
	c.workers = (int)arg("workers", 8);
	c.capped = cap_is_capped;
	c.capped_max = (int)cap;
	r = mpi_queue_new(&c, MPI_COMM_WORLD, qp);
	CHECK(r == 0, "mpi_queue_new: %d", r);
	if (r)
		return 1;
	for (k = 0; rank == 0 && k < n; k++)
		CHECK(push_task(*qp, -1, T_SLEEP, 0, (uint64_t)k, 0) == 0,
		    "push");
	CHECK(mpi_queue_run(*qp) == 0, "run");
	mpi_queue_stats(*qp, &s);
	ran = atomic_load(&cp.ran);
	MPI_Reduce(&ran, &total, 1, MPI_INT, MPI_SUM, 0, MPI_COMM_WORLD);
	CHECK(rank != 0 || total == n, "%d of %ld tasks ran", total, n);
	if (nranks > 1) {
		CHECK(atomic_load(&cp.most) <= cap, "%d capped tasks at once "
		    "(cap %ld)", atomic_load(&cp.most), cap);
		CHECK(rank == 0 || s.stolen > 0, "stole nothing");
	} else {
		CHECK(atomic_load(&cp.most) > cap, "alone, at most %d at once: "
		    "the cap applied, or the count is broken",
		    atomic_load(&cp.most));
	}
	printf("cap ranks=%d rank=%d ran=%d most=%d stolen=%" PRIu64 "\n",
	    nranks, rank, ran, atomic_load(&cp.most), s.stolen);
	return 0;
}

/* ------------------------------------------------------------ split */

#define SPLIT_SLOTS 64

/* The ranges running on this rank's workers: [lo, hi) not started. */
static struct {
	pthread_mutex_t lock;
	struct { bool on; uint64_t lo, hi, round; } r[SPLIT_SLOTS];
	_Atomic uint32_t *ran;	/* [n] units run here */
	uint64_t n;
	long us;
	atomic_long splits, bad;
} sp = { .lock = PTHREAD_MUTEX_INITIALIZER };

struct range_task {
	uint32_t type;
	uint64_t lo, hi;
};

static void split_exec(struct mpi_queue *q, const struct mpi_queue_task *mt,
    void *user)
{
	struct range_task t;
	uint64_t u;

	(void)q;
	(void)user;
	if (mt->len != sizeof(t)) {
		atomic_fetch_add(&sp.bad, 1);
		return;
	}
	memcpy(&t, mt->data, sizeof(t));
	if (t.type != T_RANGE || t.lo >= t.hi || t.hi > sp.n ||
	    mt->worker >= SPLIT_SLOTS) {
		atomic_fetch_add(&sp.bad, 1);
		return;
	}
	pthread_mutex_lock(&sp.lock);
	sp.r[mt->worker].on = true;
	sp.r[mt->worker].round = 0;
	sp.r[mt->worker].lo = t.lo;
	sp.r[mt->worker].hi = t.hi;
	for (;;) {
		if (sp.r[mt->worker].lo >= sp.r[mt->worker].hi)
			break;
		u = sp.r[mt->worker].lo++;
		pthread_mutex_unlock(&sp.lock);
		if (!mpi_queue_cancelled(q))
			sleep_us(sp.us);
		atomic_fetch_add(&sp.ran[u], 1);
		pthread_mutex_lock(&sp.lock);
	}
	sp.r[mt->worker].on = false;
	pthread_mutex_unlock(&sp.lock);
}

/* cfg.split: the later half of the running range with the most units
 * not started (at least 2). */
static bool split_carve(void *user, uint64_t round, void **data,
    size_t *len)
{
	struct range_task t = { T_RANGE, 0, 0 };
	int i, best = -1;
	uint64_t most = 1, left;

	(void)user;
	pthread_mutex_lock(&sp.lock);
	for (i = 0; i < SPLIT_SLOTS; i++) {
		left = sp.r[i].hi - sp.r[i].lo;
		if (sp.r[i].on && sp.r[i].hi > sp.r[i].lo && left > most &&
		    sp.r[i].round != round) {
			most = left;
			best = i;
		}
	}
	if (best >= 0) {
		t.hi = sp.r[best].hi;
		t.lo = sp.r[best].lo + most / 2;
		sp.r[best].hi = t.lo;
		sp.r[best].round = round;
	}
	pthread_mutex_unlock(&sp.lock);
	if (best < 0 || !(*data = malloc(sizeof(t))))
		return false;	/* (out of memory here: a test, it fails) */
	memcpy(*data, &t, sizeof(t));
	*len = sizeof(t);
	atomic_fetch_add(&sp.splits, 1);
	return true;
}

static int run_split(struct mpi_queue **qp)
{
	struct mpi_queue_config c;
	struct mpi_queue_stats s;
	struct range_task t = { T_RANGE, 0, 0 };
	uint32_t *all, *here;
	void *mem;
	uint64_t u, mine = 0, twice = 0, never = 0;
	long splits;
	int r;

	sp.n = (uint64_t)arg("n", 240);
	sp.us = arg("us", 2000);
	mem = calloc(sp.n, sizeof(*sp.ran));
	sp.ran = mem;
	all = calloc(sp.n, sizeof(*all));
	here = calloc(sp.n, sizeof(*here));
	config(&c, split_exec);
	c.split = arg("nosplit", 0) ? NULL : split_carve;
	r = mpi_queue_new(&c, MPI_COMM_WORLD, qp);
	CHECK(r == 0, "mpi_queue_new: %d", r);
	if (r)
		return 1;
	t.hi = sp.n;
	if (rank == 0)
		CHECK(mpi_queue_push(*qp, &t, sizeof(t)) == 0, "push");
	CHECK(mpi_queue_run(*qp) == 0, "run");
	mpi_queue_stats(*qp, &s);
	for (u = 0; u < sp.n; u++) {
		here[u] = atomic_load(&sp.ran[u]);
		mine += here[u];
	}
	MPI_Reduce(here, all, (int)sp.n, MPI_UINT32_T, MPI_SUM,
	    0, MPI_COMM_WORLD);
	for (u = 0; rank == 0 && u < sp.n; u++) {
		twice += all[u] > 1;
		never += all[u] == 0;
	}
	splits = atomic_load(&sp.splits);
	CHECK(!twice && !never, "%" PRIu64 " units ran twice, %" PRIu64
	    " never", twice, never);
	CHECK(!atomic_load(&sp.bad), "malformed tasks");
	if (nranks > 1) {
		CHECK(rank == 0 || (mine > 0 && s.stolen > 0),
		    "ran %" PRIu64 " units, stole %" PRIu64, mine, s.stolen);
		CHECK(mine >= sp.n / (2 * (uint64_t)nranks), "ran %" PRIu64
		    " of %" PRIu64 " units: less than half a share", mine,
		    sp.n);
	} else {
		CHECK(splits == 0, "alone, split %ld times", splits);
	}
	printf("split ranks=%d rank=%d units=%" PRIu64 " splits=%ld "
	    "stolen=%" PRIu64 "\n", nranks, rank, mine, splits, s.stolen);
	free(all);
	free(here);
	free(mem);
	return 0;
}

static int run_empty(struct mpi_queue **qp)
{
	struct mpi_queue_config c;
	struct mpi_queue_stats s;
	int r;

	config(&c, noop_exec);
	r = mpi_queue_new(&c, MPI_COMM_WORLD, qp);
	CHECK(r == 0, "mpi_queue_new: %d", r);
	if (r)
		return 1;
	CHECK(mpi_queue_run(*qp) == 0, "run");
	mpi_queue_stats(*qp, &s);
	CHECK(s.executed == 0, "ran %" PRIu64 " tasks", s.executed);
	if (rank == 0)
		printf("empty ranks=%d rounds=%" PRIu64 "\n", nranks,
		    s.term_rounds);
	return 0;
}

int main(int argc, char **argv)
{
	struct mpi_queue *q = NULL;
	const char *what = argc > 1 ? argv[1] : "";
	int all_failed = 0;

	argc_g = argc;
	argv_g = argv;
	if (mpi_queue_init_mpi(&argc, &argv)) {
		fprintf(stderr, "MPI cannot give MPI_THREAD_FUNNELED\n");
		return 1;
	}
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	MPI_Comm_size(MPI_COMM_WORLD, &nranks);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(what, "tree"))
		run_tree(&q, false);
	else if (!strcmp(what, "cancel"))
		run_tree(&q, true);
	else if (!strcmp(what, "chain"))
		run_chain(&q);
	else if (!strcmp(what, "idle"))
		run_idle(&q);
	else if (!strcmp(what, "combine"))
		run_combine(&q);
	else if (!strcmp(what, "empty"))
		run_empty(&q);
	else if (!strcmp(what, "cap"))
		run_cap(&q);
	else if (!strcmp(what, "split"))
		run_split(&q);
	else {
		if (rank == 0)
			fprintf(stderr, "usage: test_mpi_queue "
			    "tree|chain|idle|cancel|combine|empty|cap|split "
			    "[k=v...]\n");
		failed = 1;
	}
	mpi_queue_free(q);
	MPI_Allreduce(&failed, &all_failed, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
	if (rank == 0)
		printf("%s: %s\n", what, all_failed ? "FAIL" : "ok");
#if defined(__SANITIZE_ADDRESS__)
	/* Leaks are looked for now, while Open MPI's components are still
	 * loaded (MPI_Finalize unloads them, and what they keep would be
	 * reported from unknown modules that no suppression can name);
	 * the check at exit is then skipped. */
	__lsan_do_leak_check();
#endif
	mpi_queue_finalize_mpi();
	return all_failed;
}
