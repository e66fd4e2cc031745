/*
 * engine.c -- one synchronisation run: the directory tasks, the file
 * tasks, post-order directory metadata, and the deletion pass.
 *
 * How a run goes:
 *  1. plan resolves the operands into held directory fds;
 *  2. the root directory task is submitted to the pool; a directory task
 *     reads its source and destination listings (walk), decides each pair
 *     (compare), handles cheap items inline (symlinks, nodes, attributes),
 *     submits a file task per regular file to copy and a directory task per
 *     subdirectory, and records the extraneous destination names;
 *  3. every task holds a reference on its directory node; the last one to
 *     finish applies the directory's metadata (mtime last, after all its
 *     children: post-order) and releases the parent;
 *  4. after the walk, and only if every source directory was read without
 *     error, the extraneous entries are deleted (DESIGN.md "Safety rules").
 *
 * Memory: a directory node lives while it has unfinished children; file
 * tasks exist only for files being copied; the pool is LIFO, so the walk
 * is depth-first and what is in flight stays proportional to depth times
 * fan-out, not to the size of the tree.  Only the extraneous entries are
 * kept until the end (they are what --delete will remove).
 *
 * Every destination operation is an *at() call on a directory fd opened
 * below the destination root with O_NOFOLLOW: a symlink planted in the
 * destination is replaced or removed, never followed.
 */
#define _GNU_SOURCE
#include <treesync/treesync.h>

#include "compare.h"
#include "copy.h"
#include "delete.h"
#include "filter.h"
#include "hash.h"
#include "meta.h"
#include "plan.h"
#include "pool.h"
#include "report.h"
#include "sys.h"
#include "util.h"
#include "chmod.h"
#include "walk.h"
#include "xattr.h"

#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#ifndef TS_VERSION_STRING
#define TS_VERSION_STRING "unknown"
#endif

#define container_of(p, type, member) \
	((type *)(void *)((char *)(p) - offsetof(type, member)))

enum { TY_REG, TY_DIR, TY_LINK, TY_DEV, TY_SPECIAL, TY_N };

/* Extraneous names found in one destination directory. */
struct del_group {
	struct del_group *next;
	char *rel;		/* the directory, below the destination root */
	struct filter_layer *layer;	/* its rules (protect inside), or NULL */
	struct meta_target meta;	/* times to restore after deleting */
	size_t n;
	char **names;
	uint32_t *modes;
};

/* A file waiting for its hard-link master to be in place. */
struct hl_waiter {
	struct hl_waiter *next;
	struct dnode *dir;	/* holds a reference */
	struct ts_entry src, dst;
	bool has_dst;
	int sfd;
	char *name, *src_name, *disp_name;
};

enum hl_state { HL_PENDING, HL_DONE, HL_FAILED };

/* -H: one source inode with several links. */
struct hl_entry {
	struct hl_entry *next;	/* hash chain */
	uint64_t dev, ino;	/* source */
	enum hl_state state;	/* guarded by hl_lock */
	char *master_rel;	/* the first link, below the destination root */
	uint64_t dst_dev, dst_ino;	/* its destination inode when done */
	struct hl_waiter *waiters;	/* guarded by hl_lock */
};

#define HL_BUCKETS (1u << 16)

/* How much of a directory's source is selected (--files-from, -d). */
enum sel {
	SEL_ALL,	/* every entry (the normal case) */
	SEL_PARTIAL,	/* only listed paths and their ancestors */
};

struct engine {
	const struct ts_options *o;	/* == &opts */
	struct ts_options opts;		/* the caller's, adjusted (see ts_sync) */
	bool recurse;		/* -r as given: descend into directories */

	/* --files-from: sorted paths below the source root. */
	char **list;
	size_t nlist;
	atomic_bool *listed_seen;
	struct plan plan;
	struct pool pool;
	struct copy_ctx copy;
	bool am_root;
	mode_t umask;
	unsigned need;		/* enum walk_need for statx masks */
	unsigned xa_which;	/* -X/-A: enum xattr_which, or 0 */

	/* Counters, updated by every worker. */
	_Atomic uint64_t files[TY_N], created[TY_N], deleted[TY_N];
	_Atomic uint64_t reg_transferred, total_size, transferred_size;
	_Atomic uint64_t method_bytes[TS_METHOD_COUNT];
	_Atomic uint64_t method_files[TS_METHOD_COUNT];
	_Atomic uint64_t errors, vanished, stale_temps;
	_Atomic uint64_t reflinked, verified, retries;
	/* For --progress. */
	_Atomic uint64_t entries_done, bytes_todo;
	_Atomic uint64_t dst_entries;	/* destination entries listed */
	uint64_t delete_skipped;	/* --max-delete withheld these */

	atomic_bool src_error;	/* a source listing or read failed */
	atomic_bool other_error;	/* any other item failed */
	atomic_bool partial;	/* exit 23 */
	atomic_bool fatal;	/* exit 11: destination cannot take more */
	bool refuse_delete;	/* empty source root, non-empty destination */
	bool bad_rules;		/* a malformed per-directory rule: exit 1 */

	pthread_mutex_t del_lock;
	struct del_group *groups;	/* guarded by del_lock */

	/* -H: source (dev, ino) -> the first link's destination.  Lock
	 * order: hl_lock is never held while another lock is taken. */
	pthread_mutex_t hl_lock;
	struct hl_entry **hl;	/* HL_BUCKETS chains, guarded by hl_lock */
};

/* One directory pair being synchronised. */
struct dnode {
	struct pool_task task;	/* the scan */
	struct engine *e;
	struct dnode *parent;
	atomic_int pending;	/* 1 for the scan + 1 per unfinished child */
	int sfd, dfd;		/* -1 when absent; closed at the end */
	int src_parent_fd;	/* borrowed: where sfd is opened from */
	char *src_name;		/* name of the directory in src_parent_fd */
	char *name;		/* name in the parent's dfd */
	char *rel;		/* below the destination root; "" = root */
	char *src_disp;		/* source path for messages */
	struct ts_entry src;	/* the source directory, as scanned */
	struct ts_entry dst;	/* the destination directory before */
	bool has_dst;
	bool create;		/* mkdir it */
	bool remove_dst;	/* a non-directory is in the way */
	bool no_descend;	/* -x, -d: do not read its contents */
	enum sel sel;
	struct filter_layer *parent_layer;	/* rules above it (a reference) */
	struct filter_layer *layer;	/* rules for its entries (a reference) */
	bool is_root;
	bool skip_contents;	/* the root: "dir/" operands without -r */
	bool apply_meta;	/* set attributes when all children are done */
	bool attrs_differ;
	atomic_bool touched;	/* an entry was created, replaced or removed */
	uint64_t dev_limit;	/* -x: the source root's device */
	struct meta_target meta;
	struct pending *later;	/* during its scan, used by that thread only */
};

/* One regular file to compare by content and/or copy. */
struct ftask {
	struct pool_task task;
	struct dnode *dir;
	int sfd;		/* borrowed from dir (or the plan, at the root) */
	struct ts_entry src, dst;
	bool has_dst;
	bool need_checksum;
	bool remove_dir;	/* a directory is in the way */
	struct hl_entry *hl;	/* -H: this file is the master of a group */
	struct ftask *batch_next;	/* the rest of its batch, or NULL */
	uint32_t iflags;
	const char *src_disp;	/* borrowed: the source directory, messages */
	const char *src_name;	/* in the same allocation */
	const char *disp_name;	/* the name printed */
	char name[];		/* the name in the destination */
};

/* Tasks a scan creates, submitted when the scan is done: the directory's
 * inline work then happens before any of its children run (rsync's order,
 * and deterministic where destination entries share an inode). */
struct pending {
	struct pool_task *dirs, *files;	/* linked through task.next */
};

/* A source item of a directory listing, wherever it comes from. */
struct srcitem {
	const struct ts_entry *ent;
	int sfd;
	const char *src_name;	/* name in sfd */
	const char *name;	/* name in the destination directory */
	const char *disp_name;	/* name printed (the source's) */
	const char *src_disp;	/* source directory, for messages */
	uint64_t dev_limit;
	size_t order;		/* operand order, for duplicate names */
	enum sel child_sel;	/* a directory: how much below it is selected */
	struct filter_layer *layer;	/* the rules it is checked against */
	bool child_stop;	/* a directory: create it, do not descend */
};

static volatile sig_atomic_t got_signal;
static struct pool *signal_pool;
static struct copy_ctx *signal_copy;

static int type_index(uint32_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG:
		return TY_REG;
	case S_IFDIR:
		return TY_DIR;
	case S_IFLNK:
		return TY_LINK;
	case S_IFCHR:
	case S_IFBLK:
		return TY_DEV;
	default:
		return TY_SPECIAL;
	}
}

static void add(_Atomic uint64_t *c, uint64_t v)
{
	atomic_fetch_add_explicit(c, v, memory_order_relaxed);
}

/* A per-item failure: counted, reported by the caller, exit 23. */
static void item_failed(struct engine *e)
{
	add(&e->errors, 1);
	atomic_store(&e->partial, true);
	atomic_store(&e->other_error, true);
}

/* A source could not be read completely: no deletion (--ignore-errors:
 * none where the listing failed). */
static void source_failed(struct engine *e)
{
	add(&e->errors, 1);
	atomic_store(&e->partial, true);
	atomic_store(&e->src_error, true);
}

static char *dest_path(const struct engine *e, const char *rel)
{
	const char *d = e->plan.dst_operand;
	size_t n = strlen(d);
	char *p;

	/* One file to a new name: every message is about DEST itself. */
	if (*rel == '\0' || e->plan.single_name)
		return xstrdup(d);
	while (n > 1 && d[n - 1] == '/')
		n--;
	p = xmalloc(n + strlen(rel) + 2);
	sprintf(p, "%.*s/%s", (int)n, d, rel);
	return p;
}

static void report_dest(struct engine *e, int err, const char *what,
    const char *rel)
{
	char *p = dest_path(e, rel);

	report_errno(err, what, p);
	free(p);
}

static char *read_link(int dirfd, const char *name)
{
	size_t size = 256;

	for (;;) {
		char *buf = xmalloc(size);
		ssize_t n = readlinkat(dirfd, name, buf, size);

		if (n < 0) {
			free(buf);
			return NULL;
		}
		if ((size_t)n < size) {
			buf[n] = '\0';
			return buf;
		}
		free(buf);
		size *= 2;
	}
}

static void hl_master_done(struct engine *e, struct hl_entry *h, bool ok,
    uint64_t dst_dev, uint64_t dst_ino);

/* --- directory nodes ----------------------------------------------------- */

static void scan_task(struct pool_task *t, struct pool_worker *w);
static void scan_root(struct dnode *root);

static void dnode_finish(struct dnode *d)
{
	struct engine *e = d->e;
	const char *what = NULL;

	if (d->apply_meta && d->dfd >= 0 && !pool_cancelled(&e->pool) &&
	    (d->attrs_differ || d->create || atomic_load(&d->touched))) {
		struct xattr_set xa = { 0 };
		int r = 0;

		if (e->xa_which && d->sfd >= 0) {
			r = xattr_read(-1, d->src_disp, d->sfd, e->xa_which,
			    e->am_root, &xa);
			d->meta.xattrs = &xa;
		}
		if (r == 0)
			r = meta_apply_fd(d->dfd, &d->meta, &what);
		else
			what = "cannot read extended attributes of";
		d->meta.xattrs = NULL;
		xattr_set_free(&xa);

		if (r < 0) {
			report_dest(e, -r, what, d->rel);
			item_failed(e);
		}
	}
	/* --fsync: a directory whose entries changed is synced once, after
	 * every rename into it. */
	if (e->o->fsync && !e->o->dry_run && d->dfd >= 0 &&
	    (d->create || atomic_load(&d->touched)) && fsync(d->dfd) < 0) {
		report_dest(e, errno, "cannot fsync directory", d->rel);
		item_failed(e);
	}
	if (!d->is_root) {
		if (d->sfd >= 0)
			close(d->sfd);
		if (d->dfd >= 0)
			close(d->dfd);
	}
	filter_layer_unref(d->layer);
	filter_layer_unref(d->parent_layer);
	free(d->src_name);
	free(d->name);
	free(d->rel);
	free(d->src_disp);
	free(d);
}

/* Drops one reference; the last one finishes the node, then its parent. */
static void dnode_release(struct dnode *d)
{
	while (d && atomic_fetch_sub(&d->pending, 1) == 1) {
		struct dnode *parent = d->parent;

		dnode_finish(d);
		d = parent;
	}
}

static struct dnode *dnode_new(struct engine *e, struct dnode *parent)
{
	struct dnode *d = xcalloc(1, sizeof(*d));

	d->e = e;
	d->parent = parent;
	d->sfd = d->dfd = d->src_parent_fd = -1;
	atomic_init(&d->pending, 1);
	atomic_init(&d->touched, false);
	d->task.fn = scan_task;
	if (parent)
		atomic_fetch_add(&parent->pending, 1);
	return d;
}

/* --- removing what is in the way ----------------------------------------- */

/* Removes the directory NAME in D's destination to make way for a
 * non-directory; rsync's rules: an empty one always, a full one only with
 * --delete or --force. */
static int remove_dir_in_way(struct dnode *d, const char *name,
    const char *rel, const char *kind)
{
	struct engine *e = d->e;
	struct del_opts dopts = { .one_fs = e->o->one_fs,
		.dry_run = e->o->dry_run };
	struct del_counts c = { 0 };
	int r, fd;

	if (e->o->dry_run) {
		/* What the real run would do: list the contents it deletes,
		 * or refuse as it would. */
		struct dirlist l;

		fd = openat(d->dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
		if (fd < 0)
			return 0;
		dirlist_init(&l);
		walk_dir(fd, rel, 0, &l);
		if (l.n && !e->o->del && !e->o->force) {
			dirlist_free(&l);
			close(fd);
			report_note("cannot delete non-empty directory: %s", rel);
			report_error("could not make way for new %s: %s", kind,
			    rel);
			item_failed(e);
			return -ENOTEMPTY;
		}
		dirlist_free(&l);
		delete_dir_contents(&dopts, fd, rel, &c);
		close(fd);
		return 0;
	}
	if (unlinkat(d->dfd, name, AT_REMOVEDIR) == 0) {
		add(&e->deleted[TY_DIR], 1);
		return 0;
	}
	if (errno != ENOTEMPTY && errno != EEXIST) {
		r = -errno;
		report_dest(e, -r, "cannot remove directory", rel);
		item_failed(e);
		return r;
	}
	if (!e->o->del && !e->o->force) {
		report_note("cannot delete non-empty directory: %s", rel);
		report_error("could not make way for new %s: %s", kind, rel);
		item_failed(e);
		return -ENOTEMPTY;
	}
	fd = openat(d->dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		report_dest(e, -r, "cannot open directory", rel);
		item_failed(e);
		return r;
	}
	/* The contents are reported as deleted; the directory itself is
	 * not, since the new entry takes its place (as rsync prints it). */
	r = delete_dir_contents(&dopts, fd, rel, &c);
	close(fd);
	if (r == 0 && unlinkat(d->dfd, name, AT_REMOVEDIR) < 0) {
		r = -errno;
		report_dest(e, -r, "cannot remove directory", rel);
	}
	add(&e->deleted[TY_REG], c.reg);
	add(&e->deleted[TY_DIR], c.dir + (r == 0));
	add(&e->deleted[TY_LINK], c.link);
	add(&e->deleted[TY_DEV], c.dev);
	add(&e->deleted[TY_SPECIAL], c.special);
	if (r < 0 || c.errors)
		item_failed(e);
	return r;
}

/* --- items handled inline ------------------------------------------------ */

static void count_created(struct engine *e, uint32_t iflags, uint32_t mode)
{
	if (iflags & IT_IS_NEW)
		add(&e->created[type_index(mode)], 1);
}

/* Sets the attributes of an existing, otherwise up-to-date entry. */
static void apply_attrs(struct dnode *d, const char *name, const char *rel,
    const struct ts_entry *src, const struct ts_entry *dst,
    const struct xattr_set *xa)
{
	struct engine *e = d->e;
	struct meta_target m;
	const char *what = NULL;
	int r;

	if (e->o->dry_run || d->dfd < 0)
		return;
	meta_plan(e->o, e->am_root, src, dst, e->umask, &m);
	m.xattrs = xa;
	if (!xa)
		m.xa_which = 0;
	r = meta_apply_at(d->dfd, name, S_ISLNK(src->mode), &m, &what);
	if (r < 0) {
		report_dest(e, -r, what, rel);
		item_failed(e);
	}
}

/* Creates a symlink or a node under a temp name, then renames it over
 * NAME, so that NAME is never missing and never half-made. */
static int make_node(struct dnode *d, const struct srcitem *it,
    const struct ts_entry *dst, const char *target, const char *rel)
{
	struct engine *e = d->e;
	const struct ts_entry *src = it->ent;
	char tmp[NAME_MAX + 1];
	struct meta_target m;
	struct xattr_set xa = { 0 };
	const char *what = "cannot create";
	int r = 0, i;

	if (!copy_temp_enter())
		return -EINTR;
	for (i = 0; i < 100; i++) {
		copy_temp_name(it->name, tmp);
		copy_temp_register(d->dfd, tmp);
		if (S_ISLNK(src->mode))
			r = symlinkat(target, d->dfd, tmp);
		else
			r = mknodat(d->dfd, tmp, src->mode & (S_IFMT | 07777),
			    (dev_t)src->rdev);
		if (r == 0 || errno != EEXIST)
			break;
	}
	copy_temp_leave();
	if (r < 0) {
		r = -errno;
		copy_temp_unregister();
		report_dest(e, -r, what, rel);
		return r;
	}
	meta_plan(e->o, e->am_root, src, dst, e->umask, &m);
	if (e->xa_which && xattr_read(it->sfd, it->src_name, -1, e->xa_which,
	    e->am_root, &xa) == 0)
		m.xattrs = &xa;
	r = meta_apply_at(d->dfd, tmp, S_ISLNK(src->mode), &m, &what);
	xattr_set_free(&xa);
	if (r == 0 && renameat(d->dfd, tmp, d->dfd, it->name) < 0) {
		r = -errno;
		what = "cannot rename into place";
	}
	if (r < 0) {
		unlinkat(d->dfd, tmp, 0);
		report_dest(e, -r, what, rel);
	}
	copy_temp_unregister();
	return r;
}

static void handle_node(struct dnode *d, const struct srcitem *it,
    const struct ts_entry *dst, const struct cmp_out *out,
    const char *target, const char *rel)
{
	struct engine *e = d->e;

	if (out->remove_dst && out->dst_is_dir && d->dfd >= 0 &&
	    remove_dir_in_way(d, it->name, rel,
	    S_ISLNK(it->ent->mode) ? "symlink" : "special file") < 0)
		return;
	if (!e->o->dry_run) {
		if (make_node(d, it, dst, target, rel) < 0) {
			item_failed(e);
			return;
		}
		atomic_store(&d->touched, true);
	}
	count_created(e, out->iflags, it->ent->mode);
	report_item(out->iflags, it->ent->mode, rel, target, NULL);
}

/* --- file tasks ---------------------------------------------------------- */

static void file_task(struct pool_task *t, struct pool_worker *w);

/*
 * Queues a file task on LATER, D's scan's pending list (NULL: straight to
 * the pool, for a caller on another thread than D's scan); returns it
 * (owned by the pool).
 */
static struct ftask *submit_file(struct dnode *d, const struct srcitem *it,
    const struct ts_entry *dst, const struct cmp_out *out, bool checksum,
    struct pending *later)
{
	size_t nl = strlen(it->name) + 1, sl = strlen(it->src_name) + 1;
	size_t dl = strlen(it->disp_name) + 1;
	struct ftask *f = xmalloc(sizeof(*f) + nl + sl + dl);

	memset(f, 0, sizeof(*f));
	f->task.fn = file_task;
	f->dir = d;
	f->sfd = it->sfd;
	f->src_disp = it->src_disp;
	f->src = *it->ent;
	if (dst) {
		f->dst = *dst;
		f->has_dst = true;
	}
	f->need_checksum = checksum;
	if (out) {
		f->iflags = out->iflags;
		f->remove_dir = out->remove_dst && out->dst_is_dir;
	}
	add(&d->e->bytes_todo, it->ent->size);
	memcpy(f->name, it->name, nl);
	f->src_name = memcpy(f->name + nl, it->src_name, sl);
	f->disp_name = memcpy(f->name + nl + sl, it->disp_name, dl);
	atomic_fetch_add(&d->pending, 1);
	if (!later) {
		pool_submit(&d->e->pool, &f->task);
		return f;
	}
	f->task.next = later->files;
	later->files = &f->task;
	return f;
}

/* -c: compares contents, then decides again.  False when nothing more is
 * to be done with the file. */
static bool settle_checksum(struct ftask *f, struct pool_worker *w,
    const char *rel)
{
	struct dnode *d = f->dir;
	struct engine *e = d->e;
	struct hash128 a, b;
	struct cmp_in in = { .src = &f->src, .dst = &f->dst,
		.am_root = e->am_root };
	struct cmp_out out;
	int r;

	r = hash_at(f->sfd, f->src_name, w->buf, POOL_BUF_SIZE, &a);
	if (r < 0) {
		if (r == -ENOENT) {
			add(&e->vanished, 1);
			report_vanished(d->src_disp, f->src_name);
		} else {
			report_errno_at(-r, "cannot read", d->src_disp,
			    f->src_name);
			item_failed(e);
		}
		return false;
	}
	r = hash_at(d->dfd, f->name, w->buf, POOL_BUF_SIZE, &b);
	in.content_differs = r < 0 || a.lo != b.lo || a.hi != b.hi;
	cmp_decide(e->o, &in, &out);
	if (out.action == CMP_ATTRS) {
		struct xattr_set xa = { 0 };
		bool have = e->xa_which && xattr_read(f->sfd, f->src_name, -1,
		    e->xa_which, e->am_root, &xa) == 0;

		apply_attrs(d, f->name, rel, &f->src, &f->dst,
		    have ? &xa : NULL);
		xattr_set_free(&xa);
		report_item(out.iflags, f->src.mode, rel, NULL, NULL);
	}
	f->iflags = out.iflags;
	return out.action == CMP_COPY;
}

static void copy_done(struct ftask *f, const struct copy_result *res,
    const char *rel)
{
	struct engine *e = f->dir->e;
	struct report_xfer x;
	char how[256];
	int m;

	add(&e->reg_transferred, 1);
	add(&e->transferred_size, res->size);
	for (m = 0; m < TS_METHOD_COUNT; m++) {
		if (!res->bytes[m])
			continue;
		add(&e->method_bytes[m], res->bytes[m]);
		add(&e->method_files[m], 1);
	}
	add(&e->reflinked, res->reflinked);
	add(&e->verified, res->verified);
	add(&e->retries, (uint64_t)res->retries);
	count_created(e, f->iflags, f->src.mode);
	atomic_store(&f->dir->touched, true);
	add(&e->entries_done, 1);
	/* The description is only formatted for the outputs that print it. */
	how[0] = '\0';
	if (e->o->verbose >= 2 || e->o->json_items)
		copy_describe(res, how, sizeof(how));
	x.bytes = res->size;
	x.methods = how;
	report_item(f->iflags, f->src.mode, rel, NULL, &x);
	if (e->o->verbose >= 2) {
		char *line;

		/* -vv: which methods moved the bytes, and what fell back. */
		line = xmalloc(strlen(how) + strlen(res->fallbacks) + 32);
		sprintf(line, "%%s: %s%s%s", how,
		    res->fallbacks[0] ? "; fell back: " : "", res->fallbacks);
		report_note(line, rel);
		free(line);
	}
}

static void copy_failed(struct ftask *f, const struct copy_result *res,
    const char *rel)
{
	struct dnode *d = f->dir;
	struct engine *e = d->e;
	const char *w = res->what ? res->what : "cannot copy";

	if (res->vanished) {
		add(&e->vanished, 1);
		report_vanished(f->src_disp, f->src_name);
		return;
	}
	/* Abandoned because of a signal: not an error of its own (the run
	 * ends with exit 20 and one summary line). */
	if (res->err == -EINTR && got_signal)
		return;
	if (strcmp(w, "cannot open") == 0 || strcmp(w, "cannot read") == 0 ||
	    strcmp(w, "cannot stat") == 0 || res->changed) {
		report_errno_at(-res->err, w, f->src_disp, f->src_name);
		source_failed(e);	/* a source I/O error: no deletion */
	} else {
		report_dest(e, -res->err, w, rel);
		item_failed(e);
	}
	if (res->fatal) {
		atomic_store(&e->fatal, true);
		pool_cancel(&e->pool);
	}
}

static void file_task(struct pool_task *t, struct pool_worker *w)
{
	struct ftask *f = container_of(t, struct ftask, task);
	struct dnode *d = f->dir;
	struct engine *e = d->e;
	char *rel = util_path_join(d->rel, f->disp_name);
	struct meta_target m;
	struct copy_result res;
	bool ok = false;
	uint64_t dst_dev = f->dst.dev, dst_ino = f->dst.ino;

	if (pool_cancelled(&e->pool))
		goto done;
	report_set_current(rel);
	if (f->need_checksum && !settle_checksum(f, w, rel)) {
		/* Up to date (or failed): the destination file stands. */
		ok = f->has_dst && S_ISREG(f->dst.mode);
		goto done;
	}
	if (e->o->dry_run) {
		if (f->remove_dir &&
		    remove_dir_in_way(d, f->name, rel, "regular file") < 0)
			goto done;
		add(&e->reg_transferred, 1);
		add(&e->transferred_size, f->src.size);
		count_created(e, f->iflags, f->src.mode);
		report_item(f->iflags, f->src.mode, rel, NULL, NULL);
		ok = true;
		goto done;
	}
	if (f->remove_dir &&
	    remove_dir_in_way(d, f->name, rel, "regular file") < 0)
		goto done;
	meta_plan(e->o, e->am_root, &f->src, f->has_dst ? &f->dst : NULL,
	    e->umask, &m);
	if ((f->has_dst ? copy_file : copy_file_new)(&e->copy, f->sfd,
	    f->src_name, d->dfd, f->name, &m, w->buf, &res) < 0) {
		copy_failed(f, &res, rel);
	} else {
		copy_done(f, &res, rel);
		ok = true;
		dst_dev = res.dst_dev;
		dst_ino = res.dst_ino;
	}
done:
	if (f->hl)
		hl_master_done(e, f->hl, ok, dst_dev, dst_ino);
	free(rel);
	free(f);
	dnode_release(d);
}

/* --- hard links (-H) ---------------------------------------------------- */

static struct hl_entry **hl_bucket(struct engine *e, uint64_t dev,
    uint64_t ino)
{
	uint64_t h = (ino * 0x9e3779b97f4a7c15ull) ^ dev;

	return &e->hl[(h >> 20) & (HL_BUCKETS - 1)];
}

/*
 * Finds the group of SRC's inode, creating it.  Returns the entry and sets
 * *MASTER when the caller's link is the first one seen: it is copied like
 * any file, and the others are linked to it once it is in place.
 */
static struct hl_entry *hl_get(struct engine *e, const struct ts_entry *src,
    const char *rel, bool *master)
{
	struct hl_entry **b, *h;

	pthread_mutex_lock(&e->hl_lock);
	b = hl_bucket(e, src->dev, src->ino);
	for (h = *b; h; h = h->next)
		if (h->dev == src->dev && h->ino == src->ino)
			break;
	*master = h == NULL;
	if (!h) {
		h = xcalloc(1, sizeof(*h));
		h->dev = src->dev;
		h->ino = src->ino;
		h->state = HL_PENDING;
		h->master_rel = xstrdup(rel);
		h->next = *b;
		*b = h;
	}
	pthread_mutex_unlock(&e->hl_lock);
	return h;
}

static void free_hl(struct engine *e)
{
	size_t i;

	if (!e->hl)
		return;
	for (i = 0; i < HL_BUCKETS; i++) {
		struct hl_entry *h = e->hl[i], *next;

		for (; h; h = next) {
			next = h->next;
			free(h->master_rel);
			free(h);
		}
	}
	free(e->hl);
	pthread_mutex_destroy(&e->hl_lock);
}

/* Opens the destination directory holding the master, below the root. */
static int hl_master_dir(struct dnode *d, const char *master_rel,
    const char **base)
{
	const char *slash = strrchr(master_rel, '/');
	char *dir;
	int fd;

	*base = slash ? slash + 1 : master_rel;
	dir = slash ? strndup(master_rel, (size_t)(slash - master_rel)) :
	    xstrdup("");
	if (strcmp(dir, d->rel) == 0) {
		free(dir);
		return fcntl(d->dfd, F_DUPFD_CLOEXEC, 0);
	}
	fd = delete_open_beneath(d->e->plan.dst_fd, dir);
	free(dir);
	return fd;
}

/* Makes NAME in D a hard link to the group's master, atomically. */
static void hl_link(struct dnode *d, const struct hl_entry *h,
    const char *name, const char *disp_name, const struct ts_entry *src,
    const struct ts_entry *dst)
{
	struct engine *e = d->e;
	char *rel = util_path_join(d->rel, disp_name);
	struct cmp_in in = { .src = src, .dst = dst, .am_root = e->am_root };
	struct cmp_out out;
	char tmp[NAME_MAX + 1];
	const char *base;
	uint32_t iflags;
	int mfd, r = 0;

	if (dst && S_ISREG(dst->mode) && dst->ino == h->dst_ino &&
	    dst->dev == h->dst_dev)
		goto out;	/* already a link to it: nothing to do */
	cmp_decide(e->o, &in, &out);
	iflags = IT_LOCAL_CHANGE | IT_HARDLINK |
	    ((dst && S_ISREG(dst->mode)) ? (out.iflags & IT_REPORT_ANY) :
	    IT_IS_NEW);
	if (!e->o->dry_run) {
		if (dst && S_ISDIR(dst->mode) &&
		    remove_dir_in_way(d, name, rel, "regular file") < 0)
			goto out;
		mfd = hl_master_dir(d, h->master_rel, &base);
		if (mfd < 0) {
			report_dest(e, -mfd, "cannot open the directory of",
			    h->master_rel);
			item_failed(e);
			goto out;
		}
		copy_temp_name(name, tmp);
		if (!copy_temp_enter()) {
			close(mfd);
			goto out;
		}
		copy_temp_register(d->dfd, tmp);
		r = linkat(mfd, base, d->dfd, tmp, 0) < 0 ? -errno : 0;
		copy_temp_leave();
		if (r == 0 && renameat(d->dfd, tmp, d->dfd, name) < 0)
			r = -errno;
		unlinkat(d->dfd, tmp, 0);	/* only left if rename failed */
		copy_temp_unregister();
		close(mfd);
		if (r < 0) {
			report_dest(e, -r, "cannot hard-link", rel);
			item_failed(e);
			goto out;
		}
		atomic_store(&d->touched, true);
	}
	if (iflags & IT_IS_NEW)
		add(&e->created[TY_REG], 1);
	report_item(iflags, S_IFREG, rel, h->master_rel, NULL);
out:
	free(rel);
}

static void hl_waiter_run(struct engine *e, struct hl_entry *h,
    struct hl_waiter *w);

/* The master is in place (or failed): link (or copy) everyone waiting. */
static void hl_master_done(struct engine *e, struct hl_entry *h, bool ok,
    uint64_t dst_dev, uint64_t dst_ino)
{
	struct hl_waiter *w, *next;

	pthread_mutex_lock(&e->hl_lock);
	h->state = ok ? HL_DONE : HL_FAILED;
	h->dst_dev = dst_dev;
	h->dst_ino = dst_ino;
	w = h->waiters;
	h->waiters = NULL;
	pthread_mutex_unlock(&e->hl_lock);
	for (; w; w = next) {
		next = w->next;
		hl_waiter_run(e, h, w);
	}
}

static struct ftask *submit_file(struct dnode *d, const struct srcitem *it,
    const struct ts_entry *dst, const struct cmp_out *out, bool checksum,
    struct pending *later);

static void hl_waiter_run(struct engine *e, struct hl_entry *h,
    struct hl_waiter *w)
{
	struct dnode *d = w->dir;

	(void)e;
	if (h->state == HL_DONE) {
		hl_link(d, h, w->name, w->disp_name, &w->src,
		    w->has_dst ? &w->dst : NULL);
	} else {
		/* The master could not be copied: this link gets its own
		 * copy rather than nothing. */
		struct srcitem it = { .ent = &w->src, .sfd = w->sfd,
			.src_name = w->src_name, .name = w->name,
			.disp_name = w->disp_name, .src_disp = d->src_disp };
		struct cmp_out out = { .action = CMP_COPY,
			.iflags = IT_TRANSFER | IT_IS_NEW };

		/* From another thread than D's scan: submitted directly. */
		submit_file(d, &it, w->has_dst ? &w->dst : NULL, &out, false,
		    NULL);
	}
	free(w->name);
	free(w->src_name);
	free(w->disp_name);
	free(w);
	dnode_release(d);
}

/*
 * A link that is not its group's first: linked at once if the master is
 * in place, else queued on the group (holding a reference on D).
 */
static void hl_follow(struct dnode *d, struct hl_entry *h,
    const struct srcitem *it, const struct ts_entry *dst)
{
	struct engine *e = d->e;
	struct hl_waiter *w;

	pthread_mutex_lock(&e->hl_lock);
	if (h->state == HL_PENDING) {
		w = xcalloc(1, sizeof(*w));
		w->dir = d;
		w->src = *it->ent;
		if (dst) {
			w->dst = *dst;
			w->has_dst = true;
		}
		w->sfd = it->sfd;
		w->name = xstrdup(it->name);
		w->src_name = xstrdup(it->src_name);
		w->disp_name = xstrdup(it->disp_name);
		atomic_fetch_add(&d->pending, 1);
		w->next = h->waiters;
		h->waiters = w;
		pthread_mutex_unlock(&e->hl_lock);
		return;
	}
	pthread_mutex_unlock(&e->hl_lock);
	if (h->state == HL_DONE) {
		hl_link(d, h, it->name, it->disp_name, it->ent, dst);
	} else {
		struct cmp_out out = { .action = CMP_COPY,
			.iflags = IT_TRANSFER | IT_IS_NEW };

		submit_file(d, it, dst, &out, false, d->later);
	}
}

/* --- deciding one item --------------------------------------------------- */

static void count_source(struct engine *e, const struct ts_entry *src)
{
	add(&e->files[type_index(src->mode)], 1);
	/* rsync's "Total file size" counts symlink target lengths too. */
	if (S_ISREG(src->mode) || S_ISLNK(src->mode))
		add(&e->total_size, src->size);
}

static void submit_dir(struct dnode *d, const struct srcitem *it,
    const struct ts_entry *dst, const struct cmp_out *out, const char *rel)
{
	struct engine *e = d->e;
	struct dnode *c = dnode_new(e, d);

	c->src_parent_fd = it->sfd;
	c->src_name = xstrdup(it->src_name);
	c->name = xstrdup(it->name);
	c->rel = xstrdup(rel);
	c->src_disp = util_path_join(it->src_disp, it->src_name);
	c->src = *it->ent;
	c->dev_limit = it->dev_limit;
	c->create = out->action == CMP_MKDIR;
	c->remove_dst = c->create && dst != NULL;
	c->attrs_differ = (out->iflags & IT_REPORT_ANY) != 0;
	c->no_descend = (e->o->one_fs && it->ent->dev != it->dev_limit) ||
	    it->child_stop;
	c->sel = it->child_sel;
	c->parent_layer = it->layer ? filter_layer_ref(it->layer) : NULL;
	if (dst && !c->remove_dst) {
		c->dst = *dst;
		c->has_dst = true;
	}
	c->apply_meta = !e->o->dry_run;
	meta_plan(e->o, e->am_root, &c->src, c->has_dst ? &c->dst : NULL,
	    e->umask, &c->meta);
	if (c->create)
		count_created(e, out->iflags, S_IFDIR);
	if (out->iflags & (IT_REPORT_ANY | IT_IS_NEW | IT_LOCAL_CHANGE))
		report_item(out->iflags, S_IFDIR, rel, NULL, NULL);
	c->task.next = d->later->dirs;
	d->later->dirs = &c->task;
}

/* -X/-A: compares the two sides' attributes into IN's differs flags;
 * *SXA receives the source's (for applying). */
static void compare_xattrs(struct dnode *d, const struct srcitem *it,
    struct cmp_in *in, struct xattr_set *sxa)
{
	struct engine *e = d->e;
	struct xattr_set dxa = { 0 };
	size_t i;

	if (xattr_read(it->sfd, it->src_name, -1, e->xa_which, e->am_root,
	    sxa) < 0 ||
	    xattr_read(d->dfd, it->name, -1, e->xa_which, e->am_root, &dxa) < 0) {
		xattr_set_free(&dxa);
		return;
	}
	if (!xattr_equal(sxa, &dxa)) {
		/* Which kind differs decides the column ('a' or 'x'). */
		struct xattr_set *sets[2] = { sxa, &dxa };
		int k;

		for (k = 0; k < 2; k++)
			for (i = 0; i < sets[k]->n; i++) {
				bool acl = strncmp(sets[k]->names[i],
				    "system.posix_acl_", 17) == 0;
				size_t j;
				bool same = false;
				struct xattr_set *other = sets[1 - k];

				for (j = 0; j < other->n; j++)
					if (strcmp(other->names[j],
					    sets[k]->names[i]) == 0)
						same = other->lens[j] ==
						    sets[k]->lens[i] &&
						    memcmp(other->values[j],
						    sets[k]->values[i],
						    other->lens[j]) == 0;
				if (!same) {
					if (acl)
						in->acl_differs = true;
					else
						in->xattr_differs = true;
				}
			}
	}
	xattr_set_free(&dxa);
}

/* The item's path below the destination root, made once when needed. */
static const char *item_rel(const struct dnode *d, const struct srcitem *it,
    char **rel)
{
	if (!*rel)
		*rel = util_path_join(d->rel, it->disp_name);
	return *rel;
}

static void handle_item(struct dnode *d, const struct srcitem *it,
    const struct ts_entry *dst)
{
	struct engine *e = d->e;
	const struct ts_options *o = e->o;
	const struct ts_entry *src = it->ent;
	char *rel = NULL;	/* built on first use: most items need none */
	char *starget = NULL, *dtarget = NULL;
	struct cmp_in in = { .src = src, .dst = dst, .content_differs = -1,
		.am_root = e->am_root };
	struct cmp_out out;
	struct hl_entry *hl = NULL;
	struct xattr_set sxa = { 0 };
	bool have_sxa = false;

	count_source(e, src);
	if (S_ISREG(src->mode) &&
	    (src->size < o->min_size || src->size > o->max_size)) {
		if (o->verbose >= 2)
			report_note(src->size > o->max_size ?
			    "%s is over max-size" : "%s is under min-size",
			    item_rel(d, it, &rel));
		add(&e->entries_done, 1);
		goto out;
	}
	if (S_ISLNK(src->mode) && o->links) {
		starget = read_link(it->sfd, it->src_name);
		if (!starget) {
			if (errno == ENOENT) {
				add(&e->vanished, 1);
				report_vanished(it->src_disp, it->src_name);
			} else {
				report_errno_at(errno, "cannot read symlink",
				    it->src_disp, it->src_name);
				source_failed(e);
			}
			goto out;
		}
		if (dst && S_ISLNK(dst->mode) && d->dfd >= 0)
			dtarget = read_link(d->dfd, it->name);
	}
	in.src_target = starget;
	in.dst_target = dtarget;
	if (e->hl && S_ISREG(src->mode) && src->nlink > 1) {
		char *mrel = util_path_join(d->rel, it->name);
		bool master;

		hl = hl_get(e, src, mrel, &master);
		free(mrel);
		if (!master) {
			hl_follow(d, hl, it, dst);
			add(&e->entries_done, 1);
			goto out;
		}
	}
	if (cmp_needs_checksum(o, src, dst) && d->dfd >= 0) {
		submit_file(d, it, dst, NULL, true, d->later)->hl = hl;
		goto out;
	}
	if (e->xa_which && dst && d->dfd >= 0 &&
	    (dst->mode & S_IFMT) == (src->mode & S_IFMT)) {
		compare_xattrs(d, it, &in, &sxa);
		have_sxa = true;
	}
	cmp_decide(o, &in, &out);
	switch (out.action) {
	case CMP_NONE:
	case CMP_SKIP:
		break;
	case CMP_SKIP_TYPE:
		report_note("skipping non-regular file \"%s\"", item_rel(d, it, &rel));
		break;
	case CMP_SKIP_DIR:
		report_note("skipping directory %s", item_rel(d, it, &rel));
		break;
	case CMP_ATTRS:
		apply_attrs(d, it->name, item_rel(d, it, &rel), src, dst,
		    have_sxa ? &sxa : NULL);
		report_item(out.iflags, src->mode, item_rel(d, it, &rel), starget, NULL);
		break;
	case CMP_COPY:
		submit_file(d, it, dst, &out, false, d->later)->hl = hl;
		goto out;	/* counted done when copied */
	case CMP_MKDIR:
	case CMP_DIR:
		submit_dir(d, it, dst, &out, item_rel(d, it, &rel));
		break;
	case CMP_SYMLINK:
	case CMP_MKNOD:
		handle_node(d, it, dst, &out, starget, item_rel(d, it, &rel));
		break;
	}
	/* A master that needed no copy: its destination file stands. */
	if (hl)
		hl_master_done(e, hl, dst && S_ISREG(dst->mode),
		    dst ? dst->dev : 0, dst ? dst->ino : 0);
	add(&e->entries_done, 1);
out:
	xattr_set_free(&sxa);
	free(starget);
	free(dtarget);
	free(rel);
}

/* --- directory scans ----------------------------------------------------- */

/* Remembers the extraneous entries of D for the deletion pass. */
static void record_extraneous(struct dnode *d, const struct ts_entry **ex,
    size_t n)
{
	struct engine *e = d->e;
	struct del_group *g;
	size_t i;

	if (n == 0)
		return;
	g = xcalloc(1, sizeof(*g));
	g->rel = xstrdup(d->rel);
	g->layer = d->layer ? filter_layer_ref(d->layer) : NULL;
	g->meta = d->meta;
	g->n = n;
	g->names = xcalloc(n, sizeof(*g->names));
	g->modes = xcalloc(n, sizeof(*g->modes));
	for (i = 0; i < n; i++) {
		g->names[i] = xstrdup(ex[i]->name);
		g->modes[i] = ex[i]->mode;
	}
	pthread_mutex_lock(&e->del_lock);
	g->next = e->groups;
	e->groups = g;
	pthread_mutex_unlock(&e->del_lock);
}

/* --chmod and --chown change what the source is said to be. */
static void adjust_source(const struct ts_options *o, struct ts_entry *en)
{
	if (o->chmod)
		en->mode = chmod_apply(o->chmod, en->mode);
	if (o->chown_uid >= 0)
		en->uid = (uint32_t)o->chown_uid;
	if (o->chown_gid >= 0)
		en->gid = (uint32_t)o->chown_gid;
}

static int cmp_items(const void *a, const void *b)
{
	const struct srcitem *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c)
		return c;
	return x->order < y->order ? -1 : x->order > y->order;
}

/*
 * Merge-joins the sorted source items with the sorted destination listing:
 * each source item is decided, each destination-only name is extraneous.
 */
/* --- filters ------------------------------------------------------------ */

/* Reads a per-directory merge file for filter_layer_push(). */
static int read_rule_file(void *arg, const char *path, bool in_dir,
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
static bool pushed(struct engine *e, int r, char *err)
{
	if (r == 0)
		return true;
	report_error("%s", err ? err : "cannot read filter rules");
	free(err);
	if (r == -EINVAL) {
		e->bad_rules = true;
		pool_cancel(&e->pool);
	} else {
		source_failed(e);
	}
	return false;
}

/* Enters D's directory in the filter rules (reads its merge files). */
static bool push_layer(struct dnode *d)
{
	struct engine *e = d->e;
	struct filter_reader rd = { read_rule_file, &d->sfd };
	char *err = NULL;
	int r;

	if (!d->parent_layer)
		return true;
	r = filter_layer_push(d->parent_layer, d->rel, &rd, &d->layer, &err);
	return pushed(e, r, err);
}

/* Sender side: is the source item left out of the transfer? */
static bool filtered_out(const struct srcitem *it, const char *rel)
{
	return it->layer && filter_excluded(it->layer, rel,
	    S_ISDIR(it->ent->mode) ? FILTER_DIR : 0);
}

/* Receiver side: is a destination entry protected from deletion? */
static bool protected_entry(const struct engine *e,
    const struct filter_layer *l, const char *rel, bool is_dir, bool inside)
{
	unsigned fl = FILTER_RECEIVER | (is_dir ? FILTER_DIR : 0) |
	    (e->o->delete_excluded ? FILTER_DELETE_EXCLUDED : 0) |
	    (inside ? FILTER_PERISHING : 0);

	return l && filter_excluded(l, rel, fl);
}

struct protect_arg {
	const struct engine *e;
	const struct filter_layer *layer;
};

static bool protect_inside(void *arg, const char *relpath, bool is_dir)
{
	const struct protect_arg *p = arg;

	return protected_entry(p->e, p->layer, relpath, is_dir, true);
}

/* --files-from: the index of PATH in the list, or -1. */
static long list_find(const struct engine *e, const char *path)
{
	size_t lo = 0, hi = e->nlist;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(path, e->list[mid]);

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
static bool list_has_below(const struct engine *e, const char *path)
{
	size_t n = strlen(path), lo = 0, hi = e->nlist;

	if (n == 0)
		return e->nlist > 0;
	while (lo < hi) {	/* first entry >= "PATH/" */
		size_t mid = lo + (hi - lo) / 2;
		int c = strncmp(e->list[mid], path, n);

		if (c < 0 || (c == 0 && e->list[mid][n] < '/'))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < e->nlist && strncmp(e->list[lo], path, n) == 0 &&
	    e->list[lo][n] == '/';
}

/*
 * Decides whether a source item of D takes part, and how much below it:
 * in a partly selected directory only listed paths (descended with -r)
 * and the directories leading to them are; elsewhere everything is, and
 * without -r (-d) directories are created but not read.
 */
static bool select_item(struct dnode *d, struct srcitem *it)
{
	struct engine *e = d->e;
	char *path;
	long idx;

	it->child_sel = SEL_ALL;
	it->child_stop = !e->recurse;
	if (d->sel == SEL_ALL)
		return true;
	path = util_path_join(d->rel, it->name);
	idx = list_find(e, path);
	if (idx >= 0) {
		atomic_store(&e->listed_seen[idx], true);
		free(path);
		return true;
	}
	if (S_ISDIR(it->ent->mode) && list_has_below(e, path)) {
		it->child_sel = SEL_PARTIAL;
		it->child_stop = false;
		free(path);
		return true;
	}
	free(path);
	return false;
}

/* Reports the listed paths that were never met (exit 23, no delete). */
static void report_unlisted(struct engine *e)
{
	size_t i;

	for (i = 0; i < e->nlist; i++) {
		if (atomic_load(&e->listed_seen[i]) || !*e->list[i])
			continue;
		report_errno(ENOENT, "cannot stat listed source", e->list[i]);
		source_failed(e);
	}
}

/* An extraneous destination entry kept by a receiver-side rule. */
static bool protected_dest(struct dnode *d, const struct ts_entry *en)
{
	char *rel;
	bool keep;

	if (!d->layer)
		return false;
	rel = util_path_join(d->rel, en->name);
	keep = protected_entry(d->e, d->layer, rel, S_ISDIR(en->mode), false);
	free(rel);
	return keep;
}

static void submit_list(struct pool *p, struct pool_task *t)
{
	while (t) {
		struct pool_task *next = t->next;

		pool_submit(p, t);
		t = next;
	}
}

/* Runs a batch of file tasks, one after the other, on one worker. */
static void batch_task(struct pool_task *t, struct pool_worker *w)
{
	struct ftask *f = container_of(t, struct ftask, task);

	while (f) {
		struct ftask *next = f->batch_next;

		file_task(&f->task, w);	/* frees f */
		f = next;
	}
}

/*
 * Submits a directory's file tasks in batches: small files are cheap and
 * share their directory's locks, so one worker takes several of them
 * while the others go to other directories.  A batch holds at most
 * BATCH_FILES files (fewer on a network file system, where requests in
 * flight matter more) and about BATCH_BYTES of data.
 */
#define BATCH_BYTES (8u << 20)

static void submit_files(struct engine *e, struct pool_task *t)
{
	unsigned max = e->plan.network_fs ? 4 : 32;

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
		pool_submit(&e->pool, &head->task);
	}
}

static void join(struct dnode *d, struct srcitem *items, size_t ni,
    const struct dirlist *dl, bool find_extraneous)
{
	struct engine *e = d->e;
	const struct ts_entry **ex = NULL;
	size_t i = 0, j = 0, nex = 0;
	struct pending later = { NULL, NULL };

	d->later = &later;

	/* Deletion needs the whole source directory: not in a partial one. */
	if (d->sel == SEL_PARTIAL)
		find_extraneous = false;
	if (find_extraneous && dl->n)
		ex = xcalloc(dl->n, sizeof(*ex));
	while (i < ni || j < dl->n) {
		int c;

		if (pool_cancelled(&e->pool))
			break;
		if (i < ni && i > 0 && strcmp(items[i].name,
		    items[i - 1].name) == 0) {
			i++;	/* the same name from a later operand */
			continue;
		}
		if (i == ni)
			c = 1;
		else if (j == dl->n)
			c = -1;
		else
			c = strcmp(items[i].name, dl->ents[j].name);
		if (c <= 0 && !select_item(d, &items[i])) {
			i++;	/* not selected: neither sent nor extraneous */
			if (c == 0)
				j++;
			continue;
		}
		if (c <= 0 && items[i].layer) {
			char *rel = util_path_join(d->rel, items[i].name);
			bool out = filtered_out(&items[i], rel);

			free(rel);
			if (out) {
				/* Excluded: not sent; a destination entry of
				 * that name is judged like an extraneous one
				 * (protected unless --delete-excluded). */
				i++;
				if (c == 0)
					c = 1;
				else
					continue;
			}
		}
		if (c < 0) {
			handle_item(d, &items[i++], NULL);
		} else if (c == 0) {
			handle_item(d, &items[i++], &dl->ents[j++]);
		} else {
			if (ex && !protected_dest(d, &dl->ents[j]))
				ex[nex++] = &dl->ents[j];
			j++;
		}
	}
	if (ex && !pool_cancelled(&e->pool))
		record_extraneous(d, ex, nex);
	free(ex);
	/* LIFO: files pushed last run first, before the subdirectories. */
	submit_list(&e->pool, later.dirs);
	submit_files(e, later.files);
	d->later = NULL;
}

/* Opens (or creates) the destination directory of a non-root node. */
static bool open_dest_dir(struct dnode *d)
{
	struct engine *e = d->e;
	int pfd = d->parent->dfd;

	if (e->o->dry_run) {
		if (!d->create && pfd >= 0)
			d->dfd = openat(pfd, d->name,
			    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		return true;
	}
	if (d->remove_dst && unlinkat(pfd, d->name, 0) < 0 && errno != ENOENT) {
		report_dest(e, errno, "cannot remove", d->rel);
		item_failed(e);
		return false;
	}
	if (d->create) {
		if (mkdirat(pfd, d->name, 0700) < 0 && errno != EEXIST) {
			report_dest(e, errno, "cannot create directory", d->rel);
			item_failed(e);
			if (errno == ENOSPC || errno == EDQUOT || errno == EROFS) {
				atomic_store(&e->fatal, true);
				pool_cancel(&e->pool);
			}
			return false;
		}
		atomic_store(&d->parent->touched, true);
	}
	d->dfd = openat(pfd, d->name,
	    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (d->dfd < 0) {
		/* ELOOP/ENOTDIR: something not a directory was planted. */
		report_dest(e, errno, "cannot open directory", d->rel);
		item_failed(e);
		return false;
	}
	return true;
}

/*
 * Temp files of a killed run are debris: removed (and never listed, so
 * never treated as destination entries).  Only treesync's own names
 * match; other dot-files are data.  Runs on one destination at the same
 * time must be serialised (--lock): this would take the other's temps.
 */
static void sweep_temps(struct dnode *d, struct dirlist *dl)
{
	struct engine *e = d->e;
	size_t i, o = 0;

	for (i = 0; i < dl->n; i++) {
		const struct ts_entry *en = &dl->ents[i];

		if (S_ISREG(en->mode) && copy_is_temp_name(en->name)) {
			if (!e->o->dry_run &&
			    unlinkat(d->dfd, en->name, 0) == 0) {
				add(&e->stale_temps, 1);
				if (e->o->verbose >= 2) {
					char *rel = util_path_join(d->rel,
					    en->name);

					report_note("removed stale temp file %s",
					    rel);
					free(rel);
				}
			}
			continue;
		}
		dl->ents[o++] = *en;
	}
	dl->n = o;
}

static bool read_dest(struct dnode *d, struct dirlist *dl)
{
	struct engine *e = d->e;
	struct walk_result wr;
	char *disp;

	if (d->dfd < 0)
		return true;
	disp = dest_path(e, d->rel);
	wr = walk_dir(d->dfd, disp, e->need, dl);
	if (wr.err)
		report_errno(-wr.err, "cannot read directory", disp);
	free(disp);
	if (!wr.err)
		sweep_temps(d, dl);
	add(&e->dst_entries, dl->n);
	if (wr.err || wr.stat_errors) {
		item_failed(e);
		return false;
	}
	return true;
}

static void scan_dir(struct dnode *d)
{
	struct engine *e = d->e;
	struct dirlist sl, dl;
	struct walk_result wr;
	struct srcitem *items = NULL;
	size_t i;
	bool dest_ok;

	d->sfd = openat(d->src_parent_fd, d->src_name,
	    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (d->sfd < 0) {
		if (errno == ENOENT) {
			add(&e->vanished, 1);
			report_vanished("", d->src_disp);
		} else {
			report_errno(errno, "cannot open directory",
			    d->src_disp);
		}
		source_failed(e);
		d->apply_meta = false;
		return;
	}
	if (!open_dest_dir(d)) {
		d->apply_meta = false;
		return;
	}
	if (d->no_descend)
		return;
	if (!push_layer(d)) {
		d->apply_meta = false;
		return;
	}

	dirlist_init(&sl);
	dirlist_init(&dl);
	wr = walk_dir(d->sfd, d->src_disp, e->need, &sl);
	add(&e->vanished, wr.vanished);
	if (wr.err || wr.stat_errors) {
		if (wr.err)
			report_errno(-wr.err, "cannot read directory",
			    d->src_disp);
		source_failed(e);
	}
	dest_ok = read_dest(d, &dl);
	if (!wr.err) {
		items = xcalloc(sl.n ? sl.n : 1, sizeof(*items));
		for (i = 0; i < sl.n; i++) {
			adjust_source(e->o, &sl.ents[i]);
			items[i].ent = &sl.ents[i];
			items[i].sfd = d->sfd;
			items[i].src_name = items[i].name =
			    items[i].disp_name = sl.ents[i].name;
			items[i].src_disp = d->src_disp;
			items[i].dev_limit = d->dev_limit;
			items[i].order = i;
			items[i].layer = d->layer;
		}
		/* Extraneous names are only known when both listings are. */
		join(d, items, sl.n, &dl, e->o->del && dest_ok &&
		    !wr.stat_errors);
	}
	free(items);
	dirlist_free(&sl);
	dirlist_free(&dl);
}

static void scan_task(struct pool_task *t, struct pool_worker *w)
{
	struct dnode *d = container_of(t, struct dnode, task);

	(void)w;
	if (!pool_cancelled(&d->e->pool)) {
		if (d->is_root)
			scan_root(d);
		else
			scan_dir(d);
	}
	dnode_release(d);
}

/* --- the root ------------------------------------------------------------ */

/*
 * The root merges every operand: the contents of each "dir/" operand and
 * each other operand as one entry.  Its items carry their own source fd.
 */
/*
 * The filter layers of operand S: *TOP for the operand itself (rsync tests
 * "src" against the global rules), *INSIDE for the entries of a "dir/"
 * operand (its merge files read).  References owned by the caller.
 */
static bool operand_layers(struct engine *e, struct plan_src *s,
    struct filter_layer **top, struct filter_layer **inside)
{
	char *abs, *dir;
	int fd = s->fd;

	*top = *inside = NULL;
	if (!e->o->filters)
		return true;
	dir = s->contents ? xstrdup(s->operand) : NULL;
	if (!dir) {
		const char *slash = strrchr(s->operand, '/');

		dir = slash ? strndup(s->operand,
		    (size_t)(slash - s->operand) + (slash == s->operand)) :
		    xstrdup(".");
	}
	abs = realpath(dir, NULL);
	free(dir);
	*top = filter_layer_root(e->o->filters, abs ? abs : "/");
	free(abs);
	if (s->contents) {
		struct filter_reader rd = { read_rule_file, &fd };
		char *err = NULL;

		return pushed(e, filter_layer_push(*top, "", &rd, inside, &err),
		    err);
	}
	return true;
}

static void scan_root(struct dnode *root)
{
	struct engine *e = root->e;
	struct plan *p = &e->plan;
	struct dirlist *lists = xcalloc(p->nsrcs, sizeof(*lists));
	struct filter_layer **layers = xcalloc(2 * p->nsrcs + 1,
	    sizeof(*layers));
	struct dirlist dl;
	struct srcitem *items = NULL;
	size_t ni = 0, cap = 0, i, k;
	bool complete = true, dest_ok = true;

	dirlist_init(&dl);
	for (i = 0; i < p->nsrcs; i++) {
		struct plan_src *s = &p->srcs[i];
		size_t nadd = 1;

		dirlist_init(&lists[i]);
		if (s->contents && root->skip_contents)
			continue;
		if (!operand_layers(e, s, &layers[2 * i], &layers[2 * i + 1]))
			continue;
		if (s->contents && !root->layer && layers[2 * i + 1])
			root->layer = filter_layer_ref(layers[2 * i + 1]);
		if (s->contents) {
			struct walk_result wr = walk_dir(s->fd, s->operand,
			    e->need, &lists[i]);

			add(&e->vanished, wr.vanished);
			if (wr.err || wr.stat_errors) {
				if (wr.err)
					report_errno(-wr.err,
					    "cannot read directory", s->operand);
				source_failed(e);
				complete = false;
				if (wr.err)
					continue;
			}
			nadd = lists[i].n;
		}
		if (ni + nadd > cap) {
			cap = (ni + nadd) * 2;
			items = xrealloc(items, cap * sizeof(*items));
		}
		if (!s->contents) {
			s->st.name = s->name;
			adjust_source(e->o, &s->st);
			items[ni] = (struct srcitem){ .ent = &s->st,
				.sfd = s->fd, .src_name = s->name,
				.name = p->single_name ? p->single_name : s->name,
				.disp_name = s->name, .src_disp = "",
				.dev_limit = s->st.dev, .order = ni,
				.layer = layers[2 * i] };
			/* Messages name the operand as the user typed it. */
			items[ni].src_disp = "";
			ni++;
			continue;
		}
		for (k = 0; k < lists[i].n; k++) {
			struct ts_entry *en = &lists[i].ents[k];

			adjust_source(e->o, en);
			items[ni] = (struct srcitem){ .ent = en, .sfd = s->fd,
				.src_name = en->name, .name = en->name,
				.disp_name = en->name, .src_disp = s->operand,
				.dev_limit = s->st.dev, .order = ni,
				.layer = layers[2 * i + 1] };
			ni++;
		}
	}
	if (ni > 1)
		qsort(items, ni, sizeof(*items), cmp_items);

	if (root->dfd >= 0 && p->any_contents)
		dest_ok = read_dest(root, &dl);
	if (p->any_contents && e->o->del && complete && ni == 0 && dl.n > 0 &&
	    !e->o->allow_empty_source) {
		/* Probably an unmounted source: leave DEST wholly alone. */
		e->refuse_delete = true;
		root->apply_meta = false;
	}

	if (p->any_contents || root->dfd < 0) {
		join(root, items, ni, &dl,
		    p->any_contents && e->o->del && dest_ok && complete);
	} else {
		/* Only named entries: look each one up, list nothing. */
		struct pending later = { NULL, NULL };

		root->later = &later;
		for (i = 0; i < ni && !pool_cancelled(&e->pool); i++) {
			struct ts_entry de;

			if (i > 0 && strcmp(items[i].name, items[i - 1].name) == 0)
				continue;
			if (!select_item(root, &items[i]) ||
			    filtered_out(&items[i], items[i].name))
				continue;
			if (walk_stat(root->dfd, items[i].name, false, &de) == 0) {
				de.name = items[i].name;
				handle_item(root, &items[i], &de);
			} else {
				handle_item(root, &items[i], NULL);
			}
		}
		submit_list(&e->pool, later.dirs);
		submit_files(e, later.files);
		root->later = NULL;
	}
	for (i = 0; i < p->nsrcs; i++) {
		dirlist_free(&lists[i]);
		filter_layer_unref(layers[2 * i]);
		filter_layer_unref(layers[2 * i + 1]);
	}
	free(layers);
	free(lists);
	free(items);
	dirlist_free(&dl);
}

/*
 * --files-from: rsync sends the root "." only as the implied parent of a
 * listed path that exists and has a directory component.
 */
static bool list_sends_root(struct engine *e, int sfd)
{
	struct ts_entry st;
	size_t i;

	for (i = 0; i < e->nlist; i++)
		if ((strchr(e->list[i], '/') || !*e->list[i]) &&
		    walk_stat(sfd, *e->list[i] ? e->list[i] : "", false, &st) == 0)
			return true;
	return false;
}

/* Builds the root node: the destination directory itself. */
static struct dnode *make_root(struct engine *e)
{
	struct plan *p = &e->plan;
	struct dnode *root = dnode_new(e, NULL);
	size_t i;

	root->is_root = true;
	/* --files-from: only listed paths, unless the list names the root
	 * itself ("." in the list) and -r is on. */
	if (e->list && !(list_find(e, "") >= 0 && e->recurse))
		root->sel = SEL_PARTIAL;
	root->rel = xstrdup("");
	root->src_disp = xstrdup("");
	root->dfd = p->dst_fd;
	if (root->dfd >= 0 && walk_stat(root->dfd, "", false, &root->dst) == 0)
		root->has_dst = true;
	/* The root is an item of the transfer when a "dir/" operand names
	 * it: its attributes come from the first such operand. */
	for (i = 0; i < p->nsrcs; i++) {
		struct cmp_in in = { .am_root = e->am_root };
		struct cmp_out out;

		if (!p->srcs[i].contents)
			continue;
		if (e->list && !list_sends_root(e, p->srcs[i].fd)) {
			root->sfd = p->srcs[i].fd;
			break;
		}
		if (!e->o->recursive) {
			/* "dir/" without -r names the directory "." only. */
			report_info("skipping directory .");
			root->skip_contents = true;
			break;
		}
		root->src = p->srcs[i].st;
		adjust_source(e->o, &root->src);
		root->sfd = p->srcs[i].fd;	/* borrowed from the plan */
		in.src = &root->src;
		in.dst = root->has_dst && !p->dst_new ? &root->dst : NULL;
		cmp_decide(e->o, &in, &out);
		add(&e->files[TY_DIR], 1);
		add(&e->entries_done, 1);
		if (out.action != CMP_MKDIR && out.action != CMP_DIR)
			break;
		root->attrs_differ = (out.iflags & IT_REPORT_ANY) != 0;
		root->create = p->dst_new;
		root->apply_meta = !e->o->dry_run;
		meta_plan(e->o, e->am_root, &root->src, in.dst, e->umask,
		    &root->meta);
		if (out.iflags & (IT_REPORT_ANY | IT_IS_NEW))
			report_item(out.iflags, S_IFDIR, ".", NULL, NULL);
		if (p->dst_new)
			add(&e->created[TY_DIR], 1);
		break;
	}
	return root;
}

/* --- deletion ------------------------------------------------------------ */

static int cmp_groups(const void *a, const void *b)
{
	const struct del_group *const *x = a, *const *y = b;

	return strcmp((*x)->rel, (*y)->rel);
}

static void free_groups(struct engine *e)
{
	struct del_group *g, *next;
	size_t i;

	for (g = e->groups; g; g = next) {
		next = g->next;
		for (i = 0; i < g->n; i++)
			free(g->names[i]);
		free(g->names);
		free(g->modes);
		filter_layer_unref(g->layer);
		free(g->rel);
		free(g);
	}
	e->groups = NULL;
}

static void delete_group(struct engine *e, struct del_group *g,
    struct del_counts *c)
{
	struct protect_arg pa = { e, g->layer };
	struct del_opts dopts = { .dry_run = e->o->dry_run,
		.one_fs = e->o->one_fs, .protect = g->layer ? protect_inside :
		NULL, .protect_arg = &pa };
	const char *what = NULL;
	size_t i;
	int fd = delete_open_beneath(e->plan.dst_fd, g->rel);

	if (fd < 0) {
		report_dest(e, -fd, "cannot open directory for deletion",
		    g->rel);
		c->errors++;
		return;
	}
	for (i = 0; i < g->n; i++) {
		char *rel = util_path_join(g->rel, g->names[i]);

		delete_entry(&dopts, fd, g->names[i], rel, g->modes[i], c);
		free(rel);
	}
	/* Removing entries bumped the directory's mtime: restore it. */
	if (!e->o->dry_run && g->meta.set_times) {
		struct meta_target m = { .set_times = true,
			.mtime = g->meta.mtime };

		if (meta_apply_fd(fd, &m, &what) < 0) {
			report_dest(e, errno, what, g->rel);
			c->errors++;
		}
	}
	if (!e->o->dry_run && e->o->fsync && fsync(fd) < 0) {
		report_dest(e, errno, "cannot fsync directory", g->rel);
		c->errors++;
	}
	close(fd);
}

/* Counts what the groups would delete, reading extraneous directories. */
static uint64_t count_deletions(struct engine *e, struct del_group **v,
    size_t n)
{
	struct protect_arg pa = { e, NULL };
	struct del_opts dopts = { .dry_run = true, .one_fs = e->o->one_fs,
		.quiet_report = true, .protect = protect_inside,
		.protect_arg = &pa };
	struct del_counts c = { 0 };
	size_t i, k;

	for (i = 0; i < n; i++) {
		int fd = delete_open_beneath(e->plan.dst_fd, v[i]->rel);

		if (fd < 0)
			continue;
		pa.layer = v[i]->layer;
		for (k = 0; k < v[i]->n; k++) {
			char *rel = util_path_join(v[i]->rel, v[i]->names[k]);

			delete_entry(&dopts, fd, v[i]->names[k], rel,
			    v[i]->modes[k], &c);
			free(rel);
		}
		close(fd);
	}
	return c.reg + c.dir + c.link + c.dev + c.special;
}

/*
 * --max-delete is all-or-nothing: the whole plan is counted first, and
 * over the limit nothing at all is deleted (rsync deletes up to the limit
 * and stops, leaving a half-pruned mirror).  Exit 25 either way.
 */
static bool within_max_delete(struct engine *e, struct del_group **v,
    size_t n)
{
	uint64_t want = count_deletions(e, v, n);
	uint64_t limit = (uint64_t)e->o->max_delete;
	uint64_t tops = 0, total;
	size_t i;

	/* The listed entries plus what lies inside extraneous directories. */
	for (i = 0; i < n; i++)
		tops += v[i]->n;
	total = e->dst_entries + (want > tops ? want - tops : 0);

	if (e->o->max_delete_pct)
		limit = total * (uint64_t)e->o->max_delete / 100;
	if (want <= limit && !(e->o->max_delete == 0 && want > 0))
		return true;
	e->delete_skipped = want;
	if (e->o->max_delete_pct)
		report_error("--max-delete=%ld%% limit: %llu deletions needed "
		    "(%llu%% of %llu destination entries); nothing deleted",
		    e->o->max_delete, (unsigned long long)want,
		    (unsigned long long)(total ? want * 100 / total : 0),
		    (unsigned long long)total);
	else
		report_error("--max-delete=%ld limit: %llu deletions needed; "
		    "nothing deleted", e->o->max_delete,
		    (unsigned long long)want);
	return false;
}

static void run_deletions(struct engine *e)
{
	struct del_group **v;
	struct del_group *g;
	struct del_counts c = { 0 };
	size_t n = 0, i;

	if (!e->o->del || !e->groups)
		return;
	/* Deleting is for a run that went right: any error, source or
	 * destination, withholds it (--ignore-errors: only source listing
	 * errors are forgiven, in the directories that were read whole). */
	if ((atomic_load(&e->src_error) && !e->o->ignore_errors) ||
	    atomic_load(&e->other_error)) {
		report_error("IO error encountered -- skipping file deletion");
		return;
	}
	if (atomic_load(&e->fatal) || pool_cancelled(&e->pool) || got_signal)
		return;
	if (e->refuse_delete) {
		report_error("refusing to delete: source is empty and "
		    "destination '%s' is not (an unmounted source?); "
		    "use --allow-empty-source if this is meant",
		    e->plan.dst_operand);
		return;
	}
	for (g = e->groups; g; g = g->next)
		n++;
	v = xcalloc(n, sizeof(*v));
	for (g = e->groups, i = 0; g; g = g->next)
		v[i++] = g;
	qsort(v, n, sizeof(*v), cmp_groups);
	if (e->o->max_delete >= 0 && !within_max_delete(e, v, n)) {
		free(v);
		return;
	}
	for (i = 0; i < n && !got_signal; i++)
		delete_group(e, v[i], &c);
	free(v);
	add(&e->deleted[TY_REG], c.reg);
	add(&e->deleted[TY_DIR], c.dir);
	add(&e->deleted[TY_LINK], c.link);
	add(&e->deleted[TY_DEV], c.dev);
	add(&e->deleted[TY_SPECIAL], c.special);
	if (c.errors) {
		add(&e->errors, c.errors);
		atomic_store(&e->partial, true);
	}
}

/* --- signals, stats, the run --------------------------------------------- */

static void on_signal(int sig)
{
	if (got_signal) {
		/* A second signal: end now, but leave no temp file. */
		static const char msg[] =
		    "treesync: second signal: stopping now\n";

		copy_remove_temps();
		if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0)
			_exit(TS_EXIT_SIGNAL);
		_exit(TS_EXIT_SIGNAL);
	}
	got_signal = sig;
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

static void fill_stats(struct engine *e, struct ts_stats *st)
{
	int i;

	st->files = split_types(e->files, &st->files_reg, &st->files_dir,
	    &st->files_link, &st->files_dev, &st->files_special);
	st->created = split_types(e->created, &st->created_reg,
	    &st->created_dir, &st->created_link, &st->created_dev,
	    &st->created_special);
	st->deleted = split_types(e->deleted, &st->deleted_reg,
	    &st->deleted_dir, &st->deleted_link, &st->deleted_dev,
	    &st->deleted_special);
	st->reg_transferred = e->reg_transferred;
	st->total_size = e->total_size;
	st->transferred_size = e->transferred_size;
	for (i = 0; i < TS_METHOD_COUNT; i++) {
		st->method_bytes[i] = e->method_bytes[i];
		st->method_files[i] = e->method_files[i];
	}
	st->errors = e->errors;
	st->vanished = e->vanished;
	st->stale_temps = e->stale_temps;
	st->changes = report_changes();
	st->reflinked = e->reflinked;
	st->verified = e->verified;
	st->retries = e->retries;
	st->delete_skipped = e->delete_skipped;
}

static int exit_code(struct engine *e)
{
	if (got_signal)
		return TS_EXIT_SIGNAL;
	if (e->bad_rules)
		return TS_EXIT_SYNTAX;
	if (atomic_load(&e->fatal))
		return TS_EXIT_FILEIO;
	if (e->refuse_delete && e->o->del)
		return TS_EXIT_REFUSED;
	if (atomic_load(&e->partial) || e->plan.missing)
		return TS_EXIT_PARTIAL;
	if (e->vanished)
		return TS_EXIT_VANISHED;
	if (e->delete_skipped)
		return TS_EXIT_DEL_LIMIT;
	if (e->o->check && report_changes() > 0)
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

/* --- the single-instance lock ----------------------------------------- */

/* The pid holding a flock on (DEV, INO), from /proc/locks; 0 if unknown. */
static long lock_holder(dev_t dev, ino_t ino)
{
	FILE *f = fopen("/proc/locks", "re");
	char line[256];
	long pid = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		unsigned maj, mn;
		unsigned long long in;
		long p;

		/* "1: FLOCK  ADVISORY  WRITE 1234 08:01:5678 0 EOF" */
		if (!strstr(line, "FLOCK") ||
		    sscanf(strstr(line, "WRITE") ? strstr(line, "WRITE") + 5 :
		    line, "%ld %x:%x:%llu", &p, &maj, &mn, &in) != 4)
			continue;
		if (in == (unsigned long long)ino && maj == major(dev) &&
		    mn == minor(dev)) {
			pid = p;
			break;
		}
	}
	fclose(f);
	return pid;
}

/*
 * --lock: an exclusive flock on the destination directory (or on the named
 * file), held until the process ends.  With --lock-wait, polls until the
 * holder is gone.  Returns the locked fd (kept open), LOCK_HELD after
 * saying who holds it, LOCK_ERROR (the lock cannot be used at all) or
 * LOCK_SIGNAL (a signal came while waiting).
 */
enum { LOCK_HELD = -1, LOCK_ERROR = -2, LOCK_SIGNAL = -3 };

static int take_lock(struct engine *e)
{
	const struct ts_options *o = e->o;
	const char *what = *o->lock_file ? o->lock_file : o->dest;
	double until = util_now() + o->lock_wait;
	struct stat st;
	int fd;

	if (*o->lock_file)
		fd = open(o->lock_file, O_RDWR | O_CREAT | O_NOFOLLOW |
		    O_CLOEXEC | O_NOCTTY, 0644);
	else
		fd = fcntl(e->plan.dst_fd, F_DUPFD_CLOEXEC, 0);
	if (fd < 0) {
		report_errno(errno, errno == ELOOP ?
		    "lock file is a symlink, not used" : "cannot open lock", what);
		return LOCK_ERROR;
	}
	for (;;) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return fd;
		if (errno != EWOULDBLOCK) {
			report_errno(errno, "cannot lock", what);
			close(fd);
			return LOCK_ERROR;
		}
		if (got_signal) {
			close(fd);
			return LOCK_SIGNAL;
		}
		if (util_now() >= until)
			break;
		usleep(100 * 1000);
	}
	if (fstat(fd, &st) == 0) {
		long pid = lock_holder(st.st_dev, st.st_ino);

		if (pid > 0)
			report_error("'%s' is locked by process %ld (another "
			    "treesync run?); not running", what, pid);
		else
			report_error("'%s' is locked by another process; "
			    "not running", what);
	}
	close(fd);
	return LOCK_HELD;
}

static int lock_exit(int r)
{
	return r == LOCK_HELD ? TS_EXIT_LOCKED : r == LOCK_SIGNAL ?
	    TS_EXIT_SIGNAL : TS_EXIT_SELECT;
}

static void progress_snapshot(struct report_progress *p, void *arg)
{
	struct engine *e = arg;
	int i;

	p->files_seen = 0;
	for (i = 0; i < TY_N; i++)
		p->files_seen += e->files[i];
	p->files_done = e->entries_done;
	p->bytes_todo = e->bytes_todo;
	p->bytes_done = atomic_load(&e->copy.moved);
}

static void free_engine(struct engine *e)
{
	size_t i;

	for (i = 0; i < e->nlist; i++)
		free(e->list[i]);
	free(e->list);
	free(e->listed_seen);
	free_hl(e);
	free_groups(e);
	plan_free(&e->plan);
	pthread_mutex_destroy(&e->del_lock);
	free(e);
}

int ts_sync(const struct ts_options *o, struct ts_stats *stats)
{
	const struct ts_options *caller = o;
	struct engine *e = xcalloc(1, sizeof(*e));
	struct ts_stats local;
	double t0 = util_now(), t1, t2;
	int code, jobs, lock_fd = -1, r;
	const char *faults = getenv("TREESYNC_FAULTS");

	if (!stats)
		stats = &local;
	memset(stats, 0, sizeof(*stats));
	/* -d and --files-from walk directories without -r: decisions treat
	 * directories as transferred, and `recurse` says how deep to go. */
	e->opts = *o;
	e->recurse = o->recursive;
	if (o->dirs || o->files_from)
		e->opts.recursive = true;
	e->o = o = &e->opts;
	e->am_root = geteuid() == 0;
	e->umask = umask(0);
	umask(e->umask);
	e->need = (o->owner || o->group) ? WALK_NEED_OWNER : 0;
	pthread_mutex_init(&e->del_lock, NULL);
	e->xa_which = (o->xattrs ? XA_PLAIN : 0) | (o->acls ? XA_ACL : 0);
	if (o->hard_links) {
		e->need |= WALK_NEED_INO;
		pthread_mutex_init(&e->hl_lock, NULL);
		e->hl = xcalloc(HL_BUCKETS, sizeof(*e->hl));
	}
	report_init(caller);	/* outlives the engine (main prints --json) */
	util_raise_nofile();
	if (faults && *faults && sys_inject(faults) < 0) {
		report_error("bad TREESYNC_FAULTS specification '%s'", faults);
		free_engine(e);
		return TS_EXIT_SYNTAX;
	}
	if (o->log_file && (r = report_open_log(o->log_file)) < 0) {
		report_errno(-r, "cannot open log file", o->log_file);
		free_engine(e);
		return TS_EXIT_FILEIO;
	}
	{
		char esc[PATH_MAX * 2];

		util_escape_name(esc, sizeof(esc), o->dest);
		report_log("treesync %s starting: %zu source(s) -> %s%s",
		    TS_VERSION_STRING, o->nsrcs, esc,
		    o->dry_run ? " (dry run)" : "");
	}
	copy_ctx_init(&e->copy, o, o->verbose >= 2 || o->stats || o->json);
	install_signals(NULL, &e->copy);

	/* A named lock file is taken before anything is looked at. */
	if (o->lock_file && *o->lock_file && (lock_fd = take_lock(e)) < 0) {
		code = lock_exit(lock_fd);
		goto out;
	}
	if (o->files_from) {
		if (plan_read_files_from(o->files_from, o->from0, &e->list,
		    &e->nlist) < 0) {
			code = TS_EXIT_SYNTAX;	/* as rsync: code 1 */
			goto out;
		}
		e->listed_seen = xcalloc(e->nlist ? e->nlist : 1,
		    sizeof(*e->listed_seen));
	}
	code = plan_build(o, &e->plan);
	if (code)
		goto out;
	/* A dry run into a DEST that does not exist has nothing to lock. */
	if (o->lock_file && !*o->lock_file && e->plan.dst_fd >= 0 &&
	    (lock_fd = take_lock(e)) < 0) {
		code = lock_exit(lock_fd);
		goto out;
	}
	/* A source operand that could not be used is a source error: its
	 * files would look extraneous, so nothing may be deleted. */
	if (e->plan.missing)
		atomic_store(&e->src_error, true);
	jobs = o->jobs > 0 ? o->jobs : ts_default_jobs(e->plan.network_fs);
	if (pool_start(&e->pool, jobs) < 0) {
		report_error("cannot start worker threads");
		code = TS_EXIT_FILEIO;
		goto out;
	}
	install_signals(&e->pool, &e->copy);
	if (got_signal)
		pool_cancel(&e->pool);
	if (o->progress)
		report_progress_start(progress_snapshot, e, o->progress > 1);
	pool_submit(&e->pool, &make_root(e)->task);
	pool_wait(&e->pool);
	if (e->list && !got_signal)
		report_unlisted(e);
	t1 = util_now();
	run_deletions(e);
	t2 = util_now();
	pool_stop(&e->pool);
	signal_pool = NULL;
	report_progress_stop();
	report_flush();

	fill_stats(e, stats);
	stats->jobs = e->pool.nthreads ? e->pool.nthreads : jobs;
	stats->walk_seconds = t1 - t0;
	stats->delete_seconds = t2 - t1;
	code = exit_code(e);
	if (got_signal)
		report_error("interrupted by signal %d: %llu files copied, "
		    "%llu errors; no temp files left", (int)got_signal,
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
	copy_ctx_destroy(&e->copy);
	if (lock_fd >= 0)
		close(lock_fd);
	free_engine(e);
	return code;
}
