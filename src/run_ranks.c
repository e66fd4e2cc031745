/*
 * run_ranks.c -- one run that is one rank's part of a run over several
 * (treesync-mpi, docs/mpi.md): the hooks of struct run_exec at each phase
 * of ts_run_exec() (run.c).
 *
 * Before the walk the ranks prepare in turn (rank 0 makes DEST and takes
 * --lock) and agree on the outcome, on the trees (the same inodes on
 * every host) and on what cannot be spread yet; after it they OR their
 * error flags so that all delete or none does; at the end they sum their
 * statistics and combine their exit codes with exit_code()'s precedence.
 * Every function here is collective: each rank calls it at the same
 * point, or the others wait.  Knows nothing of MPI: run->exec's calls do.
 */
#define _GNU_SOURCE
#include "run.h"

#include "altdest.h"
#include "copy.h"
#include "dtask.h"
#include "filter.h"
#include "partial.h"
#include "pool.h"
#include "report.h"
#include "util.h"

#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void run_set_exec(struct ts_run *run, const struct run_exec *x)
{
	run->exec = x;
}

/* The name of identity I of exec_same_trees(): a source operand, DEST,
 * -T's directory, then each alternate directory (--link-dest...). */
static void tree_name(const struct ts_run *run, size_t i, const char **what,
    const char **name)
{
	const struct ts_options *o = run->o;
	size_t ns = run->plan.nsrcs;

	*what = i < ns ? "source" : i == ns ? "destination" :
	    i == ns + 1 ? "temp-dir" : altdest_kind_name(o->alt_dest);
	*name = i < ns ? run->plan.srcs[i].operand : i == ns ?
	    run->plan.dst_operand : i == ns + 1 ? o->temp_dir :
	    o->alt_dirs[i - ns - 2];
}

/* The inode of directory FD, or 0 when it is not open. */
static uint64_t ino_of(int fd)
{
	struct stat st;

	return fd >= 0 && fstat(fd, &st) == 0 ? (uint64_t)st.st_ino : 0;
}

/*
 * Whether every rank sees the same operands, DEST, -T directory and
 * alternate directories (--link-dest...: each rank opened them from its
 * own view of DEST's path): the same inode for each, or absent on every
 * one (what a network file system's clients share; device numbers differ
 * between hosts).  A host whose mount is missing or another one would
 * list other trees, and a task it steals would be decided on them; a -T
 * on a host's own disk would hold temps that the chunks of other hosts
 * cannot reach.  Collective; rank 0 says it.
 */
static bool exec_same_trees(struct ts_run *run)
{
	const struct run_exec *x = run->exec;
	const struct partial *p = run->copy.part;
	size_t ns = run->plan.nsrcs, n = ns + 2 + run->plan.nalt, i;
	uint64_t *v = xcalloc(2 * n, sizeof(*v));
	const char *what, *name;
	bool same = true;

	for (i = 0; i < ns; i++)
		v[i] = run->plan.srcs[i].fd >= 0 ? run->plan.srcs[i].st.ino : 0;
	v[ns] = ino_of(run->plan.dst_fd);
	v[ns + 1] = p ? ino_of(p->tmp_fd) : 0;
	for (i = 0; i < run->plan.nalt; i++)
		v[ns + 2 + i] = ino_of(run->plan.alt_fd[i]);
	for (i = 0; i < n; i++)
		v[n + i] = ~v[i];
	x->combine(x->arg, v, 0, 0, 2 * n);	/* the largest and smallest */
	for (i = 0; i < n; i++)
		if (v[i] != ~v[n + i]) {
			same = false;
			tree_name(run, i, &what, &name);
			if (x->rank == 0)
				report_error(run->rep, "the ranks do not see the "
				    "same %s%s '%s' (its inode differs between "
				    "hosts): every host must mount the same "
				    "trees at the same paths", what,
				    i >= ns + 2 ? " directory" : "", name);
		}
	free(v);
	return same;
}

/*
 * Whether every rank built the same filter rules.  Each rank builds its
 * list itself, from its own command line and its own view of the files
 * and environment the rules come from: an --exclude-from file on a host's
 * own disk, "--exclude-from=-" (standard input, which only rank 0 has
 * under mpirun), -C's $HOME/.cvsignore and $CVSIGNORE (mpirun does not
 * pass the environment to other hosts unless told to).  A rank that
 * judged a stolen directory with other rules would copy what the run
 * excludes and delete what it protects.  Collective; rank 0 says it.
 */
static bool exec_same_rules(struct ts_run *run)
{
	const struct run_exec *x = run->exec;
	uint64_t d = run->filters ? filter_list_digest(run->filters) : 0;
	uint64_t v[2] = { d, ~d };

	x->combine(x->arg, v, 0, 0, 2);	/* the largest and smallest */
	if (v[0] == ~v[1])
		return true;
	if (x->rank == 0)
		report_error(run->rep, "the ranks do not have the same filter "
		    "rules: every host must read the same rule files (not "
		    "stdin, which only rank 0 has) and, with -C, the same "
		    "$HOME/.cvsignore and $CVSIGNORE");
	return false;
}

/*
 * Everything before the walk, on every rank: rank 0 first (it makes DEST
 * and takes the lock), then the others, which find DEST made; the ranks
 * agree on the outcome (a rank that failed gives its code to all) and
 * on what cannot be spread across ranks yet.  0 or an exit code.
 */
int run_exec_prepare(struct ts_run *run, int code, int *lock_fd)
{
	const struct run_exec *x = run->exec;
	const char *no;
	uint64_t v[1] = { 0 };

	if (x->rank == 0 && !code)
		code = run_prepare(run, lock_fd);
	v[0] = (uint64_t)code;
	x->combine(x->arg, v, 0, 0, 1);		/* rank 0 is done */
	/* --files-from: rank 0 read the list, the others take it. */
	if (!v[0] && run->o->files_from && x->nranks > 1) {
		code = dtask_list_share(run);	/* the same on every rank */
		v[0] = (uint64_t)code;
	}
	if (x->rank != 0 && !code && !v[0])
		code = run_prepare(run, lock_fd);
	v[0] = (uint64_t)code;
	x->combine(x->arg, v, 0, 0, 1);
	if (v[0])
		return (int)v[0];
	if (x->nranks > 1 && (!exec_same_trees(run) || !exec_same_rules(run)))
		return TS_EXIT_SELECT;
	if (x->nranks > 1 && (no = dtask_unsupported(run)) != NULL) {
		if (x->rank == 0)
			report_error(run->rep, "%s is not supported across "
			    "several ranks yet: run treesync-mpi with one rank, "
			    "or treesync", no);
		return TS_EXIT_SYNTAX;
	}
	return 0;
}

/*
 * After the walk of every rank: the engine's own threads take over (the
 * deletion pass and the deferred type changes run on each rank alone),
 * and every rank learns what every other one met, so that all delete or
 * none does.
 */
void run_exec_after_walk(struct ts_run *run, int jobs)
{
	const struct run_exec *x = run->exec;
	bool cancelled = pool_cancelled(&run->pool);
	uint64_t v[9] = {
		atomic_load(&run->src_error), atomic_load(&run->other_error),
		atomic_load(&run->fatal), atomic_load(&run->read_only),
		run->refuse_delete, cancelled, run_cancelled(run),
		run->groups != NULL, run->ndeferred,
	};
	int r;

	pool_stop(&run->pool);
	copy_ctx_set_remote(&run->copy, NULL);	/* the queue is over */
	r = run_start_pool(run, jobs);
	if (run->hlr) {
		/* -H: the groups decided over every rank, their links made
		 * (each rank's errors go into the flags below). */
		dtask_hl_exchange(run);
		v[0] = atomic_load(&run->src_error);
		v[1] = atomic_load(&run->other_error);
		v[2] = atomic_load(&run->fatal);
		v[3] = atomic_load(&run->read_only);
		v[6] = run_cancelled(run);
		v[8] = run->ndeferred;
	}
	if (run->o->files_from) {
		/* Listed paths no rank met: a source error (rank 0's),
		 * before the ranks decide whether to delete. */
		dtask_list_unlisted(run, false);
		v[0] = atomic_load(&run->src_error);
		/* --delete-missing-args: rank 0's paths to delete. */
		v[7] |= select_has_gone(run);
	}
	x->combine(x->arg, v, 7, 2, 0);
	run->exec_groups = v[7];
	run->exec_deferred = v[8];
	if (r < 0) {
		report_errno(run->rep, -r, "cannot start worker threads", "");
		v[1] = true;	/* nothing deleted here: none anywhere is
				 * not promised, but nothing is left half */
	}
	atomic_store(&run->src_error, v[0] != 0);
	atomic_store(&run->other_error, v[1] != 0);
	atomic_store(&run->fatal, v[2] != 0);
	atomic_store(&run->read_only, v[3] != 0);
	run->refuse_delete = v[4] != 0;
	if (v[5] || v[6])
		atomic_store(&run->pool.cancelled, true);
}

/*
 * --delay-updates over every rank, after the deletion pass: the staged
 * files of all ranks put in place as nearly at once as the ranks can, or
 * none when any rank was cancelled (one host's signal stops them all, as
 * it stops one treesync).  One directory's files may be staged on
 * several ranks: each reads its directories' times before any rank
 * renames (a rename changes them), and puts them back only once every
 * rank renamed.  Collective.
 */
void run_exec_delay_finish(struct ts_run *run)
{
	const struct run_exec *x = run->exec;
	uint64_t v[1] = { run_cancelled(run) };

	if (!partial_delaying(run->copy.part))	/* the same on every rank */
		return;
	x->combine(x->arg, v, 1, 0, 0);
	if (v[0])
		return;
	partial_delay_phases(run, PARTIAL_PH_TIME);
	x->combine(x->arg, v, 1, 0, 0);		/* every time read */
	partial_delay_phases(run, PARTIAL_PH_RENAME);
	x->combine(x->arg, v, 1, 0, 0);		/* every file in place */
	partial_delay_phases(run, PARTIAL_PH_SETTLE);
}

/* The exit codes in the order they win (exit_code()'s). */
static const int code_order[] = {
	TS_EXIT_TIMEOUT, TS_EXIT_SIGNAL, TS_EXIT_SYNTAX, TS_EXIT_FILEIO,
	TS_EXIT_REFUSED, TS_EXIT_PARTIAL, TS_EXIT_VANISHED, TS_EXIT_DEL_LIMIT,
	TS_EXIT_DIFFERENT,
};
#define NCODES (sizeof(code_order) / sizeof(code_order[0]))
#define NSTATSUM (offsetof(struct ts_stats, walk_seconds) / sizeof(uint64_t))

/*
 * Every rank's statistics summed (times: the longest) and its exit code
 * combined with exit_code()'s precedence; the same on every rank.
 */
int run_exec_combine_end(struct ts_run *run, struct ts_stats *st,
    int code)
{
	const struct run_exec *x = run->exec;
	uint64_t v[1 + NSTATSUM + 1 + 3];
	size_t i;

	v[0] = 0;
	for (i = 0; i < NCODES; i++)
		if (code == code_order[i])
			v[0] |= 1u << i;
	memcpy(&v[1], st, NSTATSUM * sizeof(uint64_t));
	v[1 + NSTATSUM] = (uint64_t)st->jobs;
	v[2 + NSTATSUM] = (uint64_t)(st->walk_seconds * 1e6);
	v[3 + NSTATSUM] = (uint64_t)(st->delete_seconds * 1e6);
	/* Codes outside the list (none reach here today): the largest. */
	v[4 + NSTATSUM] = v[0] || code == 0 ? 0 : (uint64_t)code;
	x->combine(x->arg, v, 1, NSTATSUM + 1, 3);
	memcpy(st, &v[1], NSTATSUM * sizeof(uint64_t));
	st->jobs = (int)v[1 + NSTATSUM];
	st->walk_seconds = (double)v[2 + NSTATSUM] / 1e6;
	st->delete_seconds = (double)v[3 + NSTATSUM] / 1e6;
	for (i = 0; i < NCODES; i++)
		if (v[0] & (1u << i))
			return code_order[i];
	return (int)v[4 + NSTATSUM];
}
