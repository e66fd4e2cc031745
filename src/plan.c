/*
 * plan.c -- rsync's operand rules.
 *
 *  - "dir/" (or "dir/.", ".") copies the contents of dir into DEST;
 *  - "dir" copies dir itself as DEST/dir; so does a file, link or node;
 *  - one non-directory source and a DEST that is not an existing directory
 *    (and has no trailing slash) copies that one file to the name DEST;
 *  - otherwise DEST is a directory, created if missing (only the last
 *    component: its parent must exist, as in rsync).
 *
 * Operator paths are resolved here, following symlinks the operator named;
 * nothing below these fds is ever resolved from "/" again.
 */
#define _GNU_SOURCE
#include "plan.h"

#include "backup.h"
#include "run.h"
#include "oppath.h"
#include "report.h"
#include "sys.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <treesync/treesync.h>

static bool ends_with_slash(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && s[n - 1] == '/';
}

/* "a/b/", "a/b/.", "." and "/" name a directory's contents. */
static bool names_contents(const char *s)
{
	size_t n = strlen(s);

	if (ends_with_slash(s))
		return true;
	if (strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return true;
	return n >= 2 && strcmp(s + n - 2, "/.") == 0;
}

/* Splits PATH (no trailing slash) into a malloc'ed parent and a name. */
static void split_path(const char *path, char **parent, char **name)
{
	const char *slash = strrchr(path, '/');

	if (!slash) {
		*parent = xstrdup(".");
		*name = xstrdup(path);
	} else if (slash == path) {
		*parent = xstrdup("/");
		*name = xstrdup(slash + 1);
	} else {
		*parent = xstrdup(path);
		(*parent)[slash - path] = '\0';
		*name = xstrdup(slash + 1);
	}
}

/* rsync says so with -v or -i, naming DEST without trailing slashes. */
static void report_created(struct report *rep, const struct ts_options *o,
    const char *dest)
{
	size_t n = strlen(dest);

	if (!o->verbose && !o->itemize)
		return;
	while (n > 1 && dest[n - 1] == '/')
		n--;
	char *name = xstrdup(dest);

	name[n] = '\0';
	report_note(rep, "created directory %s", name);
	free(name);
}

static int open_dir(const char *path)
{
	return open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

/* Fills one source; false if it cannot be used (reported). */
static bool plan_source(struct report *rep, const char *operand, bool base,
    bool ignore_missing, struct plan_src *s)
{
	char *copy, *parent, *name;
	size_t n;
	int r;

	memset(s, 0, sizeof(*s));
	s->operand = operand;
	s->fd = -1;
	/* With --files-from every operand is a base directory. */
	s->contents = base || names_contents(operand);
	if (s->contents) {
		s->fd = open_dir(operand);
		if (s->fd < 0) {
			report_errno(rep, errno, errno == ENOTDIR
			    ? "source is not a directory" : "cannot open source",
			    operand);
			return false;
		}
		r = walk_stat(s->fd, "", false, &s->st);
		if (r < 0) {
			report_errno(rep, -r, "cannot stat source", operand);
			return false;
		}
		return true;
	}
	copy = xstrdup(operand);
	n = strlen(copy);
	while (n > 1 && copy[n - 1] == '/')
		copy[--n] = '\0';
	split_path(copy, &parent, &name);
	free(copy);
	/* "missing/..": not a name that can be missing -- its directory is
	 * (rsync: change_dir fails, exit 23), never an ignored argument, and
	 * never a name to delete in DEST. */
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		ignore_missing = false;
	/* A missing directory on the way is never an ignored argument
	 * either: rsync's change_dir fails (exit 23), nothing deleted. */
	s->fd = open_dir(parent);
	if (s->fd < 0) {
		report_errno(rep, errno, "cannot open source directory", parent);
		free(parent);
		free(name);
		return false;
	}
	free(parent);
	s->name = name;
	r = walk_stat(s->fd, name, false, &s->st);
	if (r == -ENOENT && ignore_missing) {
		s->ignored = true;
		return false;
	}
	if (r < 0) {
		report_errno(rep, -r, "cannot stat source", operand);
		return false;
	}
	return true;
}

/*
 * Opens the directory PATH of DEST, an operator path: a symlink on the way
 * that another user owns is refused (rsync 3.5; oppath.c), and said so.
 * Returns the fd, or -1 with errno set (EPERM for a refused symlink).
 */
static int open_dest(struct report *rep, const struct ts_options *o,
    const char *path)
{
	uid_t bad = (uid_t)-1;
	struct oppath_how how = oppath_unconfined(oppath_how_of(o));
	int fd = oppath_open(AT_FDCWD, path, O_RDONLY | O_DIRECTORY, 0, how,
	    &bad);

	if (fd >= 0)
		return fd;
	if (fd == -ELOOP && bad != (uid_t)-1) {
		report_error(rep, "%s", oppath_refusal(how, bad, path));
		fd = -EPERM;
	}
	errno = -fd;
	return -1;
}

/* --delete-missing-args: the name in DEST of the missing OPERAND. */
static void add_gone(struct plan *p, const char *operand)
{
	char *copy = xstrdup(operand), *parent, *name;
	size_t n = strlen(copy);

	while (n > 1 && copy[n - 1] == '/')
		copy[--n] = '\0';
	split_path(copy, &parent, &name);
	free(copy);
	free(parent);
	p->gone = xrealloc(p->gone, (p->ngone + 1) * sizeof(*p->gone));
	p->gone[p->ngone++] = name;
}

/*
 * --mkpath: makes the missing directories of DEST (every one, when DEST
 * names a directory: DIR_DEST), or of its parent (one file to a new
 * name), one component at a time below the longest part that exists (an
 * operator path: oppath.c's rule for symlinks); rsync's line says how
 * many.  A dry run makes nothing and goes on as if DEST were missing.
 * Returns 0, or an exit code after reporting.
 */
static int make_path(const struct ts_options *o, struct plan *p,
    bool dir_dest)
{
	struct oppath_how how = oppath_unconfined(oppath_how_of(o));
	struct stat st;
	char *path = xstrdup(o->dest), *comps, *save = NULL, *tok, *end;
	char fmt[64];
	size_t n = strlen(path);
	int fd, made = 0;
	bool missing = false;

	while (n > 1 && path[n - 1] == '/')
		path[--n] = '\0';
	/* One file to a name that is not a directory: only its parent. */
	if (!dir_dest && !ends_with_slash(o->dest) &&
	    !(stat(o->dest, &st) == 0 && S_ISDIR(st.st_mode)) &&
	    p->nsrcs == 1 && !p->srcs[0].contents &&
	    !S_ISDIR(p->srcs[0].st.mode)) {
		end = strrchr(path, '/');
		if (!end || end == path) {
			free(path);
			return 0;
		}
		*end = '\0';
	}
	fd = open(path[0] == '/' ? "/" : ".", O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC);
	comps = xstrdup(path);	/* strtok_r cuts it; PATH is said */
	for (tok = strtok_r(comps, "/", &save);
	    tok && fd >= 0; tok = strtok_r(NULL, "/", &save)) {
		int next = -ENOENT;

		if (!missing)
			next = oppath_open(fd, tok, O_RDONLY | O_DIRECTORY, 0, how,
			    NULL);
		if (next == -ENOENT) {
			missing = true;
			made++;
			if (o->dry_run)
				continue;
			if (sys.mkdirat(fd, tok, 0777) < 0 && errno != EEXIST) {
				next = -errno;
			} else {
				next = sys.openat(fd, tok, O_RDONLY | O_DIRECTORY |
				    O_NOFOLLOW | O_CLOEXEC, 0);
				if (next < 0)
					next = -errno;
			}
		}
		close(fd);
		fd = next;
	}
	free(comps);
	if (fd >= 0)
		close(fd);
	else if (fd != -ENOENT || !o->dry_run) {
		report_errno(p->rep, -fd, "cannot make the path of", o->dest);
		free(path);
		return TS_EXIT_FILEIO;
	}
	if (made && (o->verbose || o->itemize)) {
		snprintf(fmt, sizeof(fmt), "created %d director%s for %%s", made,
		    made == 1 ? "y" : "ies");
		report_note(p->rep, fmt, path);
	}
	free(path);
	return 0;
}

/* DEST as a directory: open it, or create its last component. */
static int plan_dest_dir(const struct ts_options *o, struct plan *p)
{
	struct report *rep = p->rep;
	const char *dest = o->dest;
	char *parent, *name, *copy;
	size_t n;
	int pfd;

	p->dst_fd = open_dest(rep, o, dest);
	if (p->dst_fd >= 0)
		return 0;
	if (errno == EPERM)
		return TS_EXIT_SELECT;	/* a refused symlink: rsync's 3 */
	if (errno == ENOTDIR) {
		report_errno(rep, ENOTDIR, "destination must be a directory",
		    dest);
		return TS_EXIT_SELECT;
	}
	if (errno != ENOENT) {
		report_errno(rep, errno, "cannot open destination", dest);
		return TS_EXIT_SELECT;
	}
	p->dst_new = true;
	if (o->dry_run) {
		report_created(rep, o, dest);
		return 0;	/* dst_fd stays -1: everything is new */
	}
	/* The last component is made below its parent, itself opened as an
	 * operator path. */
	copy = xstrdup(dest);
	n = strlen(copy);
	while (n > 1 && copy[n - 1] == '/')
		copy[--n] = '\0';
	split_path(copy, &parent, &name);
	free(copy);
	pfd = open_dest(rep, o, parent);
	if (pfd < 0 || sys.mkdirat(pfd, name, 0777) < 0) {
		int e = errno;

		if (e != EPERM)
			report_errno(rep, e, "cannot create destination directory",
			    dest);
		if (pfd >= 0)
			close(pfd);
		free(parent);
		free(name);
		return e == EPERM ? TS_EXIT_SELECT :
		    TS_EXIT_FILEIO;	/* rsync: mkdir failed, code 11 */
	}
	report_created(rep, o, dest);
	p->dst_fd = sys.openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC, 0);
	close(pfd);
	free(parent);
	free(name);
	if (p->dst_fd < 0) {
		report_errno(rep, errno, "cannot open destination", dest);
		return TS_EXIT_SELECT;
	}
	return 0;
}

/* One file to the name DEST: dst_fd is DEST's parent. */
static int plan_dest_single(const struct ts_options *o, struct plan *p)
{
	struct report *rep = p->rep;
	char *parent, *name;

	split_path(o->dest, &parent, &name);
	p->dst_fd = open_dest(rep, o, parent);
	if (p->dst_fd < 0 && errno == ENOENT && o->mkpath && o->dry_run) {
		/* --mkpath made nothing in a dry run: the file is new. */
		free(parent);
		p->dst_new = true;
		p->single_name = name;
		return 0;
	}
	if (p->dst_fd < 0) {
		if (errno != EPERM)
			report_errno(rep, errno, "cannot open destination directory",
			    parent);
		free(parent);
		free(name);
		return TS_EXIT_SELECT;
	}
	free(parent);
	p->single_name = name;
	return 0;
}

/*
 * True when DEST lies inside a source directory (or is one): its own
 * directories would then be met again by the walk of that source.  Found
 * by going up from DEST's directory with ".." and comparing with each
 * source directory (the fd of a "dir/" operand, the parent of another).
 */
static bool dest_inside_source(const struct plan *p)
{
	struct stat up, sst;
	int fd, next, hops;
	size_t i;
	bool inside = false;

	if (p->dst_fd < 0 || (fd = fcntl(p->dst_fd, F_DUPFD_CLOEXEC, 0)) < 0)
		return false;
	for (hops = 0; hops < 4096 && !inside && fstat(fd, &up) == 0;
	    hops++) {
		for (i = 0; i < p->nsrcs && !inside; i++) {
			const struct plan_src *s = &p->srcs[i];

			if (!s->contents && !S_ISDIR(s->st.mode))
				continue;
			if (s->contents ? fstat(s->fd, &sst) == 0 :
			    fstatat(s->fd, s->name, &sst,
			    AT_SYMLINK_NOFOLLOW) == 0)
				inside = sst.st_dev == up.st_dev &&
				    sst.st_ino == up.st_ino;
		}
		next = openat(fd, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		close(fd);
		if (next < 0)
			return inside;
		fd = next;
		if (fstat(fd, &sst) == 0 && sst.st_dev == up.st_dev &&
		    sst.st_ino == up.st_ino)
			break;	/* "/": its ".." is itself */
	}
	close(fd);
	return inside;
}

/*
 * Nothing to send into a DEST that is missing and named without a
 * trailing slash: rsync's file list is empty and it makes no DEST (a
 * dry run says no "created directory").  The sources are let go, so the
 * walk has nothing to read and nothing to write; what is missing is
 * still said after it.  --delete-missing-args with names to delete and
 * --mkpath with a path to make: DEST as before.  True when it is so.
 */
static bool dest_unmade(const struct ts_options *o, struct plan *p,
    bool nothing)
{
	struct stat st;
	size_t i;

	if (!nothing || p->ngone || o->mkpath ||
	    ends_with_slash(o->dest) || lstat(o->dest, &st) == 0 ||
	    errno != ENOENT)
		return false;
	for (i = 0; i < p->nsrcs; i++) {
		close(p->srcs[i].fd);
		free(p->srcs[i].name);
	}
	p->nsrcs = 0;
	p->dst_unmade = true;
	return true;
}

int plan_build(const struct ts_options *o, struct report *rep, struct plan *p,
    bool nothing_listed)
{
	struct stat dst_st;
	size_t i, ok = 0, ignored = 0;
	bool dest_is_dir, single;

	memset(p, 0, sizeof(*p));
	p->rep = rep;
	p->dst_fd = -1;
	p->dst_operand = o->dest;
	p->srcs = xcalloc(o->nsrcs, sizeof(*p->srcs));
	for (i = 0; i < o->nsrcs; i++) {
		struct plan_src *s = &p->srcs[ok];

		if (!plan_source(rep, o->srcs[i], o->files_from != NULL,
		    o->ignore_missing_args, s)) {
			if (s->fd >= 0)
				close(s->fd);
			free(s->name);
			if (s->ignored)
				ignored++;
			else
				p->missing++;
			if (s->ignored && o->delete_missing_args)
				add_gone(p, o->srcs[i]);
			continue;
		}
		if (s->contents)
			p->any_contents = true;
		ok++;
	}
	p->nsrcs = ok;
	if (ok == 0 && !ignored)
		return TS_EXIT_PARTIAL;	/* nothing to copy: DEST untouched */
	if (dest_unmade(o, p, ok == 0 || nothing_listed))
		return 0;
	if (o->mkpath) {
		int r = make_path(o, p, ok == 0);

		if (r)
			return r;
	}

	dest_is_dir = stat(o->dest, &dst_st) == 0 && S_ISDIR(dst_st.st_mode);
	/* rsync counts the sources it could stat, not the operands. */
	single = ok == 1 && !p->srcs[0].contents &&
	    !S_ISDIR(p->srcs[0].st.mode) && !dest_is_dir &&
	    !ends_with_slash(o->dest);
	if (single) {
		int r = plan_dest_single(o, p);

		if (r)
			return r;
	} else {
		int r = plan_dest_dir(o, p);

		if (r)
			return r;
	}
	p->network_fs = util_fd_is_network(p->dst_fd);
	for (i = 0; i < p->nsrcs && !p->network_fs; i++)
		p->network_fs = util_fd_is_network(p->srcs[i].fd);
	p->overlap = dest_inside_source(p);
	p->bak = backup_new(o, rep);
	p->srm = srcremove_new(o);
	return 0;
}

/* The --files-from list FILE, an operator path (oppath.c). */
static FILE *open_list(struct report *rep, const char *file,
    struct oppath_how how)
{
	uid_t bad = (uid_t)-1;
	int fd = oppath_open(AT_FDCWD, file, O_RDONLY | O_NOCTTY, 0, how,
	    &bad);
	FILE *f;

	if (fd == -ELOOP && bad != (uid_t)-1) {
		report_error(rep, "%s", oppath_refusal(how, bad, file));
		fd = -EPERM;
	}
	if (fd < 0) {
		errno = -fd;
		return NULL;
	}
	f = fdopen(fd, "r");
	if (!f)
		close(fd);
	return f;
}

/*
 * Adds the names of one LINE of a --files-from list to *V.  Without
 * --from0 a CR ends a name as a newline does (as rsync reads a list), so
 * "a\rb" is two names and a CRLF end leaves no CR behind; with --from0 a
 * CR is part of the name.  Blank names and comments ('#' or ';' first)
 * are left out.
 */
static void add_names(char *line, bool from0, char ***v, size_t *len)
{
	char *name = line, *end;

	for (; name; name = end ? end + 1 : NULL) {
		end = from0 ? NULL : strchr(name, '\r');
		if (end)
			*end = '\0';
		if (!*name || *name == '#' || *name == ';')
			continue;
		if (*len % 1024 == 0)
			*v = xrealloc(*v, (*len + 1024) * sizeof(**v));
		(*v)[(*len)++] = xstrdup(name);
	}
}

int plan_read_files_from(struct report *rep, const char *file, bool from0,
    struct oppath_how how,
    char ***lines, size_t *n)
{
	FILE *f = strcmp(file, "-") == 0 ? stdin : open_list(rep, file, how);
	char *line = NULL;
	size_t cap = 0, len = 0, i;
	ssize_t got;
	char **v = NULL;

	if (!f) {
		int e = errno;

		report_errno(rep, e, "cannot open --files-from file", file);
		return TS_EXIT_SYNTAX;
	}
	while ((got = getdelim(&line, &cap, from0 ? '\0' : '\n', f)) >= 0) {
		if (got > 0 && line[got - 1] == (from0 ? '\0' : '\n'))
			line[--got] = '\0';
		add_names(line, from0, &v, &len);
	}
	free(line);
	if (ferror(f)) {
		int e = errno;

		report_errno(rep, e, "cannot read --files-from file", file);
		if (f != stdin)
			fclose(f);
		for (i = 0; i < len; i++)
			free(v[i]);
		free(v);
		return TS_EXIT_STREAM;
	}
	if (f != stdin)
		fclose(f);
	*lines = v;
	*n = len;
	return 0;
}

void plan_free(struct plan *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i < p->nsrcs; i++) {
		if (p->srcs[i].fd >= 0)
			close(p->srcs[i].fd);
		free(p->srcs[i].name);
		free(p->srcs[i].dest_name);
	}
	free(p->srcs);
	if (p->dst_fd >= 0)
		close(p->dst_fd);
	for (i = 0; i < p->nalt; i++)
		if (p->alt_fd[i] >= 0)
			close(p->alt_fd[i]);
	free(p->single_name);
	backup_free(p->bak);
	for (i = 0; i < p->ngone; i++)
		free(p->gone[i]);
	free(p->gone);
	srcremove_free(p->srm);
	memset(p, 0, sizeof(*p));
	p->dst_fd = -1;
}
