/*
 * list.c -- --list-only (and rsync's one-operand form): the source trees
 * listed as rsync lists them, one line an entry, nothing copied.
 *
 *	drwxr-xr-x          4,096 2026/12/02 08:46:56 dir
 *
 * DEST, if given, is never opened.  The order is rsync's, not sorted
 * paths: in each directory the non-directories first, then the
 * directories, names compared bytewise with a directory's taken as ending
 * in '/' ("a.txt" before the directory "a"), and each directory's entries
 * right after its own line.  A "dir/" operand is "." and its entries;
 * another operand is its last component.  Without -r only the entries of
 * a "dir/" operand are listed, and the operands of one run share the top
 * level (a name met twice is listed once, the first operand's).  Filter
 * rules leave entries out as they would leave them out of a copy, merge
 * files included; -x does not enter other file systems.
 *
 * The walk is one thread's, depth first, one directory fd open a level.
 * Owns: opening the operands and their directories read-only.  Must not:
 * write anything but report lines; follow a symlink below an operand.
 */
#define _GNU_SOURCE
#include "list.h"

#include "run.h"

#include "filter.h"
#include "oppath.h"
#include "report.h"
#include "util.h"
#include "walk.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* One entry to list. */
struct lent {
	char *rel;		/* printed: the path below the transfer root */
	const char *name;	/* its last component, inside REL */
	struct ts_entry e;
	char *target;		/* a symlink's (with -l), or NULL */
	int pfd;		/* its directory (not owned) */
	struct filter_layer *layer;	/* the rules it was checked against
					 * (a reference), or NULL */
	const char *base;	/* its operand's transfer root, for messages
				 * ("" for the current directory) */
	uint64_t dev;		/* its operand's file system (-x) */
	size_t ord;		/* its operand: the first of a name wins */
	unsigned links;		/* -k: symlinks followed on its path; E is
				 * the last one's directory when FOLLOW */
	bool follow;
};

struct lents {
	struct lent *v;
	size_t n, cap;
};

struct lister {
	struct ts_run *run;
	struct ts_stats *st;
	bool failed;
};

static int dir_name_cmp(const char *a, const char *b)
{
	const unsigned char *x = (const unsigned char *)a;
	const unsigned char *y = (const unsigned char *)b;

	while (*x && *x == *y) {
		x++;
		y++;
	}
	/* A directory's name is taken as ending in '/'. */
	return (*x ? *x : '/') - (*y ? *y : '/');
}

/* rsync's order of the entries of one directory; then operand order. */
static int lent_cmp(const void *pa, const void *pb)
{
	const struct lent *a = pa, *b = pb;
	bool da = S_ISDIR(a->e.mode), db = S_ISDIR(b->e.mode);
	int c;

	if (da != db)
		return da ? 1 : -1;
	c = da ? dir_name_cmp(a->name, b->name) : strcmp(a->name, b->name);
	if (c)
		return c;
	return a->ord < b->ord ? -1 : a->ord > b->ord;
}

static void lent_release(struct lent *l)
{
	free(l->rel);
	free(l->target);
	filter_layer_unref(l->layer);
}

static void failed(struct lister *ls, int err, const char *what,
    const char *base, const char *rel)
{
	char *p = *base ? util_path_join(base, rel) : xstrdup(rel);

	report_errno(ls->run->rep, err, what, p);
	free(p);
	ls->failed = true;
}

/* Counts E as rsync's --stats counts an entry of its file list. */
static void count(struct ts_stats *st, const struct ts_entry *e)
{
	st->files++;
	if (S_ISREG(e->mode)) {
		st->files_reg++;
		st->total_size += e->size;
	} else if (S_ISDIR(e->mode)) {
		st->files_dir++;
	} else if (S_ISLNK(e->mode)) {
		st->files_link++;
		st->total_size += e->size;	/* the target's length */
	} else if (S_ISCHR(e->mode) || S_ISBLK(e->mode)) {
		st->files_dev++;
	} else {
		st->files_special++;
	}
}

/*
 * Adds entry E, named NAME in directory AT->pfd, as REL (taken over) to L
 * with AT's operand and rules, unless the rules leave it out.
 */
static void add_entry(struct lister *ls, struct lents *l, const struct lent *at,
    char *rel, const char *name, const struct ts_entry *e)
{
	const char *slash = strrchr(rel, '/');
	struct lent *n;

	if (at->layer && filter_excluded(at->layer, rel,
	    S_ISDIR(e->mode) ? FILTER_DIR : 0)) {
		free(rel);
		return;
	}
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 16;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	n = &l->v[l->n++];
	*n = *at;
	n->rel = rel;
	n->name = slash ? slash + 1 : rel;
	n->e = *e;
	n->layer = at->layer ? filter_layer_ref(at->layer) : NULL;
	n->target = NULL;
	n->follow = false;
	if (S_ISLNK(e->mode) && (ls->run->o->copy_dirlinks ||
	    ls->run->o->copy_links)) {
		/* -k: a link to a directory is listed as it (scan.c); -L:
		 * every link as what it points to. */
		struct ts_entry t;
		int r = walk_stat(n->pfd, name, true, &t);

		if (r == 0 && (S_ISDIR(t.mode) || ls->run->o->copy_links)) {
			t.name = n->e.name;
			n->e = t;
			n->follow = S_ISDIR(t.mode);
			n->links += n->follow;
		} else if (r < 0 && ls->run->o->copy_links) {
			/* Said and left out, as in a transfer. */
			failed(ls, -r, "symlink has no referent", n->base, rel);
			filter_layer_unref(n->layer);
			free(n->rel);
			l->n--;
			return;
		}
	}
	if (S_ISLNK(n->e.mode) && ls->run->o->links) {
		char buf[PATH_MAX];
		ssize_t k = readlinkat(n->pfd, name, buf, sizeof(buf) - 1);

		if (k < 0) {
			failed(ls, errno, "cannot read symlink", n->base, rel);
			k = 0;
		}
		buf[k] = '\0';
		n->target = xstrdup(buf);
	}
}

/* Where filter_layer_push() reads a directory's merge files from. */
struct rules_at {
	int fd;
	unsigned opts;
};

static int read_rules(void *arg, const char *path, bool in_dir, char **data,
    size_t *len)
{
	const struct rules_at *ra = arg;

	return oppath_read_file(in_dir ? ra->fd : AT_FDCWD, path, ra->opts,
	    data, len);
}

/*
 * The entries of directory D (open as FD) into OUT, each checked against
 * the rules D's entries get.  Errors are reported.
 */
static void read_dir(struct lister *ls, const struct lent *d, int fd,
    struct lents *out)
{
	const struct ts_options *o = ls->run->o;
	struct rules_at ra = { fd, o->insecure_links ? OPPATH_INSECURE : 0 };
	struct filter_reader rd = { read_rules, &ra };
	struct lent at = *d;
	bool top = strcmp(d->rel, ".") == 0;
	struct walk_result w;
	struct dirlist dl;
	size_t i;

	at.pfd = fd;
	at.layer = NULL;
	if (d->layer) {
		char *err = NULL;

		if (filter_layer_push(d->layer, top ? "" : d->rel, &rd,
		    &at.layer, &err) < 0) {
			report_error(ls->run->rep, "%s", err ? err :
			    "cannot read filter rules");
			free(err);
			ls->failed = true;
			return;
		}
	}
	dirlist_init(&dl);
	w = walk_dir(ls->run->rep, fd, top ? "" : d->rel,
	    o->owner || o->group ? WALK_NEED_OWNER : 0, &dl);
	if (w.err)
		failed(ls, -w.err, "cannot read directory", d->base, d->rel);
	if (w.stat_errors)
		ls->failed = true;
	for (i = 0; i < dl.n; i++) {
		struct ts_entry e;

		dirlist_get(&dl, i, &e);
		add_entry(ls, out, &at, top ? xstrdup(e.name) :
		    util_path_join(d->rel, e.name), e.name, &e);
	}
	dirlist_free(&dl);
	filter_layer_unref(at.layer);
}

static void list_entries(struct lister *ls, struct lents *l);

/* Lists what is below directory D. */
static void descend(struct lister *ls, const struct lent *d)
{
	struct lents l = { NULL, 0, 0 };
	struct stat st;
	int fd;

	if (ls->run->o->one_fs && d->e.dev != d->dev)
		return;
	if (d->links > 40) {
		/* More symlinks than one path may have (scan.c). */
		failed(ls, ELOOP, "cannot open directory", d->base, d->rel);
		return;
	}
	fd = openat(d->pfd, d->name, O_RDONLY | O_DIRECTORY | O_CLOEXEC |
	    (d->follow ? 0 : O_NOFOLLOW));
	if (fd >= 0 && d->follow && (fstat(fd, &st) < 0 ||
	    (uint64_t)st.st_dev != d->e.dev ||
	    (uint64_t)st.st_ino != d->e.ino)) {
		/* -k: only the directory the link led to when listed. */
		close(fd);
		fd = -1;
		errno = ESTALE;
	}
	if (fd < 0) {
		failed(ls, errno, "cannot open directory", d->base, d->rel);
		return;
	}
	read_dir(ls, d, fd, &l);
	list_entries(ls, &l);
	close(fd);
}

/* Sorts L, lists each entry and (-r) what is below it; frees L. */
static void list_entries(struct lister *ls, struct lents *l)
{
	size_t i;

	if (l->n > 1)	/* an empty list may have no array (UBSan) */
		qsort(l->v, l->n, sizeof(*l->v), lent_cmp);
	for (i = 0; i < l->n; i++) {
		struct lent *e = &l->v[i];

		/* A name two operands share: the first one's. */
		if (i > 0 && strcmp(e->name, l->v[i - 1].name) == 0 &&
		    S_ISDIR(e->e.mode) == S_ISDIR(l->v[i - 1].e.mode))
			continue;
		count(ls->st, &e->e);
		report_list_entry(ls->run->rep, e->rel, &e->e, e->target);
		if (S_ISDIR(e->e.mode) && ls->run->o->recursive &&
		    !run_cancelled(ls->run))
			descend(ls, e);
	}
	for (i = 0; i < l->n; i++)
		lent_release(&l->v[i]);
	free(l->v);
}

/* OP names a directory's contents: "dir/", "dir/.", ".". */
static bool names_contents(const char *op)
{
	size_t n = strlen(op);

	return op[n - 1] == '/' || strcmp(op, ".") == 0 ||
	    (n >= 2 && strcmp(op + n - 2, "/.") == 0);
}

/* The rules an operand's top entries are checked against, anchored at
 * DIR (rsync's current directory for the operand); NULL without rules. */
static struct filter_layer *root_layer(struct lister *ls, const char *dir)
{
	struct filter_layer *l;
	char *abs;

	if (!ls->run->filters)
		return NULL;
	abs = realpath(dir, NULL);
	l = filter_layer_root(ls->run->filters, abs ? abs : "/");
	free(abs);
	return l;
}

/* One operand's parts: the directory it is found in (the transfer root)
 * and its name there ("." for "dir/"). */
struct operand {
	char *dir, *name, *base;
	int fd;
};

static void operand_split(const char *op, struct operand *p)
{
	const char *slash = strrchr(op, '/');
	size_t n = strlen(op);

	if (names_contents(op)) {
		while (n > 1 && op[n - 1] == '/')
			n--;
		p->dir = xstrdup(op);
		p->name = xstrdup(".");
		p->base = xstrndup(op, n);
	} else {
		p->dir = slash ? xstrndup(op, (size_t)(slash - op) +
		    (slash == op)) : xstrdup(".");
		p->name = xstrdup(slash ? slash + 1 : op);
		p->base = slash ? xstrdup(p->dir) : xstrdup("");
	}
}

/*
 * Operand I into TOP: "dir/" as its entries (and the first such as DOT,
 * the "." line), another as itself.  P keeps the directory open.
 */
static void add_operand(struct lister *ls, size_t i, struct operand *p,
    struct lents *top, struct lent *dot)
{
	const struct ts_options *o = ls->run->o;
	struct lent at = { .ord = i };
	struct ts_entry e;
	int r;

	operand_split(o->srcs[i], p);
	p->fd = oppath_open(AT_FDCWD, p->dir, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC, 0, o->insecure_links ? OPPATH_INSECURE : 0, NULL);
	r = p->fd < 0 ? p->fd : walk_stat(p->fd, p->name, false, &e);
	if (r < 0) {
		failed(ls, -r, "cannot stat", "", o->srcs[i]);
		return;
	}
	at.pfd = p->fd;
	at.base = p->base;
	at.dev = e.dev;
	at.layer = root_layer(ls, p->dir);
	if (strcmp(p->name, ".") != 0) {
		add_entry(ls, top, &at, xstrdup(p->name), p->name, &e);
	} else {
		struct lent d = at;

		d.rel = p->name;
		d.name = p->name;
		d.e = e;
		if (!dot->rel) {
			*dot = d;
			dot->rel = xstrdup(".");
			dot->name = dot->rel;
			dot->layer = NULL;
		}
		read_dir(ls, &d, p->fd, top);
	}
	filter_layer_unref(at.layer);
}

int list_run(struct ts_run *run, struct ts_stats *st)
{
	const struct ts_options *o = run->o;
	struct lister ls = { run, st, false };
	struct operand *ops = xcalloc(o->nsrcs, sizeof(*ops));
	struct lents top = { NULL, 0, 0 };
	struct lent dot = { 0 };
	size_t i;

	/* rsync builds the list whole (its header says so) unless it
	 * recurses, which it then does incrementally. */
	if (!o->recursive)
		report_set_listing(run->rep);
	for (i = 0; i < o->nsrcs; i++) {
		ops[i].fd = -1;
		add_operand(&ls, i, &ops[i], &top, &dot);
	}
	if (dot.rel) {
		count(st, &dot.e);
		report_list_entry(run->rep, ".", &dot.e, NULL);
		lent_release(&dot);
	}
	list_entries(&ls, &top);
	for (i = 0; i < o->nsrcs; i++) {
		if (ops[i].fd >= 0)
			close(ops[i].fd);
		free(ops[i].dir);
		free(ops[i].name);
		free(ops[i].base);
	}
	free(ops);
	if (run_cancelled(run))
		return TS_EXIT_SIGNAL;
	return ls.failed ? TS_EXIT_PARTIAL : TS_EXIT_OK;
}
