/*
 * dtask.c -- directory tasks as bytes, for treesync-mpi: the origin's
 * side (see dtask.h, dtask_int.h for the message format, docs/mpi.md).
 *
 * Turns a directory task or a batch of file tasks the engine submits into
 * a message another rank can run: the paths of its source directories
 * below the operands, its entries as listed, the decisions already taken.
 * The task stays this rank's until DONE comes back (done_here()).  Also
 * the one entry point for every message received (dtask_exec()), and the
 * list of what is not spread across ranks yet.
 *
 * Must not open anything: a thief re-opens (dtask_steal.c).
 */
#define _GNU_SOURCE
#include "dtask_int.h"

#include "report.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

void dtask_stolen(const struct ts_run *run, uint64_t *dirs,
    uint64_t *batches, uint64_t *chunks, uint64_t *split)
{
	*split = atomic_load(&run->mpi_split_batches);
	*dirs = atomic_load(&run->mpi_stolen_dirs);
	*batches = atomic_load(&run->mpi_stolen_batches);
	*chunks = atomic_load(&run->mpi_chunks_run);
}

void dtask_buf_free(struct dtask_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

/* Joins NAMES[0..n) (innermost first) below BASE; malloc'ed. */
static char *join_names(const char *base, const char **names, size_t n)
{
	char *s = xstrdup(base), *t;

	while (n-- > 0) {
		t = util_path_join(s, names[n]);
		free(s);
		s = t;
	}
	return s;
}

/* BASE (a display path) without its trailing slashes, as src_path()
 * joins below it. */
static char *trim_slashes(const char *base)
{
	size_t n = strlen(base);

	while (n > 1 && base[n - 1] == '/')
		n--;
	return xstrndup(base, n);
}

/*
 * Where source directory S (a source of one of D's ancestors, or an
 * operand's directory) is: its operand, its path below the operand's fd
 * and its path for messages.  False when it cannot be told (the task
 * then stays on this rank).
 */
static bool locate_src(const struct ts_run *run, const struct dnode *d,
    const struct dsrc *s, uint32_t *op, char **rel, char **disp)
{
	const char *names[256];
	size_t n = 0;
	const struct dnode *p;
	const struct dsrc *base = s;
	char *brel, *bdisp;

	for (; base->up; base = base->up) {
		/* Reached through a symlink followed here (-L, -k,
		 * --copy-dirlinks, a directory on the way to a listed
		 * path): a thief opens no symlink (dtask_steal.c). */
		if (n == sizeof(names) / sizeof(names[0]) || base->slot.follow)
			return false;
		names[n++] = base->name;
	}
	if (run->opdirs && base >= run->opdirs &&
	    base < run->opdirs + run->plan.nsrcs) {
		*op = (uint32_t)(base - run->opdirs);
		brel = xstrdup("");
		bdisp = xstrdup("");
	} else {
		for (p = d; p; p = p->parent)
			if (base >= p->srcs && base < p->srcs + p->nsrcs)
				break;
		if (!p)
			return false;
		if (p->is_root) {
			/* --files-from: a source per operand and list, below
			 * the operand by the list's prefix (root.c). */
			*op = (uint32_t)(base->rank / (run->o->files_from &&
			    run->nsels ? run->nsels : 1));
			brel = xstrdup(base->list ? base->list->prefix : "");
		} else if (p->ext) {
			const struct proxy *x = p->ext;
			size_t m = (size_t)(base - p->srcs);

			*op = x->op[m];
			brel = xstrdup(x->rel[m]);
		} else {
			return false;
		}
		bdisp = trim_slashes(base->disp ? base->disp : "");
	}
	if (*op >= run->plan.nsrcs) {
		free(brel);
		free(bdisp);
		return false;
	}
	*rel = join_names(brel, names, n);
	*disp = join_names(bdisp, names, n);
	free(brel);
	free(bdisp);
	return true;
}

/* Whether a thief can open D's DEST directory as a plain path below
 * DEST, as it opens every one (no symlink on it): not when D or one
 * above it is a symlink -K keeps (or --no-implied-dirs): such a task
 * stays here, with everything below it. */
static bool dest_plain(const struct dnode *d)
{
	for (; d; d = d->parent)
		if (d->via_link || d->dslot.follow)
			return false;
	return true;
}

/* The source directories UPS[0..n) of tasks of node D: where each is. */
static bool put_ups(struct dtask_buf *out, const struct ts_run *run,
    const struct dnode *d, const struct dsrc *const *ups, size_t n)
{
	size_t j;

	put_u32(out, (uint32_t)n);
	for (j = 0; j < n; j++) {
		uint32_t op;
		char *rel, *disp;

		if (!locate_src(run, d, ups[j], &op, &rel, &disp))
			return false;
		put_u32(out, op);
		put_str(out, rel);
		put_str(out, disp);
		put_u64(out, !ups[j]->slot.fixed && ups[j]->slot.known ?
		    ups[j]->slot.ino : 0);
		put_u64(out, ups[j]->rules_err);
		free(rel);
		free(disp);
	}
	return true;
}

/* The index of S in UPS[0..*n), added when new; false past MAX_UPS. */
static bool up_index(const struct dsrc **ups, size_t *n, const struct dsrc *s,
    uint32_t *idx)
{
	size_t j;

	for (j = 0; j < *n && ups[j] != s; j++)
		;
	if (j == *n) {
		if (*n == MAX_UPS)
			return false;
		ups[(*n)++] = s;
	}
	*idx = (uint32_t)j;
	return true;
}

/* Whether directory D exists in DEST (a dry run makes nothing), and which
 * one it is when that is known (not for the fixed slots: the root's, a
 * proxy's). */
static void put_dest_dir(struct dtask_buf *out, const struct dnode *d)
{
	char *rel = dnode_path(d);

	put_str(out, rel);
	free(rel);
	put_u8(out, d->dslot.fixed ? d->dslot.fd >= 0 : d->dslot.known);
	put_u64(out, !d->dslot.fixed && d->dslot.known ? d->dslot.ino : 0);
}

static bool encode_dir(struct ts_run *run, struct dnode *c,
    struct dtask_buf *out)
{
	struct dnode *d = c->parent;
	const struct dsrc *ups[MAX_UPS];
	uint32_t upi[MAX_UPS];
	size_t nups = 0, k;
	uint16_t flags = 0;
	struct meta_target m = c->meta;

	if (c->is_root || !d || c->nsrcs == 0 || c->nsrcs > MAX_UPS ||
	    !dest_plain(c))
		return false;
	/* -m: a directory whose parent is not made yet stays here, so that
	 * a chain of unmade directories never spans ranks (emptydir.c);
	 * whether a stolen one was made comes back in its DONE. */
	if (run->o->prune_empty_dirs &&
	    (!atomic_load(&d->kept) || d->keep_failed))
		return false;
	for (k = 0; k < c->nsrcs; k++)
		if (!c->srcs[k].up || c->srcs[k].slot.follow ||
		    !up_index(ups, &nups, c->srcs[k].up, &upi[k]))
			return false;
	put_head(out, DT_DIR, c);
	put_dest_dir(out, d);
	put_str(out, c->name);
	put_entry(out, &c->src);
	put_entry(out, &c->dst);
	flags |= c->has_dst ? DF_HAS_DST : 0;
	flags |= c->create ? DF_CREATE : 0;
	flags |= c->blocked ? DF_BLOCKED : 0;
	flags |= c->no_descend ? DF_NO_DESCEND : 0;
	flags |= c->apply_meta ? DF_APPLY_META : 0;
	flags |= c->attrs_differ ? DF_ATTRS_DIFFER : 0;
	flags |= c->has_dst && c->dst.dev == run->dst_dev ? DF_DST_ROOT_DEV : 0;
	flags |= c->unsent ? DF_UNSENT : 0;
	flags |= c->keep_self ? DF_KEEP_SELF : 0;
	put(out, &flags, sizeof(flags));
	put_u32(out, c->iflags);
	put_u32(out, (uint32_t)c->dflt);
	m.xattrs = NULL;
	put(out, &m, sizeof(m));
	if (!put_ups(out, run, c, ups, nups))
		return false;
	put_u32(out, (uint32_t)c->nsrcs);
	for (k = 0; k < c->nsrcs; k++) {
		put_u32(out, upi[k]);
		put_str(out, c->srcs[k].name);
		/* --files-from: every rank has the same lists (dtask_list.c) */
		put_u32(out, c->srcs[k].list ?
		    (uint32_t)(c->srcs[k].list - run->sels) : NO_LIST);
		put_u8(out, (uint8_t)c->srcs[k].sel);
	}
	return true;
}

static bool encode_files(struct ts_run *run, struct ftask *first,
    struct dtask_buf *out)
{
	struct dnode *d = first->dir;
	const struct dsrc *ups[MAX_UPS];
	size_t nups = 0, n = 0;
	struct ftask *f;
	uint32_t idx;

	if (!dest_plain(d))
		return false;
	for (f = first; f; f = f->batch_next, n++)
		if (f->hl || f->dir != d || n == MAX_FILES ||
		    !up_index(ups, &nups, f->from, &idx))
			return false;
	put_head(out, DT_FILES, first);
	put_dest_dir(out, d);
	put_u32(out, (uint32_t)d->dflt);
	if (!put_ups(out, run, d, ups, nups))
		return false;
	put_u32(out, (uint32_t)n);
	for (f = first; f; f = f->batch_next) {
		up_index(ups, &nups, f->from, &idx);
		put_u32(out, idx);
		put_str(out, f->name);
		put_str(out, f->src_name);
		put_str(out, f->disp_name);
		put_entry(out, &f->src);
		put_entry(out, &f->dst);
		put_u8(out, (f->has_dst ? FF_HAS_DST : 0) |
		    (f->need_checksum ? FF_CHECKSUM : 0) |
		    (f->follow ? FF_FOLLOW : 0));
		put_u32(out, f->iflags);
		put_u32(out, (uint32_t)f->basis);
	}
	return true;
}

bool dtask_encode(struct ts_run *run, struct pool_task *t,
    struct dtask_buf *out)
{
	struct ftask *f;

	if (t->fn == scan_task)
		return encode_dir(run, container_of(t, struct dnode, task),
		    out);
	if ((f = ftask_of(t)) != NULL)
		return encode_files(run, f, out);
	return false;
}

static bool take_split(struct ts_run *run, struct ftask *first, void *arg)
{
	struct dtask_buf *out = arg;

	if (encode_files(run, first, out)) {
		atomic_fetch_add(&run->mpi_split_batches, 1);
		return true;
	}
	dtask_buf_free(out);
	return false;
}

bool dtask_split(struct ts_run *run, uint64_t round, struct dtask_buf *out)
{
	memset(out, 0, sizeof(*out));
	return ftask_split(run, round, take_split, out);
}

/* DONE on the origin: the task of C (a directory node, or the first of a
 * batch of files) ran elsewhere, wholly.  A directory's node was never
 * scanned here: it is finished without its metadata (the other rank
 * applied it) and releases its parent; files release their directory.
 * FLAGS (enum done_flag): whether the other rank made, replaced or
 * removed entries in that parent or directory (its mtime is set again
 * when it finishes); -m: whether it made the directory, else (pruned)
 * whether its extraneous entries were looked for, so that this rank,
 * which owns its parent, deletes an existing one with --delete as for
 * a directory pruned here (prune_unkept()). */
static void done_here(uint64_t node, uint8_t what, uint8_t flags)
{
	bool touched = flags & DN_TOUCHED;

	if (what == DONE_DIR) {
		struct dnode *c = (struct dnode *)(uintptr_t)node;

		if (touched)
			atomic_store(&c->parent->touched, true);
		c->apply_meta = false;
		c->create = false;
		atomic_store(&c->touched, false);
		if (c->run->o->prune_empty_dirs) {
			if (flags & DN_KEPT)
				prune_keep(c);
			c->del_ok = flags & DN_DEL_OK;
		}
		dnode_release(c);
	} else {
		struct ftask *f = (struct ftask *)(uintptr_t)node, *next;
		struct dnode *d = f->dir;

		if (touched)
			atomic_store(&d->touched, true);
		for (; f; f = next) {
			next = f->batch_next;
			free(f);
			dnode_release(d);
		}
	}
}

/* --- --progress: every rank's counts on rank 0 ---------------------------- */

#define PROG_EVERY_MS 250

void dtask_progress_send(struct ts_run *run, bool last)
{
	const struct run_exec *x = run->exec;
	uint64_t now = (uint64_t)(util_now() * 1000), prev;
	struct report_progress c;
	struct dtask_buf b = { 0 };

	if (!x || !x->counters || x->rank == 0)
		return;
	prev = atomic_load(&run->prog_sent_ms);
	if (!last && (now - prev < PROG_EVERY_MS ||
	    !atomic_compare_exchange_strong(&run->prog_sent_ms, &prev, now)))
		return;
	run_progress_local(run, &c);
	put_head(&b, DT_PROG, NULL);
	put_u64(&b, c.files_seen);
	put_u64(&b, c.files_done);
	put_u64(&b, c.bytes_todo);
	put_u64(&b, c.bytes_done);
	put_u64(&b, atomic_load(&run->reg_transferred));
	/* Lost (out of memory): the line shows the counts it had. */
	x->send(x->arg, 0, b.p, b.n);
	dtask_buf_free(&b);
}

void dtask_progress_combine(struct ts_run *run)
{
	const struct run_exec *x = run->exec;

	if (!x || !x->counters || x->rank != 0 || x->nranks < 2)
		return;
	run->rank_prog = xcalloc((size_t)x->nranks * DTP_N,
	    sizeof(*run->rank_prog));
	atomic_store(&run->prog_combine, true);
}

void dtask_progress_add(const struct ts_run *run, struct report_progress *p)
{
	int r;

	for (r = 1; r < run->exec->nranks; r++) {
		_Atomic uint64_t *v = run->rank_prog + (size_t)r * DTP_N;

		p->files_seen += atomic_load(&v[DTP_SEEN]);
		p->files_done += atomic_load(&v[DTP_DONE]);
		p->bytes_todo += atomic_load(&v[DTP_TODO]);
		p->bytes_done += atomic_load(&v[DTP_MOVED]);
		p->others_bytes += atomic_load(&v[DTP_MOVED]);
		p->others_xfers += atomic_load(&v[DTP_XFERS]);
	}
}

/* Rank 0: the counts rank ORIGIN sent (ignored unless they are shown;
 * a late one never lowers them). */
static int progress_in(struct ts_run *run, int origin, struct rd *r)
{
	uint64_t v[DTP_N];
	int k;

	for (k = 0; k < DTP_N; k++)
		v[k] = get_u64(r);
	if (r->bad || r->at != r->n || origin < 1 ||
	    origin >= run->exec->nranks)
		return -EPROTO;
	if (!atomic_load(&run->prog_combine))
		return 0;
	for (k = 0; k < DTP_N; k++) {
		_Atomic uint64_t *at = &run->rank_prog[(size_t)origin * DTP_N +
		    (size_t)k];
		uint64_t old = atomic_load(at);

		while (old < v[k] &&
		    !atomic_compare_exchange_weak(at, &old, v[k]))
			;
	}
	return 0;
}

/* --- every message received ----------------------------------------------- */

int dtask_exec(struct ts_run *run, const void *buf, size_t len, int origin,
    bool cancelled, int w)
{
	struct rd r = { buf, len, 0, false };
	uint8_t kind = get_u8(&r), version = get_u8(&r);

	get_u8(&r);
	get_u8(&r);
	if (r.bad || version != DT_VERSION)
		return -EPROTO;
	if (cancelled && !pool_cancelled(&run->pool))
		pool_cancel(&run->pool);
	if (kind == DT_DONE) {
		uint64_t node = get_u64(&r);
		uint8_t flags = get_u8(&r);
		uint8_t what = get_u8(&r);

		if (r.bad || r.at != r.n || !node || what > DONE_FILES)
			return -EPROTO;
		done_here(node, what, flags);
		return 0;
	}
	if (kind == DT_CHUNK)
		return dtask_run_chunk(run, origin, cancelled, &r, w);
	if (kind == DT_PROG) {
		get_u64(&r);	/* put_head()'s pointer: none */
		return progress_in(run, origin, &r);
	}
	if (kind == DT_CDONE) {
		uint64_t split = get_u64(&r), n = get_u64(&r), end = get_u64(&r);
		uint8_t side = get_u8(&r), fatal = get_u8(&r), what = get_u8(&r);

		if (r.bad || r.at != r.n || !split || what > CW_CANCELLED)
			return -EPROTO;
		dtask_chunk_report(split, (int64_t)n, end, side, fatal, what);
		return 0;
	}
	if (kind != DT_DIR && kind != DT_FILES)
		return -EPROTO;
	if (origin == run->exec->rank) {
		/* Not moved: the task is here, as the engine made it (a
		 * directory node, or the first of a batch of files). */
		uint64_t node = get_u64(&r);

		if (r.bad || !node)
			return -EPROTO;
		pool_run(&run->pool, kind == DT_DIR ?
		    &((struct dnode *)(uintptr_t)node)->task :
		    &((struct ftask *)(uintptr_t)node)->task, w);
		return 0;
	}
	return kind == DT_DIR ?
	    dtask_run_dir(run, origin, cancelled, &r, w) :
	    dtask_run_files(run, origin, cancelled, &r, w);
}

bool dtask_is_dir(const void *buf, size_t len)
{
	return len > 0 && *(const unsigned char *)buf == DT_DIR;
}

const char *dtask_unsupported(const struct ts_run *run)
{
	if (run->plan.overlap)
		return "a destination inside a source";
	return NULL;
}
