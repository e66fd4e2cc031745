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
	free(l->name);
	free(l->mode.v);
	free(l->uid.v);
	free(l->gid.v);
	free(l->nlink.v);
	free(l->size.v);
	free(l->mtime.v);
	free(l->ino.v);
	free(l->atime.v);
	free(l->odd);
	free(l->names);
	dirlist_init(l);
}

/* --- columns ------------------------------------------------------------ */

#define COL_AT(c, i) ((c).v ? (c).v[i] : (c).first)

/* Sets entry I of column C (of CAP entries) to VAL: a column stays
 * unallocated while every value so far is the first one. */
#define COL_PUT(c, i, cap, val) \
	do { \
		if (!(c).v && (i) == 0) { \
			(c).first = (val); \
		} else if (!(c).v && (val) != (c).first) { \
			size_t k_; \
			(c).v = xmalloc((cap) * sizeof(*(c).v)); \
			for (k_ = 0; k_ < (i); k_++) \
				(c).v[k_] = (c).first; \
			(c).v[i] = (val); \
		} else if ((c).v) { \
			(c).v[i] = (val); \
		} \
	} while (0)

#define COL_RESIZE(c, cap) \
	do { \
		if ((c).v) \
			(c).v = xrealloc((c).v, (cap) * sizeof(*(c).v)); \
	} while (0)

#define COL_MOVE(c, to, from) \
	do { \
		if ((c).v) \
			(c).v[to] = (c).v[from]; \
	} while (0)

/* Calls X(column) for every column but the names. */
#define EACH_COL(X) X(mode) X(uid) X(gid) X(nlink) X(size) X(mtime) X(ino) \
	X(atime)

/*
 * mtimes from 1698 to 2242 are packed in 64 bits: the seconds offset by
 * 2^33 above 30 bits of nanoseconds.  Others are odd entries.
 */
#define MTIME_BIAS ((int64_t)1 << 33)

static bool mtime_pack(int64_t sec, uint32_t nsec, uint64_t *packed)
{
	if (sec < -MTIME_BIAS || sec >= MTIME_BIAS || nsec >= (1u << 30))
		return false;
	*packed = ((uint64_t)(sec + MTIME_BIAS) << 30) | nsec;
	return true;
}

/* The odd entry of index I, or NULL. */
static const struct dirlist_odd *find_odd(const struct dirlist *l, size_t i)
{
	size_t lo = 0, hi = l->nodd;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (l->odd[mid].i == i)
			return &l->odd[mid];
		if (l->odd[mid].i < i)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

void dirlist_get(const struct dirlist *l, size_t i, struct ts_entry *e)
{
	const struct dirlist_odd *o = l->nodd ? find_odd(l, i) : NULL;
	uint64_t mt = COL_AT(l->mtime, i);

	e->name = dirlist_name(l, i);
	e->mode = COL_AT(l->mode, i);
	e->uid = COL_AT(l->uid, i);
	e->gid = COL_AT(l->gid, i);
	e->nlink = (l->cols & WALK_NEED_INO) ? COL_AT(l->nlink, i) : 1;
	e->size = COL_AT(l->size, i);
	e->ino = (l->cols & WALK_NEED_INO) ? COL_AT(l->ino, i) : 0;
	e->atime_sec = (int64_t)COL_AT(l->atime, i);
	e->mtime_sec = (int64_t)(mt >> 30) - MTIME_BIAS;
	e->mtime_nsec = (uint32_t)(mt & ((1u << 30) - 1));
	e->dev = l->dev;
	e->rdev = 0;
	if (o) {
		e->mtime_sec = o->sec;
		e->mtime_nsec = o->nsec;
		e->dev = o->dev;
		e->rdev = o->rdev;
	}
}

static void set_cap(struct dirlist *l, size_t cap)
{
	l->name = xrealloc(l->name, cap * sizeof(*l->name));
#define X(c) COL_RESIZE(l->c, cap);
	EACH_COL(X)
#undef X
	l->cap = cap;
}

/* Moves entry FROM of L to index TO. */
static void move_entry(struct dirlist *l, size_t to, size_t from)
{
	l->name[to] = l->name[from];
#define X(c) COL_MOVE(l->c, to, from);
	EACH_COL(X)
#undef X
}

void dirlist_filter(struct dirlist *l,
    bool (*keep)(void *arg, const char *name, uint32_t mode), void *arg)
{
	size_t i, o = 0, k = 0, ko = 0;

	for (i = 0; i < l->n; i++) {
		bool odd = k < l->nodd && l->odd[k].i == i;

		if (keep(arg, dirlist_name(l, i), dirlist_mode(l, i))) {
			if (odd) {
				l->odd[ko] = l->odd[k];
				l->odd[ko++].i = o;
			}
			move_entry(l, o++, i);
		}
		k += odd;
	}
	l->n = o;
	l->nodd = ko;
}

static unsigned statx_mask(unsigned need)
{
	unsigned m = STATX_TYPE | STATX_MODE | STATX_SIZE | STATX_MTIME |
	    STATX_NLINK;

	if (need & WALK_NEED_OWNER)
		m |= STATX_UID | STATX_GID;
	if (need & (WALK_NEED_INO | WALK_LIST_INO))
		m |= STATX_INO;
	if (need & WALK_NEED_ATIME)
		m |= STATX_ATIME;
	return m;
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
	e->atime_sec = stx->stx_atime.tv_sec;
	e->ino = stx->stx_ino;
	e->dev = makedev(stx->stx_dev_major, stx->stx_dev_minor);
	e->rdev = makedev(stx->stx_rdev_major, stx->stx_rdev_minor);
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

/* One link of the chain: *FD and *NAME move to the directory and name
 * its TARGET gives.  0 or -errno. */
static int step_link(int *fd, char **name, char *target)
{
	char *slash = strrchr(target, '/');
	const char *dir, *last = slash ? slash + 1 : target;
	int nfd;

	if (!*last || strcmp(last, ".") == 0 || strcmp(last, "..") == 0)
		return -EISDIR;
	if (slash) {
		*slash = '\0';
		dir = slash == target ? "/" : target;
		nfd = openat(*fd, dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (nfd < 0)
			return -errno;
		close(*fd);
		*fd = nfd;
	}
	free(*name);
	*name = xstrdup(last);
	return 0;
}

int walk_referent(int dirfd, const char *name, char **base)
{
	int fd = openat(dirfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	char *nm = xstrdup(name), *target;
	int r = 0, n;

	if (fd < 0) {
		free(nm);
		return -errno;
	}
	for (n = 0; r == 0; n++) {
		target = walk_readlink(fd, nm, 0);
		if (!target) {
			r = errno == EINVAL ? 1 : -errno;	/* 1: no link */
			break;
		}
		r = n == 40 ? -ELOOP : step_link(&fd, &nm, target);
		free(target);
	}
	if (r < 0) {
		close(fd);
		free(nm);
		return r;
	}
	*base = nm;
	return fd;
}

/* Appends the entry NAME (of length LEN), as STX describes it.  0, or
 * -EOVERFLOW when the names no longer fit 32-bit offsets. */
static int append(struct dirlist *l, const char *name, size_t len,
    const struct statx *stx)
{
	uint64_t dev = makedev(stx->stx_dev_major, stx->stx_dev_minor);
	uint64_t rdev = makedev(stx->stx_rdev_major, stx->stx_rdev_minor);
	uint64_t mt = 0;
	bool packed = mtime_pack(stx->stx_mtime.tv_sec,
	    stx->stx_mtime.tv_nsec, &mt);
	size_t i = l->n;

	if (l->nlen + len + 1 > UINT32_MAX)
		return -EOVERFLOW;
	if (l->nlen + len + 1 > l->ncap) {
		l->ncap = (l->ncap ? l->ncap * 2 : 4096) + len + 1;
		l->names = xrealloc(l->names, l->ncap);
	}
	if (i == l->cap)
		set_cap(l, l->cap ? l->cap * 2 : 64);
	memcpy(l->names + l->nlen, name, len + 1);
	l->name[i] = (uint32_t)l->nlen;
	l->nlen += len + 1;
	COL_PUT(l->mode, i, l->cap, (uint32_t)stx->stx_mode);
	COL_PUT(l->size, i, l->cap, stx->stx_size);
	COL_PUT(l->mtime, i, l->cap, mt);
	if (l->cols & WALK_NEED_OWNER) {
		COL_PUT(l->uid, i, l->cap, stx->stx_uid);
		COL_PUT(l->gid, i, l->cap, stx->stx_gid);
	}
	if (l->cols & (WALK_NEED_INO | WALK_LIST_INO))
		COL_PUT(l->ino, i, l->cap, stx->stx_ino);
	if (l->cols & WALK_NEED_INO)
		COL_PUT(l->nlink, i, l->cap, stx->stx_nlink);
	if (l->cols & WALK_NEED_ATIME)
		COL_PUT(l->atime, i, l->cap, (uint64_t)stx->stx_atime.tv_sec);
	if (i == 0)
		l->dev = dev;
	if (dev != l->dev || rdev != 0 || !packed) {
		if (l->nodd == l->oddcap) {
			l->oddcap = l->oddcap ? l->oddcap * 2 : 8;
			l->odd = xrealloc(l->odd, l->oddcap * sizeof(*l->odd));
		}
		l->odd[l->nodd++] = (struct dirlist_odd){ i, dev, rdev,
			stx->stx_mtime.tv_sec, stx->stx_mtime.tv_nsec };
	}
	l->n++;
	return 0;
}

static int cmp_names(const void *a, const void *b, void *arg)
{
	const struct dirlist *l = arg;
	const uint32_t *x = a, *y = b;

	return strcmp(dirlist_name(l, *x), dirlist_name(l, *y));
}

static int cmp_odd(const void *a, const void *b)
{
	const struct dirlist_odd *x = a, *y = b;

	return (x->i > y->i) - (x->i < y->i);
}

/* One entry's values, while a permutation cycle moves the others. */
struct row {
	uint32_t name, mode, uid, gid, nlink;
	uint64_t size, mtime, ino, atime;
};

static void get_row(const struct dirlist *l, size_t i, struct row *r)
{
	r->name = l->name[i];
#define X(c) r->c = COL_AT(l->c, i);
	EACH_COL(X)
#undef X
}

static void put_row(struct dirlist *l, size_t i, const struct row *r)
{
	l->name[i] = r->name;
#define X(c) if (l->c.v) l->c.v[i] = r->c;
	EACH_COL(X)
#undef X
}

#define PERM_DONE UINT32_MAX

/*
 * Sorts L by name: the order is found on a permutation (4 bytes an
 * entry), then applied in place, cycle by cycle, so that no column is
 * ever held twice.  The odd entries follow their entries.
 */
static void sort_by_name(struct dirlist *l)
{
	uint32_t *perm;
	size_t i, k;

	if (l->n < 2)
		return;
	perm = xmalloc(l->n * sizeof(*perm));
	for (i = 0; i < l->n; i++)
		perm[i] = (uint32_t)i;
	qsort_r(perm, l->n, sizeof(*perm), cmp_names, l);
	/* Odd entries (few, in order of their old index) get their new one. */
	if (l->nodd) {
		size_t *newi = xmalloc(l->nodd * sizeof(*newi));

		for (i = 0; i < l->n; i++) {
			const struct dirlist_odd *o = find_odd(l, perm[i]);

			if (o)
				newi[o - l->odd] = i;
		}
		for (k = 0; k < l->nodd; k++)
			l->odd[k].i = newi[k];
		free(newi);
		qsort(l->odd, l->nodd, sizeof(*l->odd), cmp_odd);
	}
	/* sorted[j] = old[perm[j]], following each cycle from its start. */
	for (i = 0; i < l->n; i++) {
		struct row r;
		size_t j = i;

		if (perm[i] == PERM_DONE)
			continue;
		get_row(l, i, &r);
		for (;;) {
			size_t from = perm[j];

			perm[j] = PERM_DONE;
			if (from == i) {
				put_row(l, j, &r);
				break;
			}
			move_entry(l, j, from);
			j = from;
		}
	}
	free(perm);
}

static bool named(void *arg, const char *name, uint32_t mode)
{
	(void)arg;
	(void)mode;
	return name[0] != '\0';
}

void dirlist_convert(struct dirlist *l,
    char *(*name)(void *arg, const char *old), void *arg)
{
	char *names = NULL;
	size_t i, len = 0, cap = 0;

	for (i = 0; i < l->n; i++) {
		const char *old = dirlist_name(l, i);
		char *nn = name(arg, old);
		size_t a = nn ? strlen(nn) + 1 : 0, b = strlen(old) + 1;

		if (len + a + b + 1 > cap) {
			cap = 2 * cap + a + b + 4096;
			names = xrealloc(names, cap);
		}
		if (!nn) {
			/* Left out: an empty name, which no entry has. */
			names[len] = '\0';
			l->name[i] = (uint32_t)len++;
			continue;
		}
		memcpy(names + len, nn, a);
		memcpy(names + len + a, old, b);
		l->name[i] = (uint32_t)len;
		len += a + b;
		free(nn);
	}
	free(l->names);
	l->names = names;
	l->nlen = l->ncap = len;
	l->cols |= DIRLIST_SRC_NAMES;
	dirlist_filter(l, named, NULL);
	sort_by_name(l);
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

/* One entry's statx: appended, or left out and counted (and said). */
static int take_one(struct report *rep, const char *reldir, unsigned need,
    const char *nm, int err, const struct statx *stx, struct dirlist *out,
    struct walk_result *res)
{
	if (err == ENOENT && (need & WALK_DEST))
		return 0;
	if (err == ENOENT) {
		res->vanished++;
		if (rep)
			report_vanished(rep, reldir, nm);
		return 0;
	}
	if (err) {
		res->stat_errors++;
		if (rep)
			stat_error(rep, need, err, reldir, nm);
		return 0;
	}
	return append(out, nm, strlen(nm), stx) < 0 ? -EOVERFLOW : 0;
}

static bool dot_or_dotdot(const char *nm)
{
	return nm[0] == '.' &&
	    (nm[1] == '\0' || (nm[1] == '.' && nm[2] == '\0'));
}

/* The statx of every name of one getdents buffer, in parallel. */
struct fan_batch {
	int dirfd;
	unsigned mask;
	const char **names;
	struct statx *stx;
	int *err;
};

static void fan_stat(void *ctx, size_t i)
{
	struct fan_batch *b = ctx;

	b->err[i] = statx(b->dirfd, b->names[i],
	    AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT, b->mask, &b->stx[i]) < 0 ?
	    errno : 0;
}

/* take_names() with FAN's threads: the names are statx'ed together,
 * then taken in the order getdents gave them (messages as without). */
static int take_names_fan(struct report *rep, int dirfd, const char *reldir,
    unsigned need, const struct walk_fan *fan, const char *buf, long nread,
    struct dirlist *out, struct walk_result *res)
{
	struct fan_batch b = { dirfd, statx_mask(need), NULL, NULL, NULL };
	size_t n = 0, cap = (size_t)nread / 24 + 1, i;	/* 24: least reclen */
	long pos;
	int r = 0;

	b.names = xmalloc(cap * sizeof(*b.names));
	for (pos = 0; pos < nread;) {
		const struct linux_dirent64 *d = (const void *)(buf + pos);

		pos += d->d_reclen;
		if (!dot_or_dotdot(d->d_name))
			b.names[n++] = d->d_name;
	}
	b.stx = xmalloc((n ? n : 1) * sizeof(*b.stx));
	b.err = xmalloc((n ? n : 1) * sizeof(*b.err));
	fan->each(fan->arg, n, fan_stat, &b);
	for (i = 0; i < n && r == 0; i++)
		r = take_one(rep, reldir, need, b.names[i], b.err[i],
		    &b.stx[i], out, res);
	free(b.names);
	free(b.stx);
	free(b.err);
	return r;
}

/* Reads one buffer of getdents into OUT.  0, or -errno (the listing is
 * then no listing). */
static int take_names(struct report *rep, int dirfd, const char *reldir,
    unsigned need, const char *buf, long nread, struct dirlist *out,
    struct walk_result *res)
{
	unsigned mask = statx_mask(need);
	long pos;
	int r = 0;

	for (pos = 0; pos < nread && r == 0;) {
		const struct linux_dirent64 *d = (const void *)(buf + pos);
		const char *nm = d->d_name;
		struct statx stx;
		int err;

		pos += d->d_reclen;
		if (dot_or_dotdot(nm))
			continue;
		err = statx(dirfd, nm, AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT,
		    mask, &stx) < 0 ? errno : 0;
		r = take_one(rep, reldir, need, nm, err, &stx, out, res);
	}
	return r;
}

struct walk_result walk_dir(struct report *rep, int dirfd,
    const char *reldir, unsigned need, struct dirlist *out)
{
	return walk_dir_fan(rep, dirfd, reldir, need, NULL, out);
}

struct walk_result walk_dir_fan(struct report *rep, int dirfd,
    const char *reldir, unsigned need, const struct walk_fan *fan,
    struct dirlist *out)
{
	struct walk_result res = { 0, 0, 0 };
	char buf[32768] __attribute__((aligned(8)));

	dirlist_free(out);
	out->cols = need & (WALK_NEED_OWNER | WALK_NEED_INO | WALK_LIST_INO |
	    WALK_NEED_ATIME);
	if (lseek(dirfd, 0, SEEK_SET) < 0) {
		res.err = -errno;
		return res;
	}
	for (;;) {
		long nread = syscall(SYS_getdents64, dirfd, buf, sizeof(buf));

		if (nread < 0)
			res.err = -errno;
		else if (nread > 0 && fan)
			res.err = take_names_fan(rep, dirfd, reldir, need, fan,
			    buf, nread, out, &res);
		else if (nread > 0)
			res.err = take_names(rep, dirfd, reldir, need, buf,
			    nread, out, &res);
		if (res.err) {
			/* A listing that failed part-way is no listing: half
			 * a directory must not be taken for the whole of it. */
			out->n = out->nlen = out->nodd = 0;
			return res;
		}
		if (nread == 0)
			break;
	}
	sort_by_name(out);
	/* What the listing grew into beyond its size is given back. */
	if (out->ncap > out->nlen + 1) {
		out->ncap = out->nlen + 1;
		out->names = xrealloc(out->names, out->ncap);
	}
	return res;
}
