/*
 * filetask.c -- regular files to compare by content (-c) and/or copy,
 * one task each, batched per directory.
 */
#define _GNU_SOURCE
#include "run.h"

#include "altdest.h"
#include "backup.h"
#include "copy.h"
#include "hash.h"
#include "meta.h"
#include "partial.h"
#include "report.h"
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


/* --- file tasks ---------------------------------------------------------- */

static void file_task(struct pool_task *t, struct pool_worker *w);

/* The file's source directory fd and path, while its node is entered. */
static int ftask_sfd(const struct ftask *f)
{
	return f->from->slot.fd;
}

/* Where F's data is read: a directory fd and a name in it. */
struct src_at {
	int fd;
	const char *name;
	int own;		/* -L: the referent's directory, or -1 */
	char *base;		/* -L: the referent's name (malloc'ed) */
};

/* F's source, or with -L the file its link points to now (found again
 * here: the listing only stat'ed it).  0 or -errno. */
static int src_at_open(const struct ftask *f, struct src_at *at)
{
	at->fd = ftask_sfd(f);
	at->name = f->src_name;
	at->own = -1;
	at->base = NULL;
	if (!f->follow)
		return 0;
	at->own = walk_referent(at->fd, f->src_name, &at->base);
	if (at->own < 0)
		return at->own;
	at->fd = at->own;
	at->name = at->base;
	return 0;
}

static void src_at_close(struct src_at *at)
{
	if (at->own >= 0)
		close(at->own);
	free(at->base);
	at->own = -1;
	at->base = NULL;
}

/*
 * --copy-dest (or a --link-dest match that cannot be linked): F's data
 * is its match's in the alternate directory F->basis, copied from there;
 * the source's attributes (xattrs included) are the ones given.
 */
static int copy_from_basis(struct ftask *f, const struct meta_target *m,
    struct pool_worker *w, struct copy_result *res)
{
	struct dnode *d = f->dir;
	struct ts_run *run = d->run;
	struct meta_target mm = *m;
	struct xattr_set xa = { 0 };
	struct src_at at = { .own = -1 };
	int bfd = altdest_get(d, (size_t)f->basis), r;

	if (bfd < 0) {
		memset(res, 0, sizeof(*res));
		res->what = "cannot open the alternate directory of";
		res->side = COPY_SRC;
		return res->err = bfd;
	}
	if (mm.xa_which && src_at_open(f, &at) == 0 &&
	    xattr_read(at.fd, at.name, -1, mm.xa_src, mm.am_root, mm.xa_names,
	    &xa) == 0)
		mm.xattrs = &xa;
	src_at_close(&at);
	r = run->o->inplace ? copy_file_inplace(&run->copy, bfd, f->name,
	    d->dslot.fd, f->name, &mm, w->buf, res, true) :
	    copy_file_basis(&run->copy, bfd, f->name, d->dslot.fd, f->name,
	    &mm, w->buf, res);
	xattr_set_free(&xa);
	altdest_put(d, (size_t)f->basis, bfd);
	return r;
}

/* --inplace, and F's DEST entry is a file or absent: it is written in
 * place (another type is replaced by a rename, as without --inplace). */
static bool ftask_inplace(const struct ftask *f)
{
	return f->dir->run->o->inplace && (!f->has_dst ||
	    S_ISREG(f->dst.mode));
}

/* One copy of F's file from AT into its directory. */
static int copy_call(struct ftask *f, const struct src_at *at,
    const struct meta_target *m, struct pool_worker *w,
    struct copy_result *res)
{
	struct dnode *d = f->dir;
	struct ts_run *run = d->run;
	const struct partial *p = run->copy.part;
	unsigned flags = f->has_dst ? 0 : COPY_ABSENT;

	if (ftask_inplace(f))
		return copy_file_inplace(&run->copy, at->fd, at->name,
		    d->dslot.fd, f->name, m, w->buf, res, false);
	/* A relative --partial-dir that D's listing did not show holds no
	 * partial of this file: two failed opens per file spared. */
	if (p && partial_has_dir(p) && !partial_may_hold(p, d->has_pdir))
		flags |= COPY_NO_PDIR;
	return copy_file_flags(&run->copy, at->fd, at->name, d->dslot.fd,
	    f->name, m, w->buf, res, flags);
}

/* Copies F's file into its directory.  Out of fds (a low limit), the
 * directories kept open for later are closed and the copy is tried once
 * more: a low limit makes a run slower, not fail. */
static int copy_to(struct ftask *f, const struct meta_target *m,
    struct pool_worker *w, struct copy_result *res)
{
	struct src_at at;
	int r;

	if (f->basis >= 0)
		return copy_from_basis(f, m, w, res);
	r = src_at_open(f, &at);
	if (r < 0) {
		memset(res, 0, sizeof(*res));
		res->what = "cannot open";
		res->side = COPY_SRC;
		res->vanished = r == -ENOENT;
		return res->err = r;
	}
	r = copy_call(f, &at, m, w, res);
	if ((r == -EMFILE || r == -ENFILE) &&
	    dslot_relieve(&f->dir->run->slots))
		r = copy_call(f, &at, m, w, res);
	src_at_close(&at);
	return r;
}

static const char *ftask_src_disp(const struct ftask *f)
{
	return f->from->disp ? f->from->disp : "";
}

/*
 * Queues a file task on LATER, D's scan's pending list (NULL: straight to
 * the pool, for a caller on another thread than D's scan).  HL: -H, the
 * group this file is the first link of, or NULL.  The task belongs to the
 * pool at once (it may already be done when this returns).
 */
struct ftask *ftask_alloc(const char *name, const char *src_name,
    const char *disp_name)
{
	size_t nl = strlen(name) + 1, sl = strlen(src_name) + 1;
	size_t dl = strlen(disp_name) + 1;
	struct ftask *f = xmalloc(sizeof(*f) + nl + sl + dl);

	memset(f, 0, sizeof(*f));
	f->task.fn = file_task;
	f->basis = -1;
	memcpy(f->name, name, nl);
	f->src_name = memcpy(f->name + nl, src_name, sl);
	f->disp_name = memcpy(f->name + nl + sl, disp_name, dl);
	return f;
}

static struct ftask *ftask_new(struct dnode *d, const struct srcitem *it,
    const struct ts_entry *dst, const struct cmp_out *out, bool checksum,
    struct hl_entry *hl)
{
	struct ftask *f = ftask_alloc(it->name, it->src_name, it->disp_name);

	f->dir = d;
	f->from = it->from;
	f->src = *it->ent;
	if (dst) {
		f->dst = *dst;
		f->has_dst = true;
	}
	f->need_checksum = checksum;
	f->follow = it->follow;
	f->hl = hl;
	if (out)
		f->iflags = out->iflags;
	add(&d->run->bytes_todo, it->ent->size);
	return f;
}

/* Queues F, a file task of D, on LATER (or the pool). */
static void ftask_queue(struct dnode *d, struct ftask *f,
    struct pending *later)
{
	atomic_fetch_add(&d->pending, 1);
	if (!later) {
		pool_submit(&d->run->pool, &f->task);
		return;
	}
	f->task.next = later->files;
	later->files = &f->task;
}

void ftask_submit(struct dnode *d, const struct srcitem *it,
    const struct ts_entry *dst, const struct cmp_out *out, bool checksum,
    struct hl_entry *hl, struct pending *later)
{
	ftask_queue(d, ftask_new(d, it, dst, out, checksum, hl), later);
}

void ftask_submit_basis(struct dnode *d, const struct srcitem *it,
    const struct cmp_out *out, size_t j, struct hl_entry *hl,
    struct pending *later)
{
	struct ftask *f = ftask_new(d, it, NULL, out, false, hl);

	f->basis = (int)j;
	ftask_queue(d, f, later);
}

/* -c: compares contents, then decides again.  1: it is to be copied;
 * 0: DEST's file is up to date (its attributes set); -1: it could not be
 * read (reported). */
static int settle_checksum(struct ftask *f, struct pool_worker *w,
    const char *rel)
{
	struct dnode *d = f->dir;
	struct ts_run *run = d->run;
	struct hash128 a, b;
	struct cmp_in in = { .src = &f->src, .dst = &f->dst,
		.am_root = run->am_root };
	struct cmp_out out;
	struct xattr_set xa = { 0 };
	struct src_at at;
	int r;

	r = src_at_open(f, &at);
	if (r == 0)
		r = hash_at(at.fd, at.name, w->buf, POOL_BUF_SIZE, &a);
	if (r < 0) {
		src_at_close(&at);
		if (r == -ENOENT) {
			add(&run->vanished, 1);
			report_vanished(run->rep, ftask_src_disp(f), f->src_name);
		} else {
			report_errno_at(run->rep, -r, "cannot read", ftask_src_disp(f),
			    f->src_name);
			run_item_failed(run);
		}
		return -1;
	}
	r = hash_at(d->dslot.fd, f->name, w->buf, POOL_BUF_SIZE, &b);
	in.content_differs = r < 0 || a.lo != b.lo || a.hi != b.hi;
	/* The attributes are compared as for any other pair (the walk left
	 * them to this task with the contents). */
	if (run->xa_which)
		item_compare_xattrs(d, at.fd, at.name, f->name, &in, &xa);
	src_at_close(&at);
	cmp_decide(run->o, &in, &out);
	if (out.action == CMP_ATTRS) {
		item_apply_attrs(d, f->name, rel, &f->src, &f->dst,
		    run->xa_which ? &xa : NULL);
		report_item(run->rep, out.iflags, f->src.mode, rel, NULL, NULL);
	}
	xattr_set_free(&xa);
	f->iflags = out.iflags;
	if (out.action == CMP_COPY)
		return 1;
	return out.action == CMP_NONE || out.action == CMP_ATTRS ? 0 : -1;
}

/* %C: the new file's XXH3-128 in hex into HEX (rsync's sender computes
 * what it sends); left empty if it cannot be read. */
static void copied_sum(struct ftask *f, struct pool_worker *w, char *hex)
{
	struct hash128 h;

	if (hash_at(f->dir->dslot.fd, f->name, w->buf, POOL_BUF_SIZE, &h) == 0)
		hash_hex(&h, hex);
}

static void copy_done(struct ftask *f, const struct copy_result *res,
    const char *rel, const char *sum)
{
	struct ts_run *run = f->dir->run;
	struct report_xfer x;
	char how[256];
	int m;

	add(&run->reg_transferred, 1);
	add(&run->transferred_size, res->size);
	for (m = 0; m < TS_METHOD_COUNT; m++) {
		if (!res->bytes[m])
			continue;
		add(&run->method_bytes[m], res->bytes[m]);
		add(&run->method_files[m], 1);
	}
	add(&run->reflinked, res->reflinked);
	add(&run->verified, res->verified);
	add(&run->retries, (uint64_t)res->retries);
	item_count_created(run, f->iflags, f->src.mode);
	atomic_store(&f->dir->touched, true);
	add(&run->entries_done, 1);
	/* The description is only formatted for the outputs that print it. */
	how[0] = '\0';
	if (run->o->verbose >= 2 || run->o->json_items)
		copy_describe(res, how, sizeof(how));
	x.bytes = res->size;
	x.methods = how;
	x.sum = sum;
	report_item(run->rep, f->iflags, f->src.mode, rel, NULL, &x);
	if (run->o->verbose >= 2) {
		char *line;

		/* -vv: which methods moved the bytes, and what fell back. */
		line = xmalloc(strlen(how) + strlen(res->fallbacks) + 32);
		sprintf(line, "%%s: %s%s%s", how,
		    res->fallbacks[0] ? "; fell back: " : "", res->fallbacks);
		report_note(run->rep, line, rel);
		free(line);
	}
}

/*
 * What rsync says of a file that the copy had more to say about:
 * --append-verify found the appended file wrong and wrote it again whole
 * (rsync's warning, at -v or -i, and the second pass's item line), or
 * --preallocate met a file system that cannot (said once a run).
 */
static void copy_aftermath(struct ftask *f, const struct copy_result *res,
    const char *rel)
{
	struct ts_run *run = f->dir->run;
	char name[PATH_MAX * 4 + 1];
	struct ts_entry was;

	util_escape_name(name, sizeof(name), rel);
	if (res->prealloc_unsupported)
		report_error(run->rep, "warning: --preallocate: the file "
		    "system of %s cannot preallocate; files are written "
		    "without it", name);
	if (!res->redone)
		return;
	if (!run->o->quiet && (run->o->itemize ||
	    report_info_level(run->rep, TS_INFO_NAME) >= 1))
		report_error(run->rep, "WARNING: %s failed verification -- "
		    "update retained (will try again).", name);
	/* rsync's second pass compares again: the first pass set all but
	 * the time. */
	was = f->src;
	was.mtime_sec = res->redone_mtime.tv_sec;
	was.mtime_nsec = (uint32_t)res->redone_mtime.tv_nsec;
	report_item(run->rep, IT_TRANSFER | (run->o->times &&
	    !cmp_same_mtime(run->o, &f->src, &was) ? IT_REPORT_TIME : 0),
	    f->src.mode, rel, NULL, NULL);
}

static void copy_failed(struct ftask *f, const struct copy_result *res,
    const char *rel)
{
	struct dnode *d = f->dir;
	struct ts_run *run = d->run;
	const char *w = res->what ? res->what : "cannot copy";

	if (res->vanished) {
		add(&run->vanished, 1);
		report_vanished(run->rep, ftask_src_disp(f), f->src_name);
		return;
	}
	/* Abandoned because of a signal: not an error of its own (the run
	 * ends with exit 20 and one summary line). */
	if (res->err == -EINTR && run_cancelled(run))
		return;
	if (res->side == COPY_SRC) {
		report_errno_at(run->rep, -res->err, w, ftask_src_disp(f), f->src_name);
		run_source_failed(run);	/* a source I/O error: no deletion */
	} else {
		/* rsync's sender lists a file it sent whatever its receiver
		 * then made of it: the item line, then the error. */
		report_item(run->rep, f->iflags, f->src.mode, rel, NULL, NULL);
		run_report_dest(run, -res->err, w, rel);
		run_item_failed(run);
		/* A temp made and removed again changed the directory: its
		 * times are set again after its entries, as rsync sets them. */
		atomic_store(&d->touched, true);
	}
	if (res->fatal) {
		atomic_store(&run->fatal, true);
		pool_cancel(&run->pool);
	} else if (res->err == -EROFS && res->side == COPY_DST) {
		run_read_only(run);
	}
}

/*
 * Copies F's file (D entered): true when DEST holds it afterwards, with
 * its inode in DEV and INO (for -H); RELP gets the path made for the
 * messages.
 */
static bool file_copy(struct ftask *f, struct pool_worker *w, char **relp,
    uint64_t *dev, uint64_t *ino)
{
	struct dnode *d = f->dir;
	struct ts_run *run = d->run;
	char *rel;
	struct meta_target m;
	struct copy_result res;
	int settled;

	rel = *relp = util_path_join(d->rel, f->disp_name);
	report_set_current(run->rep, rel);
	pool_worker_busy(w, rel);
	if (f->need_checksum && (settled = settle_checksum(f, w, rel)) <= 0) {
		/* Up to date (or failed): the destination file stands. */
		if (settled == 0)
			srcremove(run, f->from, f->src_name, &f->src, rel);
		return f->has_dst && S_ISREG(f->dst.mode);
	}
	if (run->o->dry_run) {
		if (f->has_dst)	/* -b: the backup a real run makes */
			backup_note(run, rel, f->dst.mode);
		add(&run->reg_transferred, 1);
		add(&run->transferred_size, f->src.size);
		item_count_created(run, f->iflags, f->src.mode);
		report_item(run->rep, f->iflags, f->src.mode, rel, NULL, NULL);
		return true;
	}
	meta_plan(run->o, run->am_root, run->xa_names,
	    &f->src, f->has_dst ? &f->dst : NULL,
	    d->dflt, &m);
	/* -b: the file it replaces is kept aside first (a copy when it is
	 * to be written in place). */
	if (f->has_dst && run->plan.bak && (ftask_inplace(f) ?
	    backup_copy(run, d->dslot.fd, f->name, rel, f->dst.mode) :
	    backup_entry(run, d->dslot.fd, f->name, rel, f->dst.mode,
	    true)) < 0) {
		run_item_failed(run);
		return false;
	}
	if (copy_to(f, &m, w, &res) < 0) {
		copy_failed(f, &res, rel);
		return false;
	} else {
		char sum[HASH_HEX_SIZE] = "";

		if (report_wants_sum(run->rep))
			copied_sum(f, w, sum);
		copy_done(f, &res, rel, sum[0] ? sum : NULL);
		copy_aftermath(f, &res, rel);
		*dev = res.dst_dev;
		*ino = res.dst_ino;
		/* Staged (--delay-updates): its source goes after the
		 * rename into place, not before. */
		if (res.staged && f->hl)
			f->hl->staged = true;	/* before hl_master_done() */
		if (res.staged)
			partial_delay_add(run->copy.part, d->rel, f->name,
			    srcremove_hold(run, f->from, f->src_name, &f->src,
			    rel));
		else
			srcremove(run, f->from, f->src_name, &f->src, rel);
		return true;
	}
}

/* After F's file (D left): its -H group learns the outcome, F and its
 * reference on D go. */
static void file_end(struct ftask *f, char *rel, bool ok, uint64_t dev,
    uint64_t ino)
{
	struct dnode *d = f->dir;

	if (f->hl)
		hl_master_done(d->run, f->hl, ok, dev, ino);
	free(rel);
	free(f);
	dnode_release(d);
}

static void file_task(struct pool_task *t, struct pool_worker *w)
{
	struct ftask *f = container_of(t, struct ftask, task);
	struct dnode *d = f->dir;
	uint64_t dev = f->dst.dev, ino = f->dst.ino;
	char *rel = NULL;
	bool ok = false;

	if (!pool_cancelled(&d->run->pool)) {
		if (dnode_enter(d) == 0)
			ok = file_copy(f, w, &rel, &dev, &ino);
		dnode_leave(d);
	}
	file_end(f, rel, ok, dev, ino);
}

/*
 * A batch of files running on a worker while other ranks may take the
 * files it has not started (treesync-mpi, several ranks): the worker
 * claims the next one from REST under run->batch_lock, and ftask_split()
 * cuts the later part of REST away for a hungry rank.  On the worker's
 * stack, listed in run->batches while it runs.
 */
struct fbatch {
	struct fbatch *prev, *next;
	struct ftask *rest;	/* the files not started, in order */
	unsigned nrest;
	uint64_t round;		/* the last ftask_split() round it gave in */
	bool fixed;		/* they cannot go to another rank */
};

static void batch_share(struct ts_run *run, struct fbatch *b)
{
	struct ftask *f;

	for (f = b->rest; f; f = f->batch_next)
		b->nrest++;
	pthread_mutex_lock(&run->batch_lock);
	b->next = run->batches;
	if (b->next)
		b->next->prev = b;
	run->batches = b;
	pthread_mutex_unlock(&run->batch_lock);
}

static void batch_unshare(struct ts_run *run, struct fbatch *b)
{
	pthread_mutex_lock(&run->batch_lock);
	if (b->prev)
		b->prev->next = b->next;
	else
		run->batches = b->next;
	if (b->next)
		b->next->prev = b->prev;
	pthread_mutex_unlock(&run->batch_lock);
}

/* The next file of B to copy, or NULL. */
static struct ftask *batch_claim(struct ts_run *run, struct fbatch *b,
    bool shared)
{
	struct ftask *f;

	if (shared)
		pthread_mutex_lock(&run->batch_lock);
	f = b->rest;
	if (f) {
		b->rest = f->batch_next;
		b->nrest--;
	}
	if (shared)
		pthread_mutex_unlock(&run->batch_lock);
	return f;
}

/* Runs a batch of file tasks, one after the other, on one worker: D is
 * entered once for them all (every file is in D), under a reference of
 * its own -- the last file may finish D. */
static void batch_task(struct pool_task *t, struct pool_worker *w)
{
	struct ftask *f = container_of(t, struct ftask, task);
	struct dnode *d = f->dir;
	struct ts_run *run = d->run;
	struct fbatch b = { .rest = f->batch_next };
	bool shared;
	int entered;

	atomic_fetch_add(&d->pending, 1);
	entered = dnode_enter(d);
	/* Files of a directory that could not be entered end here, as
	 * they would on one rank. */
	shared = run->exec && run->exec->nranks > 1 && entered == 0;
	if (shared)
		batch_share(run, &b);
	while (f) {
		uint64_t dev = f->dst.dev, ino = f->dst.ino;
		char *rel = NULL;
		bool ok = false;

		if (entered == 0 && !pool_cancelled(&run->pool))
			ok = file_copy(f, w, &rel, &dev, &ino);
		file_end(f, rel, ok, dev, ino);	/* frees f */
		f = batch_claim(run, &b, shared);
	}
	if (shared)
		batch_unshare(run, &b);
	dnode_leave(d);
	dnode_release(d);
}

bool ftask_split(struct ts_run *run, uint64_t round,
    bool (*take)(struct ts_run *run, struct ftask *first, void *arg),
    void *arg)
{
	struct fbatch *b, *best = NULL;
	struct ftask *cut, *first;
	unsigned keep, i;
	bool taken;

	pthread_mutex_lock(&run->batch_lock);
	for (b = run->batches; b; b = b->next)
		if (!b->fixed && b->nrest >= 2 && b->round != round &&
		    (!best || b->nrest > best->nrest))
			best = b;
	if (!best) {
		pthread_mutex_unlock(&run->batch_lock);
		return false;
	}
	/* The worker goes on with the first half, in name order. */
	keep = best->nrest / 2;
	for (cut = best->rest, i = 1; i < keep; i++)
		cut = cut->batch_next;
	first = cut->batch_next;
	cut->batch_next = NULL;
	ftask_batch(first);
	taken = take(run, first, arg);
	if (taken) {
		best->nrest = keep;
		best->round = round;
	} else {
		cut->batch_next = first;
		best->fixed = true;
	}
	pthread_mutex_unlock(&run->batch_lock);
	return taken;
}

struct ftask *ftask_of(struct pool_task *t)
{
	if (t->fn != file_task && t->fn != batch_task)
		return NULL;
	return container_of(t, struct ftask, task);
}

void ftask_batch(struct ftask *first)
{
	first->task.fn = first->batch_next ? batch_task : file_task;
}

/*
 * Submits a directory's file tasks in batches: small files are cheap and
 * share their directory's locks, so one worker takes several of them
 * while the others go to other directories.  A batch holds about
 * BATCH_BYTES of data at most, and at most 32 files on a local disk.
 *
 * On a network file system a file costs ~16 round trips, and the client
 * holds the directory's lock across some of them (creating the temp,
 * renaming it: the kernel's i_rwsem, NFS and FUSE alike), so workers in
 * one directory queue on its lock while other directories wait.  Measured
 * on latencyfs at 5 ms (8,000 files in 160 directories, 64 workers): 4
 * files a batch (13 workers a directory) 37 s, 3 batches a directory
 * 12.5 s, 2 batches 10.7 s; one directory of 4,000 files 142 s with 4
 * files a batch, 125 s with 3 batches, as with 8 (the lock bounds it).  So
 * a directory's files go in at most NET_DIR_BATCHES batches there (never
 * fewer than 4 files a batch): enough workers to keep its lock busy, the
 * rest on other directories.
 */
#define BATCH_BYTES (8u << 20)
#define NET_DIR_BATCHES 3u

/* The list the scan built (last name first) in name order. */
static struct pool_task *name_order(struct pool_task *t)
{
	struct pool_task *out = NULL;

	while (t) {
		struct pool_task *next = t->next;

		t->next = out;
		out = t;
		t = next;
	}
	return out;
}

void ftask_submit_batches(struct ts_run *run, struct pool_task *t)
{
	unsigned max = 32;

	if (run->plan.network_fs) {
		unsigned n = 0;
		struct pool_task *c;

		for (c = t; c; c = c->next)
			n++;
		max = (n + NET_DIR_BATCHES - 1) / NET_DIR_BATCHES;
		if (max < 4)
			max = 4;
	}

	/* A batch copies its files in rsync's order: where two of them
	 * write into one inode (--inplace onto hard links), the last name
	 * wins, as in rsync. */
	t = name_order(t);

	while (t) {
		struct ftask *head = container_of(t, struct ftask, task), *tail;
		uint64_t bytes = head->src.size;
		unsigned n = 1;

		t = t->next;
		tail = head;
		head->batch_next = NULL;
		while (t && n < max && bytes < BATCH_BYTES) {
			struct ftask *f = container_of(t, struct ftask, task);

			t = t->next;
			f->batch_next = NULL;
			tail->batch_next = f;
			tail = f;
			bytes += f->src.size;
			n++;
		}
		if (head->batch_next)
			head->task.fn = batch_task;
		pool_submit(&run->pool, &head->task);
	}
}
