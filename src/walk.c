/*
 * walk.c -- read one directory below an open directory fd.
 *
 * Owns getdents64 and statx for the entries of one directory.  Never
 * follows a symlink, never decides what to do with an entry, never opens
 * anything: the caller holds the directory fd and the engine decides.
 * A name that vanishes between getdents and statx is not an error (files
 * come and go while we look); it is counted so that the run can exit 24.
 */
#define _GNU_SOURCE
#include "walk.h"

#include "report.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

struct linux_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

void dirlist_init(struct dirlist *l)
{
	memset(l, 0, sizeof(*l));
}

void dirlist_free(struct dirlist *l)
{
	if (!l)
		return;
	free(l->ents);
	free(l->names);
	dirlist_init(l);
}

static void fill_entry(struct ts_entry *e, const struct statx *stx)
{
	e->mode = stx->stx_mode;
	e->uid = stx->stx_uid;
	e->gid = stx->stx_gid;
	e->nlink = stx->stx_nlink;
	e->size = stx->stx_size;
	e->mtime_sec = stx->stx_mtime.tv_sec;
	e->mtime_nsec = stx->stx_mtime.tv_nsec;
	e->ino = stx->stx_ino;
	e->dev = makedev(stx->stx_dev_major, stx->stx_dev_minor);
	e->rdev = makedev(stx->stx_rdev_major, stx->stx_rdev_minor);
}

static unsigned statx_mask(unsigned need)
{
	unsigned m = STATX_TYPE | STATX_MODE | STATX_SIZE | STATX_MTIME |
	    STATX_NLINK;

	if (need & WALK_NEED_OWNER)
		m |= STATX_UID | STATX_GID;
	if (need & WALK_NEED_INO)
		m |= STATX_INO;
	return m;
}

int walk_stat(int dirfd, const char *name, bool follow, struct ts_entry *e)
{
	struct statx stx;
	int fl = AT_NO_AUTOMOUNT | (follow ? 0 : AT_SYMLINK_NOFOLLOW);

	if (*name == '\0')
		fl |= AT_EMPTY_PATH;
	if (statx(dirfd, name, fl, STATX_BASIC_STATS, &stx) < 0)
		return -errno;
	fill_entry(e, &stx);
	return 0;
}

/* Appends NAME to the name buffer; returns its offset. */
static size_t add_name(struct dirlist *l, const char *name, size_t len)
{
	size_t off = l->nlen;

	if (l->nlen + len + 1 > l->ncap) {
		l->ncap = (l->ncap ? l->ncap * 2 : 4096) + len + 1;
		l->names = xrealloc(l->names, l->ncap);
	}
	memcpy(l->names + off, name, len + 1);
	l->nlen += len + 1;
	return off;
}

static int cmp_entry(const void *a, const void *b)
{
	const struct ts_entry *x = a, *y = b;

	return strcmp(x->name, y->name);
}

/* An entry that cannot be stat'ed: reported on its side. */
static void stat_error(struct report *rep, unsigned need, int err,
    const char *reldir, const char *name)
{
	char *p = util_path_join(reldir, name);

	report_errno_side(rep, (need & WALK_DEST) ? TS_SIDE_DST : TS_SIDE_SRC,
	    err, "cannot stat", p);
	free(p);
}

struct walk_result walk_dir(struct report *rep, int dirfd,
    const char *reldir, unsigned need, struct dirlist *out)
{
	struct walk_result res = { 0, 0, 0 };
	unsigned mask = statx_mask(need);
	char buf[32768] __attribute__((aligned(8)));
	size_t i;

	out->n = 0;
	out->nlen = 0;
	if (lseek(dirfd, 0, SEEK_SET) < 0) {
		res.err = -errno;
		return res;
	}
	for (;;) {
		long nread = syscall(SYS_getdents64, dirfd, buf, sizeof(buf));
		long pos;

		if (nread < 0) {
			/* A listing that failed part-way is no listing: its
			 * names are still offsets, and half a directory must
			 * not be taken for the whole of it. */
			res.err = -errno;
			out->n = 0;
			out->nlen = 0;
			return res;
		}
		if (nread == 0)
			break;
		for (pos = 0; pos < nread;) {
			struct linux_dirent64 *d = (void *)(buf + pos);
			const char *nm = d->d_name;
			struct statx stx;
			struct ts_entry *e;

			pos += d->d_reclen;
			if (nm[0] == '.' &&
			    (nm[1] == '\0' || (nm[1] == '.' && nm[2] == '\0')))
				continue;
			if (statx(dirfd, nm, AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT,
			    mask, &stx) < 0) {
				if (errno == ENOENT && (need & WALK_DEST)) {
					continue;
				} else if (errno == ENOENT) {
					res.vanished++;
					report_vanished(rep, reldir, nm);
				} else {
					res.stat_errors++;
					stat_error(rep, need, errno, reldir,
					    nm);
				}
				continue;
			}
			if (out->n == out->cap) {
				out->cap = out->cap ? out->cap * 2 : 64;
				out->ents = xrealloc(out->ents,
				    out->cap * sizeof(*out->ents));
			}
			e = &out->ents[out->n++];
			fill_entry(e, &stx);
			/* An offset for now: the buffer may move. */
			e->name = (const char *)(uintptr_t)add_name(out, nm,
			    strlen(nm));
		}
	}
	for (i = 0; i < out->n; i++)
		out->ents[i].name = out->names + (uintptr_t)out->ents[i].name;
	if (out->n > 1)
		qsort(out->ents, out->n, sizeof(*out->ents), cmp_entry);
	return res;
}
