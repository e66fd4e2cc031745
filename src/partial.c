/*
 * partial.c -- -T/--temp-dir, --partial, --partial-dir, --delay-updates:
 * where a copy's temp lives, what a copy that does not finish leaves, and
 * the staged files put in place at the end of the run.
 *
 * Every directory is held by an fd: -T's and an absolute --partial-dir
 * are operator paths, opened once (oppath.c: a symlink on the way only if
 * root or the user owns it); a relative --partial-dir is opened below each
 * destination directory one component at a time with O_NOFOLLOW, and a
 * non-directory in its place is removed first (rsync does so too).  A
 * temp is renamed from its held directory to a held directory, so a
 * directory flipped to a symlink meanwhile redirects nothing.
 *
 * What a final name holds: a complete file.  --partial without a
 * --partial-dir keeps an interrupted file in ".~tmp~" (run.c sets it),
 * never over its name as rsync's does.  With --delay-updates the finished files wait in
 * each directory's partial dir (".~tmp~") and are renamed into place one
 * after the other once the whole run is done; a cancelled run renames
 * none (they stay in the partial dirs, complete, and the next run copies
 * over them).
 */
#define _GNU_SOURCE
#include "partial.h"

#include "delete.h"
#include "oppath.h"
#include "report.h"
#include "run.h"
#include "sys.h"
#include "tmpfile.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

/* What PARTIAL_XATTR holds (this machine's layout: a partial is only
 * ever resumed where it was made). */
struct record {
	char magic[8];		/* "tspart1" */
	uint64_t dev, ino, size;
	int64_t mtime_s, mtime_ns, ctime_s, ctime_ns;
	uint64_t kept;		/* the bytes of the partial */
};

static const char record_magic[8] = "tspart1";

/* A file staged by --delay-updates. */
struct staged {
	char *rel;		/* its directory below DEST */
	char *name;
	struct srm_later *src;	/* --remove-source-files: its source, or
				 * NULL (the run's srcremove owns it) */
	/* The first of its directory's (once sorted): the directory's
	 * time before the renames, put back after them. */
	bool restore;
	struct timespec mtime;
};

/* -T DIR: relative to DEST (rsync's receiver works from there). */
static int open_temp_dir(struct partial *p, const struct ts_options *o,
    int dst_fd, int *code)
{
	uid_t bad = (uid_t)-1;
	struct stat st;
	int fd;

	if (o->temp_dir[0] != '/' && dst_fd < 0)
		return 0;	/* a dry run into a missing DEST */
	fd = oppath_open(o->temp_dir[0] == '/' ? AT_FDCWD : dst_fd,
	    o->temp_dir, O_RDONLY | O_DIRECTORY, 0, p->how, &bad);
	if (fd == -ELOOP && bad != (uid_t)-1) {
		report_error(p->rep, "%s", oppath_refusal(p->how, bad, o->temp_dir));
	} else if (fd == -ENOENT || fd == -ENOTDIR) {
		report_error(p->rep, "The temp-dir does not exist: %s",
		    o->temp_dir);
	} else if (fd < 0) {	/* EACCES, EMFILE, ... */
		report_errno(p->rep, -fd, "cannot open temp-dir", o->temp_dir);
	} else if (fstat(fd, &st) < 0 || !S_ISDIR(st.st_mode)) {
		report_error(p->rep, "The temp-dir is not a directory: %s",
		    o->temp_dir);
		close(fd);
		fd = -1;
	}
	if (fd < 0) {
		*code = TS_EXIT_SYNTAX;
		return -1;
	}
	p->tmp_fd = fd;
	return 0;
}

struct partial *partial_new(const struct ts_options *o, int dst_fd,
    struct report *rep, int *code)
{
	struct partial *p;
	size_t n;

	*code = 0;
	if (!o->temp_dir && !o->partial && !o->partial_dir && !o->delay_updates)
		return NULL;
	p = xcalloc(1, sizeof(*p));
	p->tmp_fd = -1;
	p->abs_fd = -1;
	p->rep = rep;
	p->delay = o->delay_updates && o->partial_dir;
	p->how = oppath_how_of(o);
	pthread_mutex_init(&p->lock, NULL);
	if (o->partial_dir) {
		p->dir = xstrdup(o->partial_dir);
		n = strlen(p->dir);
		while (n > 1 && p->dir[n - 1] == '/')
			p->dir[--n] = '\0';
		p->abs = p->dir[0] == '/';
	}
	/* A partial is kept only in a dir: --partial has ".~tmp~" unless
	 * one is given (ts_run_new()), and none with --inplace, where no
	 * temp is kept (a library caller's --partial --inplace keeps none). */
	p->keep = p->dir != NULL;
	if (o->temp_dir && open_temp_dir(p, o, dst_fd, code) < 0) {
		partial_free(p);
		return NULL;
	}
	return p;
}

void partial_free(struct partial *p)
{
	size_t i;

	if (!p)
		return;
	if (p->tmp_fd >= 0)
		close(p->tmp_fd);
	if (p->abs_fd >= 0)
		close(p->abs_fd);
	for (i = 0; i < p->nstaged; i++) {
		free(p->staged[i].rel);
		free(p->staged[i].name);
	}
	free(p->staged);
	free(p->dir);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

int partial_temp_dir(const struct partial *p, int dfd)
{
	return p && p->tmp_fd >= 0 ? p->tmp_fd : dfd;
}

/* A copy of FD the caller closes, or -errno. */
static int dup_fd(int fd)
{
	int nfd = fcntl(fd, F_DUPFD_CLOEXEC, 0);

	return nfd < 0 ? -errno : nfd;
}

/* The directory PATH below DFD, one component at a time, never through a
 * symlink; with CREATE its last component is made (0700) when missing,
 * and a non-directory there removed first.  An fd or -errno. */
static int open_rel(int dfd, const char *path, bool create)
{
	char buf[PATH_MAX], *save = NULL, *tok, *next;
	int fd = dfd, nfd;

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	for (tok = strtok_r(buf, "/", &save); tok; tok = next) {
		next = strtok_r(NULL, "/", &save);
		if (strcmp(tok, "..") == 0) {
			nfd = -EINVAL;	/* never above the directory */
			goto out;
		}
		nfd = openat(fd, tok, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
		if (nfd < 0 && create && !next) {
			if (errno == ENOTDIR || errno == ELOOP)
				sys.unlinkat(fd, tok, 0);
			if (sys.mkdirat(fd, tok, 0700) < 0 && errno != EEXIST) {
				nfd = -errno;
				goto out;
			}
			nfd = openat(fd, tok, O_RDONLY | O_DIRECTORY |
			    O_NOFOLLOW | O_CLOEXEC);
		}
		if (nfd < 0)
			nfd = -errno;
out:
		if (fd != dfd)
			close(fd);
		if (nfd < 0)
			return nfd;
		fd = nfd;
	}
	return fd == dfd ? dup_fd(dfd) : fd;
}

/* The absolute partial dir, made (0700, below its parent as oppath.c
 * resolves it) when missing and CREATE.  Called with p->lock held. */
static int open_abs_locked(struct partial *p, bool create)
{
	const char *leaf;
	char *parent;
	uid_t bad = (uid_t)-1;
	int fd, pfd;

	if (p->abs_fd >= 0)
		return p->abs_fd;
	if (p->abs_tried && !create)
		return p->abs_err;
	fd = oppath_open(AT_FDCWD, p->dir, O_RDONLY | O_DIRECTORY, 0,
	    p->how, &bad);
	if (fd == -ENOENT && create) {
		leaf = strrchr(p->dir, '/') + 1;
		parent = leaf - 1 == p->dir ? xstrdup("/") :
		    strndup(p->dir, (size_t)(leaf - 1 - p->dir));
		pfd = parent ? oppath_open(AT_FDCWD, parent, O_RDONLY |
		    O_DIRECTORY, 0, p->how, &bad) : -ENOMEM;
		fd = pfd;
		if (pfd >= 0) {
			if (sys.mkdirat(pfd, leaf, 0700) < 0 && errno != EEXIST)
				fd = -errno;
			else
				fd = openat(pfd, leaf, O_RDONLY | O_DIRECTORY |
				    O_NOFOLLOW | O_CLOEXEC);
			if (fd < 0 && fd != -errno)
				fd = -errno;
			close(pfd);
		}
		free(parent);
	}
	if (fd == -ELOOP && bad != (uid_t)-1)
		report_error(p->rep, "%s", oppath_refusal(p->how, bad, p->dir));
	p->abs_fd = fd >= 0 ? fd : -1;
	/* Told to the unlocked readers only once it is known (pdir_open()). */
	p->abs_err = fd >= 0 ? 0 : fd;
	p->abs_tried = true;
	return fd;
}

/* DFD's partial dir (an fd of the caller's), or -errno.  The absolute
 * one is looked up under the lock only until it is open, or (without
 * CREATE) once found missing: not per file. */
static int pdir_open(struct partial *p, int dfd, bool create)
{
	int fd;

	if (!p->abs)
		return open_rel(dfd, p->dir, create);
	fd = atomic_load(&p->abs_fd);
	if (fd < 0 && (create || !atomic_load(&p->abs_tried))) {
		pthread_mutex_lock(&p->lock);
		fd = open_abs_locked(p, create);
		pthread_mutex_unlock(&p->lock);
	} else if (fd < 0) {
		fd = atomic_load(&p->abs_err);	/* found missing before */
	}
	return fd >= 0 ? dup_fd(fd) : fd;
}

/* A relative partial dir of DFD, removed if it is empty (rsync). */
static void pdir_remove(const struct partial *p, int dfd)
{
	const char *slash = strrchr(p->dir, '/');
	char *parent;
	int pfd;

	if (p->abs)
		return;
	if (!slash) {
		unlinkat(dfd, p->dir, AT_REMOVEDIR);
		return;
	}
	parent = strndup(p->dir, (size_t)(slash - p->dir));
	pfd = parent ? open_rel(dfd, parent, false) : -ENOMEM;
	free(parent);
	if (pfd >= 0) {
		unlinkat(pfd, slash + 1, AT_REMOVEDIR);
		close(pfd);
	}
}

static void record_of(struct record *r, const struct stat *src,
    uint64_t kept)
{
	memset(r, 0, sizeof(*r));
	memcpy(r->magic, record_magic, sizeof(r->magic));
	r->dev = src->st_dev;
	r->ino = src->st_ino;
	r->size = (uint64_t)src->st_size;
	r->mtime_s = src->st_mtim.tv_sec;
	r->mtime_ns = src->st_mtim.tv_nsec;
	r->ctime_s = src->st_ctim.tv_sec;
	r->ctime_ns = src->st_ctim.tv_nsec;
	r->kept = kept;
}

/* The record of SRC on the kept temp TMP below TFD (OUT when open);
 * where xattrs cannot be set, the partial is kept without one (never
 * resumed). */
static void record_set(int tfd, const char *tmp, int out,
    const struct stat *src, uint64_t kept)
{
	struct record r;
	int fd = out;

	if (fd < 0)
		fd = openat(tfd, tmp, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
		    O_CLOEXEC);
	if (fd < 0)
		return;
	record_of(&r, src, kept);
	fsetxattr(fd, PARTIAL_XATTR, &r, sizeof(r), 0);
	if (fd != out)
		close(fd);
}

void partial_keep(struct partial *p, struct tmpfile_reg *reg, int tfd,
    const char *tmp, int out, int dfd, const char *name,
    const struct stat *src)
{
	struct stat st;
	int pfd;

	if (!p || !p->keep || fstatat(tfd, tmp, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
	    st.st_size == 0) {
		tmpfile_discard(reg, tfd, tmp);
		return;
	}
	if (src)
		record_set(tfd, tmp, out, src, (uint64_t)st.st_size);
	pfd = pdir_open(p, dfd, true);
	if (pfd < 0) {
		tmpfile_discard(reg, tfd, tmp);
		return;
	}
	tmpfile_commit_at(reg, tfd, tmp, pfd, name);
	close(pfd);
}

/* N bytes at AT of FD and IN (through BUF, 2 N bytes) are the same. */
static bool same_block(int fd, int in, off_t at, size_t n, char *buf)
{
	return pread(fd, buf, n, at) == (ssize_t)n &&
	    pread(in, buf + n, n, at) == (ssize_t)n &&
	    memcmp(buf, buf + n, n) == 0;
}

/* Does the partial FD (KEPT bytes) carry a record of SRC as it is now,
 * and hold IN's bytes where it is checked: its last block, and a page
 * every SAMPLE_STEP bytes (a cheap guard against a gap a bug would have
 * left; the record is what says the prefix is the source's)? */
#define SAMPLE_STEP ((uint64_t)8 << 20)
#define SAMPLE_SIZE 4096
static bool resumable(int fd, uint64_t kept, int in, const struct stat *src,
    char *buf, size_t bufsize)
{
	struct record r, now;
	size_t half = bufsize / 2, n = kept < half ? (size_t)kept : half;
	uint64_t at;

	if (kept == 0 || kept >= (uint64_t)src->st_size || n == 0 ||
	    half < SAMPLE_SIZE ||
	    fgetxattr(fd, PARTIAL_XATTR, &r, sizeof(r)) != (ssize_t)sizeof(r))
		return false;
	record_of(&now, src, kept);
	if (memcmp(&r, &now, sizeof(r)) != 0 ||
	    !same_block(fd, in, (off_t)(kept - n), n, buf))
		return false;
	for (at = 0; at + SAMPLE_SIZE <= kept; at += SAMPLE_STEP)
		if (!same_block(fd, in, (off_t)at, SAMPLE_SIZE, buf))
			return false;
	return true;
}

/* tmpfile_make()'s MAKE for a resumed partial: renamed (never over an
 * existing name) to the temp name, then opened, and checked to be the
 * inode that was examined. */
struct adopt {
	int pfd;
	const char *name;
	dev_t dev;
	ino_t ino;
};

static int adopt_partial(int dirfd, const char *tmp, void *arg)
{
	const struct adopt *a = arg;
	struct stat st;
	int fd;

	if (syscall(SYS_renameat2, a->pfd, a->name, dirfd, tmp,
	    RENAME_NOREPLACE) < 0)
		return -1;
	fd = openat(dirfd, tmp, O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd >= 0 && (fstat(fd, &st) < 0 || st.st_dev != a->dev ||
	    st.st_ino != a->ino)) {
		close(fd);
		fd = -1;
		errno = ESTALE;	/* replaced meanwhile: not ours to use */
	}
	if (fd < 0) {
		int e = errno;	/* tmpfile_make() reads it */

		unlinkat(dirfd, tmp, 0);
		errno = e;
	}
	return fd;
}

int partial_resume(struct partial *p, struct tmpfile_reg *reg, int tfd,
    int dfd, const char *name, int in, const struct stat *src, char *tmp,
    char *buf, size_t bufsize, uint64_t *kept)
{
	struct stat st;
	int pfd, fd, out = -1;

	if (!p || !p->keep)
		return -1;
	pfd = pdir_open(p, dfd, false);
	if (pfd < 0)
		return -1;
	fd = openat(pfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    st.st_nlink == 1 &&
	    resumable(fd, (uint64_t)st.st_size, in, src, buf, bufsize)) {
		struct adopt a = { pfd, name, st.st_dev, st.st_ino };

		out = tmpfile_make(reg, tfd, name, tmp, adopt_partial, &a);
		if (out >= 0) {
			fremovexattr(out, PARTIAL_XATTR);
			*kept = (uint64_t)st.st_size;
		}
	}
	if (fd >= 0)
		close(fd);
	close(pfd);
	return out < 0 ? -1 : out;
}

int partial_stage(struct partial *p, struct tmpfile_reg *reg, int tfd,
    const char *tmp, int dfd, const char *name)
{
	int pfd = pdir_open(p, dfd, true), r;

	if (pfd < 0) {
		tmpfile_discard(reg, tfd, tmp);
		return pfd;
	}
	r = tmpfile_commit_at(reg, tfd, tmp, pfd, name);
	close(pfd);
	return r;
}

int partial_stage_dir(struct partial *p, int dfd, bool create)
{
	return pdir_open(p, dfd, create);
}

void partial_delay_add(struct partial *p, const char *rel, const char *name,
    struct srm_later *src)
{
	pthread_mutex_lock(&p->lock);
	if (p->nstaged == p->cap) {
		p->cap = p->cap ? 2 * p->cap : 64;
		p->staged = xrealloc(p->staged, p->cap * sizeof(*p->staged));
	}
	p->staged[p->nstaged].rel = xstrdup(rel);
	p->staged[p->nstaged].name = xstrdup(name);
	p->staged[p->nstaged].src = src;
	p->nstaged++;
	pthread_mutex_unlock(&p->lock);
}

void partial_done(struct partial *p, int dfd, const char *name,
    bool resumed)
{
	int pfd;

	if (!p || !p->dir)
		return;
	pfd = pdir_open(p, dfd, false);
	if (pfd < 0)
		return;
	/* Used up (or resumed: renamed away already); the dir goes with
	 * its last partial, as in rsync. */
	if (unlinkat(pfd, name, 0) == 0 || resumed)
		pdir_remove(p, dfd);
	close(pfd);
}

bool partial_dir_listed(const struct partial *p, const char *name)
{
	size_t n;

	if (!p || !p->dir || p->abs)
		return false;
	n = strcspn(p->dir, "/");
	return strncmp(p->dir, name, n) == 0 && name[n] == '\0';
}

bool partial_has_dir(const struct partial *p)
{
	return p->dir != NULL;
}

bool partial_may_hold(const struct partial *p, bool has_pdir)
{
	return p && p->dir && (p->abs || has_pdir);
}

bool partial_protects(const struct partial *p, const char *rel, bool is_dir)
{
	size_t n, d;

	if (!p || !p->delay || p->abs || !is_dir)
		return false;
	n = strlen(rel);
	d = strlen(p->dir);
	return n >= d && strcmp(rel + n - d, p->dir) == 0 &&
	    (n == d || rel[n - d - 1] == '/');
}

static int cmp_staged(const void *a, const void *b)
{
	const struct staged *x = a, *y = b;
	int c = strcmp(x->rel, y->rel);

	return c ? c : strcmp(x->name, y->name);
}

/* The staged files [I, END) of one directory renamed into place from
 * its staging dir SFD (or -errno) to DFD (or -errno). */
static void rename_staged(struct ts_run *run, struct partial *p, int dfd,
    int sfd, size_t i, size_t end)
{
	const char *rel = p->staged[i].rel;
	char *path;
	int e;

	for (; i < end; i++) {
		const char *name = p->staged[i].name;

		if (dfd >= 0 && sfd >= 0 &&
		    sys.renameat(sfd, name, dfd, name) == 0) {
			srcremove_held(run, p->staged[i].src);
			continue;
		}
		e = dfd < 0 ? -dfd : sfd < 0 ? -sfd : errno;
		path = util_path_join(rel, name);	/* may allocate */
		run_report_dest(run, e, "cannot rename into place", path);
		free(path);
		run_item_failed(run);
	}
}

/* The PHASES of the staged files [I, END) of one directory: its time
 * read, the files renamed, its staging dir removed and its time put
 * back. */
static void finish_dir(struct ts_run *run, struct partial *p, size_t i,
    size_t end, unsigned phases)
{
	const struct ts_options *o = run->o;
	struct staged *first = &p->staged[i];
	struct stat st;
	int dfd = delete_open_beneath(run->plan.dst_fd, first->rel), sfd;

	if (phases & PARTIAL_PH_TIME) {
		first->restore = o->times && !o->omit_dir_times && dfd >= 0 &&
		    fstat(dfd, &st) == 0;
		if (first->restore)
			first->mtime = st.st_mtim;
	}
	if (phases & PARTIAL_PH_RENAME) {
		sfd = dfd >= 0 ? pdir_open(p, dfd, false) : dfd;
		rename_staged(run, p, dfd, sfd, i, end);
		if (sfd >= 0)
			close(sfd);
	}
	if ((phases & PARTIAL_PH_SETTLE) && dfd >= 0) {
		pdir_remove(p, dfd);
		if (first->restore) {
			struct timespec t[2] = { { 0, UTIME_OMIT },
				first->mtime };

			futimens(dfd, t);
		}
	}
	if (dfd >= 0)
		close(dfd);
}

bool partial_delaying(const struct partial *p)
{
	return p && p->delay;
}

void partial_delay_phases(struct ts_run *run, unsigned phases)
{
	struct partial *p = run->copy.part;
	size_t i, j;

	if (!p || !p->delay || !p->nstaged)
		return;
	if (phases & PARTIAL_PH_TIME)
		qsort(p->staged, p->nstaged, sizeof(*p->staged), cmp_staged);
	for (i = 0; i < p->nstaged; i = j) {
		for (j = i + 1; j < p->nstaged &&
		    strcmp(p->staged[j].rel, p->staged[i].rel) == 0; j++)
			;
		finish_dir(run, p, i, j, phases);
	}
}

void partial_delay_finish(struct ts_run *run)
{
	if (!run_cancelled(run))
		partial_delay_phases(run, PARTIAL_PH_ALL);
}
