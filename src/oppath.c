/*
 * oppath.c -- opening the paths the operator gives (DEST, --files-from,
 * --exclude-from, merge files, --log-file, --lock) without being led
 * astray by someone else's symlink.
 *
 * rsync 3.5's rule (its NEWS, CVE-2026-53802/53803 and the destination
 * change): an operator path is resolved one component at a time, and a
 * symlink on the way -- the last component or a parent -- is followed
 * only when it is owned by root or by the effective uid.  A root run over
 * a directory an unprivileged user can write into (/tmp/x/log, /home/u/
 * backup) can then not be redirected by a symlink that user plants, while
 * the administrator's own links (/backup -> /mnt/disk) keep working.
 * --insecure-links (OPPATH_INSECURE) follows every symlink, as before.
 *
 * procfs "magic" links (/dev/fd/N, /proc/self/fd/N: what a shell's
 * process substitution hands over) have no path to read; they are owned
 * by the process itself, and the kernel is left to follow them.
 *
 * --confine-root=DIR (OPPATH_CONFINE) asks where the path came out, not
 * who planted a link: before the last component is opened (or created:
 * a log, a batch file) the directory it is opened in must be DIR or below
 * it, and a directory opened must be too.  "Below" is asked of the open
 * fds themselves, by walking ".." up to DIR or to "/", so no name can be
 * swapped between the check and the use.  A magic link cannot be checked
 * that way and is refused when confined.  The root comes with each call
 * (struct oppath_how, from the run's options): this file keeps no state.
 */
#define _GNU_SOURCE
#include "oppath.h"

#include "sys.h"
#include "treesync/treesync.h"
#include "util.h"
#include "walk.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#define MAX_LINKS 40	/* as the kernel's own limit */

struct oppath_how oppath_how_of(const struct ts_options *o)
{
	struct oppath_how how = { 0, NULL };

	if (o->insecure_links)
		how.opts |= OPPATH_INSECURE;
	if (o->confine_root && strcmp(o->confine_root, "/") != 0) {
		how.opts |= OPPATH_CONFINE;
		how.root = o->confine_root;
	}
	return how;
}

struct oppath_how oppath_unconfined(struct oppath_how how)
{
	how.opts &= ~(unsigned)OPPATH_CONFINE;
	return how;
}

const char *oppath_refusal(struct oppath_how how, uid_t bad,
    const char *path)
{
	static __thread char msg[PATH_MAX * 2 + 128];

	if (bad == OPPATH_OUTSIDE_ROOT)
		snprintf(msg, sizeof(msg), "refusing '%s': it resolves outside "
		    "--confine-root %s", path, how.root ? how.root : "/");
	else
		snprintf(msg, sizeof(msg), "refusing to follow a symlink owned "
		    "by an untrusted user (uid %u) in '%s'; --insecure-links "
		    "follows it", (unsigned)bad, path);
	return msg;
}

int oppath_check_root(struct oppath_how how, int dirfd)
{
	struct stat root, st, up;
	int fd, next, r = -EXDEV;

	if (!(how.opts & OPPATH_CONFINE) || !how.root)
		return 0;
	if (stat(how.root, &root) < 0 || fstat(dirfd, &st) < 0)
		return -errno;
	fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* Up to DIR (below it), or to "/" (outside).  A ".." that cannot
	 * be opened (EACCES: a directory we may read but not search,
	 * EMFILE, ENOMEM) tells nothing: its own error, not "outside". */
	for (;;) {
		if (st.st_dev == root.st_dev && st.st_ino == root.st_ino) {
			r = 0;
			break;
		}
		next = openat(fd, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (next < 0 || fstat(next, &up) < 0) {
			r = -errno;
			if (next >= 0)
				close(next);
			break;
		}
		if (up.st_dev == st.st_dev && up.st_ino == st.st_ino) {
			close(next);
			break;	/* "/" reached: outside */
		}
		close(fd);
		fd = next;
		st = up;
	}
	close(fd);
	return r;
}

/* An OPPATH_CONFINE check of DIRFD: 0, -ELOOP with *BAD_UID set when it
 * is outside, or the -errno that kept it from being told. */
static int confined(int dirfd, struct oppath_how how, uid_t *bad_uid)
{
	int r = oppath_check_root(how, dirfd);

	if (r != -EXDEV)
		return r;
	*bad_uid = OPPATH_OUTSIDE_ROOT;
	return -ELOOP;
}

static bool trusted(const struct stat *st)
{
	return st->st_uid == 0 || st->st_uid == geteuid();
}

static bool on_procfs(int dirfd)
{
	struct statfs sf;

	return fstatfs(dirfd, &sf) == 0 &&
	    (unsigned long)sf.f_type == PROC_SUPER_MAGIC;
}

static int resolve(int dirfd, const char *path, int flags, mode_t mode,
    struct oppath_how how, int *links, uid_t *bad_uid);
static int last_component(int fd, const char *comp, int flags, mode_t mode,
    struct oppath_how how, int *links, uid_t *bad_uid);

/*
 * The symlink COMP below DIRFD, if its owner may lead us: its target
 * (malloc'ed), or NULL with -errno in *ERR.  The link is pinned by an
 * O_PATH fd, and its owner checked and its target read through that fd:
 * checking by name and then reading by name would follow a link that
 * someone who can write the directory swapped in between the two.
 */
static char *trusted_target(int dirfd, const char *comp, struct oppath_how how,
    uid_t *bad_uid, int *err)
{
	struct stat st;
	char *target = NULL;
	int fd = openat(dirfd, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0) {
		*err = -errno;
		return NULL;
	}
	if (fstat(fd, &st) < 0)
		*err = -errno;
	else if (!S_ISLNK(st.st_mode))
		*err = -ENOTDIR;
	else if (!(how.opts & OPPATH_INSECURE) && !trusted(&st)) {
		*bad_uid = st.st_uid;
		*err = -ELOOP;
	} else if ((target = walk_readlink(fd, "", (uint64_t)st.st_size)) == NULL)
		*err = -errno;
	close(fd);
	return target;
}

/*
 * COMP below DIRFD is a symlink: follows it if its owner may lead us, as
 * part of the path being resolved (FLAGS: how to open what it leads to).
 */
static int follow(int dirfd, const char *comp, int flags, mode_t mode,
    struct oppath_how how, int *links, uid_t *bad_uid)
{
	char *target;
	int r = 0;

	target = trusted_target(dirfd, comp, how, bad_uid, &r);
	if (!target)
		return r;
	if (++*links > MAX_LINKS) {
		free(target);
		return -ELOOP;
	}
	if (on_procfs(dirfd)) {
		/* A magic link (/proc/self/fd/N): only the kernel can
		 * follow it; its owner was checked above. */
		free(target);
		if (how.opts & OPPATH_CONFINE && how.root) {
			*bad_uid = OPPATH_OUTSIDE_ROOT;
			return -ELOOP;
		}
		r = sys.openat(dirfd, comp, flags | O_CLOEXEC, mode);
		return r < 0 ? -errno : r;
	}
	r = resolve(dirfd, target, flags, mode, how, links, bad_uid);
	free(target);
	return r;
}

/* Opens COMP, the last component, in the directory FD. */
static int last_component(int fd, const char *comp, int flags, mode_t mode,
    struct oppath_how how, int *links, uid_t *bad_uid)
{
	struct stat st;
	int r = confined(fd, how, bad_uid);

	if (r < 0)
		return r;
	r = sys.openat(fd, comp, flags | O_NOFOLLOW | O_CLOEXEC, mode);
	if (r < 0)
		r = -errno;
	/* A symlink with O_NOFOLLOW: ELOOP (ENOTDIR with O_DIRECTORY;
	 * follow() checks it is a symlink).  What it leads to is checked
	 * where its own last component is opened. */
	if (r == -ELOOP || r == -ENOTDIR)
		return follow(fd, comp, flags, mode, how, links, bad_uid);
	/* "..", or DIR itself named through its parent. */
	if (r >= 0 && how.opts & OPPATH_CONFINE && fstat(r, &st) == 0 &&
	    S_ISDIR(st.st_mode)) {
		int c = confined(r, how, bad_uid);

		if (c < 0) {
			close(r);
			return c;
		}
	}
	return r;
}

/* Opens PATH below DIRFD (from "/" if absolute), component by component. */
static int resolve(int dirfd, const char *path, int flags, mode_t mode,
    struct oppath_how how, int *links, uid_t *bad_uid)
{
	char *copy = xstrdup(path), *p = copy, *slash;
	int fd, r;

	if (*path == '/')
		fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	else if (dirfd == AT_FDCWD)
		fd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	else
		fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
	if (fd < 0) {
		free(copy);
		return -errno;
	}
	for (;;) {
		const char *comp;
		bool last;

		while (*p == '/')
			p++;
		slash = strchr(p, '/');
		if (slash)
			*slash = '\0';
		comp = *p ? p : ".";
		/* "a/b/" names the directory b: its last component is b. */
		last = !slash || !slash[1 + strspn(slash + 1, "/")];
		if (last) {
			r = last_component(fd, comp, flags, mode, how, links,
			    bad_uid);
			break;
		}
		r = sys.openat(fd, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC, 0);
		if (r < 0) {
			r = -errno;
			if (r == -ENOTDIR || r == -ELOOP)
				/* Only where the path ends is confined:
				 * a link on the way may leave DIR and
				 * come back. */
				r = follow(fd, comp, O_PATH | O_DIRECTORY, 0,
				    oppath_unconfined(how), links, bad_uid);
			if (r < 0)
				break;
		}
		close(fd);
		fd = r;
		p = slash + 1;
	}
	close(fd);
	free(copy);
	return r;
}

int oppath_open(int dirfd, const char *path, int flags, mode_t mode,
    struct oppath_how how, uid_t *bad_uid)
{
	int links = 0;
	uid_t dummy;

	if (!*path)
		return -ENOENT;
	return resolve(dirfd, path, flags, mode, how, &links,
	    bad_uid ? bad_uid : &dummy);
}

int oppath_read_file(int dirfd, const char *path, struct oppath_how how,
    char **data, size_t *len)
{
	uid_t bad = (uid_t)-1;
	struct stat st;
	int fd, r;

	fd = oppath_open(dirfd, path, O_RDONLY | O_NONBLOCK | O_NOCTTY, 0,
	    how, &bad);
	if (fd == -ELOOP && bad == OPPATH_OUTSIDE_ROOT)
		return -EXDEV;
	if (fd < 0)
		return fd == -ELOOP && bad != (uid_t)-1 ? -EPERM : fd;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return OPPATH_NOT_REGULAR;
	}
	fcntl(fd, F_SETFL, 0);	/* a regular file: blocking reads again */
	r = util_read_fd(fd, data, len);
	close(fd);
	return r;
}
