/*
 * dtask.c -- directory tasks as bytes, for treesync-mpi (see dtask.h and
 * docs/mpi.md).
 *
 * A message (host byte order: every rank runs the same build):
 *
 *   DIR	u8 kind, u8 version, u16 0, u64 node (on the origin rank),
 *		str parent (below DEST), u8 parent_known, u64 parent_ino,
 *		str name, entry src, entry dst, u8 flags (enum dir_flag),
 *		u32 iflags, u32 dflt, meta, u32 nups, per up: u32 operand,
 *		str rel (below the operand's fd), str disp, u64 ino;
 *		u32 nsrcs, per source: u32 up, str name
 *   FILES	u8 kind, u8 version, u16 0, u64 first file (on the origin),
 *		str dir (below DEST), u8 dir_known, u64 dir_ino, u32 dflt,
 *		u32 nups, the ups as in DIR (the file's source directories),
 *		u32 nfiles, per file: u32 up, str name, str src_name,
 *		str disp_name, entry src, entry dst, u8 flags (FF_*), u32 iflags,
 *		i32 basis (an alternate directory's index, -1: the source)
 *   CHUNK	u8 kind, u8 version, u16 0, u64 split (on the origin), u32
 *		operand, str source directory (below it), str name, u64
 *		ino, size, mtime s, mtime ns; str DEST directory, str temp,
 *		u64 temp ino; u64 off, len; u8 fsync
 *   CDONE	u8 kind, u8 version, u16 0, u64 split, i64 bytes or -errno,
 *		u64 end of the source if it ended early (else ~0), u8 side,
 *		u8 fatal, u8 what (enum chunk_what)
 *   DONE	u8 kind, u8 version, u16 0, u64 node or first file, u8 touched,
 *		u8 what (DONE_DIR, DONE_FILES)
 *
 * "str" is a u32 length and the bytes; "entry" a struct ts_entry and
 * "meta" a struct meta_target as stored, their pointers cleared.
 */
#define _GNU_SOURCE
#include "dtask.h"

#include "copy.h"
#include "delete.h"
#include "filter.h"
#include "filter_int.h"
#include "report.h"
#include "run.h"
#include "util.h"

#include <errno.h>
#include <stdatomic.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { DT_DIR = 1, DT_DONE = 2, DT_FILES = 3, DT_CHUNK = 4, DT_CDONE = 5,
	DT_VERSION = 2 };
enum { DONE_DIR, DONE_FILES };
enum { FF_HAS_DST = 1 << 0, FF_CHECKSUM = 1 << 1 };
#define MAX_UPS 64
#define MAX_FILES 4096

enum dir_flag {
	DF_HAS_DST = 1 << 0,
	DF_CREATE = 1 << 1,
	DF_BLOCKED = 1 << 2,
	DF_NO_DESCEND = 1 << 3,
	DF_APPLY_META = 1 << 4,
	DF_ATTRS_DIFFER = 1 << 5,
	DF_DST_ROOT_DEV = 1 << 6,	/* DEST entry on DEST's file system */
};

/* A directory of another rank: what its sources are below the operands. */
struct proxy {
	int origin;		/* the rank waiting for DONE */
	uint64_t node;		/* its node there (DONE_FILES: the first file) */
	uint8_t what;		/* DONE_DIR, DONE_FILES */
	int dst_fd;		/* closed at the end (a fixed slot is not) */
	size_t nups;
	uint32_t *op;		/* per source of the proxy: its operand */
	char **rel;		/* and its path below the operand's fd */
};

/* Tasks of other ranks run here (for treesync-mpi's counters). */
static _Atomic uint64_t stolen_dirs, stolen_batches, chunks_run;

void dtask_stolen(uint64_t *dirs, uint64_t *batches, uint64_t *chunks)
{
	*dirs = atomic_load(&stolen_dirs);
	*batches = atomic_load(&stolen_batches);
	*chunks = atomic_load(&chunks_run);
}

/* --- bytes ---------------------------------------------------------------- */

void dtask_buf_free(struct dtask_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

static void put(struct dtask_buf *b, const void *v, size_t n)
{
	if (b->n + n > b->cap) {
		b->cap = (b->n + n) * 2 + 256;
		b->p = xrealloc(b->p, b->cap);
	}
	memcpy(b->p + b->n, v, n);
	b->n += n;
}

static void put_u8(struct dtask_buf *b, uint8_t v)
{
	put(b, &v, 1);
}

static void put_u32(struct dtask_buf *b, uint32_t v)
{
	put(b, &v, 4);
}

static void put_u64(struct dtask_buf *b, uint64_t v)
{
	put(b, &v, 8);
}

static void put_str(struct dtask_buf *b, const char *s)
{
	size_t n = strlen(s);

	put_u32(b, (uint32_t)n);
	put(b, s, n);
}

static void put_entry(struct dtask_buf *b, const struct ts_entry *e)
{
	struct ts_entry c = *e;

	c.name = NULL;
	put(b, &c, sizeof(c));
}

/* A bounded reader: every get fails once past the end. */
struct rd {
	const unsigned char *p;
	size_t n, at;
	bool bad;
};

static bool get(struct rd *r, void *v, size_t n)
{
	if (r->bad || r->n - r->at < n) {
		r->bad = true;
		memset(v, 0, n);
		return false;
	}
	memcpy(v, r->p + r->at, n);
	r->at += n;
	return true;
}

static uint8_t get_u8(struct rd *r)
{
	uint8_t v;

	get(r, &v, 1);
	return v;
}

static uint32_t get_u32(struct rd *r)
{
	uint32_t v;

	get(r, &v, 4);
	return v;
}

static uint64_t get_u64(struct rd *r)
{
	uint64_t v;

	get(r, &v, 8);
	return v;
}

/* A malloc'ed copy of the next string ("" once the reader failed). */
static char *get_str(struct rd *r)
{
	uint32_t n = get_u32(r);
	char *s;

	if (r->bad || r->n - r->at < n || memchr(r->p + r->at, 0, n)) {
		r->bad = true;
		return xstrdup("");
	}
	s = xmalloc((size_t)n + 1);
	memcpy(s, r->p + r->at, n);
	s[n] = '\0';
	r->at += n;
	return s;
}

/* --- the origin's side ------------------------------------------------------ */

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
	return strndup(base, n);
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
		if (n == sizeof(names) / sizeof(names[0]))
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
			*op = (uint32_t)base->rank;
			brel = xstrdup("");
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

static void put_head(struct dtask_buf *out, uint8_t kind, const void *p)
{
	out->n = 0;
	put_u8(out, kind);
	put_u8(out, DT_VERSION);
	put_u8(out, 0);
	put_u8(out, 0);
	put_u64(out, (uint64_t)(uintptr_t)p);
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
	uint8_t flags = 0;
	struct meta_target m = c->meta;

	if (c->is_root || !d || c->nsrcs == 0 || c->nsrcs > MAX_UPS)
		return false;
	for (k = 0; k < c->nsrcs; k++)
		if (c->srcs[k].list || !c->srcs[k].up ||
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
	put_u8(out, flags);
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
		    (f->need_checksum ? FF_CHECKSUM : 0));
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

/* DONE on the origin: the task of C (a directory node, or the first of a
 * batch of files) ran elsewhere, wholly.  A directory's node was never
 * scanned here: it is finished without its metadata (the other rank
 * applied it) and releases its parent; files release their directory.
 * TOUCHED: the other rank made, replaced or removed entries in that
 * parent or directory (its mtime is set again when it finishes). */
static void done_here(uint64_t node, uint8_t what, bool touched)
{
	if (what == DONE_DIR) {
		struct dnode *c = (struct dnode *)(uintptr_t)node;

		if (touched)
			atomic_store(&c->parent->touched, true);
		c->apply_meta = false;
		c->create = false;
		atomic_store(&c->touched, false);
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

/* --- the thief's side ------------------------------------------------------- */

/* Sends reply B (freed) to ORIGIN, which waits for it: when it cannot be
 * sent the run cannot end well; said, and nothing is deleted. */
static void send_reply(struct ts_run *run, int origin, struct dtask_buf *b,
    const char *what)
{
	if (run->exec->send(run->exec->arg, origin, b->p, b->n) < 0) {
		report_error(run->rep, "cannot tell rank %d that %s is done",
		    origin, what);
		atomic_store(&run->other_error, true);
		pool_cancel(&run->pool);
	}
	dtask_buf_free(b);
}

static void send_done(struct ts_run *run, int origin, uint64_t node,
    uint8_t what, bool touched)
{
	struct dtask_buf b = { 0 };

	put_head(&b, DT_DONE, (const void *)(uintptr_t)node);
	put_u8(&b, touched);
	put_u8(&b, what);
	send_reply(run, origin, &b, "a directory");
}

static void proxy_finish(struct dnode *d)
{
	struct proxy *x = d->ext;
	size_t i;

	send_done(d->run, x->origin, x->node, x->what,
	    atomic_load(&d->touched));
	if (x->dst_fd >= 0)
		close(x->dst_fd);
	for (i = 0; i < x->nups; i++)
		free(x->rel[i]);
	free(x->rel);
	free(x->op);
	free(x);
	d->ext = NULL;
}

/* Opens REL below ROOT (RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS), checked to
 * be inode INO when INO is known: an fd or -errno (-ESTALE: another
 * directory). */
static int open_checked(int root, const char *rel, uint64_t ino)
{
	struct stat st;
	int fd;

	if (root < 0)
		return -EBADF;
	fd = delete_open_beneath(root, rel);
	if (fd < 0)
		return fd;
	if (ino && (fstat(fd, &st) < 0 || (uint64_t)st.st_ino != ino)) {
		close(fd);
		return -ESTALE;
	}
	return fd;
}

/* The filter layer of the entries of a directory of operand OP: the
 * operand's (no per-directory rules spread, see dtask_unsupported()). */
static struct filter_layer *operand_top(struct ts_run *run, uint32_t op)
{
	const struct plan_src *s = &run->plan.srcs[op];
	struct filter_layer *l;
	char *abs, *dir;

	if (!run->filters)
		return NULL;
	if (s->contents) {
		dir = xstrdup(s->operand);
	} else {
		const char *slash = strrchr(s->operand, '/');

		dir = slash ? strndup(s->operand, (size_t)(slash - s->operand) +
		    (slash == s->operand)) : xstrdup(".");
	}
	abs = realpath(dir, NULL);
	free(dir);
	l = filter_layer_root(run->filters, abs ? abs : "/");
	free(abs);
	return l;
}

/* A directory of another rank, as a message names it. */
struct mdir {
	char *rel;		/* below DEST */
	bool exists;		/* in DEST */
	uint64_t ino;
	uint32_t dflt;
	uint32_t nups;		/* its source directories */
	uint32_t *up_op;
	char **up_rel, **up_disp;
	uint64_t *up_ino;
};

static void mdir_free(struct mdir *m)
{
	uint32_t i;

	for (i = 0; i < m->nups; i++) {
		free(m->up_rel[i]);
		free(m->up_disp[i]);
	}
	free(m->rel);
	free(m->up_op);
	free(m->up_rel);
	free(m->up_disp);
	free(m->up_ino);
}

static void read_dest_dir(struct rd *r, struct mdir *m)
{
	m->rel = get_str(r);
	m->exists = get_u8(r);
	m->ino = get_u64(r);
}

static void read_ups(struct rd *r, size_t nops, struct mdir *m)
{
	uint32_t i;

	m->nups = get_u32(r);
	if (r->bad || m->nups == 0 || m->nups > MAX_UPS) {
		m->nups = 0;
		r->bad = true;
		return;
	}
	m->up_op = xcalloc(m->nups, sizeof(*m->up_op));
	m->up_rel = xcalloc(m->nups, sizeof(*m->up_rel));
	m->up_disp = xcalloc(m->nups, sizeof(*m->up_disp));
	m->up_ino = xcalloc(m->nups, sizeof(*m->up_ino));
	for (i = 0; i < m->nups; i++) {
		m->up_op[i] = get_u32(r);
		m->up_rel[i] = get_str(r);
		m->up_disp[i] = get_str(r);
		m->up_ino[i] = get_u64(r);
		if (m->up_op[i] >= nops)
			r->bad = true;
	}
}

/* A name within one directory: not empty, no '/', not "." or "..". */
static bool plain_name(const char *s)
{
	return *s && !strchr(s, '/') && strcmp(s, ".") && strcmp(s, "..");
}

/*
 * A proxy node for directory M of rank ORIGIN (which waits for DONE of
 * NODE, WHAT): its DEST directory and its sources opened below this
 * rank's roots, identity checked.  NULL when one cannot be opened
 * (reported: a source error or a destination error, so nothing is
 * deleted), after DONE was sent.
 */
static struct dnode *proxy_open(struct ts_run *run, int origin, uint64_t node,
    uint8_t what, const struct mdir *m)
{
	struct dnode *px = dnode_new(run, NULL);
	struct proxy *x = xcalloc(1, sizeof(*x));
	bool ok = true;
	uint32_t i;
	int fd;

	x->origin = origin;
	x->node = node;
	x->what = what;
	x->dst_fd = -1;
	x->nups = m->nups;
	x->op = xcalloc(m->nups, sizeof(*x->op));
	x->rel = xcalloc(m->nups, sizeof(*x->rel));
	px->ext = x;
	px->on_finish = proxy_finish;
	px->name = xstrdup(m->rel);
	px->dflt = (mode_t)m->dflt;
	if (m->exists) {
		fd = open_checked(run->plan.dst_fd, m->rel, m->ino);
		if (fd < 0) {
			run_report_dest(run, -fd, "cannot open directory", m->rel);
			run_item_failed(run);
			ok = false;
		}
		x->dst_fd = fd < 0 ? -1 : fd;
	}
	dslot_init_fixed(&px->dslot, x->dst_fd);
	px->srcs = xcalloc(m->nups, sizeof(*px->srcs));
	for (i = 0; i < m->nups; i++) {
		struct dsrc *s = &px->srcs[px->nsrcs++];
		const struct plan_src *ps = &run->plan.srcs[m->up_op[i]];

		x->op[i] = m->up_op[i];
		x->rel[i] = xstrdup(m->up_rel[i]);
		fd = ok ? open_checked(ps->fd, m->up_rel[i], m->up_ino[i]) : -1;
		if (ok && fd < 0) {
			report_errno_side(run->rep, TS_SIDE_SRC, -fd,
			    "cannot open directory", m->up_disp[i]);
			run_source_failed(run);
			ok = false;
		}
		dslot_init_fixed(&s->slot, fd);
		s->owned = true;
		s->name = xstrdup(".");
		s->disp = xstrdup(m->up_disp[i]);
		s->rank = i;
		s->sel = SEL_ALL;
		s->dev_limit = ps->st.dev;
		s->layer = operand_top(run, m->up_op[i]);
	}
	if (!ok) {
		/* The subtree is not synchronised here; the origin hears
		 * of it as done (its errors keep every rank from deleting). */
		dnode_release(px);
		return NULL;
	}
	return px;
}

/* A stolen directory task: its parent's proxy and its node below it,
 * scanned now on worker W. */
static int run_dir(struct ts_run *run, int origin, bool cancelled,
    struct rd *r, int w)
{
	uint64_t node = get_u64(r);
	struct mdir md = { 0 };
	struct ts_entry src, dst;
	struct meta_target meta;
	char *name, **src_name = NULL;
	uint32_t *src_up = NULL, nsrcs = 0, iflags, i;
	uint8_t flags;
	struct dnode *px, *c;
	int rc = 0;

	read_dest_dir(r, &md);
	name = get_str(r);
	get(r, &src, sizeof(src));
	get(r, &dst, sizeof(dst));
	flags = get_u8(r);
	iflags = get_u32(r);
	md.dflt = get_u32(r);
	get(r, &meta, sizeof(meta));
	meta.xattrs = NULL;
	read_ups(r, run->plan.nsrcs, &md);
	nsrcs = r->bad ? 0 : get_u32(r);
	if (nsrcs == 0 || nsrcs > MAX_UPS)
		r->bad = true;
	else {
		src_up = xcalloc(nsrcs, sizeof(*src_up));
		src_name = xcalloc(nsrcs, sizeof(*src_name));
	}
	for (i = 0; !r->bad && i < nsrcs; i++) {
		src_up[i] = get_u32(r);
		src_name[i] = get_str(r);
		if (src_up[i] >= md.nups || !plain_name(src_name[i]))
			r->bad = true;
	}
	if (r->bad || r->at != r->n || !node || !plain_name(name)) {
		rc = -EPROTO;
	} else if (cancelled) {
		send_done(run, origin, node, DONE_DIR, false);
	} else if ((px = proxy_open(run, origin, node, DONE_DIR, &md)) != NULL) {
		atomic_fetch_add(&stolen_dirs, 1);
		c = dnode_new(run, px);
		c->srcs = xcalloc(nsrcs, sizeof(*c->srcs));
		for (i = 0; i < nsrcs; i++) {
			struct dsrc *s = &c->srcs[c->nsrcs++];
			struct dsrc *up = &px->srcs[src_up[i]];

			s->up = up;
			s->name = xstrdup(src_name[i]);
			dslot_init(&s->slot, &up->slot, s->name);
			s->dev_limit = up->dev_limit;
			s->rank = i;
			s->sel = SEL_ALL;
			s->parent_layer = up->layer ?
			    filter_layer_ref(up->layer) : NULL;
		}
		c->name = xstrdup(name);
		c->dslot.name = c->name;
		c->src = src;
		c->src.name = c->name;
		/* Device numbers are this host's: the directory is on its
		 * operand's file system (else -x would not descend). */
		c->src.dev = c->srcs[0].dev_limit;
		c->has_dst = flags & DF_HAS_DST;
		if (c->has_dst) {
			c->dst = dst;
			c->dst.name = c->name;
			if (flags & DF_DST_ROOT_DEV)
				c->dst.dev = run->dst_dev;
			else if (c->dst.dev == run->dst_dev)
				c->dst.dev = ~run->dst_dev;
		}
		c->create = flags & DF_CREATE;
		c->blocked = flags & DF_BLOCKED;
		c->no_descend = flags & DF_NO_DESCEND;
		c->apply_meta = flags & DF_APPLY_META;
		c->attrs_differ = flags & DF_ATTRS_DIFFER;
		c->iflags = iflags;
		c->meta = meta;
		c->dflt = (mode_t)md.dflt;
		dnode_release(px);	/* its own reference: C holds it */
		pool_run(&run->pool, &c->task, w);
	}
	for (i = 0; src_name && i < nsrcs; i++)
		free(src_name[i]);
	free(src_name);
	free(src_up);
	free(name);
	mdir_free(&md);
	return rc;
}

/* A stolen batch of files: their directory's proxy, and the files copied
 * into it now on worker W. */
static int run_files(struct ts_run *run, int origin, bool cancelled,
    struct rd *r, int w)
{
	uint64_t node = get_u64(r);
	struct mdir md = { 0 };
	struct ftask *first = NULL, **tail = &first, *f;
	struct dnode *px = NULL;
	uint32_t n, i;
	int rc = 0;

	read_dest_dir(r, &md);
	md.dflt = get_u32(r);
	read_ups(r, run->plan.nsrcs, &md);
	n = r->bad ? 0 : get_u32(r);
	if (n == 0 || n > MAX_FILES)
		r->bad = true;
	for (i = 0; !r->bad && i < n; i++) {
		uint32_t up = get_u32(r);
		char *name = get_str(r), *sname = get_str(r),
		    *dname = get_str(r);
		uint8_t flags;

		f = ftask_alloc(name, sname, dname);
		get(r, &f->src, sizeof(f->src));
		get(r, &f->dst, sizeof(f->dst));
		f->src.name = f->dst.name = f->name;
		flags = get_u8(r);
		f->has_dst = flags & FF_HAS_DST;
		f->need_checksum = flags & FF_CHECKSUM;
		f->iflags = get_u32(r);
		f->basis = (int)get_u32(r);	/* -1: the source */
		f->from = (void *)(uintptr_t)up;	/* an index until the
							 * proxy is made */
		if (up >= md.nups || !plain_name(name) || !plain_name(sname) ||
		    f->basis < -1 || (f->basis >= 0 && !run->o->alt_dest))
			r->bad = true;
		*tail = f;
		tail = &f->batch_next;
		free(name);
		free(sname);
		free(dname);
	}
	if (r->bad || r->at != r->n || !node)
		rc = -EPROTO;
	else if (cancelled)
		send_done(run, origin, node, DONE_FILES, false);
	else
		px = proxy_open(run, origin, node, DONE_FILES, &md);
	if (!px) {
		for (; first; first = f) {
			f = first->batch_next;
			free(first);
		}
		mdir_free(&md);
		return rc;
	}
	atomic_fetch_add(&stolen_batches, 1);
	for (f = first; f; f = f->batch_next) {
		f->dir = px;
		f->from = &px->srcs[(uintptr_t)f->from];
		atomic_fetch_add(&px->pending, 1);	/* each file's */
	}
	dnode_release(px);	/* its own reference: the files hold it */
	ftask_batch(first);
	pool_run(&run->pool, &first->task, w);
	mdir_free(&md);
	return 0;
}

/* --- a big file's chunks on other ranks ------------------------------------ */

#define CHUNK ((uint64_t)64 << 20)	/* a chunk task's range */

enum chunk_what { CW_NONE, CW_OPEN, CW_CHANGED, CW_READ, CW_WRITE, CW_CLOSE,
	CW_HANDOFF, CW_CANCELLED };
static const char *const chunk_whats[] = {
	"", "cannot open", "source changed or replaced while copying",
	"cannot read", "cannot write", "cannot close",
	"cannot hand a chunk to another rank", "cancelled",
};

/* One split file on its owner: the chunks other ranks copy. */
struct rsplit {
	pthread_mutex_t lock;
	pthread_cond_t done;
	unsigned remaining;	/* chunks not reported */
	int err;		/* the first chunk's -errno */
	enum copy_side side;
	bool fatal;
	uint8_t what;		/* enum chunk_what */
	uint64_t bytes;		/* copied by read/write */
	uint64_t end;		/* where the source ended early, or ~0 */
};

static _Atomic unsigned splits_active;

/* PATH as read from /proc/self/fd/FD, into BUF; false if unknown. */
static bool fd_path(int fd, char *buf, size_t size)
{
	char link[64];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, buf, size - 1);
	if (n <= 0 || (size_t)n >= size - 1)
		return false;
	buf[n] = '\0';
	return buf[0] == '/' && !strstr(buf, " (deleted)");
}

/* The path of FILE below the directory open as DIRFD ("a/b/f"), or NULL
 * when it is not below it. */
static const char *below(int dirfd, const char *file, char *buf, size_t size)
{
	size_t n;

	if (!fd_path(dirfd, buf, size))
		return NULL;
	n = strlen(buf);
	if (n == 1)
		n = 0;		/* "/" */
	if (strncmp(file, buf, n) || file[n] != '/')
		return NULL;
	return file + n + 1;
}

/* Splits "a/b/f" into "a/b" (malloc'ed; "" at the top) and "f". */
static char *split_dir(const char *rel, const char **name)
{
	const char *slash = strrchr(rel, '/');

	*name = slash ? slash + 1 : rel;
	return slash ? strndup(rel, (size_t)(slash - rel)) : xstrdup("");
}

/* One chunk reported to its owner (this rank). */
static void chunk_report(uint64_t split, int64_t n, uint64_t end,
    uint8_t side, bool fatal, uint8_t what)
{
	struct rsplit *rs = (struct rsplit *)(uintptr_t)split;

	pthread_mutex_lock(&rs->lock);
	if (n >= 0)
		rs->bytes += (uint64_t)n;
	else if (rs->err == 0) {
		rs->err = (int)n;
		rs->side = side ? COPY_SRC : COPY_DST;
		rs->fatal = fatal;
		rs->what = what;
	}
	if (end < rs->end)
		rs->end = end;
	if (--rs->remaining == 0)
		pthread_cond_broadcast(&rs->done);
	pthread_mutex_unlock(&rs->lock);
}

static uint64_t remote_begin(void *arg, int in, int out, uint64_t start,
    uint64_t size, void **handle)
{
	struct ts_run *run = arg;
	int n = run->exec ? run->exec->nranks : 1;
	char spath[PATH_MAX], dpath[PATH_MAX], base[PATH_MAX];
	const char *srel = NULL, *drel, *sname, *tname;
	struct stat sst, tst;
	uint64_t share, from, off, i;
	struct rsplit *rs;
	char *sdir, *ddir;
	size_t op;

	*handle = NULL;
	/* A rank's owners wait for their chunks: at most half its workers
	 * (the others run chunks and their replies). */
	if (n < 2 || run->pool.nthreads < 2 ||
	    atomic_fetch_add(&splits_active, 1) >= (unsigned)run->pool.nthreads / 2) {
		if (n >= 2 && run->pool.nthreads >= 2)
			atomic_fetch_sub(&splits_active, 1);
		return size;
	}
	share = (size - start) / (uint64_t)n;
	share = (share + CHUNK / 2 - 1) / (CHUNK / 2) * (CHUNK / 2);
	from = start + share;
	if (from < size && fd_path(in, spath, sizeof(spath)))
		for (op = 0; op < run->plan.nsrcs; op++)
			if ((srel = below(run->plan.srcs[op].fd, spath, base,
			    sizeof(base))) != NULL)
				break;
	if (from >= size || !srel || !fd_path(out, dpath, sizeof(dpath)) ||
	    !(drel = below(run->plan.dst_fd, dpath, base, sizeof(base))) ||
	    fstat(in, &sst) < 0 || fstat(out, &tst) < 0) {
		atomic_fetch_sub(&splits_active, 1);
		return size;
	}
	rs = xcalloc(1, sizeof(*rs));
	pthread_mutex_init(&rs->lock, NULL);
	pthread_cond_init(&rs->done, NULL);
	rs->end = ~(uint64_t)0;
	sdir = split_dir(srel, &sname);
	ddir = split_dir(drel, &tname);
	/* Each chunk to another rank in turn, pinned there: a rank's own
	 * idle workers would take every portable task before a thief could
	 * (and the point is the other hosts' links). */
	for (off = from, i = 1; off < size; off += CHUNK, i++) {
		int to = (run->exec->rank + i) % n;
		struct dtask_buf b = { 0 };

		put_head(&b, DT_CHUNK, rs);
		put_u32(&b, (uint32_t)op);
		put_str(&b, sdir);
		put_str(&b, sname);
		put_u64(&b, (uint64_t)sst.st_ino);
		put_u64(&b, (uint64_t)sst.st_size);
		put_u64(&b, (uint64_t)sst.st_mtim.tv_sec);
		put_u64(&b, (uint64_t)sst.st_mtim.tv_nsec);
		put_str(&b, ddir);
		put_str(&b, tname);
		put_u64(&b, (uint64_t)tst.st_ino);
		put_u64(&b, off);
		put_u64(&b, size - off < CHUNK ? size - off : CHUNK);
		put_u8(&b, run->o->fsync);
		pthread_mutex_lock(&rs->lock);
		rs->remaining++;
		pthread_mutex_unlock(&rs->lock);
		if (run->exec->send(run->exec->arg, to, b.p, b.n) < 0)
			chunk_report((uint64_t)(uintptr_t)rs, -ENOMEM, ~(uint64_t)0,
			    0, false, CW_HANDOFF);
		dtask_buf_free(&b);
	}
	free(sdir);
	free(ddir);
	*handle = rs;
	return from;
}

static int remote_wait(void *arg, void *handle, struct copy_result *res,
    uint64_t *end)
{
	struct rsplit *rs = handle;
	int err;

	(void)arg;
	pthread_mutex_lock(&rs->lock);
	while (rs->remaining > 0)
		pthread_cond_wait(&rs->done, &rs->lock);
	pthread_mutex_unlock(&rs->lock);
	res->bytes[TS_METHOD_RW] += rs->bytes;
	if ((err = rs->err) < 0) {
		res->what = chunk_whats[rs->what];
		res->side = rs->side;
		res->fatal = rs->fatal;
	}
	if (rs->end < *end)
		*end = rs->end;
	pthread_mutex_destroy(&rs->lock);
	pthread_cond_destroy(&rs->done);
	free(rs);
	atomic_fetch_sub(&splits_active, 1);
	return err;
}

static const struct copy_remote remote_ops_proto = {
	NULL, remote_begin, remote_wait,
};

void dtask_set_remote(struct ts_run *run)
{
	static struct copy_remote ops;

	ops = remote_ops_proto;
	ops.arg = run;
	copy_ctx_set_remote(&run->copy, &ops);
}

/* Copies one chunk (read/write through BUF), opened below this rank's
 * roots: the bytes, or -errno with *SIDE (1: the source), *WHAT and
 * *FATAL; *END where the source ended early. */
static int64_t chunk_copy(struct ts_run *run, struct rd *r, char *buf,
    uint8_t *side, uint8_t *what, bool *fatal, uint64_t *end)
{
	uint32_t op = get_u32(r);
	char *sdir = get_str(r), *sname = get_str(r);
	uint64_t ino = get_u64(r), size = get_u64(r), ms = get_u64(r),
	    mns = get_u64(r);
	char *ddir = get_str(r), *tname = get_str(r);
	uint64_t tino = get_u64(r), off = get_u64(r), len = get_u64(r), done = 0;
	bool sync = get_u8(r);
	int sd = -1, sfd = -1, dd = -1, tfd = -1;
	int64_t rc = 0;
	struct stat st;

	*end = ~(uint64_t)0;
	if (r->bad || r->at != r->n || op >= run->plan.nsrcs ||
	    !plain_name(sname) || !plain_name(tname)) {
		rc = -EPROTO;
		goto out;
	}
	*side = 1;
	*what = CW_OPEN;
	sd = open_checked(run->plan.srcs[op].fd, sdir, 0);
	/* Never blocking on a FIFO swapped in for the file. */
	if (sd < 0 || (sfd = util_open_data_st(sd, sname, &st)) < 0) {
		rc = sd < 0 ? sd : sfd;
		sfd = -1;
		goto out;
	}
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_ino != ino ||
	    (uint64_t)st.st_size != size || (uint64_t)st.st_mtim.tv_sec != ms ||
	    (uint64_t)st.st_mtim.tv_nsec != mns) {
		*what = CW_CHANGED;
		rc = -ESTALE;
		goto out;
	}
	*side = 0;
	dd = open_checked(run->plan.dst_fd, ddir, 0);
	/* O_NONBLOCK: a FIFO put in the temp's place fails (ENXIO) or is
	 * told by its inode below, never waited on. */
	if (dd < 0 || (tfd = openat(dd, tname, O_WRONLY | O_NOFOLLOW |
	    O_CLOEXEC | O_NONBLOCK | O_NOCTTY)) < 0) {
		rc = dd < 0 ? dd : -errno;
		goto out;
	}
	if (fstat(tfd, &st) < 0 || (uint64_t)st.st_ino != tino) {
		*what = CW_CHANGED;
		rc = -ESTALE;
		goto out;
	}
	while (done < len && !pool_cancelled(&run->pool)) {
		size_t want = len - done < POOL_BUF_SIZE ? len - done :
		    POOL_BUF_SIZE;
		ssize_t n = pread(sfd, buf, want, (off_t)(off + done)), w;
		size_t put_n = 0;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			*side = 1;
			*what = CW_READ;
			rc = -errno;
			goto out;
		}
		if (n == 0) {
			*end = off + done;	/* the source ended early */
			break;
		}
		while (put_n < (size_t)n) {
			w = pwrite(tfd, buf + put_n, (size_t)n - put_n,
			    (off_t)(off + done + put_n));
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0) {
				*what = CW_WRITE;
				rc = w < 0 ? -errno : -EIO;
				goto out;
			}
			put_n += (size_t)w;
		}
		done += (uint64_t)n;
	}
	if (pool_cancelled(&run->pool)) {
		*what = CW_CANCELLED;
		rc = -ECANCELED;
		goto out;
	}
	if (sync && fdatasync(tfd) < 0) {
		*what = CW_WRITE;
		rc = -errno;
		goto out;
	}
	/* NFS reports write errors at close. */
	*what = CW_CLOSE;
	rc = close(tfd) < 0 ? -errno : (int64_t)done;
	tfd = -1;
out:
	if (rc < 0 && *side == 0)
		*fatal = rc == -ENOSPC || rc == -EDQUOT || rc == -EIO ||
		    rc == -EROFS;
	if (tfd >= 0)
		close(tfd);
	if (dd >= 0)
		close(dd);
	if (sfd >= 0)
		close(sfd);
	if (sd >= 0)
		close(sd);
	free(sdir);
	free(sname);
	free(ddir);
	free(tname);
	return rc;
}

/* A chunk: copied here, reported to its owner (here, or a message). */
static int run_chunk(struct ts_run *run, int origin, bool cancelled,
    struct rd *r, int w)
{
	uint64_t split = get_u64(r), end = ~(uint64_t)0;
	uint8_t side = 0, what = CW_CANCELLED;
	bool fatal = false;
	int64_t n = -ECANCELED;
	struct dtask_buf b = { 0 };

	if (r->bad || !split)
		return -EPROTO;
	if (!cancelled) {
		n = chunk_copy(run, r, run->pool.workers[w].buf, &side, &what,
		    &fatal, &end);
		if (n == -EPROTO)
			return -EPROTO;
		atomic_fetch_add(&chunks_run, 1);
	}
	if (origin == run->exec->rank) {
		chunk_report(split, n, end, side, fatal, what);
		return 0;
	}
	put_head(&b, DT_CDONE, (const void *)(uintptr_t)split);
	put_u64(&b, (uint64_t)n);
	put_u64(&b, end);
	put_u8(&b, side);
	put_u8(&b, fatal);
	put_u8(&b, what);
	send_reply(run, origin, &b, "a chunk");
	return 0;
}

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
		bool touched = get_u8(&r);
		uint8_t what = get_u8(&r);

		if (r.bad || r.at != r.n || !node || what > DONE_FILES)
			return -EPROTO;
		done_here(node, what, touched);
		return 0;
	}
	if (kind == DT_CHUNK)
		return run_chunk(run, origin, cancelled, &r, w);
	if (kind == DT_CDONE) {
		uint64_t split = get_u64(&r), n = get_u64(&r), end = get_u64(&r);
		uint8_t side = get_u8(&r), fatal = get_u8(&r), what = get_u8(&r);

		if (r.bad || r.at != r.n || !split || what > CW_CANCELLED)
			return -EPROTO;
		chunk_report(split, (int64_t)n, end, side, fatal, what);
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
	return kind == DT_DIR ? run_dir(run, origin, cancelled, &r, w) :
	    run_files(run, origin, cancelled, &r, w);
}

const char *dtask_unsupported(const struct ts_run *run)
{
	const struct ts_options *o = run->o;
	size_t i;

	for (i = 0; run->filters && i < run->filters->rules.n; i++)
		if (run->filters->rules.v[i].flags & R_PERDIR)
			return "per-directory filter rules (dir-merge, -F)";
	if (run->plan.overlap)
		return "a destination inside a source";
	if (o->files_from)
		return "--files-from";
	if (o->alt_dest)
		return "--link-dest/--compare-dest/--copy-dest";
	if (o->hard_links)
		return "-H (--hard-links)";
	if (o->prune_empty_dirs)
		return "-m (--prune-empty-dirs)";
	if (o->progress)
		return "--progress";
	if (o->delay_updates)
		return "--delay-updates";
	if (o->temp_dir)
		return "-T (--temp-dir)";
	return NULL;
}
