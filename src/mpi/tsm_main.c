/*
 * tsm_main.c -- treesync-mpi: treesync's program with its run spread over
 * the ranks of an MPI job (docs/mpi.md).
 *
 * Started without a launcher it is treesync.  Under mpirun or srun every
 * rank parses the same command line and runs the engine with the work
 * queue of mpi_queue.h as its executor: directory tasks are portable
 * (dtask.c: stolen by idle ranks, re-opened from the thief's roots), all
 * other tasks stay on their rank.  Only rank 0 writes: the other ranks
 * hold their output until the end and hand it over (gather).  The
 * deletion decision and the exit code are combined over all ranks by the
 * engine (run.c, struct run_exec); every rank returns the same code, so
 * mpirun's status is treesync's.
 *
 * Threads: the main thread makes every MPI call (MPI_THREAD_FUNNELED);
 * the queue's workers run the engine's tasks and never call MPI.
 */
#include "cli_main.h"
#include "dtask.h"
#include "mpi_queue.h"
#include "pool.h"
#include "report.h"
#include "run.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#endif

struct tsm {
	int rank, nranks;
	struct mpi_queue *q;
	struct ts_run *run;
	struct pool_ext pext;
	struct run_exec x;
	struct ts_host host;	/* ranks other than 0 */
	pthread_mutex_t out_lock;
	struct dtask_buf out[2];	/* their stdout and stderr, held */
	/* The dry run's sorted item lines of this rank, as records (u32
	 * key length, key, u32 text length, text), merged by rank 0. */
	struct dtask_buf held;
	_Atomic int malformed;
	/* Messages sent once the walk is over (the queue has stopped):
	 * per rank, each a u32 length and its bytes; delivered by
	 * tsm_settle(). */
	atomic_bool walk_over;
	pthread_mutex_t late_lock;
	struct dtask_buf *late;
	int saved_err;		/* ranks other than 0: stderr while parsing */
	/* --timeout, --stop-at: the watchdog of this rank's walk. */
	pthread_t watchdog;
	bool watching;
	atomic_bool walked;	/* mpi_queue_run() returned */
	/* For TREESYNC_MPI_STATS, wall-clock seconds: the process started,
	 * MPI is up, the walk began, this rank's first task, the walk
	 * ended. */
	double t_main, t_mpi, t_walk, t_walked;
	_Atomic double t_first;
};

static double wall_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The first task of this rank starts now (if it is the first). */
static void first_task(struct tsm *m)
{
	double zero = 0;

	if (atomic_load(&m->t_first) == 0)
		atomic_compare_exchange_strong(&m->t_first, &zero, wall_now());
}

/* --- output: rank 0 writes, the others hold ---------------------------- */

/* Appends N bytes at P to B (false: out of memory). */
static bool buf_add(struct dtask_buf *b, const void *p, size_t n)
{
	if (b->n + n > b->cap) {
		size_t cap = (b->n + n) * 2 + 4096;
		unsigned char *q = realloc(b->p, cap);

		if (!q)
			return false;
		b->p = q;
		b->cap = cap;
	}
	memcpy(b->p + b->n, p, n);
	b->n += n;
	return true;
}

static void held_write(void *arg, enum ts_out out, const char *text,
    size_t len)
{
	struct tsm *m = arg;

	if (out == TS_OUT_PROGRESS)
		return;
	pthread_mutex_lock(&m->out_lock);
	/* Out of memory: lost (nobody else would print it). */
	buf_add(&m->out[out == TS_OUT_STDERR], text, len);
	pthread_mutex_unlock(&m->out_lock);
}

static bool held_is_terminal(void *arg, enum ts_out out)
{
	(void)arg;
	(void)out;
	return false;
}

static void write_all(int fd, const unsigned char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

/* TREESYNC_MPI_STATS=PREFIX: how the work spread, one line a rank in
 * PREFIX.rankN (for the tests and the benchmark). */
static void write_stats(const struct tsm *m, const char *prefix)
{
	struct mpi_queue_stats st;
	uint64_t dirs, batches, chunks, split, held, spanning;
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s.rank%d", prefix, m->rank);
	f = fopen(path, "we");
	if (!f)
		return;
	mpi_queue_stats(m->q, &st);
	dtask_stolen(m->run, &dirs, &batches, &chunks, &split);
	dtask_hl_counts(m->run, &held, &spanning);
	/* When: the start (seconds since the epoch), then seconds since
	 * it to MPI up, the walk's start, the first task, the walk's end
	 * and now. */
	fprintf(f, "start %.3f mpi %.3f walk %.3f first %.3f walked %.3f "
	    "end %.3f ", m->t_main, m->t_mpi - m->t_main,
	    m->t_walk - m->t_main,
	    atomic_load(&m->t_first) ? atomic_load(&m->t_first) - m->t_main :
	    -1.0, m->t_walked - m->t_main, wall_now() - m->t_main);
	fprintf(f, "rank %d of %d: tasks %llu local %llu stolen %llu given "
	    "%llu sent %llu received %llu dirs_stolen %llu batches_stolen %llu "
	    "chunks %llu copied %llu errors %llu links_held %llu "
	    "links_spanning %llu batches_split %llu\n", m->rank, m->nranks,
	    (unsigned long long)st.executed, (unsigned long long)st.local_run,
	    (unsigned long long)st.stolen, (unsigned long long)st.given,
	    (unsigned long long)st.sent, (unsigned long long)st.received,
	    (unsigned long long)dirs, (unsigned long long)batches,
	    (unsigned long long)chunks,
	    (unsigned long long)m->run->reg_transferred,
	    (unsigned long long)m->run->errors,
	    (unsigned long long)held, (unsigned long long)spanning,
	    (unsigned long long)split);
	fclose(f);
}

/* The engine's dry-run lines of this rank (run_exec.held), kept (out of
 * memory: lost, as held_write() loses them). */
static void tsm_held(void *arg, const char *key, const char *text)
{
	struct tsm *m = arg;
	uint32_t kn = (uint32_t)strlen(key), tn = (uint32_t)strlen(text);
	size_t at = m->held.n;

	if (!buf_add(&m->held, &kn, 4) || !buf_add(&m->held, key, kn) ||
	    !buf_add(&m->held, &tn, 4) || !buf_add(&m->held, text, tn))
		m->held.n = at;	/* never half a record */
}

struct held_rec {
	const char *key, *text;
	uint32_t kn, tn;
};

/* Byte order of the key, then of the text: report.c's cmp_held(). */
static int cmp_rec(const void *a, const void *b)
{
	const struct held_rec *x = a, *y = b;
	int c = memcmp(x->key, y->key, x->kn < y->kn ? x->kn : y->kn);

	if (!c && x->kn != y->kn)
		c = x->kn < y->kn ? -1 : 1;
	if (!c)
		c = memcmp(x->text, y->text, x->tn < y->tn ? x->tn : y->tn);
	if (!c && x->tn != y->tn)
		c = x->tn < y->tn ? -1 : 1;
	return c;
}

/* Rank 0: the records of every rank (ALL, N bytes) in one order, as one
 * process sorts them, written to stdout. */
static void write_merged(const unsigned char *all, size_t n)
{
	struct held_rec *v = NULL;
	size_t nv = 0, cap = 0, at = 0, i;

	while (at + 4 <= n) {
		struct held_rec h;

		memcpy(&h.kn, all + at, 4);
		if (at + 4 + h.kn + 4 > n)
			break;
		h.key = (const char *)all + at + 4;
		memcpy(&h.tn, all + at + 4 + h.kn, 4);
		if (at + 8 + h.kn + h.tn > n)
			break;
		h.text = (const char *)all + at + 8 + h.kn;
		at += 8 + (size_t)h.kn + h.tn;
		if (nv == cap) {
			struct held_rec *q;

			cap = cap ? cap * 2 : 1024;
			q = realloc(v, cap * sizeof(*v));
			if (!q)
				break;
			v = q;
		}
		v[nv++] = h;
	}
	qsort(v, nv, sizeof(*v), cmp_rec);
	for (i = 0; i < nv; i++)
		write_all(STDOUT_FILENO, (const unsigned char *)v[i].text,
		    v[i].tn);
	free(v);
}

/* Rank 0 gets what every rank holds in B (itself included when SELF):
 * returns the bytes, malloc'ed (*N of them), on rank 0; NULL elsewhere. */
static unsigned char *gather_bytes(struct tsm *m, const struct dtask_buf *b,
    bool self, size_t *n)
{
	int len = m->rank || self ? (int)b->n : 0;
	int *lens = NULL, *offs = NULL, total = 0, r;
	unsigned char *all = NULL;

	if (m->rank == 0) {
		lens = calloc((size_t)m->nranks, sizeof(*lens));
		offs = calloc((size_t)m->nranks, sizeof(*offs));
	}
	MPI_Gather(&len, 1, MPI_INT, lens, 1, MPI_INT, 0, MPI_COMM_WORLD);
	if (m->rank == 0) {
		for (r = 0; r < m->nranks; r++) {
			offs[r] = total;
			total += lens[r];
		}
		all = malloc(total ? (size_t)total : 1);
	}
	MPI_Gatherv(b->p, len, MPI_BYTE, all, lens, offs, MPI_BYTE, 0,
	    MPI_COMM_WORLD);
	free(lens);
	free(offs);
	*n = m->rank == 0 ? (size_t)total : 0;
	return all;
}

/* Every other rank's held output to rank 0, which writes it: the dry
 * run's item lines of all ranks merged into one order, then each rank's
 * other output, rank by rank (stdout, then stderr). */
static void tsm_gather(void *arg)
{
	struct tsm *m = arg;
	struct dtask_buf log = { 0 };
	unsigned char *all;
	size_t n;
	int k;

	if (m->q && getenv("TREESYNC_MPI_STATS"))
		write_stats(m, getenv("TREESYNC_MPI_STATS"));
	all = gather_bytes(m, &m->held, true, &n);
	if (all && n)
		write_merged(all, n);
	free(all);
	dtask_buf_free(&m->held);
	/* --log-file: every other rank's lines, after rank 0's. */
	log.p = (unsigned char *)report_log_take(m->run->rep, &log.n);
	log.cap = log.n;
	all = gather_bytes(m, &log, false, &n);
	if (all && n)
		report_log_raw(m->run->rep, (const char *)all, n);
	free(all);
	dtask_buf_free(&log);
	for (k = 0; k < 2; k++) {
		all = gather_bytes(m, &m->out[k], false, &n);
		if (m->rank == 0 && n)
			write_all(k ? STDERR_FILENO : STDOUT_FILENO, all, n);
		free(all);
		dtask_buf_free(&m->out[k]);
	}
}

/* --- the executor ------------------------------------------------------- */

static struct tsm *the;		/* the one of this process */

static void local_task(struct mpi_queue *q, void *arg, int worker)
{
	struct ts_run *run = the->run;

	first_task(the);
	if (mpi_queue_cancelled(q) && !pool_cancelled(&run->pool))
		pool_cancel(&run->pool);
	pool_run(&run->pool, arg, worker);
	dtask_progress_send(run, false);	/* a task in hand: not idle */
}

static void tsm_submit(void *arg, struct pool_task *t)
{
	struct tsm *m = arg;
	struct dtask_buf b = { 0 };

	if (m->nranks > 1 && dtask_encode(m->run, t, &b) &&
	    mpi_queue_push(m->q, b.p, b.n) == 0) {
		dtask_buf_free(&b);
		return;
	}
	dtask_buf_free(&b);
	if (mpi_queue_push_local(m->q, local_task, t) < 0) {
		/* Out of memory: run it here and now (this is a worker, or
		 * the main thread before the walk). */
		pool_run(&m->run->pool, t, 0);
	}
}

static void tsm_cancel(void *arg)
{
	struct tsm *m = arg;

	if (m->q)
		mpi_queue_cancel(m->q);
}

static void tsm_exec(struct mpi_queue *q, const struct mpi_queue_task *t,
    void *user)
{
	struct tsm *m = user;

	first_task(m);
	if (dtask_exec(m->run, t->data, t->len, t->origin,
	    (t->flags & MPI_QUEUE_CANCELLED) != 0, t->worker) < 0) {
		if (atomic_fetch_add(&m->malformed, 1) == 0)
			report_error(m->run->rep, "malformed task from rank %d: "
			    "the run stops, nothing is deleted", t->origin);
		atomic_store(&m->run->other_error, true);
		pool_cancel(&m->run->pool);
	}
	dtask_progress_send(m->run, false);	/* a task in hand: not idle */
	(void)q;
}

static int tsm_send(void *arg, int rank, const void *buf, size_t len)
{
	struct tsm *m = arg;
	struct dtask_buf *b;
	uint32_t n = (uint32_t)len;
	size_t at;

	if (!atomic_load(&m->walk_over))
		return mpi_queue_send(m->q, rank, buf, len);
	if (rank < 0 || rank >= m->nranks || len > INT32_MAX / 2)
		return -EINVAL;
	pthread_mutex_lock(&m->late_lock);
	b = &m->late[rank];
	at = b->n;
	if (!buf_add(b, &n, 4) || !buf_add(b, buf, len)) {
		b->n = at;
		pthread_mutex_unlock(&m->late_lock);
		return -ENOMEM;
	}
	pthread_mutex_unlock(&m->late_lock);
	return 0;
}

/*
 * OUT[r] (r < P) to rank r in one MPI_Alltoallv; returns what every rank
 * sent here (malloc'ed), rank r's RCOUNT[r] bytes at RDISP[r].  Collective.
 */
static unsigned char *swap_bufs(int P, const struct dtask_buf *out,
    int *rcount, int *rdisp)
{
	int *scount = calloc((size_t)P, sizeof(int));
	int *sdisp = calloc((size_t)P, sizeof(int));
	unsigned char *sbuf, *rbuf;
	int stotal = 0, rtotal = 0, r;

	for (r = 0; r < P; r++) {
		scount[r] = (int)out[r].n;
		sdisp[r] = stotal;
		stotal += scount[r];
	}
	sbuf = malloc(stotal ? (size_t)stotal : 1);
	for (r = 0; r < P; r++)
		if (scount[r])
			memcpy(sbuf + sdisp[r], out[r].p, (size_t)scount[r]);
	MPI_Alltoall(scount, 1, MPI_INT, rcount, 1, MPI_INT, MPI_COMM_WORLD);
	for (r = 0; r < P; r++) {
		rdisp[r] = rtotal;
		rtotal += rcount[r];
	}
	rbuf = malloc(rtotal ? (size_t)rtotal : 1);
	MPI_Alltoallv(sbuf, scount, sdisp, MPI_BYTE, rbuf, rcount, rdisp,
	    MPI_BYTE, MPI_COMM_WORLD);
	free(sbuf);
	free(scount);
	free(sdisp);
	return rbuf;
}

/* Whether any rank has more than INT_MAX bytes in OUT[0..P) (the
 * counts of MPI_Alltoallv are ints), or ANY other bytes; collective. */
static uint64_t bufs_state(int P, const struct dtask_buf *out, bool *over)
{
	uint64_t v[2] = { 0, 0 };
	int r;

	for (r = 0; r < P; r++) {
		v[0] += out[r].n;
		v[1] |= v[0] > INT32_MAX / 2;
	}
	MPI_Allreduce(MPI_IN_PLACE, v, 2, MPI_UINT64_T, MPI_MAX,
	    MPI_COMM_WORLD);
	*over = v[1] != 0;
	return v[0];
}

/* Rounds of MPI_Alltoallv until no rank has a late message left; each
 * received one is run here (releasing a directory may finish its parent
 * on this rank, and send the next round's). */
static void tsm_settle(void *arg)
{
	struct tsm *m = arg;
	int P = m->nranks, r;
	int *rcount = calloc((size_t)P, sizeof(int)), *rdisp = calloc((size_t)P, sizeof(int));
	struct dtask_buf *send = calloc((size_t)P, sizeof(*send)), *tmp;
	bool over;

	for (;;) {
		unsigned char *rbuf;
		size_t at;

		pthread_mutex_lock(&m->late_lock);
		tmp = m->late;
		m->late = send;
		send = tmp;
		pthread_mutex_unlock(&m->late_lock);
		if (!bufs_state(P, send, &over))
			break;
		rbuf = swap_bufs(P, send, rcount, rdisp);
		for (r = 0; r < P; r++)
			send[r].n = 0;
		for (r = 0; r < P; r++)
			for (at = (size_t)rdisp[r];
			    at + 4 <= (size_t)rdisp[r] + (size_t)rcount[r];) {
				uint32_t n;

				memcpy(&n, rbuf + at, 4);
				at += 4;
				if (at + n > (size_t)rdisp[r] + (size_t)rcount[r] ||
				    dtask_exec(m->run, rbuf + at, n, r, false, 0) < 0) {
					report_error(m->run->rep, "malformed message "
					    "from rank %d after the walk", r);
					atomic_store(&m->run->other_error, true);
					break;
				}
				at += n;
			}
		free(rbuf);
	}
	for (r = 0; r < P; r++)
		dtask_buf_free(&send[r]);
	free(send);
	free(rcount);
	free(rdisp);
}

/* run_exec.exchange: BUFS[r] to rank r, and back what each sent here. */
static int tsm_exchange(void *arg, struct dtask_buf *bufs)
{
	struct tsm *m = arg;
	int P = m->nranks, r;
	int *rcount = calloc((size_t)P, sizeof(int)), *rdisp = calloc((size_t)P, sizeof(int));
	unsigned char *rbuf;
	bool over;

	(void)bufs_state(P, bufs, &over);
	if (over) {
		free(rcount);
		free(rdisp);
		return -E2BIG;
	}
	rbuf = swap_bufs(P, bufs, rcount, rdisp);
	for (r = 0; r < P; r++) {
		bufs[r].n = 0;
		if ((size_t)rcount[r] > bufs[r].cap) {
			free(bufs[r].p);
			bufs[r].p = malloc((size_t)rcount[r]);
			bufs[r].cap = (size_t)rcount[r];
		}
		if (rcount[r])
			memcpy(bufs[r].p, rbuf + rdisp[r], (size_t)rcount[r]);
		bufs[r].n = (size_t)rcount[r];
	}
	free(rbuf);
	free(rcount);
	free(rdisp);
	return 0;
}

/* run_exec.bcast: rank 0's B to every rank, in pieces the int counts
 * of MPI_Bcast hold.  A rank that cannot hold it says so to all. */
static int tsm_bcast(void *arg, struct dtask_buf *b)
{
	struct tsm *m = arg;
	uint64_t v[2] = { m->rank == 0 ? b->n : 0, 0 };
	size_t at, piece;

	MPI_Bcast(v, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD);
	if (m->rank != 0 && v[0] > b->cap) {
		unsigned char *p = realloc(b->p, v[0] ? (size_t)v[0] : 1);

		if (p) {
			b->p = p;
			b->cap = (size_t)v[0];
		}
	}
	v[1] = m->rank != 0 && v[0] > b->cap;
	MPI_Allreduce(MPI_IN_PLACE, &v[1], 1, MPI_UINT64_T, MPI_MAX,
	    MPI_COMM_WORLD);
	if (v[1])
		return -ENOMEM;
	for (at = 0; at < v[0]; at += piece) {
		piece = v[0] - at > (1u << 30) ? (1u << 30) : (size_t)(v[0] - at);
		MPI_Bcast(b->p + at, (int)piece, MPI_BYTE, 0, MPI_COMM_WORLD);
	}
	b->n = (size_t)v[0];
	return 0;
}

static bool tsm_split(void *user, uint64_t round, void **data, size_t *len)
{
	struct tsm *m = user;
	struct dtask_buf b;

	if (!dtask_split(m->run, round, &b))
		return false;
	*data = b.p;
	*len = b.n;
	return true;
}

static bool tsm_capped(const void *data, size_t len, void *user)
{
	(void)user;
	return dtask_is_dir(data, len);
}

/* A rank's workers.  On a network file system a directory's listing
 * keeps a rank busy for many round trips, and its idle workers help each
 * listing (scan.c): a rank lists at most its share of half as many
 * directories as it has workers (jobs / 2 / ranks, at least CAP_FLOOR)
 * at once, and leaves the others queued for hungrier ranks to steal.
 * Without a cap the rank that listed the root started as many
 * directories as it had workers before any other rank could ask (62 of
 * 160 on 1 of 4 ranks, bench/mpi/RESULTS.md); at jobs / 2 it still
 * started 32 of 80 (a 4-rank no-op at 10 ms, 8 requests in flight a
 * host: 10.9 s; at jobs / 8, 9.0 s, and the initial copy 31.6 -> 29.8
 * s).  A rank of a few workers cannot take much before the others ask:
 * no cap (and a test's -j 2 keeps its stealing of batches of files,
 * t0302). */
#define CAP_MIN_JOBS 8
#define CAP_FLOOR 4

static int tsm_start(void *arg, int jobs)
{
	struct tsm *m = arg;
	struct mpi_queue_config c;

	mpi_queue_config_init(&c);
	c.workers = jobs;
	c.exec = tsm_exec;
	c.user = m;
	c.split = tsm_split;
	if (m->run->plan.network_fs && jobs >= CAP_MIN_JOBS) {
		c.capped = tsm_capped;
		c.capped_max = jobs / 2 / m->nranks;
		if (c.capped_max < CAP_FLOOR)
			c.capped_max = CAP_FLOOR;
	}
	return mpi_queue_new(&c, MPI_COMM_WORLD, &m->q);
}

/* How long a cancelled walk may take to end before the rank gives up on
 * its workers (stuck in a call that never returns: a dead server). */
#define WATCHDOG_GRACE 5.0

/*
 * --timeout and --stop-at on this rank, while its walk goes: the engine's
 * own watch (run_watch_step(); a rank with no task in hand is idle, not
 * stuck).  When the time is up the run is cancelled, and every rank's
 * walk ends with nothing deleted and exit 30 (the cancel reaches the
 * others through the queue, the flags through the combine).  A worker
 * stuck in the kernel keeps the walk from ever ending, on every rank: after
 * WATCHDOG_GRACE the rank removes its temps, says why on its own stderr
 * (what it held is lost) and exits 30, and mpirun ends the other ranks --
 * as a rank that dies, nothing is deleted anywhere.
 */
static void *watchdog_main(void *arg)
{
	struct tsm *m = arg;
	struct run_watch w;
	double stopped = 0;

	run_watch_start(m->run, &w, true);
	while (!atomic_load(&m->walked)) {
		double now;

		usleep(100000);
		now = util_now();
		if (!stopped && (run_watch_step(m->run, &w, now) ||
		    run_cancelled(m->run)))
			stopped = now;
		else if (stopped && now - stopped > WATCHDOG_GRACE &&
		    !atomic_load(&m->walked)) {
			int code = m->run->timed_out ? TS_EXIT_TIMEOUT :
			    TS_EXIT_SIGNAL;

			ts_run_remove_temps(m->run);
			pthread_mutex_lock(&m->out_lock);
			if (m->rank != 0)
				write_all(STDERR_FILENO, m->out[1].p, m->out[1].n);
			dprintf(STDERR_FILENO, "treesync-mpi: rank %d: workers "
			    "stuck for %.0f s after the run was stopped: "
			    "exiting, nothing deleted (code %d)\n", m->rank,
			    WATCHDOG_GRACE, code);
			_exit(code);
		}
	}
	return NULL;
}

static void tsm_walk(void *arg)
{
	struct tsm *m = arg;
	const struct ts_options *o = m->run->o;
	int r;

	if ((o->timeout || o->stop_at) &&
	    pthread_create(&m->watchdog, NULL, watchdog_main, m) == 0)
		m->watching = true;
	m->t_walk = wall_now();
	r = mpi_queue_run(m->q);
	m->t_walked = wall_now();
	atomic_store(&m->walked, true);
	if (m->watching) {
		pthread_join(m->watchdog, NULL);
		m->watching = false;
	}

	/* Every task of every rank is done: from now on messages wait for
	 * tsm_settle(). */
	atomic_store(&m->walk_over, true);
	if (r < 0) {
		report_error(m->run->rep, "malformed message between ranks: "
		    "nothing is deleted");
		atomic_store(&m->run->other_error, true);
	}
}

static void tsm_combine(void *arg, uint64_t *v, size_t nor, size_t nsum,
    size_t nmax)
{
	(void)arg;
	if (nor)
		MPI_Allreduce(MPI_IN_PLACE, v, (int)nor, MPI_UINT64_T, MPI_BOR,
		    MPI_COMM_WORLD);
	if (nsum)
		MPI_Allreduce(MPI_IN_PLACE, v + nor, (int)nsum, MPI_UINT64_T,
		    MPI_SUM, MPI_COMM_WORLD);
	if (nmax)
		MPI_Allreduce(MPI_IN_PLACE, v + nor + nsum, (int)nmax,
		    MPI_UINT64_T, MPI_MAX, MPI_COMM_WORLD);
}

/* Ranks other than 0: their stderr back, once the command line is
 * parsed. */
static void tsm_parsed(void *arg)
{
	struct tsm *m = arg;

	if (m->saved_err >= 0) {
		dup2(m->saved_err, STDERR_FILENO);
		close(m->saved_err);
		m->saved_err = -1;
	}
}

/* Ranks other than 0: rsync's "sending incremental file list" is rank
 * 0's to say, once.  --progress: the other ranks send their counts to
 * rank 0, whose live line (or --info=progress2 line) is the run's; they
 * print the per-file lines of the files they copy, with their own
 * counts, which rank 0 prints with the rest of their output. */
static void tsm_options(void *arg, struct ts_options *o)
{
	struct tsm *m = arg;

	m->x.counters = m->nranks > 1 &&
	    (o->progress || o->info[TS_INFO_PROGRESS] >= 2);
	if (m->rank == 0)
		return;
	o->info[TS_INFO_FLIST] = 0;
	if (o->info[TS_INFO_PROGRESS] >= 2) {
		o->info[TS_INFO_PROGRESS] = 0;	/* the run's line is rank 0's */
		o->progress = 0;
	}
}

static int tsm_prepare(void *arg, struct ts_run *run)
{
	struct tsm *m = arg;

	m->run = run;
	run_set_exec(run, &m->x);
	return 0;
}

/* --- the program -------------------------------------------------------- */

/* Whether a launcher started this process as a rank. */
static bool launched(void)
{
	static const char *const vars[] = {
		"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE",
	};
	size_t i;

	for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		if (getenv(vars[i]))
			return true;
	return false;
}

int main(int argc, char **argv)
{
	static struct tsm m;
	struct cli_main_ops ops = { 0 };
	int code, saved_err = -1, null;

	if (!launched())
		return cli_main(argc, argv, NULL);
	m.t_main = wall_now();
	if (mpi_queue_init_mpi(&argc, &argv) < 0) {
		fprintf(stderr, "treesync-mpi: MPI cannot give "
		    "MPI_THREAD_FUNNELED\n");
		return TS_EXIT_IPC;
	}
	m.t_mpi = wall_now();
	MPI_Comm_rank(MPI_COMM_WORLD, &m.rank);
	MPI_Comm_size(MPI_COMM_WORLD, &m.nranks);
	the = &m;
	pthread_mutex_init(&m.out_lock, NULL);
	pthread_mutex_init(&m.late_lock, NULL);
	m.late = calloc((size_t)m.nranks, sizeof(*m.late));
	m.pext = (struct pool_ext){ &m, tsm_submit, tsm_cancel };
	m.x = (struct run_exec){ .arg = &m, .rank = m.rank,
		.nranks = m.nranks, .pool = &m.pext, .start = tsm_start,
		.send = tsm_send, .walk = tsm_walk, .combine = tsm_combine,
		.settle = tsm_settle, .exchange = tsm_exchange,
		.bcast = tsm_bcast, .gather = tsm_gather,
		.held = tsm_held };
	ops.arg = &m;
	ops.prepare = tsm_prepare;
	ops.options = tsm_options;
	ops.parsed = tsm_parsed;
	ops.spread = m.nranks > 1;
	ops.quiet_refusal = ops.spread && m.rank != 0;
	if (m.rank != 0) {
		/* One voice: what the other ranks print goes to rank 0
		 * through the host; their usage errors, --help and
		 * --version are rank 0's too (stderr comes back once the
		 * command line is parsed: a sanitizer's report, a crash). */
		m.host = (struct ts_host){ .arg = &m, .write = held_write,
			.is_terminal = held_is_terminal };
		ops.host = &m.host;
		null = open("/dev/null", O_WRONLY | O_CLOEXEC);
		saved_err = dup(STDERR_FILENO);
		if (null >= 0) {
			dup2(null, STDOUT_FILENO);
			dup2(null, STDERR_FILENO);
			close(null);
		}
	}
	m.saved_err = saved_err;
	code = cli_main(argc, argv, &ops);
	tsm_parsed(&m);
	mpi_queue_free(m.q);
#if defined(__SANITIZE_ADDRESS__)
	/* Leaks are looked for now, while Open MPI's components are still
	 * loaded: MPI_Finalize() unloads them, and what they keep would be
	 * reported from modules no suppression can name (as in
	 * tests/mpi/test_mpi_queue.c). */
	__lsan_do_leak_check();
#endif
	mpi_queue_finalize_mpi();
	return code;
}
