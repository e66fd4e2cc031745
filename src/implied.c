/*
 * implied.c -- --no-implied-dirs: the directories on the way to a listed
 * path (-R's operands, --files-from's lines) are not sent.
 *
 * rsync then sends no entry for them: nothing is printed or counted for
 * them, and the receiver uses DEST's path as it finds it.  An existing
 * directory keeps its attributes; a missing one is made with default
 * ones (the mode of a plain mkdir, the time it gets); a symlink there is
 * followed -- the file lands where it points -- but only to a directory
 * below DEST (rsync 3.5 resolves it beneath the destination and fails
 * with ELOOP otherwise); anything else fails the path below it (exit 23)
 * and stays.
 *
 * A followed symlink is -K's (the node's via_link): its scan opens it
 * from DEST's root with RESOLVE_BENEATH, and its slot then only ever as
 * that very directory.  Owns that decision only: the node is an
 * ordinary directory node from there on.
 */
#define _GNU_SOURCE
#include "run.h"

#include "delete.h"
#include "walk.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

/* Whether REL (below DEST) resolves to a directory below DEST. */
static bool beneath(const struct ts_run *run, const char *rel)
{
	int fd = delete_open_kept(run->plan.dst_fd, rel, true);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

void implied_act(struct dnode *d, const struct srcitem *it,
    const struct ts_entry *dst)
{
	struct ts_run *run = d->run;
	struct action a = { .it = it, .dst = dst, .what = CMP_DIR };
	struct ts_entry at;
	struct dnode *c;
	char *rel = NULL;

	if (dst && S_ISLNK(dst->mode) && d->dslot.fd >= 0 &&
	    walk_stat(d->dslot.fd, it->name, true, &at) == 0 &&
	    S_ISDIR(at.mode) &&
	    (!run->o->dry_run || beneath(run, item_rel(d, it, &rel)))) {
		/* Opened beneath DEST by its scan, as -K's (scan.c
		 * open_kept_link()): out of DEST, its entries fail. */
		at.name = dst->name;
		a.dst = &at;
		a.via_link = true;
	} else if (dst && !S_ISDIR(dst->mode) && !run->o->dry_run) {
		run_report_dest(run, S_ISLNK(dst->mode) ? ELOOP : ENOTDIR,
		    "cannot use as a directory", item_rel(d, it, &rel));
		run_item_failed(run);
		free(rel);
		return;
	} else if (!dst || !S_ISDIR(dst->mode)) {
		/* Missing (a dry run makes nothing, so nothing fails on the
		 * way either, as in rsync). */
		a.dst = NULL;
		a.what = CMP_MKDIR;
	}
	c = item_new_dir(d, &a);
	if (c->create) {
		/* mkdir's attributes: the directory's default mode. */
		c->meta.set_owner = c->meta.set_group = false;
		c->meta.set_times = false;
		c->meta.xa_which = 0;
		c->meta.mode = 0777 & d->dflt;
	} else {
		c->apply_meta = false;
	}
	item_queue_dir(d, c);
	free(rel);	/* the dry run's path, if it was built */
}
