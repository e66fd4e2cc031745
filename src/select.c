/*
 * select.c -- which source entries take part: filter rules (the glue to
 * filter.c: per-directory merge files, protection from deletion) and
 * --files-from.
 */
#define _GNU_SOURCE
#include "run.h"

#include "report.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* --- filters ------------------------------------------------------------ */

/* Reads a per-directory merge file for filter_layer_push(). */
int select_read_rule_file(void *arg, const char *path, bool in_dir,
    char **data, size_t *len)
{
	int dirfd = *(int *)arg;
	int fd = in_dir ? openat(dirfd, path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
	    : open(path, O_RDONLY | O_CLOEXEC);
	int r;

	if (fd < 0)
		return -errno;
	r = util_read_fd(fd, data, len);
	close(fd);
	return r;
}

/*
 * The outcome R of a filter_layer_push(): true if it worked; otherwise
 * reports ERR (freed) and stops the run for a malformed rule (exit 1, as
 * rsync) or counts an unreadable rule file as a source error.
 */
bool select_pushed(struct ts_run *run, int r, char *err)
{
	if (r == 0)
		return true;
	report_error("%s", err ? err : "cannot read filter rules");
	free(err);
	if (r == -EINVAL) {
		run->bad_rules = true;
		pool_cancel(&run->pool);
	} else {
		run_source_failed(run);
	}
	return false;
}

/* Enters source S of D in the filter rules (reads its merge files). */
bool select_push_layer(struct dnode *d, struct dsrc *s)
{
	struct ts_run *run = d->run;
	struct filter_reader rd = { select_read_rule_file, &s->fd };
	char *err = NULL;
	int r;

	if (!s->parent_layer)
		return true;
	r = filter_layer_push(s->parent_layer, d->rel, &rd, &s->layer, &err);
	return select_pushed(run, r, err);
}

/* Sender side: is the source item left out of the transfer? */
bool select_filtered_out(const struct srcitem *it, const char *rel)
{
	return it->layer && filter_excluded(it->layer, rel,
	    S_ISDIR(it->ent->mode) ? FILTER_DIR : 0);
}

/* Receiver side: is a destination entry protected from deletion? */
static bool protected_entry(const struct ts_run *run,
    const struct filter_layer *l, const char *rel, bool is_dir, bool inside)
{
	unsigned fl = FILTER_RECEIVER | (is_dir ? FILTER_DIR : 0) |
	    (run->o->delete_excluded ? FILTER_DELETE_EXCLUDED : 0) |
	    (inside ? FILTER_PERISHING : 0);

	return l && filter_excluded(l, rel, fl);
}

bool select_protect_inside(void *arg, const char *relpath, bool is_dir)
{
	const struct protect_arg *p = arg;

	return protected_entry(p->run, p->layer, relpath, is_dir, true);
}

/* --files-from: the index of PATH in the list, or -1. */
long select_list_find(const struct ts_run *run, const char *path)
{
	size_t lo = 0, hi = run->nlist;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(path, run->list[mid]);

		if (c == 0)
			return (long)mid;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return -1;
}

/* True when some listed path lies below PATH ("" is the root). */
static bool list_has_below(const struct ts_run *run, const char *path)
{
	size_t n = strlen(path), lo = 0, hi = run->nlist;

	if (n == 0)
		return run->nlist > 0;
	while (lo < hi) {	/* first entry >= "PATH/" */
		size_t mid = lo + (hi - lo) / 2;
		int c = strncmp(run->list[mid], path, n);

		if (c < 0 || (c == 0 && run->list[mid][n] < '/'))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < run->nlist && strncmp(run->list[lo], path, n) == 0 &&
	    run->list[lo][n] == '/';
}

/*
 * Decides whether a source item of D takes part, and how much below it:
 * in a partly selected directory only listed paths (descended with -r)
 * and the directories leading to them are; elsewhere everything is, and
 * without -r (-d) directories are created but not read.
 */
bool select_item(struct dnode *d, struct srcitem *it)
{
	struct ts_run *run = d->run;
	char *path;
	long idx;

	it->child_sel = SEL_ALL;
	it->child_stop = !run->recurse;
	if (d->sel == SEL_ALL)
		return true;
	path = util_path_join(d->rel, it->name);
	idx = select_list_find(run, path);
	if (idx >= 0) {
		atomic_store(&run->listed_seen[idx], true);
		free(path);
		return true;
	}
	if (S_ISDIR(it->ent->mode) && list_has_below(run, path)) {
		it->child_sel = SEL_PARTIAL;
		it->child_stop = false;
		free(path);
		return true;
	}
	free(path);
	return false;
}

/* Reports the listed paths that were never met (exit 23, no delete). */
void select_report_unlisted(struct ts_run *run)
{
	size_t i;

	for (i = 0; i < run->nlist; i++) {
		if (atomic_load(&run->listed_seen[i]) || !*run->list[i])
			continue;
		report_errno(ENOENT, "cannot stat listed source", run->list[i]);
		run_source_failed(run);
	}
}

/* An extraneous destination entry kept by a receiver-side rule. */
bool select_protected_dest(struct dnode *d, const struct ts_entry *en)
{
	char *rel;
	bool keep;

	if (!dnode_layer(d))
		return false;
	rel = util_path_join(d->rel, en->name);
	keep = protected_entry(d->run, dnode_layer(d), rel, S_ISDIR(en->mode), false);
	free(rel);
	return keep;
}

/*
 * --files-from: rsync sends the root "." only as the implied parent of a
 * listed path that exists and has a directory component.
 */
bool select_list_sends_root(struct ts_run *run, int sfd)
{
	struct ts_entry st;
	size_t i;

	for (i = 0; i < run->nlist; i++)
		if ((strchr(run->list[i], '/') || !*run->list[i]) &&
		    walk_stat(sfd, *run->list[i] ? run->list[i] : "", false, &st) == 0)
			return true;
	return false;
}
