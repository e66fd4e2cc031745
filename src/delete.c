/*
 * delete.c -- remove destination entries without ever following a symlink.
 *
 * Deletion is depth-first through directory fds held open on the way
 * down, then unlinkat() on the parent fd: no path string is resolved by
 * the kernel from the destination root or from "/".  The decision of what
 * to delete, and whether deleting is allowed at all, belongs to the engine.
 */
#define _GNU_SOURCE
#include "delete.h"

#include "report.h"
#include "util.h"
#include "walk.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef RESOLVE_BENEATH
#include <linux/openat2.h>
#endif

static void count(struct del_counts *c, uint32_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG:
		c->reg++;
		break;
	case S_IFDIR:
		c->dir++;
		break;
	case S_IFLNK:
		c->link++;
		break;
	case S_IFCHR:
	case S_IFBLK:
		c->dev++;
		break;
	default:
		c->special++;
		break;
	}
}

int delete_dir_contents(const struct del_opts *o, int dfd,
    const char *relpath, struct del_counts *counts)
{
	struct dirlist l;
	struct walk_result wr;
	size_t i;
	int first = 0;

	dirlist_init(&l);
	wr = walk_dir(o->rep, dfd, relpath, 0, &l);
	if (wr.err) {
		report_errno(o->rep, -wr.err, "cannot read directory", relpath);
		counts->errors++;
		dirlist_free(&l);
		return wr.err;
	}
	for (i = 0; i < l.n; i++) {
		const struct ts_entry *e = &l.ents[i];
		char *rel = util_path_join(relpath, e->name);
		int r;

		if (o->protect && o->protect(o->protect_arg, rel,
		    S_ISDIR(e->mode)))
			r = -ENOTEMPTY;	/* kept: so is this directory */
		else
			r = delete_entry(o, dfd, e->name, rel, e->mode, counts);
		if (r < 0 && !first)
			first = r;
		free(rel);
	}
	dirlist_free(&l);
	return first;
}

/* True when the directory FD is on another file system than its parent
 * PFD: a mount point. */
static bool mount_point(int pfd, int fd)
{
	struct stat a, b;

	return fstat(pfd, &a) == 0 && fstat(fd, &b) == 0 &&
	    a.st_dev != b.st_dev;
}

int delete_entry(const struct del_opts *o, int dirfd, const char *name,
    const char *relpath, uint32_t mode, struct del_counts *counts)
{
	int r = 0;

	if (S_ISDIR(mode)) {
		int fd = openat(dirfd, name,
		    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

		if (fd < 0) {
			r = -errno;
			if (r == -ENOENT)
				return 0;	/* already gone */
			report_errno(o->rep, -r, "cannot open directory", relpath);
			counts->errors++;
			return r;
		}
		/* -x: a file system mounted inside DEST is never entered and
		 * never removed (rsync says nothing about it; its parent is
		 * then "non-empty"). */
		if (o->one_fs && mount_point(dirfd, fd)) {
			close(fd);
			return -EXDEV;
		}
		r = delete_dir_contents(o, fd, relpath, counts);
		close(fd);
		/* Protected content keeps the directory, in a dry run as in a
		 * real one (rsync says so; it says it twice for nested ones,
		 * we once). */
		if (r == -ENOTEMPTY || r == -EXDEV) {
			if (!o->quiet_report)
				report_note(o->rep, "cannot delete non-empty "
				    "directory: %s", relpath);
			return -ENOTEMPTY;
		}
		if (r < 0)
			return r;
	}
	if (!o->dry_run &&
	    unlinkat(dirfd, name, S_ISDIR(mode) ? AT_REMOVEDIR : 0) < 0) {
		r = -errno;
		if (r == -ENOENT)
			return 0;
		report_errno(o->rep, -r, "cannot delete", relpath);
		counts->errors++;
		return r;
	}
	count(counts, mode);
	if (!o->quiet_report)
		report_delete(o->rep, relpath, S_ISDIR(mode));
	return 0;
}

static int open_component_walk(int rootfd, const char *relpath)
{
	char *copy = xstrdup(relpath), *save = NULL, *tok;
	int fd = fcntl(rootfd, F_DUPFD_CLOEXEC, 0);

	if (fd < 0) {
		free(copy);
		return -errno;
	}
	for (tok = strtok_r(copy, "/", &save); tok;
	    tok = strtok_r(NULL, "/", &save)) {
		int next = openat(fd, tok,
		    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		int e = errno;

		close(fd);
		if (next < 0) {
			free(copy);
			return -e;
		}
		fd = next;
	}
	free(copy);
	return fd;
}

int delete_open_beneath(int rootfd, const char *relpath)
{
	struct open_how how = {
		.flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
		    RESOLVE_NO_MAGICLINKS,
	};
	long fd;

	if (*relpath == '\0')
		return open_component_walk(rootfd, relpath);
	fd = syscall(SYS_openat2, rootfd, relpath, &how, sizeof(how));
	if (fd >= 0)
		return (int)fd;
	/* Older kernels and some seccomp profiles: the portable walk. */
	if (errno == ENOSYS || errno == EPERM || errno == EAGAIN)
		return open_component_walk(rootfd, relpath);
	return -errno;
}
