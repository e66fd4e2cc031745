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
 * With -R each operand is a path below its transfer root ("/", the
 * current directory, or what comes before a "/./"): the directories on
 * the way are listed (not with --no-implied-dirs) with only the entries
 * on the way below them, then the operand itself, as rsync lists them.
 *
 * The walk is one thread's, depth first, one directory fd open a level.
 * Owns: opening the operands and their directories read-only.  Must not:
 * write anything but report lines; follow a symlink below an operand.
 */
#define _GNU_SOURCE
#include "list.h"

#include "run.h"

#include "filter.h"
#include "nameconv.h"
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
	/* -R: a directory on the way to operands: the paths below it to
	 * list (owned), instead of all its entries; CONTENTS: an operand
	 * "dir/", whose entries are listed without -r too. */
	char **sel;
	size_t nsel;
	bool contents;
	bool implied;		/* -R: listed only on the way to SEL */
	bool dup;		/* -R: merged into an entry of its name */
};

struct lents {
	struct lent *v;
	size_t n, cap;
};

struct lister {
	struct ts_run *run;
	struct ts_stats *st;
	bool failed;
	bool recursive;		/* -r (with -R, run->opts has it set) */
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
	size_t i;

	free(l->rel);
	free(l->target);
	filter_layer_unref(l->layer);
	for (i = 0; i < l->nsel; i++)
		free(l->sel[i]);
	free(l->sel);
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

/* --iconv: whether the target of the symlink N has a form in DEST's
 * charset (said when not: it is left out, as rsync's listing does). */
static bool link_converts(struct lister *ls, const struct lent *n)
{
	enum nameconv_step step;
	char *c = nameconv_to_dest(ls->run->names, n->target, &step);

	if (!c) {
		failed(ls, errno, "cannot convert symlink data for", n->base,
		    n->rel);
		return false;
	}
	free(c);
	return true;
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
	/* --iconv: a name DEST's charset lacks is said and left out, as
	 * rsync's listing does (its receiver converts the list). */
	if (ls->run->names) {
		enum nameconv_step step;
		char *c = nameconv_to_dest(ls->run->names, name, &step);

		if (!c) {
			failed(ls, errno, "cannot convert filename", "", rel);
			free(rel);
			return;
		}
		free(c);
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
	n->sel = NULL;
	n->nsel = 0;
	n->contents = false;
	n->implied = false;
	n->dup = false;
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
		/* Any length, never cut (walk_readlink()). */
		n->target = walk_readlink(n->pfd, name, n->e.size);
		if (!n->target) {
			failed(ls, errno, "cannot read symlink", n->base, rel);
			n->target = xstrdup("");
		}
		if (ls->run->names && !link_converts(ls, n)) {
			lent_release(n);
			l->n--;
		}
	}
}

/* Where filter_layer_push() reads a directory's merge files from. */
struct rules_at {
	int fd;
	struct oppath_how how;
};

static int read_rules(void *arg, const char *path, bool in_dir, char **data,
    size_t *len)
{
	const struct rules_at *ra = arg;

	/* A per-directory merge file is in the source tree, an explicit
	 * root: --confine-root holds only files named by rules. */
	return oppath_read_file(in_dir ? ra->fd : AT_FDCWD, path,
	    in_dir ? oppath_unconfined(ra->how) : ra->how, data, len);
}

/*
 * The entries of directory D (open as FD) into OUT, each checked against
 * the rules D's entries get.  Errors are reported.
 */
static void read_dir(struct lister *ls, const struct lent *d, int fd,
    struct lents *out)
{
	const struct ts_options *o = ls->run->o;
	struct rules_at ra = { fd, oppath_how_of(o) };
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

/* -R: splits PATH ("a/b/c", "a/", "a") into its first component (its
 * length), the REST below it ("" for none) and whether it names its
 * contents ("a/"). */
static size_t first_comp(const char *path, const char **rest,
    bool *contents)
{
	size_t n = strcspn(path, "/");

	*rest = path[n] ? path + n + 1 : path + n;
	*contents = path[n] == '/' && !**rest;
	return n;
}

/*
 * -R: the entry NAME (of length N) of directory FD below PARENT's REL, on
 * the way to REST ("": the operand itself; CONTENTS: "dir/"), into L with
 * the operand and rules of AT.  A directory on the way is what its
 * symlink points to, as rsync follows one there.
 */
static void add_path(struct lister *ls, struct lents *l, const struct lent *at,
    int fd, const char *parent, const char *name, size_t n,
    const char *rest, bool contents)
{
	char *nm = xstrndup(name, n);
	char *rel = *parent ? util_path_join(parent, nm) : xstrdup(nm);
	bool way = *rest != '\0';
	struct ts_entry e;
	struct lent *x;
	size_t before = l->n;
	int r = walk_stat(fd, nm, way || contents, &e);

	if (r == 0 && way && !S_ISDIR(e.mode))
		r = -ENOTDIR;
	if (r < 0) {
		failed(ls, -r, "cannot stat", at->base, rel);
		free(rel);
		free(nm);
		return;
	}
	e.name = NULL;
	/* add_entry() names it inside REL (taken over). */
	add_entry(ls, l, at, rel, strrchr(rel, '/') ? strrchr(rel, '/') + 1 :
	    rel, &e);
	free(nm);
	if (l->n == before)
		return;	/* left out by the rules */
	x = &l->v[l->n - 1];
	x->pfd = fd;
	x->contents = contents;
	if (way) {
		x->implied = true;
		x->sel = xmalloc(sizeof(*x->sel));
		x->sel[0] = xstrdup(rest);
		x->nsel = 1;
	}
}

/* -R: lists the paths D->sel below the directory D (on the way to them). */
static void descend_sel(struct lister *ls, const struct lent *d)
{
	struct lents l = { NULL, 0, 0 };
	struct lent at = *d;
	size_t i;
	int fd = openat(d->pfd, d->name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0) {
		failed(ls, errno, "cannot open directory", d->base, d->rel);
		return;
	}
	at.pfd = fd;
	for (i = 0; i < d->nsel; i++) {
		const char *rest;
		bool contents;
		size_t n = first_comp(d->sel[i], &rest, &contents);

		add_path(ls, &l, &at, fd, d->rel, d->sel[i], n, rest,
		    contents);
	}
	list_entries(ls, &l);
	close(fd);
}

/* -R: entries of one name (sorted next to each other) made one: the
 * operand itself wins over a directory on the way, whose paths add up. */
static void merge_paths(struct lents *l)
{
	size_t i, k = 0, j;

	for (i = 1; i < l->n; i++) {
		struct lent *a = &l->v[k], *b = &l->v[i];

		if (strcmp(a->name, b->name) != 0 ||
		    S_ISDIR(a->e.mode) != S_ISDIR(b->e.mode)) {
			k = i;
			continue;
		}
		b->dup = true;
		a->contents |= b->contents;
		if (a->implied && b->implied) {
			a->sel = xrealloc(a->sel, (a->nsel + b->nsel) *
			    sizeof(*a->sel));
			for (j = 0; j < b->nsel; j++)
				a->sel[a->nsel++] = b->sel[j];
			b->nsel = 0;
		} else if (a->implied) {
			a->implied = false;
		}
	}
}

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
	if (ls->run->rel_srcs)
		merge_paths(l);
	for (i = 0; i < l->n; i++) {
		struct lent *e = &l->v[i];

		/* A name two operands share: the first one's. */
		if (e->dup || (i > 0 && strcmp(e->name, l->v[i - 1].name) == 0 &&
		    S_ISDIR(e->e.mode) == S_ISDIR(l->v[i - 1].e.mode)))
			continue;
		if (!e->implied || !ls->run->o->no_implied_dirs) {
			count(ls->st, &e->e);
			report_list_entry(ls->run->rep, e->rel, &e->e,
			    e->target);
		}
		if (!S_ISDIR(e->e.mode) || run_cancelled(ls->run))
			continue;
		if (e->implied)
			descend_sel(ls, e);
		else if (ls->recursive || e->contents)
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
	    O_CLOEXEC, 0, oppath_unconfined(oppath_how_of(o)), NULL);
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

/*
 * -R: operand I (run->rel_srcs) into TOP, its path's first component on
 * the way to the rest; its transfer root is what comes before a "/./",
 * "/" for an absolute path, else the current directory.  A path that
 * starts with "./" (or is ".") lists that root as DOT first, as rsync.
 */
static void add_rel_operand(struct lister *ls, size_t i, struct operand *p,
    struct lents *top, struct lent *dot)
{
	const struct ts_options *o = ls->run->o;
	const char *op = ls->run->rel_srcs[i], *mark = strstr(op, "/./");
	const char *path = mark ? mark + 3 : op[0] == '/' ? op + 1 : op;
	size_t len = strlen(op), n;
	bool contents = op[len - 1] == '/' || strcmp(op, ".") == 0 ||
	    (len >= 2 && strcmp(op + len - 2, "/.") == 0);
	bool with_dot = strcmp(path, ".") == 0 || strncmp(path, "./", 2) == 0;
	char *norm = xmalloc(strlen(path) + 2), *w = norm;
	struct lent at = { .ord = i };
	const char *rest;
	bool c;

	p->dir = mark ? (mark == op ? xstrdup("/") :
	    xstrndup(op, (size_t)(mark - op))) : xstrdup(op[0] == '/' ? "/" : ".");
	p->base = xstrdup(strcmp(p->dir, ".") == 0 ? "" : p->dir);
	p->name = xstrdup(".");
	/* The components, without empty and "." ones. */
	while (*path) {
		n = strcspn(path, "/");
		if (n && !(n == 1 && path[0] == '.')) {
			if (w != norm)
				*w++ = '/';
			memcpy(w, path, n);
			w += n;
		}
		path += n + (path[n] == '/');
	}
	if (contents && w != norm)
		*w++ = '/';
	*w = '\0';
	p->fd = oppath_open(AT_FDCWD, p->dir, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC, 0, oppath_unconfined(oppath_how_of(o)), NULL);
	if (p->fd < 0) {
		failed(ls, -p->fd, "cannot stat", "", op);
		free(norm);
		return;
	}
	at.pfd = p->fd;
	at.base = p->base;
	at.layer = root_layer(ls, p->dir);
	if ((with_dot || !*norm) && !dot->rel) {
		struct ts_entry e;

		if (walk_stat(p->fd, ".", true, &e) == 0) {
			*dot = at;
			dot->e = e;
			dot->rel = xstrdup(".");
			dot->name = dot->rel;
			dot->layer = NULL;
		}
	}
	if (!*norm) {
		/* The root itself: its entries, as "dir/" without -R. */
		struct lent d = at;

		d.rel = p->name;
		d.name = p->name;
		read_dir(ls, &d, p->fd, top);
	} else {
		n = first_comp(norm, &rest, &c);
		add_path(ls, top, &at, p->fd, "", norm, n, rest, c);
	}
	filter_layer_unref(at.layer);
	free(norm);
}

int list_run(struct ts_run *run, struct ts_stats *st)
{
	const struct ts_options *o = run->o;
	struct lister ls = { run, st, false, run->recurse };
	size_t nops = run->rel_srcs ? run->nrel_srcs : o->nsrcs;
	struct operand *ops;
	struct lents top = { NULL, 0, 0 };
	struct lent dot = { 0 };
	size_t i;

	/* rsync builds the list whole (its header says so) unless it
	 * recurses, which it then does incrementally. */
	if (!run->recurse)
		report_set_listing(run->rep);
	ops = xcalloc(nops, sizeof(*ops));
	for (i = 0; i < nops; i++) {
		ops[i].fd = -1;
		if (run->rel_srcs)
			add_rel_operand(&ls, i, &ops[i], &top, &dot);
		else
			add_operand(&ls, i, &ops[i], &top, &dot);
	}
	if (dot.rel) {
		count(st, &dot.e);
		report_list_entry(run->rep, ".", &dot.e, NULL);
		lent_release(&dot);
	}
	list_entries(&ls, &top);
	for (i = 0; i < nops; i++) {
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
