/*
 * run.c -- one synchronisation run: the phases (walk, then deletion), the
 * counters and the exit code, signals.  See run.h for how a run goes.
 */
#define _GNU_SOURCE
#include "run.h"

#include "altdest.h"
#include "copy.h"
#include "delete.h"
#include "list.h"
#include "meta.h"
#include "oppath.h"
#include "partial.h"
#include "plan.h"
#include "pool.h"
#include "dtask.h"
#include "report.h"
#include "sys.h"
#include "tmpfile.h"
#include "util.h"
#include "xattr.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* A per-item failure: counted, reported by the caller, exit 23. */
void run_item_failed(struct ts_run *run)
{
	add(&run->errors, 1);
	atomic_store(&run->partial, true);
	atomic_store(&run->other_error, true);
}

void run_read_only(struct ts_run *run)
{
	bool was = false;

	/* Every later file would fail alike: said once, and no more work
	 * starts.  rsync's exit code for it is 23, not 11. */
	if (atomic_compare_exchange_strong(&run->read_only, &was, true))
		report_error(run->rep, "the destination is read-only: "
		    "stopping");
	pool_cancel(&run->pool);
}

/* A source could not be read completely: no deletion (--ignore-errors:
 * none where the listing failed). */
void run_source_failed(struct ts_run *run)
{
	add(&run->errors, 1);
	atomic_store(&run->partial, true);
	atomic_store(&run->src_error, true);
}

char *run_dest_path(const struct ts_run *run, const char *rel)
{
	const char *d = run->plan.dst_operand;
	size_t n = strlen(d);
	char *p;

	/* One file to a new name: every message is about DEST itself. */
	if (*rel == '\0' || run->plan.single_name)
		return xstrdup(d);
	while (n > 1 && d[n - 1] == '/')
		n--;
	p = xmalloc(n + strlen(rel) + 2);
	sprintf(p, "%.*s/%s", (int)n, d, rel);
	return p;
}

void run_report_dest(struct ts_run *run, int err, const char *what,
    const char *rel)
{
	char *p = run_dest_path(run, rel);

	report_errno_side(run->rep, TS_SIDE_DST, err, what, p);
	free(p);
}
/* --- waiting ------------------------------------------------------------ */

/* A number that moves whenever the run gets anywhere. */
static uint64_t progress_of(struct ts_run *run)
{
	uint64_t n = atomic_load(&run->copy.moved) + run->entries_done +
	    run->dst_entries;
	int i;

	for (i = 0; i < TY_N; i++)
		n += run->files[i] + run->deleted[i];
	return n;
}

/* --timeout: says which paths the stuck workers are on, and stops. */
static void time_out(struct ts_run *run)
{
	char what[700];
	int i, named = 0;

	for (i = 0; i < run->pool.nthreads && named < 3; i++) {
		struct pool_worker *w = &run->pool.workers[i];

		if (atomic_load(&w->busy_len) > 0) {
			snprintf(what, sizeof(what), "%s", w->busy);
			report_error(run->rep, "timeout: no I/O progress for %d "
			    "seconds (stuck on '%s')", run->o->timeout, what);
			named++;
		}
	}
	if (!named)
		report_error(run->rep, "timeout: no I/O progress for %d seconds",
		    run->o->timeout);
	run->timed_out = true;
	ts_run_cancel(run, 0);
}

/*
 * --stop-after, --stop-at: the time is up.  Stopped as a cancel is: no new
 * work, the copies in flight abandoned with their temps, nothing deleted
 * (the walk did not finish); exit 30 with rsync's words.
 */
static void stop_limit(struct ts_run *run)
{
	report_error(run->rep, "stopping at requested limit");
	run->timed_out = true;
	ts_run_cancel(run, 0);
}

/* Whether a worker is in a task now (on a path it said). */
static bool any_busy(struct ts_run *run)
{
	int i;

	for (i = 0; i < run->pool.nthreads; i++)
		if (atomic_load(&run->pool.workers[i].busy_len) > 0)
			return true;
	return false;
}

void run_watch_start(struct ts_run *run, struct run_watch *w,
    bool idle_is_progress)
{
	w->seen = progress_of(run);
	w->moved_at = util_now();
	w->idle_is_progress = idle_is_progress;
}

bool run_watch_step(struct ts_run *run, struct run_watch *w, double now)
{
	uint64_t p;

	if (run->o->stop_at && time(NULL) >= run->o->stop_at) {
		stop_limit(run);
		return true;
	}
	if (!run->o->timeout)
		return false;
	p = progress_of(run);
	if (p != w->seen || (w->idle_is_progress && !any_busy(run))) {
		w->seen = p;
		w->moved_at = now;
	} else if (now - w->moved_at >= run->o->timeout) {
		time_out(run);
		return true;
	}
	return false;
}

bool run_wait(struct ts_run *run)
{
	struct run_watch w;
	double now, cancelled_at = 0;

	run_watch_start(run, &w, false);
	while (!pool_wait_for(&run->pool, 0.1)) {
		now = util_now();
		if (run_cancelled(run)) {
			/* Workers check the cancel between calls; one stuck
			 * in a call that never returns (a dead NFS server)
			 * is left behind after a second. */
			if (!cancelled_at)
				cancelled_at = now;
			else if (now - cancelled_at > 1.0) {
				run->abandoned = true;
				return false;
			}
			continue;
		}
		if (run_watch_step(run, &w, now))
			cancelled_at = now;
	}
	return true;
}

/* --- cancelling ---------------------------------------------------------- */

/*
 * The library installs no signal handler: the host maps its signals to
 * these two calls (main.c does for SIGINT, SIGTERM, SIGHUP).  Both only
 * store flags and unlink names, so they are async-signal-safe.
 */
void ts_run_cancel(struct ts_run *run, int sig)
{
	int none = 0;

	if (!run)
		return;
	/* The first reason is kept: a second signal does not rename it. */
	atomic_compare_exchange_strong(&run->cancel_sig, &none,
	    sig > 0 ? sig : -1);
	tmpfile_stop(run->copy.tmp);
	pool_cancel(&run->pool);
	atomic_store(&run->copy.abort, true);
}

void ts_run_remove_temps(struct ts_run *run)
{
	if (run)
		tmpfile_abort(run->copy.tmp);
}

bool run_cancelled(const struct ts_run *run)
{
	return atomic_load(&run->cancel_sig) != 0;
}

/* Copies per-type counters out; returns their sum. */
static uint64_t split_types(_Atomic uint64_t c[TY_N], uint64_t *reg,
    uint64_t *dir, uint64_t *link, uint64_t *dev, uint64_t *special)
{
	*reg = c[TY_REG];
	*dir = c[TY_DIR];
	*link = c[TY_LINK];
	*dev = c[TY_DEV];
	*special = c[TY_SPECIAL];
	return *reg + *dir + *link + *dev + *special;
}

static void fill_stats(struct ts_run *run, struct ts_stats *st)
{
	int i;

	st->files = split_types(run->files, &st->files_reg, &st->files_dir,
	    &st->files_link, &st->files_dev, &st->files_special);
	st->created = split_types(run->created, &st->created_reg,
	    &st->created_dir, &st->created_link, &st->created_dev,
	    &st->created_special);
	st->deleted = split_types(run->deleted, &st->deleted_reg,
	    &st->deleted_dir, &st->deleted_link, &st->deleted_dev,
	    &st->deleted_special);
	st->reg_transferred = run->reg_transferred;
	st->total_size = run->total_size;
	st->transferred_size = run->transferred_size;
	for (i = 0; i < TS_METHOD_COUNT; i++) {
		st->method_bytes[i] = run->method_bytes[i];
		st->method_files[i] = run->method_files[i];
	}
	st->errors = run->errors;
	st->vanished = run->vanished;
	st->stale_temps = run->stale_temps;
	st->changes = report_changes(run->rep);
	st->reflinked = run->reflinked;
	st->verified = run->verified;
	st->retries = run->retries;
	st->delete_skipped = run->delete_skipped;
}

static int exit_code(struct ts_run *run)
{
	if (run->timed_out)
		return TS_EXIT_TIMEOUT;
	if (run_cancelled(run))
		return TS_EXIT_SIGNAL;
	if (run->bad_rules)
		return TS_EXIT_SYNTAX;
	if (atomic_load(&run->fatal))
		return TS_EXIT_FILEIO;
	if (run->refuse_delete && run->o->del)
		return TS_EXIT_REFUSED;
	if (atomic_load(&run->partial) || run->plan.missing)
		return TS_EXIT_PARTIAL;
	if (run->vanished)
		return TS_EXIT_VANISHED;
	if (run->delete_skipped)
		return TS_EXIT_DEL_LIMIT;
	if (run->o->check && report_changes(run->rep) > 0)
		return TS_EXIT_DIFFERENT;
	return TS_EXIT_OK;
}

void ts_options_init(struct ts_options *o)
{
	memset(o, 0, sizeof(*o));
	o->copy_method = TS_COPY_AUTO;
	o->max_delete = -1;
	o->chown_uid = o->chown_gid = -1;
	o->max_size = UINT64_MAX;
}

int ts_default_jobs(bool network_fs)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 1)
		n = 1;
	/* Network file systems: latency, not CPU, bounds a file's copy, so
	 * many requests in flight hide it.  Local disks: a few per core keep
	 * the device busy while others wait in syscalls. */
	if (network_fs)
		return 64;
	n *= 4;
	return n < 4 ? 4 : n > 16 ? 16 : (int)n;
}


void run_progress_local(const struct ts_run *run, struct report_progress *p)
{
	int i;

	memset(p, 0, sizeof(*p));
	for (i = 0; i < TY_N; i++)
		p->files_seen += run->files[i];
	p->files_done = run->entries_done;
	p->bytes_todo = run->bytes_todo;
	p->bytes_done = atomic_load(&run->copy.moved);
}

/* What --progress shows: this run's counts, and under treesync-mpi on
 * rank 0 those of the other ranks too. */
static void progress_snapshot(struct report_progress *p, void *arg)
{
	struct ts_run *run = arg;

	run_progress_local(run, p);
	if (atomic_load(&run->prog_combine))
		dtask_progress_add(run, p);
}

/* The one line a cancelled run ends with. */
static void report_cancelled(struct ts_run *run, const struct ts_stats *st)
{
	int sig = atomic_load(&run->cancel_sig);

	if (sig > 0)
		report_error(run->rep, "interrupted by signal %d: %llu files copied, "
		    "%llu errors; no temp files left", sig,
		    (unsigned long long)st->reg_transferred,
		    (unsigned long long)st->errors);
	else
		report_error(run->rep, "cancelled: %llu files copied, %llu errors; no "
		    "temp files left", (unsigned long long)st->reg_transferred,
		    (unsigned long long)st->errors);
}

/*
 * The process's umask, read without changing it (umask(2) can only be
 * read by setting it, which would race with the host's other threads).
 */
static mode_t read_umask(void)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[128];
	unsigned m;
	mode_t u;

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "Umask: %o", &m) == 1) {
			fclose(f);
			return (mode_t)(m & 0777);
		}
	if (f)
		fclose(f);
	u = umask(022);	/* Linux < 4.7: the only way */
	umask(u);
	return u;
}

struct ts_run *ts_run_new(const struct ts_options *o,
    const struct ts_host *host)
{
	struct ts_run *run = xcalloc(1, sizeof(*run));

	/* -d and --files-from walk directories without -r: decisions treat
	 * directories as transferred, and `recurse` says how deep to go. */
	run->opts = *o;
	run->recurse = o->recursive;
	if (o->dirs || o->files_from)
		run->opts.recursive = true;
	/* -R is --files-from's selection with the operands as its lines,
	 * below "/" (select.c select_load()). */
	if (o->relative && !o->files_from && o->nsrcs) {
		static const char *const root_operand[] = { "/" };

		run->rel_srcs = o->srcs;
		run->nrel_srcs = o->nsrcs;
		run->opts.srcs = root_operand;
		run->opts.nsrcs = 1;
		run->opts.files_from = "";
		run->opts.recursive = true;	/* as for --files-from */
	}
	/* rsync: backups beside the files change their directories' times,
	 * so -b without --backup-dir implies -O. */
	if (o->backup && !o->backup_dir)
		run->opts.omit_dir_times = true;
	/* --partial keeps an interrupted file in ".~tmp~" beside it, as
	 * rsync does with RSYNC_PARTIAL_DIR=.~tmp~, never over its name: a
	 * final name only ever holds a complete file (rsync's own --partial
	 * puts the truncated file there, over the good old one). */
	if (o->partial && !o->partial_dir && !o->inplace)
		run->opts.partial_dir = TS_PARTIAL_DIR_DEFAULT;
	run->o = o = &run->opts;
	run->am_root = meta_am_root(o);
	run->umask = read_umask();
	run->need = (o->owner || o->group) ? WALK_NEED_OWNER : 0;
	if (o->atimes)
		run->need |= WALK_NEED_ATIME;
	pthread_mutex_init(&run->del_lock, NULL);
	pthread_mutex_init(&run->keep_lock, NULL);
	pthread_mutex_init(&run->defer_lock, NULL);
	pthread_mutex_init(&run->batch_lock, NULL);
	made_init(run);
	run->xa_which = meta_xa_which(o, false);
	run->xa_src = meta_xa_which(o, true);
	run->fake_super = o->super == TS_SUPER_FAKE;
	/* --remove-source-files: a source is removed only if it is still
	 * the inode listed (srcremove.c). */
	if (o->remove_source_files)
		run->need |= WALK_NEED_INO;
	if (o->hard_links) {
		run->need |= WALK_NEED_INO;
		pthread_mutex_init(&run->hl_lock, NULL);
		run->hl = xcalloc(HL_BUCKETS, sizeof(*run->hl));
	}
	atomic_init(&run->cancel_sig, 0);
	copy_ctx_init(&run->copy, o, o->verbose >= 2 || o->stats || o->json);
	run->rep = report_new(o, host);
	return run;
}

void ts_run_free(struct ts_run *run)
{
	if (!run || run->abandoned)
		return;	/* stuck workers may still touch it */
	select_free(run);
	select_free_rules(run);
	free((char *)(uintptr_t)run->one_src[0]);
	made_free(run);
	if (run->slots_ready)
		dslot_cache_destroy(&run->slots);
	dtask_hl_free(run);
	hl_free(run);
	prune_free(run);
	plan_free(&run->plan);
	partial_free(run->copy.part);
	copy_ctx_destroy(&run->copy);
	report_free(run->rep);
	pthread_mutex_destroy(&run->del_lock);
	pthread_mutex_destroy(&run->keep_lock);
	pthread_mutex_destroy(&run->defer_lock);
	pthread_mutex_destroy(&run->batch_lock);
	free(run->rank_prog);
	free(run);
}

/* Starts the workers with SIGPIPE and SIGXFSZ blocked in them: a closed
 * pipe or a file-size limit is an error (EPIPE, EFBIG) for the file at
 * hand, not the end of the host process, and the host's own signal
 * dispositions are left alone.  Idle workers may take pieces of a big
 * file on a network file system (copy_split.c): they are this process's
 * threads, as the pieces' fds need. */
int run_start_pool(struct ts_run *run, int jobs)
{
	sigset_t block, old;
	int r;

	sigemptyset(&block);
	sigaddset(&block, SIGPIPE);
	sigaddset(&block, SIGXFSZ);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	r = pool_start(&run->pool, jobs);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r == 0)
		copy_ctx_set_helpers(&run->copy, &run->pool);
	return r;
}

/*
 * fds a worker holds outside the directory slots: the source file, the
 * temp, the destination file (-c, compare), one for attributes.
 */
#define FDS_PER_WORKER 4
#define FDS_RESERVE 4		/* the log, a lock, the progress line */

/* Workers at most: the CLI's --jobs limit, and what the registry of temps
 * in flight has room for (TMPFILE_SLOTS, one per thread). */
#define MAX_JOBS 1024
_Static_assert(MAX_JOBS < TMPFILE_SLOTS, "a temp slot for every worker");

/* Open fds of the process now (a host may hold many). */
static size_t fds_in_use(size_t limit)
{
	DIR *dir = opendir("/proc/self/fd");
	struct dirent *e;
	size_t n = 0;

	if (!dir)
		return 16;	/* no /proc: a guess on the safe side */
	/* An fd inherited above the limit (a shell's 255, say) takes no
	 * number the run could use. */
	while ((e = readdir(dir)) != NULL)
		n += e->d_name[0] != '.' && strtoull(e->d_name, NULL, 10) < limit;
	closedir(dir);
	return n ? n - 1 : 0;	/* not the listing's own */
}

/*
 * The fds the run may use, from RLIMIT_NOFILE: how many workers fit
 * (*JOBS may shrink, said once) and how many directory fds stay open
 * beyond those in use (the slot cache's budget).  A low limit makes the
 * run slower -- fewer workers, directories opened again -- never fail.
 */
static size_t fd_budget(struct ts_run *run, int *jobs)
{
	struct rlimit rl;
	size_t limit = 1u << 20, used, avail, fit, budget;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
		limit = (size_t)rl.rlim_cur;
	used = fds_in_use(limit);
	avail = limit > used + FDS_RESERVE ? limit - used - FDS_RESERVE : 0;
	/* A worker needs its own fds and pins about two directories. */
	fit = avail / (FDS_PER_WORKER + 2);
	if (fit < 1)
		fit = 1;
	if ((size_t)*jobs > fit) {
		report_error(run->rep, "warning: the open-file limit (%zu, %zu "
		    "in use) leaves room for %zu worker%s, not %d", limit, used,
		    fit, fit == 1 ? "" : "s", *jobs);
		*jobs = (int)fit;
	}
	budget = avail > (size_t)*jobs * FDS_PER_WORKER ?
	    avail - (size_t)*jobs * FDS_PER_WORKER : 0;
	if (budget < 2 * (size_t)*jobs + 2)
		budget = 2 * (size_t)*jobs + 2;
	return budget;
}

/* The opening line of --log-file. */
static void log_start(struct ts_run *run)
{
	const struct ts_options *o = run->o;
	char esc[PATH_MAX * 2];

	if (o->list_only) {
		report_log(run->rep, "treesync %s starting: listing %zu "
		    "source(s)", TS_VERSION_STRING, o->nsrcs);
		return;
	}
	util_escape_name(esc, sizeof(esc), o->dest);
	report_log(run->rep, "treesync %s starting: %zu source(s) -> %s%s",
	    TS_VERSION_STRING, o->nsrcs, esc, o->dry_run ? " (dry run)" : "");
}

/*
 * --files-from, -R: a list that selects one entry that is not a directory,
 * into a DEST that is missing (or not a directory) and named without a
 * trailing slash, makes DEST that entry, as rsync does (its file list
 * holds one entry): the run goes on with the entry as its one operand.
 * treesync-mpi does not (the ranks share the list as it was read).
 */
static void single_entry(struct ts_run *run)
{
	char *op = select_single_entry(run);

	if (!op)
		return;
	/* The missing names of the list are said now (exit 23, or quiet
	 * with --ignore-missing-args), as the walk would have. */
	select_report_unlisted(run, NULL);
	select_free(run);
	run->one_src[0] = op;
	run->opts.srcs = run->one_src;
	run->opts.nsrcs = 1;
	run->opts.files_from = NULL;
	run->opts.recursive = run->recurse;
	run->rel_srcs = NULL;
	run->nrel_srcs = 0;
}

/* Everything before the walk (run.h). */
int run_prepare(struct ts_run *run, int *lock_fd)
{
	const struct ts_options *o = run->o;
	/* treesync-mpi: rank 0 holds --lock for every rank. */
	bool lock = o->lock_file && (!run->exec || run->exec->rank == 0);
	struct stat dst_st;
	int code;

	/* A named lock file is taken before anything is looked at. */
	if (lock && *o->lock_file && (*lock_fd = lock_take(run)) < 0)
		return lock_exit_code(*lock_fd);
	/* treesync-mpi: rank 0 reads the list and shares it
	 * (dtask_list_share(), run_exec_prepare()). */
	if (o->files_from && (!run->exec || run->exec->rank == 0) &&
	    (code = select_load(run)) != 0)
		return code;
	if (o->files_from && !run->exec)
		single_entry(run);
	code = plan_build(o, run->rep, &run->plan,
	    o->files_from && select_sends_nothing(run));
	if (code)
		return code;
	/* treesync-mpi: every rank opens them from its own view of DEST;
	 * rank 0 says what is missing, once for all. */
	altdest_open_roots(o, &run->plan, !run->exec || run->exec->rank == 0);
	run->copy.part = partial_new(o, run->plan.dst_fd, run->rep, &code);
	if (code)
		return code;
	/* A dry run into a DEST that does not exist has nothing to lock. */
	if (lock && !*o->lock_file && run->plan.dst_fd >= 0 &&
	    (*lock_fd = lock_take(run)) < 0)
		return lock_exit_code(*lock_fd);
	/* A source operand that could not be used is a source error: its
	 * files would look extraneous, so nothing may be deleted. */
	if (run->plan.missing)
		atomic_store(&run->src_error, true);
	if (run->plan.dst_fd >= 0 && fstat(run->plan.dst_fd, &dst_st) == 0)
		run->dst_dev = dst_st.st_dev;
	for (size_t i = 0; i < run->plan.nsrcs; i++)
		if (run->plan.srcs[i].fd >= 0)
			copy_ctx_add_source(&run->copy, run->plan.srcs[i].fd);
	made_add_fd(run, run->plan.dst_fd);
	if (run->plan.overlap)
		run->need |= WALK_NEED_INO;	/* made_has() compares inodes */
	return 0;
}

/*
 * Before anything is looked at: TREESYNC_FAULTS (fault-injection builds),
 * the log file and its opening line.  0 or an exit code.
 */
static int exec_open(struct ts_run *run)
{
	const struct ts_options *o = run->o;
	int r;
#ifdef TS_FAULT_INJECTION
	const char *faults = getenv("TREESYNC_FAULTS");

	if (faults && *faults && sys_inject(faults) < 0) {
		report_error(run->rep, "bad TREESYNC_FAULTS specification '%s'", faults);
		return TS_EXIT_SYNTAX;
	}
#endif
	/* treesync-mpi: rank 0 writes the log, with every rank's lines. */
	if (o->log_file && run->exec && run->exec->rank != 0) {
		report_open_log_memory(run->rep);
		return 0;
	}
	/* As rsync: a log file that cannot be opened is a warning, and the
	 * run goes on without it. */
	if (o->log_file && (r = report_open_log(run->rep, o->log_file,
	    oppath_how_of(o))) < 0)
		report_errno(run->rep, -r, "cannot open log file (ignoring the log "
		    "file setting)", o->log_file);
	log_start(run);
	return 0;
}

/*
 * The directory slots and the workers: this process's, or its rank's
 * (treesync-mpi).  *JOBS is how many (the fd limit may lower it).  0 or
 * -errno.
 */
static int start_workers(struct ts_run *run, int *jobs)
{
	const struct ts_options *o = run->o;
	int r;

	*jobs = o->jobs > 0 ? o->jobs : ts_default_jobs(run->plan.network_fs);
	if (*jobs > MAX_JOBS)
		*jobs = MAX_JOBS;	/* a library caller's ts_options */
	dslot_cache_init(&run->slots, fd_budget(run, jobs));
	run->slots_ready = true;
	if (!run->exec)
		return run_start_pool(run, *jobs);
	if ((r = run->exec->start(run->exec->arg, *jobs)) == 0 &&
	    (r = pool_start_external(&run->pool, *jobs, run->exec->pool)) == 0) {
		/* The pieces of a big file (copy_split.c) are local
		 * closures of this rank's queue: never sent elsewhere,
		 * their fds are this process's. */
		copy_ctx_set_helpers(&run->copy, &run->pool);
		if (run->exec->nranks > 1)
			dtask_set_remote(run);
		dtask_hl_init(run);	/* -H: the same on any number */
	}
	return r;
}

/* The walk from the root, then the deletion pass; *T1: when the walk
 * ended. */
static void walk_and_prune(struct ts_run *run, int jobs, double *t1)
{
	const struct ts_options *o = run->o;
	bool listed = false;

	if (o->progress)
		report_progress_start(run->rep, progress_snapshot, run, o->progress > 1);
	if (run->exec && run->exec->rank == 0 && (report_progress_live(run->rep) ||
	    o->info[TS_INFO_PROGRESS] >= 2))
		dtask_progress_combine(run);
	if (!run->exec || run->exec->rank == 0)
		pool_submit(&run->pool, &root_make(run)->task);
	if (run->exec) {
		run->exec->walk(run->exec->arg);
		run_exec_after_walk(run, jobs);
	} else if (run_wait(run) && o->files_from && !run_cancelled(run)) {
		select_report_unlisted(run, NULL);
		listed = true;
	}
	*t1 = util_now();
	if (!run->abandoned) {
		prune_run(run);
		if (run->exec)
			run_exec_delay_finish(run);
		else
			partial_delay_finish(run);
	}
	if (listed && !run_cancelled(run))
		select_report_unlisted(run, NULL);	/* below replaced entries */
	if (run->exec) {
		dtask_progress_send(run, true);
		run->exec->settle(run->exec->arg);
		if (o->files_from)
			dtask_list_unlisted(run, true);
	}
}

/* The workers stopped, and every line of the report out. */
static void stop_workers(struct ts_run *run)
{
	if (run->abandoned) {
		/* Threads stuck in the kernel cannot be joined: what they
		 * write to is removed, and the run is left to the process's
		 * exit (ts_run_free() frees nothing of it). */
		tmpfile_abort(run->copy.tmp);
	} else {
		pool_stop(&run->pool);
	}
	report_progress_stop(run->rep);
	if (run->exec && run->exec->held)
		report_flush_held(run->rep, run->exec->held, run->exec->arg);
	else
		report_flush(run->rep);
}

/* The last line of --log-file and the summary (under treesync-mpi, rank
 * 0 speaks for every rank), and the lock let go. */
static void exec_close(struct ts_run *run, const struct ts_stats *stats,
    int code, int lock_fd)
{
	if (run->exec) {
		/* One voice: rank 0 prints every rank's output, then the
		 * summary of all (--info=progress2: the run's line after
		 * them, with every rank's counts). */
		if (atomic_load(&run->prog_combine))
			report_progress_break(run->rep);
		run->exec->gather(run->exec->arg);
		if (run->exec->rank != 0)
			goto quiet;
		if (atomic_load(&run->prog_combine))
			report_progress_total(run->rep);
	}
	report_log(run->rep, "treesync finished: exit %d, %llu changed, %llu copied "
	    "(%llu bytes), %llu deleted, %llu errors", code,
	    (unsigned long long)stats->changes,
	    (unsigned long long)stats->reg_transferred,
	    (unsigned long long)stats->transferred_size,
	    (unsigned long long)stats->deleted,
	    (unsigned long long)stats->errors);
	report_summary(run->rep, stats, code);
quiet:
	report_close_log(run->rep);
	if (lock_fd >= 0)
		close(lock_fd);
}

int ts_run_exec(struct ts_run *run, struct ts_stats *stats)
{
	const struct ts_options *o = run->o;
	struct ts_stats local;
	double t0 = util_now(), t1, t2;
	int code, jobs = 0, lock_fd = -1, r;

	if (!stats)
		stats = &local;
	memset(stats, 0, sizeof(*stats));
	if ((code = exec_open(run)) != 0)
		return code;
	code = select_build_rules(run);
	if (!code && o->list_only) {
		/* rsync's --list-only: nothing copied, DEST not looked at
		 * (under MPI, rank 0 lists). */
		if (!run->exec || run->exec->rank == 0)
			code = list_run(run, stats);
		goto out;
	}
	if (run->exec)
		code = run_exec_prepare(run, code, &lock_fd);
	else if (!code)
		code = run_prepare(run, &lock_fd);
	if (code)
		goto out;
	if ((r = start_workers(run, &jobs)) < 0) {
		report_errno(run->rep, -r, "cannot start worker threads", "");
		code = TS_EXIT_IPC;
		goto out;
	}
	walk_and_prune(run, jobs, &t1);
	t2 = util_now();
	stop_workers(run);

	fill_stats(run, stats);
	stats->jobs = run->pool.nthreads ? run->pool.nthreads : jobs;
	stats->walk_seconds = t1 - t0;
	stats->delete_seconds = t2 - t1;
	code = exit_code(run);
	if (run->exec)
		code = run_exec_combine_end(run, stats, code);
	if (run_cancelled(run) && !run->timed_out &&
	    (!run->exec || run->exec->rank == 0))
		report_cancelled(run, stats);
out:
	stats->total_seconds = util_now() - t0;
	exec_close(run, stats, code, lock_fd);
	return code;
}

int ts_sync(const struct ts_options *o, struct ts_stats *stats)
{
	struct ts_run *run = ts_run_new(o, NULL);
	int code = ts_run_exec(run, stats);

	ts_run_free(run);
	return code;
}
