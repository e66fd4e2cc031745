/*
 * select.c -- which source entries take part: filter rules (the glue to
 * filter.c: per-directory merge files, protection from deletion) and
 * --files-from.
 */
#define _GNU_SOURCE
#include "run.h"

#include "backup.h"

#include "chmod.h"
#include "idmap.h"
#include "oppath.h"
#include "partial.h"
#include "plan.h"
#include "nameconv.h"
#include "report.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <limits.h>
#include <unistd.h>

/* --- filters ------------------------------------------------------------ */

/* Where filter_layer_push() reads rule files from. */
struct rule_src {
	int dirfd;		/* the source directory entered */
	struct oppath_how how;
	int err;		/* a per-directory file that could not be read */
	char *err_name;
	struct dslot_cache *slots;	/* out of fds: closes some, or NULL */
};

/*
 * Reads a rule file for filter_layer_push(): a per-directory merge file
 * (IN_DIR: PATH is below the source directory) or one named by a rule.
 * Either way a symlink is followed only when root or the effective uid
 * owns it (rsync 3.5), and only a regular file is read: a FIFO planted
 * under a merge file's name is an error, not a hang
 * (oppath_read_file()).
 */
static int read_rule_file(void *arg, const char *path, bool in_dir,
    char **data, size_t *len)
{
	const struct rule_src *rs = arg;

	/* A per-directory merge file is in the source tree, an explicit
	 * root: --confine-root holds only files named by rules. */
	return oppath_read_file(in_dir ? rs->dirfd : AT_FDCWD, path,
	    in_dir ? oppath_unconfined(rs->how) : rs->how, data, len);
}

/*
 * A per-directory merge file that is there but cannot be read (another
 * user's symlink, not a regular file, EACCES) is reported by the caller
 * and counted as a source error -- nothing is deleted -- and the directory
 * is transferred as if it had none, which is the tree rsync makes (it
 * says nothing).  A rule file named by a rule is the operator's: an error.
 */
static int read_rule(void *arg, const char *path, bool in_dir, char **data,
    size_t *len)
{
	struct rule_src *rs = arg;
	int r = read_rule_file(arg, path, in_dir, data, len);

	if ((r == -EMFILE || r == -ENFILE) && rs->slots &&
	    dslot_relieve(rs->slots))
		r = read_rule_file(arg, path, in_dir, data, len);
	if (r >= 0 || !in_dir || r == -ENOENT || r == -ENOTDIR)
		return r;
	if (!rs->err) {
		rs->err = r;
		rs->err_name = xstrdup(path);
	}
	return -ENOENT;
}

/*
 * One filter option into FL; 0 or an exit code: 1 for a malformed rule,
 * 11 for a rule file that cannot be read (rsync's), after reporting.
 */
static int add_filter(struct ts_run *run, struct filter_list *fl,
    const struct ts_filter *f)
{
	static const char *const names[] = {
		[TS_FILTER_RULE] = "--filter", [TS_FILTER_EXCLUDE] = "--exclude",
		[TS_FILTER_INCLUDE] = "--include",
	};
	char *err = NULL;
	int r = 0;

	switch (f->kind) {
	case TS_FILTER_RULE:
		r = filter_add(fl, f->arg, FILTER_RULE, names[f->kind], &err);
		break;
	case TS_FILTER_EXCLUDE:
		r = filter_add(fl, f->arg, FILTER_EXCLUDE, names[f->kind], &err);
		break;
	case TS_FILTER_INCLUDE:
		r = filter_add(fl, f->arg, FILTER_INCLUDE, names[f->kind], &err);
		break;
	case TS_FILTER_EXCLUDE_FROM:
		r = filter_load_file(fl, f->arg, FILTER_EXCLUDE, f->from0, &err);
		break;
	case TS_FILTER_INCLUDE_FROM:
		r = filter_load_file(fl, f->arg, FILTER_INCLUDE, f->from0, &err);
		break;
	case TS_FILTER_F:
		filter_add_F(fl);
		break;
	}
	if (r == 0)
		return 0;
	report_error(run->rep, "%s", err ? err : "bad filter rule");
	free(err);
	/* A file that cannot be read is file I/O (a merge named by a rule
	 * too); a malformed rule a usage error. */
	return r == -EINVAL ? TS_EXIT_SYNTAX : TS_EXIT_FILEIO;
}

/* A relative --partial-dir (also --delay-updates' ".~tmp~"). */
static bool relative_partial_dir(const struct ts_options *o)
{
	return o->partial_dir && o->partial_dir[0] != '/';
}

/* rsync's implied rule for a relative partial dir: "-p DIR/", after every
 * other rule (never transferred; kept from deletion unless
 * --delete-excluded, and inside a directory being deleted). */
static int add_partial_rule(struct ts_run *run)
{
	char *rule, *err = NULL;
	int r;

	if (!relative_partial_dir(run->o))
		return 0;
	if (asprintf(&rule, "-p %s/", run->o->partial_dir) < 0)
		return TS_EXIT_SYNTAX;
	r = filter_add(run->filters, rule, FILTER_RULE, "--partial-dir", &err);
	free(rule);
	if (r < 0) {
		report_error(run->rep, "%s", err ? err : "bad --partial-dir");
		free(err);
		return TS_EXIT_SYNTAX;
	}
	return 0;
}

struct map_arg {
	struct ts_run *run;
	const char *what;	/* "usermap" or "groupmap" */
};

/* rsync says so and goes on: a rule mapping to nobody is left out. */
static void unknown_name(void *arg, const char *to)
{
	const struct map_arg *a = arg;

	report_error(a->run->rep, "Unknown --%s name on receiver: %s",
	    a->what, to);
}

/* --usermap, --groupmap for the run; a malformed one is a usage error. */
static int build_idmaps(struct ts_run *run)
{
	const char *spec[2] = { run->o->usermap, run->o->groupmap };
	struct idmap **map[2] = { &run->usermap, &run->groupmap };
	int k;

	for (k = 0; k < 2; k++) {
		struct map_arg a = { run, k ? "groupmap" : "usermap" };
		char err[160];

		if (spec[k] && idmap_parse(spec[k], k == 0, map[k], err,
		    sizeof(err), unknown_name, &a) < 0) {
			report_error(run->rep, "%s", err);
			return TS_EXIT_SYNTAX;
		}
	}
	return 0;
}

int select_build_rules(struct ts_run *run)
{
	const struct ts_options *o = run->o;
	size_t i;
	int code;

	for (i = 0; i < o->nchmod; i++) {
		char err[160];

		if (chmod_parse(&run->chmod, o->chmod[i], err,
		    sizeof(err)) < 0) {
			report_error(run->rep, "%s", err);
			return TS_EXIT_SYNTAX;
		}
	}
	if ((code = build_idmaps(run)))
		return code;
	if (o->iconv) {
		if ((code = nameconv_open(o->iconv, run->rep, &run->names)))
			return code;
		report_set_nameconv(run->rep, run->names);
	}
	if (!o->nfilters && !o->cvs_exclude && !relative_partial_dir(o))
		return 0;
	run->filters = filter_list_new();
	filter_set_from0(run->filters, o->from0);
	filter_set_oppath_how(run->filters, oppath_how_of(o));
	for (i = 0; i < o->nfilters; i++)
		if ((code = add_filter(run, run->filters, &o->filters[i])))
			return code;
	/* -C: its rules go after every other rule, wherever it was given. */
	if (o->cvs_exclude) {
		char *err = NULL;

		if (filter_add_cvs_exclude(run->filters, &err) < 0) {
			report_error(run->rep, "%s", err ? err :
			    "cannot add -C rules");
			free(err);
			return TS_EXIT_SYNTAX;
		}
	}
	/* -X with xattr-name rules ('x'): the global rules decide which
	 * names are read, compared, set and removed (xattr.c). */
	if (run->xa_which && filter_has_xattr_rules(run->filters))
		run->xa_names = filter_layer_root(run->filters, "/");
	return add_partial_rule(run);
}

void select_free_rules(struct ts_run *run)
{
	report_set_nameconv(run->rep, NULL);
	nameconv_free(run->names);
	run->names = NULL;
	filter_layer_unref(run->xa_names);
	run->xa_names = NULL;
	filter_list_free(run->filters);
	run->filters = NULL;
	chmod_free(run->chmod);
	run->chmod = NULL;
	idmap_free(run->usermap);
	idmap_free(run->groupmap);
	run->usermap = run->groupmap = NULL;
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
	report_error(run->rep, "%s", err ? err : "cannot read filter rules");
	free(err);
	if (r == -EINVAL) {
		run->bad_rules = true;
		pool_cancel(&run->pool);
	} else if (r == FILTER_DEPTH_EXCEEDED) {
		/* rsync: a file I/O error, exit 11; the run stops. */
		atomic_store(&run->fatal, true);
		pool_cancel(&run->pool);
	} else {
		run_source_failed(run);
	}
	return false;
}

/*
 * PARENT pushed into directory REL (below the transfer root), whose merge
 * files are read from DIRFD, DISP naming it in messages: *OUT, and true;
 * false (reported, see select_pushed()) when the push failed.  A merge
 * file there that cannot be read sets *FILE_ERR and is reported and
 * counted as a source error, unless QUIET (the caller knows it was
 * already).
 */
bool select_push_at(struct ts_run *run, const struct filter_layer *parent,
    const char *rel, int dirfd, const char *disp, bool quiet,
    bool *file_err, struct filter_layer **out)
{
	struct rule_src src = { dirfd, oppath_how_of(run->o), 0, NULL,
		&run->slots };
	struct filter_reader rd = { read_rule, &src };
	char *err = NULL;
	int r;

	r = filter_layer_push(parent, rel, &rd, out, &err);
	*file_err = src.err != 0;
	if (src.err && !quiet) {
		char *p = util_path_join(disp, src.err_name);

		if (src.err == OPPATH_NOT_REGULAR || src.err == -EPERM) {
			char esc[PATH_MAX * 4];

			util_escape_name(esc, sizeof(esc), p);
			report_error(run->rep, "cannot read merge file '%s': %s", esc,
			    src.err == -EPERM ? "a symlink owned by an "
			    "untrusted user (--insecure-links follows it)" :
			    "not a regular file");
		} else {
			report_errno_side(run->rep, TS_SIDE_SRC, -src.err,
			    "cannot read merge file", p);
		}
		free(p);
		run_source_failed(run);
	}
	free(src.err_name);
	return select_pushed(run, r, err);
}

uint64_t select_depth_bit(const char *rel)
{
	unsigned n = 0;

	for (; *rel; rel++)
		n += *rel != '/' && (rel[1] == '/' || rel[1] == '\0');
	return (uint64_t)1 << (n & 63);
}

/* Enters source S of D in the filter rules (reads its merge files). */
bool select_push_layer(struct dnode *d, struct dsrc *s)
{
	bool file_err, ok;

	if (!s->parent_layer)
		return true;
	ok = select_push_at(d->run, s->parent_layer, d->rel, s->slot.fd,
	    s->disp, false, &file_err, &s->layer);
	s->rules_err = (s->up ? s->up->rules_err : 0) |
	    (file_err ? select_depth_bit(d->rel) : 0);
	return ok;
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

	int r;

	if (backup_protects(run, rel) ||
	    partial_protects(run->copy.part, rel, is_dir))
		return true;
	/* -b's implied "P *SUFFIX" comes after every rule given (rsync):
	 * a rule of the user's decides first ("R *~" lets old backups go),
	 * and rsync adds none with --delete-excluded.  This run's own
	 * backups are never deleted: the deletion pass removes a name only
	 * if it still is the inode listed (delete_seen()), whichever
	 * treesync-mpi rank made the backup. */
	r = l ? filter_check(l, rel, fl, NULL) : FILTER_NO_MATCH;
	if (r != FILTER_NO_MATCH)
		return r < 0;
	return !run->o->delete_excluded && backup_is_backup(run, rel);
}

bool select_gone_kept(const struct ts_run *run, const char *rel, bool is_dir)
{
	struct filter_layer *l = run->filters ?
	    filter_layer_root(run->filters, "/") : NULL;
	bool keep = protected_entry(run, l, rel, is_dir, false);

	filter_layer_unref(l);
	return keep;
}

bool select_protect_inside(void *arg, const char *relpath, bool is_dir)
{
	const struct protect_arg *p = arg;

	return protected_entry(p->run, p->layer, relpath, is_dir, true);
}

/* --- --files-from ------------------------------------------------------ */

/*
 * Normalises PATH in place into a path below its base: "." components
 * and leading '/' dropped, ".." collapsed and clamped at the base (never
 * above it), as rsync sanitizes a list line.  Returns true when it ended
 * with a '/' or a "." (it names a directory's contents).
 */
static bool normalise(char *path)
{
	char *copy = xstrdup(path), *save = NULL, *tok;
	size_t o = 0, n = strlen(path);
	bool contents = n > 0 && (path[n - 1] == '/' ||
	    (path[n - 1] == '.' && (n == 1 || path[n - 2] == '/')));

	path[0] = '\0';
	for (tok = strtok_r(copy, "/", &save); tok;
	    tok = strtok_r(NULL, "/", &save)) {
		if (strcmp(tok, ".") == 0)
			continue;
		if (strcmp(tok, "..") == 0) {
			/* Up one component, never above the base. */
			while (o > 0 && path[o - 1] != '/')
				o--;
			if (o > 0)
				o--;
			path[o] = '\0';
			continue;
		}
		if (o)
			path[o++] = '/';
		memcpy(path + o, tok, strlen(tok) + 1);
		o += strlen(tok);
	}
	free(copy);
	return contents;
}

static int cmp_sel_paths(const void *a, const void *b)
{
	const struct sel_path *x = a, *y = b;

	return strcmp(x->path, y->path);
}

/* The list of PREFIX in RUN, created (in first-line order) if needed. */
static struct sel_list *list_of(struct ts_run *run, const char *prefix,
    size_t *cap)
{
	size_t i;

	for (i = 0; i < run->nsels; i++)
		if (strcmp(run->sels[i].prefix, prefix) == 0)
			return &run->sels[i];
	if (run->nsels == *cap) {
		*cap = *cap ? *cap * 2 : 4;
		run->sels = xrealloc(run->sels, *cap * sizeof(*run->sels));
	}
	memset(&run->sels[run->nsels], 0, sizeof(run->sels[0]));
	run->sels[run->nsels].prefix = xstrdup(prefix);
	return &run->sels[run->nsels++];
}

/* Adds one list line: "PREFIX/./PATH" or "PATH". */
static void add_line(struct ts_run *run, char *line, size_t *cap,
    size_t *caps)
{
	char *mark = strstr(line, "/./"), *path = line, *conv = NULL;
	struct sel_list *l;
	bool contents, dot;
	size_t k;

	if (mark) {
		*mark = '\0';
		path = mark + 3;
		normalise(line);
	}
	dot = path[0] == '.' && path[1] == '/' && path[2];
	contents = normalise(path) || !*path;
	/* --iconv: the path below its root is matched against DEST's names
	 * (scan.c); one with no form there is a source error. */
	if (run->names && *path) {
		enum nameconv_step step;

		conv = nameconv_to_dest(run->names, path, &step);
		if (!conv) {
			report_errno_side(run->rep, TS_SIDE_SRC, errno,
			    "cannot convert filename", path);
			run_source_failed(run);
			return;
		}
	}
	l = list_of(run, mark ? line : "", cap);
	l->dot_line |= dot;
	k = (size_t)(l - run->sels);
	if (l->n == caps[k]) {
		caps[k] = caps[k] ? caps[k] * 2 : 64;
		l->v = xrealloc(l->v, caps[k] * sizeof(*l->v));
	}
	l->v[l->n] = (struct sel_path){ .path = conv ? conv : xstrdup(path),
		.contents = contents };
	l->n++;
}

/*
 * -R: the operands as lines below "/": an absolute one as it is, a
 * relative one below the current directory, whose path is then marked
 * off ("CWD/./OPERAND") so that only the operand's path is kept below
 * DEST, as an operand's own "/./" marks off what comes before it.
 */
static char **relative_lines(struct ts_run *run, size_t *n)
{
	char cwd[PATH_MAX], **v = xcalloc(run->nrel_srcs + 1, sizeof(*v));
	size_t i;

	if (!getcwd(cwd, sizeof(cwd)))
		strcpy(cwd, ".");
	for (i = 0; i < run->nrel_srcs; i++) {
		const char *op = run->rel_srcs[i];

		/* "./PATH" sends the current directory too (add_line()). */
		if (op[0] == '/')
			v[i] = xstrdup(op + 1);
		else if (strstr(op, "/./") && strncmp(op, "./", 2) != 0)
			v[i] = util_path_join(cwd + 1, op);
		else if (asprintf(&v[i], "%s/./%s", cwd + 1, op) < 0)
			v[i] = xstrdup(op);
	}
	*n = run->nrel_srcs;
	return v;
}

/*
 * --confine-root: rsync holds the paths selected from a --files-from
 * list below it, so when the source directory they are looked up in is
 * outside, each one fails as an entry that cannot be stat'ed (ELOOP, as
 * rsync's walk says) and none is sent.  True when they may be used.
 */
static bool list_confined(struct ts_run *run, char **lines, size_t n)
{
	const char *dir = run->o->nsrcs ? run->o->srcs[0] : ".";
	struct oppath_how how = oppath_how_of(run->o);
	size_t i;
	int fd, r = 0;

	if (!(how.opts & OPPATH_CONFINE))
		return true;
	fd = oppath_open(AT_FDCWD, dir, O_PATH | O_DIRECTORY, 0,
	    oppath_unconfined(how), NULL);
	if (fd >= 0) {	/* missing: said later */
		r = oppath_check_root(how, fd);
		close(fd);
	}
	/* Outside, or not known to be inside (its own errno). */
	for (i = 0; r < 0 && i < n; i++) {
		char *p = util_path_join(dir, lines[i]);

		report_errno_side(run->rep, TS_SIDE_SRC, r == -EXDEV ? ELOOP :
		    -r, "cannot stat listed source", p);
		free(p);
		run_source_failed(run);
	}
	return r == 0;
}

int select_load(struct ts_run *run)
{
	char **lines = NULL;
	size_t n = 0, i, k, cap = 0, *caps;
	bool use;
	int rc;

	if (run->rel_srcs)
		lines = relative_lines(run, &n);
	else if ((rc = plan_read_files_from(run->rep, run->o->files_from,
	    run->o->from0, oppath_how_of(run->o), &lines, &n)) != 0)
		return rc;	/* as rsync: 1, or 12 for a read error */
	use = run->rel_srcs || list_confined(run, lines, n);
	caps = xcalloc(n + 1, sizeof(*caps));
	for (i = 0; i < n; i++) {
		if (use)
			add_line(run, lines[i], &cap, caps);
		free(lines[i]);
	}
	free(lines);
	free(caps);
	for (k = 0; k < run->nsels; k++) {
		struct sel_list *l = &run->sels[k];
		size_t o = 0;

		if (l->n > 1)	/* an empty list may have no array */
			qsort(l->v, l->n, sizeof(*l->v), cmp_sel_paths);
		for (i = 0; i < l->n; i++) {
			if (o > 0 && strcmp(l->v[o - 1].path, l->v[i].path) == 0) {
				l->v[o - 1].contents |= l->v[i].contents;
				l->v[o - 1].repeated = true;
				free(l->v[i].path);
				continue;
			}
			l->v[o++] = l->v[i];
		}
		l->n = o;
		l->seen = xcalloc(o ? o : 1, sizeof(*l->seen));
	}
	return 0;
}

void select_free(struct ts_run *run)
{
	size_t k, i;

	for (k = 0; k < run->nsels; k++) {
		for (i = 0; i < run->sels[k].n; i++)
			free(run->sels[k].v[i].path);
		free(run->sels[k].v);
		free(run->sels[k].seen);
		free(run->sels[k].prefix);
	}
	free(run->sels);
	run->sels = NULL;
	run->nsels = 0;
}

/* The index of PATH in L, or -1. */
static long list_find(const struct sel_list *l, const char *path)
{
	size_t lo = 0, hi = l->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(path, l->v[mid].path);

		if (c == 0)
			return (long)mid;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return -1;
}

/*
 * Whether the listed path V is in rsync's list: it exists in the source
 * (looked up as REL below FD, once, then remembered), or it is missing
 * and --delete-missing-args sends it.  rsync's sender stats each listed
 * path and sends the directories on its way only with it.  With --iconv
 * the names are DEST's: taken as there.  Thread-safe (two workers may
 * both look one path up, and find the same).
 */
static bool path_sent(const struct ts_run *run, struct sel_path *v, int fd,
    const char *rel)
{
	signed char s = atomic_load(&v->sent);
	struct stat st;
	int e = 0;

	if (s == 0) {
		if (!run->names && fstatat(fd, rel, &st,
		    AT_SYMLINK_NOFOLLOW) < 0)
			e = errno;
		s = !e || (e == ENOENT && run->o->delete_missing_args) ? 1 : -1;
		atomic_store(&v->sent, s);
	}
	return s > 0;
}

/*
 * True when some listed path that is sent (path_sent()) lies below PATH,
 * the source item IT ("" is the base: any listed path).  The first one
 * found sent ends the search: a directory with listed files looks up one.
 */
static bool list_has_below(const struct ts_run *run,
    const struct srcitem *it, const char *path)
{
	const struct sel_list *l = it->list;
	size_t n = strlen(path), lo = 0, hi = l->n;
	bool sent = false;

	if (n == 0)
		return l->n > 1 || (l->n == 1 && *l->v[0].path);
	while (lo < hi) {	/* first entry >= "PATH/" */
		size_t mid = lo + (hi - lo) / 2;
		const char *p = l->v[mid].path;
		int c = strncmp(p, path, n);

		if (c < 0 || (c == 0 && p[n] < '/'))
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; !sent && lo < l->n; lo++) {
		struct sel_path *v = &l->v[lo];
		char *rel;

		if (strncmp(v->path, path, n) != 0 || v->path[n] != '/')
			break;
		rel = util_path_join(it->src_name, v->path + n + 1);
		sent = path_sent(run, v, it->sfd, rel);
		free(rel);
	}
	return sent;
}

enum sel select_root_sel(const struct ts_run *run, const struct sel_list *l)
{
	long idx = list_find(l, "");

	if (idx < 0)
		return SEL_PARTIAL;
	atomic_store(&l->seen[idx], true);
	return run->recurse ? SEL_ALL : SEL_CONTENTS;
}

bool select_implied_dir(const struct ts_run *run, const struct srcitem *it,
    const char *rel)
{
	return it->list && it->sel != SEL_ALL && rel &&
	    list_has_below(run, it, rel);
}

/*
 * Decides whether a source item of D takes part, and how much below it.
 * In a directory selected whole, everything does (descended with -r;
 * without it, -d, directories are made but not read).  In a partly
 * selected one, only listed paths and the directories leading to listed
 * paths do; a listed "dir/" brings its entries too, one level.
 */
bool select_item(struct dnode *d, struct srcitem *it)
{
	struct ts_run *run = d->run;
	bool is_dir = S_ISDIR(it->ent->mode), below = false;
	char *path;
	long idx;

	it->child_sel = SEL_ALL;
	it->child_stop = !run->recurse;
	if (!it->list)
		return true;
	if (it->sel == SEL_ALL) {
		/* Below a listed directory: a path listed too is met. */
		path = util_path_join(d->rel, it->name);
		idx = list_find(it->list, path);
		if (idx >= 0)
			atomic_store(&it->list->seen[idx], true);
		free(path);
		return true;
	}
	path = util_path_join(d->rel, it->name);
	idx = list_find(it->list, path);
	if (is_dir)
		below = list_has_below(run, it, path);
	free(path);
	if (idx >= 0 && it->implied) {
		/* A listed symlink that another listed path goes through:
		 * the directory is sent for that path only (rsync). */
		atomic_store(&it->list->seen[idx], true);
		it->child_sel = SEL_PARTIAL;
		it->child_stop = false;
		return true;
	}
	if (idx >= 0) {
		atomic_store(&it->list->seen[idx], true);
		/* -R without -r or -d: an operand that is a directory is
		 * not sent (rsync); directories on the way to one are. */
		if (is_dir && run->rel_srcs && !run->recurse && !run->o->dirs &&
		    !below) {
			char *rel = util_path_join(d->rel, it->disp_name);

			report_note(run->rep, "skipping directory %s", rel);
			free(rel);
			return false;
		}
		if (is_dir && !run->recurse &&
		    (it->list->v[idx].contents || below)) {
			it->child_sel = it->list->v[idx].contents ?
			    SEL_CONTENTS : SEL_PARTIAL;
			it->child_stop = false;
		}
		return true;
	}
	if (below) {
		it->child_sel = SEL_PARTIAL;
		it->child_stop = false;
		it->unsent = run->o->no_implied_dirs;
		return true;
	}
	/* A listed "dir/": every entry, but its directories not read. */
	return it->sel == SEL_CONTENTS;
}

/* Whether bit J of V is set. */
static bool bit(const uint64_t *v, size_t j)
{
	return (v[j / 64] >> (j % 64)) & 1;
}

/* The directory the listed paths are below, to look them up (O_PATH, as
 * plan.c opens it): an fd or -1. */
static int list_base(const struct ts_run *run)
{
	const char *dir = run->o->nsrcs ? run->o->srcs[0] : ".";

	return open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
}

/* Why the listed path P (below BASE) was not met: its lstat's errno now
 * (ENOTDIR below a file), or ENOENT when that cannot be told (--iconv:
 * the names are DEST's; there after all). */
static int unlisted_errno(const struct ts_run *run, int base, const char *p)
{
	struct stat st;

	if (base < 0 || run->names ||
	    fstatat(base, p, &st, AT_SYMLINK_NOFOLLOW) == 0)
		return ENOENT;
	return errno;
}

/* Whether DEST, as rsync's receiver sees it, may become one entry: named
 * without a trailing slash, and missing or not a directory. */
static bool dest_may_be_entry(const char *dest)
{
	size_t n = dest ? strlen(dest) : 0;
	struct stat st;

	if (n == 0 || dest[n - 1] == '/')
		return false;
	return stat(dest, &st) == 0 ? !S_ISDIR(st.st_mode) : errno == ENOENT;
}

/* The one path of L that is sent (path_sent(), below the base FD), or
 * NULL: none, or more than one. */
static struct sel_path *only_sent(const struct ts_run *run,
    const struct sel_list *l, int fd)
{
	struct sel_path *one = NULL;
	size_t i;

	for (i = 0; i < l->n; i++) {
		char *p = *l->prefix ? util_path_join(l->prefix,
		    l->v[i].path) : xstrdup(l->v[i].path);
		bool sent = !*l->v[i].path || path_sent(run, &l->v[i], fd, p);

		free(p);
		if (!sent)
			continue;
		/* rsync's list holds a name listed twice twice. */
		if (one || l->v[i].repeated)
			return NULL;
		one = &l->v[i];
	}
	return one;
}

char *select_single_entry(struct ts_run *run)
{
	const struct ts_options *o = run->o;
	const struct sel_list *l = run->nsels == 1 ? &run->sels[0] : NULL;
	struct sel_path *v;
	char *dir, *p;
	struct stat st;
	int r, fd;

	/* One listed name there (those missing are not in rsync's list),
	 * with no directory on its way (rsync sends the implied ones), not
	 * "." nor "./NAME", and no rule that might leave it out (rsync's
	 * list would be empty). */
	if (!l || l->dot_line || run->filters || run->names ||
	    !dest_may_be_entry(o->dest) || (fd = list_base(run)) < 0)
		return NULL;
	v = only_sent(run, l, fd);
	close(fd);
	if (!v || !*v->path || strchr(v->path, '/'))
		return NULL;
	dir = *l->prefix ? util_path_join(o->nsrcs ? o->srcs[0] : ".",
	    l->prefix) : xstrdup(o->nsrcs ? o->srcs[0] : ".");
	p = util_path_join(dir, v->path);
	free(dir);
	/* What rsync's sender stats: the link itself, but with -L (or -k,
	 * for a link to a directory) what it points to. */
	r = lstat(p, &st);
	if (r == 0 && S_ISLNK(st.st_mode) && (o->copy_links ||
	    o->copy_dirlinks) && stat(p, &st) < 0)
		r = -1;
	if (r < 0 || S_ISDIR(st.st_mode)) {
		free(p);
		return NULL;
	}
	atomic_store(&l->seen[v - l->v], true);
	return p;
}

/*
 * Whether no listed path exists below the source directory: an empty
 * list, or every name missing (ENOENT, ENOTDIR: rsync leaves it out of
 * its file list).  A list that sends "." itself is never empty; with
 * --iconv the names are DEST's, so none is looked up (false); with
 * --delete-missing-args a missing name is one to delete (false).
 * Read-only: the walk says later what is missing.
 */
bool select_sends_nothing(struct ts_run *run)
{
	bool none = !run->names;
	size_t k, i;
	int fd = list_base(run);

	if (fd < 0)
		return false;	/* plan_build() says why */
	for (k = 0; none && k < run->nsels; k++) {
		const struct sel_list *l = &run->sels[k];

		none = !l->dot_line &&
		    !(run->o->delete_missing_args && l->n > 0);
		for (i = 0; none && i < l->n; i++) {
			const char *path = l->v[i].path;
			char *p = *l->prefix ? util_path_join(l->prefix, path) :
			    xstrdup(path);
			struct stat st;

			none = *path && fstatat(fd, p, &st,
			    AT_SYMLINK_NOFOLLOW) < 0 &&
			    (errno == ENOENT || errno == ENOTDIR);
			free(p);
		}
	}
	close(fd);
	return none;
}

bool select_has_gone(const struct ts_run *run)
{
	size_t k, i;

	for (k = 0; k < run->nsels; k++)
		for (i = 0; i < run->sels[k].n; i++)
			if (run->sels[k].v[i].gone)
				return true;
	return false;
}

/* "file has vanished" for the missing directory DIR below the list's
 * base (with -R "/": "/DIR", not "//DIR"), counted (exit 24). */
static void say_vanished(struct ts_run *run, const char *dir)
{
	const char *top = run->o->srcs[0];

	add(&run->vanished, 1);
	if (strcmp(top, "/") == 0) {
		char *abs = xmalloc(strlen(dir) + 2);

		abs[0] = '/';
		strcpy(abs + 1, dir);
		report_vanished(run->rep, "", abs);
		free(abs);
	} else {
		report_vanished(run->rep, top, dir);
	}
}

/*
 * --delete-missing-args: a missing listed path P (below BASE) with a
 * missing directory on its way.  rsync's sender says "file has vanished"
 * (exit 24): without -r for each such directory, once (the list is
 * sorted, so the paths below one come together: *LAST, the deepest said
 * before, tells what was); with -r for the first such directory of every
 * path, whose name is then not deleted.  True when a directory on the
 * way is missing.
 */
static bool vanished_parents(struct ts_run *run, int base, const char *p,
    char **last)
{
	char *dir = xstrdup(p), *slash = dir;
	bool gone = false;
	struct stat st;

	while (base >= 0 && !run->names && (slash = strchr(slash, '/')) &&
	    !(gone && run->recurse)) {
		size_t n = (size_t)(slash - dir);

		*slash = '\0';
		if (fstatat(base, dir, &st, AT_SYMLINK_NOFOLLOW) < 0 &&
		    errno == ENOENT) {
			gone = true;
			if (run->recurse || !*last ||
			    strncmp(*last, dir, n) != 0 ||
			    ((*last)[n] != '/' && (*last)[n])) {
				say_vanished(run, dir);
				free(*last);
				*last = xstrdup(dir);
			}
		}
		*slash++ = '/';
	}
	free(dir);
	return gone;
}

void select_report_unlisted(struct ts_run *run, const uint64_t *later)
{
	/* rsync: a listed name that is missing (ENOENT only) is left out
	 * quietly with --ignore-missing-args, and with
	 * --delete-missing-args is deleted from DEST (it wins when both
	 * are given).  Only before the removal plan is decided: a second
	 * call is below a directory just made, with nothing to delete. */
	bool quiet = run->o->ignore_missing_args;
	bool del = run->o->delete_missing_args && !run->after_walk;
	int base = run->nsels ? list_base(run) : -1;
	size_t k, i, j = 0;
	char *last = NULL;

	for (k = 0; k < run->nsels; k++) {
		const struct sel_list *l = &run->sels[k];

		for (i = 0; i < l->n; i++, j++) {
			char *p;
			int e;

			if (atomic_load(&l->seen[i]) || !*l->v[i].path)
				continue;
			/* Below a directory that replaces another entry after
			 * the walk: met then (the second call says it). */
			if (later ? bit(later, j) :
			    gate_defers_above(run, l->v[i].path))
				continue;
			p = *l->prefix ? util_path_join(l->prefix,
			    l->v[i].path) : xstrdup(l->v[i].path);
			e = unlisted_errno(run, base, p);
			if (e == ENOENT && del)
				l->v[i].gone = !vanished_parents(run, base, p,
				    &last) || !run->recurse;
			if (!(quiet && e == ENOENT)) {
				atomic_store(&l->seen[i], true);	/* said */
				report_errno_side(run->rep, TS_SIDE_SRC, e,
				    "cannot stat listed source", p);
				run_source_failed(run);
			} else if (del) {
				atomic_store(&l->seen[i], true);
			}
			free(p);
		}
	}
	free(last);
	if (base >= 0)
		close(base);
}

size_t select_npaths(const struct ts_run *run)
{
	size_t k, n = 0;

	for (k = 0; k < run->nsels; k++)
		n += run->sels[k].n;
	return n;
}

void select_seen_bits(struct ts_run *run, uint64_t *seen, uint64_t *later)
{
	size_t k, i, j = 0;

	for (k = 0; k < run->nsels; k++) {
		const struct sel_list *l = &run->sels[k];

		for (i = 0; i < l->n; i++, j++)
			if (atomic_load(&l->seen[i]))
				seen[j / 64] |= (uint64_t)1 << (j % 64);
			else if (later && *l->v[i].path &&
			    gate_defers_above(run, l->v[i].path))
				later[j / 64] |= (uint64_t)1 << (j % 64);
	}
}

void select_seen_merge(struct ts_run *run, const uint64_t *seen)
{
	size_t k, i, j = 0;

	for (k = 0; k < run->nsels; k++)
		for (i = 0; i < run->sels[k].n; i++, j++)
			if (bit(seen, j))
				atomic_store(&run->sels[k].seen[i], true);
}

/* An extraneous destination entry kept by a receiver-side rule. */
bool select_protected_dest(struct dnode *d, const struct ts_entry *en)
{
	char *rel;
	bool keep;

	if (!dnode_layer(d) && !d->run->plan.bak)
		return false;
	rel = util_path_join(d->rel, en->name);
	keep = protected_entry(d->run, dnode_layer(d), rel, S_ISDIR(en->mode), false);
	free(rel);
	return keep;
}

/*
 * --files-from: rsync sends the root "." only when it is listed, or as the
 * implied parent of a line written "./PATH" (as find(1) writes them).
 */
bool select_list_sends_root(const struct sel_list *l)
{
	return l->dot_line || list_find(l, "") >= 0;
}
