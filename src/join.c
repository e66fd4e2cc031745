/*
 * join.c -- a directory's source names against its destination listing.
 *
 * Both sides are sorted by name, so one pass decides every name: a source
 * name is handed to item.c (with the destination entry of that name, if
 * any), a destination-only name is extraneous (prune.c deletes it after
 * the walk).  Owns the order of that pass and nothing else: it opens
 * nothing and changes nothing itself.
 *
 * The pass runs in chunks of JOIN_CHUNK names.  A chunk's tasks (files to
 * copy, subdirectories to scan) are queued when it ends, under a
 * continuation task that carries on with the next chunk; the pool is
 * LIFO, so the chunk's files and subdirectories run before the rest of
 * the directory is decided.  What a directory of a million names holds at
 * once is then its two listings (about 30 bytes a name each, see walk.h)
 * and one chunk of tasks, not a task per file.
 */
#define _GNU_SOURCE
#include "run.h"

#include "util.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Names decided between two looks at the pool. */
#define JOIN_CHUNK 2048

struct join {
	struct pool_task task;	/* the continuation */
	struct dnode *d;
	struct scan_lists sc;
	struct dirlist dl;
	size_t j;		/* the next destination entry */
	bool find_extraneous;
	uint32_t *ex;		/* extraneous entries: indices in dl */
	size_t nex, excap;
	struct fuzzy fz;	/* -y: for fuzzy.c */
};

enum join_take join_take(struct dnode *d, struct scan_lists *sc,
    const struct srcitem ***merge)
{
	struct srcitem *items = sc->items;
	char *rel;
	bool out;

	*merge = NULL;
	if (sc->n > 1)
		items[0].nmerge = scan_settle_duplicates(items, sc->n, merge);
	items[0].merge = *merge;
	if (!select_item(d, &items[0]))
		return TAKE_NONE;
	if (!items[0].layer)
		return TAKE_SEND;
	rel = util_path_join(d->rel, items[0].name);
	out = select_filtered_out(&items[0], rel);
	free(rel);
	return out ? TAKE_EXCLUDED : TAKE_SEND;
}

static void add_extraneous(struct join *jn, size_t j)
{
	if (jn->nex == jn->excap) {
		jn->excap = jn->excap ? jn->excap * 2 : 64;
		jn->ex = xrealloc(jn->ex, jn->excap * sizeof(*jn->ex));
	}
	jn->ex[jn->nex++] = (uint32_t)j;
}

/* Decides one name: the current source name, the current destination
 * entry, or both (the same name). */
static void join_one(struct join *jn)
{
	struct dnode *d = jn->d;
	const struct srcitem **merge = NULL;
	struct ts_entry de;
	enum join_take t = TAKE_SEND;
	int c;

	if (!jn->sc.n)
		c = 1;
	else if (jn->j == jn->dl.n)
		c = -1;
	else
		c = strcmp(jn->sc.items[0].name, dirlist_name(&jn->dl, jn->j));
	if (c >= 0) {
		dirlist_get(&jn->dl, jn->j, &de);
		item_fake_dest(d->run, d->dslot.fd, de.name, &de);
	}
	if (c <= 0) {
		t = join_take(d, &jn->sc, &merge);
		/* -m: what is not a directory keeps D (it is made now). */
		if (t == TAKE_SEND &&
		    !S_ISDIR(jn->sc.items[0].ent->mode) && !emptydir_need(d))
			t = TAKE_NONE;
		jn->fz.dst_index = c == 0 ? (long)jn->j : -1;
		jn->fz.gone_early = jn->find_extraneous &&
		    !d->run->o->delete_late;
		if (t == TAKE_SEND)
			item_handle(d, &jn->sc.items[0], c == 0 ? &de : NULL);
		free(merge);
		jn->sc.n = 0;	/* decided */
	}
	if (c >= 0) {
		/* Destination-only, or sent by no operand (excluded). */
		if ((c > 0 || t == TAKE_EXCLUDED) && jn->find_extraneous &&
		    !select_protected_dest(d, &de))
			add_extraneous(jn, jn->j);
		jn->j++;
	}
}

static void join_finish(struct join *jn)
{
	struct dnode *d = jn->d;

	if (jn->nex && !pool_cancelled(&d->run->pool))
		prune_record(d, &jn->dl, jn->ex, jn->nex);
	scan_lists_free(&jn->sc);
	dirlist_free(&jn->dl);
	free(jn->ex);
	free(jn->fz.sent);
	free(jn);
}

/* The node's directories cannot be opened again: the rest of the
 * directory is not decided, and nothing in it is taken for extraneous. */
static void join_abandon(struct join *jn)
{
	jn->nex = 0;
	join_finish(jn);
}

static void join_task(struct pool_task *t, struct pool_worker *w);

/*
 * One chunk.  Returns true when the join is over (JN freed); false when a
 * continuation was queued for the rest.
 */
static bool join_chunk(struct join *jn)
{
	struct dnode *d = jn->d;
	struct ts_run *run = d->run;
	struct pending later = { NULL, NULL };
	size_t done = 0;
	bool more;

	d->later = &later;
	/* The choice is only said (--debug=FUZZY): unasked, not made. */
	d->fuzzy = run->o->fuzzy && run->o->debug[TS_DEBUG_FUZZY] >= 1 ?
	    &jn->fz : NULL;
	for (;;) {
		more = (scan_peek(d, &jn->sc) || jn->j < jn->dl.n) &&
		    !pool_cancelled(&run->pool);
		if (!more || done == JOIN_CHUNK)
			break;
		join_one(jn);
		done++;
	}
	d->later = NULL;
	d->fuzzy = NULL;
	if (more) {
		/* Below this chunk's tasks: they run first (LIFO). */
		atomic_fetch_add(&d->pending, 1);
		jn->task.fn = join_task;
		pool_submit(&run->pool, &jn->task);
	}
	/* LIFO: files pushed last run first, before the subdirectories. */
	scan_submit_list(&run->pool, later.dirs);
	ftask_submit_batches(run, later.files);
	if (!more)
		join_finish(jn);
	return !more;
}

static void join_task(struct pool_task *t, struct pool_worker *w)
{
	struct join *jn = container_of(t, struct join, task);
	struct dnode *d = jn->d;

	if (dnode_enter(d) == 0) {
		pool_worker_busy(w, dnode_src_disp(d)[0] ? dnode_src_disp(d) :
		    d->rel);
		join_chunk(jn);
	} else {
		join_abandon(jn);
	}
	dnode_leave(d);
	dnode_release(d);
}

void join_start(struct dnode *d, struct scan_lists *sc, struct dirlist *dl,
    bool find_extraneous)
{
	struct join *jn = xcalloc(1, sizeof(*jn));
	size_t k;

	jn->d = d;
	jn->sc = *sc;
	jn->dl = *dl;
	jn->fz.dl = &jn->dl;
	jn->fz.sc = &jn->sc;
	memset(sc, 0, sizeof(*sc));
	dirlist_init(dl);
	/* Deletion needs the whole source directory: not in a partial one. */
	for (k = 0; k < d->nsrcs; k++)
		if (d->srcs[k].sel != SEL_ALL)
			find_extraneous = false;
	jn->find_extraneous = find_extraneous;
	d->del_ok = find_extraneous;
	join_chunk(jn);
}
