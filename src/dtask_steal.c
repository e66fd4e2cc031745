/*
 * dtask_steal.c -- treesync-mpi: the thief's side of a directory task or
 * a batch of files made on another rank (see dtask.h, dtask_int.h for
 * the message format, docs/mpi.md).
 *
 * A thief never resolves a path from "/": for the directory a task lives
 * in it builds a proxy node, opening its DEST side and each of its
 * sources below this rank's own roots with RESOLVE_BENEATH|
 * RESOLVE_NO_SYMLINKS (delete_open_beneath()), checked to be the inodes
 * the origin saw when it knew them (a source below a --files-from "/./"
 * prefix: the prefix opened first as the origin opened it, an operator
 * path, up_top()), and runs the task below the proxy as
 * any other.  Its counterparts below the alternate directories
 * (--link-dest...) are opened the same way, below this rank's own fds
 * for them; one that cannot be is absent there, as on one host.  When
 * the proxy's last child is done it sends DONE to the origin, which
 * still holds the task's node.  A directory that cannot be opened so is
 * a source or destination error: nothing is deleted.
 *
 * Must not trust a message: every name is checked to be one plain name,
 * every index to be in range (-EPROTO otherwise).
 */
#define _GNU_SOURCE
#include "dtask_int.h"

#include "altdest.h"
#include "delete.h"
#include "filter.h"
#include "report.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void dtask_send_reply(struct ts_run *run, int origin, struct dtask_buf *b,
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
    uint8_t what, uint8_t flags)
{
	struct dtask_buf b = { 0 };

	put_head(&b, DT_DONE, (const void *)(uintptr_t)node);
	put_u8(&b, flags);
	put_u8(&b, what);
	dtask_send_reply(run, origin, &b, "a directory");
}

static void proxy_finish(struct dnode *d)
{
	struct proxy *x = d->ext;
	size_t i;

	send_done(d->run, x->origin, x->node, x->what,
	    (atomic_load(&d->touched) ? DN_TOUCHED : 0) | x->done);
	if (x->dst_fd >= 0)
		close(x->dst_fd);
	for (i = 0; x->alt_fd && i < d->run->plan.nalt; i++)
		if (x->alt_fd[i] >= 0)
			close(x->alt_fd[i]);
	free(x->alt_fd);
	for (i = 0; i < x->nups; i++)
		free(x->rel[i]);
	free(x->rel);
	free(x->op);
	free(x);
	d->ext = NULL;
}

int dtask_open_checked(int root, const char *rel, uint64_t ino)
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
	uint64_t *up_rerr;	/* dsrc.rules_err */
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
	free(m->up_rerr);
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
	m->up_rerr = xcalloc(m->nups, sizeof(*m->up_rerr));
	for (i = 0; i < m->nups; i++) {
		m->up_op[i] = get_u32(r);
		m->up_rel[i] = get_str(r);
		m->up_disp[i] = get_str(r);
		m->up_ino[i] = get_u64(r);
		m->up_rerr[i] = get_u64(r);
		if (m->up_op[i] >= nops)
			r->bad = true;
	}
}

/* The components of path P ('/'-separated, empty ones skipped); false
 * when one is not a plain name ("." and ".." included). */
static bool count_names(const char *p, size_t *n)
{
	*n = 0;
	while (*p) {
		size_t len = strcspn(p, "/");
		char *c = xstrndup(p, len);
		bool ok = plain_name(c);

		free(c);
		if (len && !ok)
			return false;
		*n += len > 0;
		p += len;
		p += *p == '/';
	}
	return true;
}

/* The first N components of P, joined by '/' (malloc'ed). */
static char *first_names(const char *p, size_t n)
{
	const char *e = p;

	while (n > 0 && *e) {
		e += strspn(e, "/");
		e += strcspn(e, "/");
		n--;
	}
	while (*p == '/')
		p++;
	return xstrndup(p, e > p ? (size_t)(e - p) : 0);
}

/* P without its last N components (malloc'ed; P when it has no more). */
static char *drop_names(const char *p, size_t n)
{
	size_t len = strlen(p);

	while (n-- > 0 && len > 0) {
		while (len > 1 && p[len - 1] == '/')
			len--;
		while (len > 0 && p[len - 1] != '/')
			len--;
		while (len > 1 && p[len - 1] == '/')
			len--;
	}
	return len ? xstrndup(p, len) : xstrdup(p);
}

/* P past its first N components (and the '/' after them). */
static const char *skip_names(const char *p, size_t n)
{
	while (n > 0 && *p) {
		p += strspn(p, "/");
		p += strcspn(p, "/");
		n--;
	}
	return p + strspn(p, "/");
}

/* The --files-from prefix (identical on every rank: rank 0's lists,
 * broadcast) that REL starts with, LEAD components long, or NULL. */
static const char *list_prefix(const struct ts_run *run, const char *rel,
    size_t lead)
{
	size_t k, len, n;

	for (k = 0; k < run->nsels; k++) {
		const char *pre = run->sels[k].prefix;

		len = strlen(pre);
		if (len && strncmp(rel, pre, len) == 0 &&
		    (rel[len] == '/' || rel[len] == '\0') &&
		    count_names(pre, &n) && n == lead)
			return pre;
	}
	return NULL;
}

/*
 * Where up I of M starts: a source directory below a --files-from (or
 * -R) "/./" prefix lies in a root source that the origin opened below
 * the operand with the prefix as one operator path, symlinks on the
 * way followed as rsync's chdir follows them (root.c root_sources());
 * that prefix opened the same way, *SKIP its components.  Otherwise the
 * operand's own fd, *SKIP 0.  An fd (closed by the caller unless it is
 * the operand's) or -errno.
 */
static int up_top(const struct ts_run *run, const struct mdir *m,
    uint32_t i, size_t *skip)
{
	const struct plan_src *ps = &run->plan.srcs[m->up_op[i]];
	const char *pre;
	size_t n, nrel;
	int fd;

	*skip = 0;
	if (!ps->contents || !run->nsels ||
	    !count_names(m->up_rel[i], &n) || !count_names(m->rel, &nrel) ||
	    n <= nrel || !(pre = list_prefix(run, m->up_rel[i], n - nrel)))
		return ps->fd;
	fd = openat(ps->fd, pre, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	*skip = n - nrel;
	return fd;
}

/* One step of a rebuild: what has been pushed so far, where. */
struct rebuild {
	struct ts_run *run;
	const struct mdir *m;
	uint32_t i;		/* the up being rebuilt */
	size_t n;		/* the components of its path below the operand */
	size_t lead;		/* those above the transfer root: a
				 * --files-from prefix (the root source) */
	struct filter_layer *l;
	uint64_t err;		/* as dsrc.rules_err */
};

/* Pushes B's layer into the directory J components below the operand
 * (LEAD of them: the transfer root), open at FD. */
static bool rebuild_push(struct rebuild *b, size_t j, int fd)
{
	char *rel = first_names(b->m->rel, j - b->lead);
	char *disp = drop_names(b->m->up_disp[b->i], b->n - j);
	struct filter_layer *next = NULL;
	bool ferr = false, ok;

	ok = select_push_at(b->run, b->l, rel, fd, disp,
	    (b->m->up_rerr[b->i] & select_depth_bit(rel)) != 0, &ferr, &next);
	b->err |= ferr ? select_depth_bit(rel) : 0;
	free(rel);
	free(disp);
	filter_layer_unref(b->l);
	b->l = next;
	return ok;
}

/* Opens component J of B's path below CUR: an fd or -errno. */
static int rebuild_open(struct rebuild *b, int cur, size_t j)
{
	const char *p = b->m->up_rel[b->i];
	size_t len;
	char *name;
	int fd;

	for (;;) {
		p += strspn(p, "/");
		len = strcspn(p, "/");
		if (--j == 0)
			break;
		p += len;
	}
	name = xstrndup(p, len);
	fd = dtask_open_checked(cur, name, 0);
	free(name);
	return fd;
}

/* The directory J components down B's path could not be opened (ERR):
 * said, a source error.  False. */
static bool rebuild_failed(struct rebuild *b, int err, size_t j)
{
	char *disp = drop_names(b->m->up_disp[b->i], b->n - j);

	report_errno_side(b->run->rep, TS_SIDE_SRC, err,
	    "cannot open directory", disp);
	run_source_failed(b->run);
	free(disp);
	return false;
}

/* Opens, below B's operand, each directory down to the one rebuilt (FD:
 * opened and checked already) and pushes into each one below the
 * transfer root, and into the root itself when it is a root source's
 * (a "dir/" operand, or a --files-from prefix of one), as the origin
 * did. */
static bool rebuild_walk(struct rebuild *b, int fd)
{
	const struct plan_src *ps = &b->run->plan.srcs[b->m->up_op[b->i]];
	int cur = ps->fd, next;
	size_t j = 0;
	bool ok = true;

	if (b->lead == b->n) {
		cur = fd;	/* the root source itself */
		j = b->n;
	} else if (b->lead > 0) {
		cur = up_top(b->run, b->m, b->i, &j);
	}
	if (cur < 0)
		return rebuild_failed(b, -cur, b->lead);
	for (; ok; j++) {
		if (j > b->lead || (j == b->lead && ps->contents))
			ok = rebuild_push(b, j, j == b->n ? fd : cur);
		if (!ok || j == b->n)
			break;
		next = j + 1 == b->n ? fd : rebuild_open(b, cur, j + 1);
		if (next < 0) {
			ok = rebuild_failed(b, -next, j + 1);
			break;
		}
		if (cur != ps->fd)
			close(cur);
		cur = next;
	}
	if (cur != ps->fd && cur != fd)
		close(cur);
	return ok;
}

/*
 * The rules for the entries of proxy source S, M's up I (open at FD),
 * rebuilt here as the rank that scanned it built them: the operand's
 * root layer pushed into each directory from the top of the transfer
 * down to it, each one's merge files read (docs/mpi.md, "Per-directory
 * rules on a thief").  A merge file that cannot be read is said unless
 * the origin could not read the one at that depth either (it said so).  False when the rules cannot be rebuilt
 * (said, a source error: nothing is deleted).
 */
static bool rebuild_layer(struct ts_run *run, const struct mdir *m,
    uint32_t i, int fd, struct dsrc *s)
{
	struct rebuild b = { run, m, i, 0, 0, NULL, 0 };
	size_t nrel = 0;
	bool ok;

	b.l = root_operand_layer(run, &run->plan.srcs[m->up_op[i]]);
	s->rules_err = m->up_rerr[i];
	if (!b.l || filter_layer_merge_names(b.l, NULL, 0) == 0) {
		s->layer = b.l;
		return true;
	}
	if (!count_names(m->up_rel[i], &b.n) || !count_names(m->rel, &nrel) ||
	    nrel > b.n || (nrel < b.n &&
	    !run->plan.srcs[m->up_op[i]].contents)) {
		report_error(run->rep, "a task from another rank names "
		    "directory '%s' wrongly", m->up_disp[i]);
		run_source_failed(run);
		filter_layer_unref(b.l);
		return false;
	}
	b.lead = b.n - nrel;
	ok = rebuild_walk(&b, fd);
	s->rules_err |= b.err;
	if (!ok) {
		filter_layer_unref(b.l);
		return false;
	}
	s->layer = b.l;
	return true;
}

/* Source directory I of M (up_top(), then beneath it with no symlink),
 * checked to be the inode the origin saw: an fd or -errno. */
static int open_up(const struct ts_run *run, const struct mdir *m,
    uint32_t i)
{
	size_t skip;
	int top = up_top(run, m, i, &skip), fd;

	if (top < 0)
		return top;
	fd = dtask_open_checked(top, skip_names(m->up_rel[i], skip),
	    m->up_ino[i]);
	if (top != run->plan.srcs[m->up_op[i]].fd)
		close(top);
	return fd;
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
		fd = dtask_open_checked(run->plan.dst_fd, m->rel, m->ino);
		if (fd < 0) {
			run_report_dest(run, -fd, "cannot open directory", m->rel);
			run_item_failed(run);
			ok = false;
		}
		x->dst_fd = fd < 0 ? -1 : fd;
	}
	dslot_init_fixed(&px->dslot, x->dst_fd);
	if (run->plan.nalt) {
		/* Its counterparts below the alternate directories: looked
		 * up here, from this rank's own view of them. */
		x->alt_fd = xcalloc(run->plan.nalt, sizeof(*x->alt_fd));
		altdest_node_beneath(px, m->rel, x->alt_fd);
	}
	px->srcs = xcalloc(m->nups, sizeof(*px->srcs));
	for (i = 0; i < m->nups; i++) {
		struct dsrc *s = &px->srcs[px->nsrcs++];
		const struct plan_src *ps = &run->plan.srcs[m->up_op[i]];

		x->op[i] = m->up_op[i];
		x->rel[i] = xstrdup(m->up_rel[i]);
		fd = ok ? open_up(run, m, i) : -1;
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
		if (ok && !rebuild_layer(run, m, i, fd, s))
			ok = false;
	}
	if (!ok) {
		/* The subtree is not synchronised here; the origin hears
		 * of it as done (its errors keep every rank from deleting). */
		dnode_release(px);
		return NULL;
	}
	return px;
}

/* A DIR message: the directory's parent and the directory itself. */
struct dirmsg {
	struct mdir md;		/* its parent */
	char *name;
	struct ts_entry src, dst;
	struct meta_target meta;
	uint16_t flags;		/* enum dir_flag */
	uint32_t iflags;
	uint32_t nsrcs;		/* its sources: per source, */
	uint32_t *src_up;	/* the parent's source it is in */
	char **src_name;	/* and its name there */
	uint32_t *src_list;	/* --files-from: its list, or NO_LIST */
	uint8_t *src_sel;	/* and how much of it is selected */
};

static void dirmsg_free(struct dirmsg *m)
{
	uint32_t i;

	for (i = 0; m->src_name && i < m->nsrcs; i++)
		free(m->src_name[i]);
	free(m->src_name);
	free(m->src_up);
	free(m->src_list);
	free(m->src_sel);
	free(m->name);
	mdir_free(&m->md);
}

/* Reads the rest of a DIR message (after its node) into M, for NOPS
 * operands; false when it is malformed.  The caller frees M either way. */
static bool read_dir(struct rd *r, const struct ts_run *run,
    struct dirmsg *m)
{
	size_t nops = run->plan.nsrcs;
	uint32_t i;

	read_dest_dir(r, &m->md);
	m->name = get_str(r);
	get(r, &m->src, sizeof(m->src));
	get(r, &m->dst, sizeof(m->dst));
	get(r, &m->flags, sizeof(m->flags));
	m->iflags = get_u32(r);
	m->md.dflt = get_u32(r);
	get(r, &m->meta, sizeof(m->meta));
	m->meta.xattrs = NULL;
	read_ups(r, nops, &m->md);
	m->nsrcs = r->bad ? 0 : get_u32(r);
	if (m->nsrcs == 0 || m->nsrcs > MAX_UPS)
		r->bad = true;
	else {
		m->src_up = xcalloc(m->nsrcs, sizeof(*m->src_up));
		m->src_name = xcalloc(m->nsrcs, sizeof(*m->src_name));
		m->src_list = xcalloc(m->nsrcs, sizeof(*m->src_list));
		m->src_sel = xcalloc(m->nsrcs, sizeof(*m->src_sel));
	}
	for (i = 0; !r->bad && i < m->nsrcs; i++) {
		m->src_up[i] = get_u32(r);
		m->src_name[i] = get_str(r);
		m->src_list[i] = get_u32(r);
		m->src_sel[i] = get_u8(r);
		if (m->src_up[i] >= m->md.nups || !plain_name(m->src_name[i]) ||
		    (m->src_list[i] != NO_LIST && m->src_list[i] >= run->nsels) ||
		    m->src_sel[i] > SEL_CONTENTS)
			r->bad = true;
	}
	return !r->bad && r->at == r->n && plain_name(m->name);
}

/* -m: how stolen directory D ended (made, or pruned: then whether its
 * extraneous entries were looked for), for the DONE its proxy sends: the
 * origin owns D's parent, where a pruned D that exists is deleted. */
static void stolen_finish(struct dnode *d)
{
	struct proxy *x = d->parent->ext;

	x->done |= (atomic_load(&d->kept) ? DN_KEPT : 0) |
	    (d->del_ok ? DN_DEL_OK : 0);
}

/* The node of stolen directory M below PX, its parent's proxy: its
 * sources below the proxy's, its entries and decisions as the origin
 * took them (device numbers made this host's). */
static struct dnode *stolen_dir(struct ts_run *run, struct dnode *px,
    const struct dirmsg *m)
{
	struct dnode *c = dnode_new(run, px);
	uint32_t i;

	c->srcs = xcalloc(m->nsrcs, sizeof(*c->srcs));
	for (i = 0; i < m->nsrcs; i++) {
		struct dsrc *s = &c->srcs[c->nsrcs++];
		struct dsrc *up = &px->srcs[m->src_up[i]];

		s->up = up;
		s->name = xstrdup(m->src_name[i]);
		dslot_init(&s->slot, &up->slot, s->name);
		s->dev_limit = up->dev_limit;
		s->rank = i;
		s->list = m->src_list[i] == NO_LIST ? NULL :
		    &run->sels[m->src_list[i]];
		s->sel = (enum sel)m->src_sel[i];
		s->parent_layer = up->layer ?
		    filter_layer_ref(up->layer) : NULL;
	}
	c->name = xstrdup(m->name);
	c->dslot.name = c->name;
	c->src = m->src;
	c->src.name = c->name;
	/* Device numbers are this host's: the directory is on its
	 * operand's file system (else -x would not descend). */
	c->src.dev = c->srcs[0].dev_limit;
	c->has_dst = m->flags & DF_HAS_DST;
	if (c->has_dst) {
		c->dst = m->dst;
		c->dst.name = c->name;
		if (m->flags & DF_DST_ROOT_DEV)
			c->dst.dev = run->dst_dev;
		else if (c->dst.dev == run->dst_dev)
			c->dst.dev = ~run->dst_dev;
	}
	c->create = m->flags & DF_CREATE;
	c->blocked = m->flags & DF_BLOCKED;
	c->no_descend = m->flags & DF_NO_DESCEND;
	c->apply_meta = m->flags & DF_APPLY_META;
	c->attrs_differ = m->flags & DF_ATTRS_DIFFER;
	c->unsent = m->flags & DF_UNSENT;
	c->keep_self = m->flags & DF_KEEP_SELF;
	c->on_finish = stolen_finish;
	c->iflags = m->iflags;
	c->meta = m->meta;
	c->dflt = (mode_t)m->md.dflt;
	return c;
}

/* A stolen directory task: its parent's proxy and its node below it,
 * scanned now on worker W. */
int dtask_run_dir(struct ts_run *run, int origin, bool cancelled,
    struct rd *r, int w)
{
	uint64_t node = get_u64(r);
	struct dirmsg m = { 0 };
	struct dnode *px, *c;
	int rc = 0;

	if (!read_dir(r, run, &m) || !node) {
		rc = -EPROTO;
	} else if (cancelled) {
		send_done(run, origin, node, DONE_DIR, 0);
	} else if ((px = proxy_open(run, origin, node, DONE_DIR, &m.md)) !=
	    NULL) {
		atomic_fetch_add(&run->mpi_stolen_dirs, 1);
		c = stolen_dir(run, px, &m);
		dnode_release(px);	/* its own reference: C holds it */
		pool_run(&run->pool, &c->task, w);
	}
	dirmsg_free(&m);
	return rc;
}

/* A stolen batch of files: their directory's proxy, and the files copied
 * into it now on worker W. */
int dtask_run_files(struct ts_run *run, int origin, bool cancelled,
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
		/* Found again from the source directory as the origin would
		 * (filetask.c src_at_open()); DEST's opens never follow. */
		f->follow = flags & FF_FOLLOW;
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
		send_done(run, origin, node, DONE_FILES, 0);
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
	atomic_fetch_add(&run->mpi_stolen_batches, 1);
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

