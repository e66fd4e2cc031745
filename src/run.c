/*
 * run.c -- one synchronisation run: the phases (walk, then deletion), the
 * counters and the exit code, signals.  See run.h for how a run goes.
 */
#define _GNU_SOURCE
#include "run.h"

#include "copy.h"
#include "delete.h"
#include "meta.h"
#include "oppath.h"
#include "plan.h"
#include "pool.h"
#include "report.h"
#include "sys.h"
#include "util.h"
#include "xattr.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

volatile sig_atomic_t run_signal;
static struct pool *signal_pool;
static struct copy_ctx *signal_copy;

/* A per-item failure: counted, reported by the caller, exit 23. */
void run_item_failed(struct ts_run *run)
{
	add(&run->errors, 1);
	atomic_store(&run->partial, true);
	atomic_store(&run->other_error, true);
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

	report_errno(err, what, p);
	free(p);
}
/* --- signals, stats, the run --------------------------------------------- */

static void on_signal(int sig)
{
	if (run_signal) {
		/* A second signal: end now, but leave no temp file. */
		static const char msg[] =
		    "treesync: second signal: stopping now\n";

		copy_remove_temps();
		if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0)
			_exit(TS_EXIT_SIGNAL);
		_exit(TS_EXIT_SIGNAL);
	}
	run_signal = sig;
	copy_temp_stop();
	if (signal_pool)
		pool_cancel(signal_pool);
	if (signal_copy)
		atomic_store(&signal_copy->abort, true);
}

static void install_signals(struct pool *p, struct copy_ctx *c)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	signal_pool = p;
	signal_copy = c;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sigaction(SIGXFSZ, &sa, NULL);
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
	st->changes = report_changes();
	st->reflinked = run->reflinked;
	st->verified = run->verified;
	st->retries = run->retries;
	st->delete_skipped = run->delete_skipped;
}

static int exit_code(struct ts_run *run)
{
	if (run_signal)
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
	if (run->o->check && report_changes() > 0)
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


static void progress_snapshot(struct report_progress *p, void *arg)
{
	struct ts_run *run = arg;
	int i;

	p->files_seen = 0;
	for (i = 0; i < TY_N; i++)
		p->files_seen += run->files[i];
	p->files_done = run->entries_done;
	p->bytes_todo = run->bytes_todo;
	p->bytes_done = atomic_load(&run->copy.moved);
}

static void free_engine(struct ts_run *run)
{
	select_free(run);
	hl_free(run);
	prune_free(run);
	plan_free(&run->plan);
	pthread_mutex_destroy(&run->del_lock);
	pthread_mutex_destroy(&run->defer_lock);
	free(run);
}

int ts_sync(const struct ts_options *o, struct ts_stats *stats)
{
	const struct ts_options *caller = o;
	struct ts_run *run = xcalloc(1, sizeof(*run));
	struct ts_stats local;
	double t0 = util_now(), t1, t2;
	int code, jobs, lock_fd = -1, r;
	const char *faults = getenv("TREESYNC_FAULTS");
	struct stat dst_st;

	if (!stats)
		stats = &local;
	memset(stats, 0, sizeof(*stats));
	/* -d and --files-from walk directories without -r: decisions treat
	 * directories as transferred, and `recurse` says how deep to go. */
	run->opts = *o;
	run->recurse = o->recursive;
	if (o->dirs || o->files_from)
		run->opts.recursive = true;
	run->o = o = &run->opts;
	run->am_root = geteuid() == 0;
	run->umask = umask(0);
	umask(run->umask);
	run->need = (o->owner || o->group) ? WALK_NEED_OWNER : 0;
	pthread_mutex_init(&run->del_lock, NULL);
	pthread_mutex_init(&run->defer_lock, NULL);
	run->xa_which = (o->xattrs ? XA_PLAIN : 0) | (o->acls ? XA_ACL : 0);
	if (o->hard_links) {
		run->need |= WALK_NEED_INO;
		pthread_mutex_init(&run->hl_lock, NULL);
		run->hl = xcalloc(HL_BUCKETS, sizeof(*run->hl));
	}
	report_init(caller);	/* outlives the engine (main prints --json) */
	util_raise_nofile();
	if (faults && *faults && sys_inject(faults) < 0) {
		report_error("bad TREESYNC_FAULTS specification '%s'", faults);
		free_engine(run);
		return TS_EXIT_SYNTAX;
	}
	/* As rsync: a log file that cannot be opened is a warning, and the
	 * run goes on without it. */
	if (o->log_file && (r = report_open_log(o->log_file,
	    o->insecure_links ? OPPATH_INSECURE : 0)) < 0)
		report_errno(-r, "cannot open log file (ignoring the log "
		    "file setting)", o->log_file);
	{
		char esc[PATH_MAX * 2];

		util_escape_name(esc, sizeof(esc), o->dest);
		report_log("treesync %s starting: %zu source(s) -> %s%s",
		    TS_VERSION_STRING, o->nsrcs, esc,
		    o->dry_run ? " (dry run)" : "");
	}
	copy_ctx_init(&run->copy, o, o->verbose >= 2 || o->stats || o->json);
	install_signals(NULL, &run->copy);

	/* A named lock file is taken before anything is looked at. */
	if (o->lock_file && *o->lock_file && (lock_fd = lock_take(run)) < 0) {
		code = lock_exit_code(lock_fd);
		goto out;
	}
	if (o->files_from && (code = select_load(run)) != 0)
		goto out;
	code = plan_build(o, &run->plan);
	if (code)
		goto out;
	/* A dry run into a DEST that does not exist has nothing to lock. */
	if (o->lock_file && !*o->lock_file && run->plan.dst_fd >= 0 &&
	    (lock_fd = lock_take(run)) < 0) {
		code = lock_exit_code(lock_fd);
		goto out;
	}
	/* A source operand that could not be used is a source error: its
	 * files would look extraneous, so nothing may be deleted. */
	if (run->plan.missing)
		atomic_store(&run->src_error, true);
	if (run->plan.dst_fd >= 0 && fstat(run->plan.dst_fd, &dst_st) == 0)
		run->dst_dev = dst_st.st_dev;
	jobs = o->jobs > 0 ? o->jobs : ts_default_jobs(run->plan.network_fs);
	if (pool_start(&run->pool, jobs) < 0) {
		report_error("cannot start worker threads");
		code = TS_EXIT_FILEIO;
		goto out;
	}
	install_signals(&run->pool, &run->copy);
	if (run_signal)
		pool_cancel(&run->pool);
	if (o->progress)
		report_progress_start(progress_snapshot, run, o->progress > 1);
	pool_submit(&run->pool, &root_make(run)->task);
	pool_wait(&run->pool);
	if (o->files_from && !run_signal)
		select_report_unlisted(run);
	t1 = util_now();
	prune_run(run);
	t2 = util_now();
	pool_stop(&run->pool);
	signal_pool = NULL;
	report_progress_stop();
	report_flush();

	fill_stats(run, stats);
	stats->jobs = run->pool.nthreads ? run->pool.nthreads : jobs;
	stats->walk_seconds = t1 - t0;
	stats->delete_seconds = t2 - t1;
	code = exit_code(run);
	if (run_signal)
		report_error("interrupted by signal %d: %llu files copied, "
		    "%llu errors; no temp files left", (int)run_signal,
		    (unsigned long long)stats->reg_transferred,
		    (unsigned long long)stats->errors);
out:
	stats->total_seconds = util_now() - t0;
	report_log("treesync finished: exit %d, %llu changed, %llu copied "
	    "(%llu bytes), %llu deleted, %llu errors", code,
	    (unsigned long long)stats->changes,
	    (unsigned long long)stats->reg_transferred,
	    (unsigned long long)stats->transferred_size,
	    (unsigned long long)stats->deleted,
	    (unsigned long long)stats->errors);
	report_close_log();
	signal_copy = NULL;
	copy_ctx_destroy(&run->copy);
	if (lock_fd >= 0)
		close(lock_fd);
	free_engine(run);
	return code;
}
