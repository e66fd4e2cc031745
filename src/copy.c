/*
 * copy.c -- one regular file into place: temp file, copy chain, metadata,
 * rename.
 *
 * The chain (see ../shared/ref/copy-chain.md §4): copy_file_range first
 * (btrfs/XFS reflink, NFS 4.2 server-side copy), then sendfile, then
 * pread/pwrite.  Every call uses explicit offsets, so switching method in
 * the middle of a file is just "resume at off + done".  A method is left
 * only on the errors that mean "not supported here" and only when it has
 * moved nothing in the current range (EOVERFLOW and EFBIG excepted); the
 * rest are real errors.  Loops are bounded by the size seen at open, never
 * "until 0": a source that shrinks stops the copy, one that grows is caught
 * by the fstat taken after the copy, and the file is retried.
 *
 * Invariants: a final name only ever receives a complete file (rename of a
 * closed, fully written temp); on failure the temp is unlinked before
 * returning; the old destination is never opened for writing.
 */
#define _GNU_SOURCE
#include "copy.h"

#include "hash.h"
#include "meta.h"
#include "pool.h"
#include "sys.h"
#include "tmpfile.h"
#include "util.h"
#include "xattr.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* Per call: <= 0x7ffff000 (no EOVERFLOW at EOF, no glibc 2.41 return
 * bug), and small enough that an abort after a signal lands within a
 * fraction of a second (the flag is checked between calls). */
#define CHUNK ((size_t)8 << 20)	/* nfsd copies <= 4 MiB synchronously */
#define SENDFILE_MAX ((size_t)0x7ffff000)
#define MAX_ATTEMPTS 3			/* tries for a source that keeps changing */
#define COPY_CHANGED 1			/* copy_once(): the source changed */

static const char *const method_names[TS_METHOD_COUNT] = {
	"copy_file_range", "sendfile", "read/write",
};

void copy_ctx_init(struct copy_ctx *c, const struct ts_options *o,
    bool check_reflink)
{
	memset(c, 0, sizeof(*c));
	c->method = o->copy_method;
	c->reflink = o->reflink;
	c->fsync = o->fsync;
	c->sparse = o->sparse;
	c->verify = o->verify;
	c->check_reflink = check_reflink;
	atomic_init(&c->cfr_off, false);
	atomic_init(&c->abort, false);
	atomic_init(&c->sendfile_off, false);
	pthread_mutex_init(&c->pair_lock, NULL);
	c->tmp = xmalloc(sizeof(*c->tmp));
	tmpfile_init(c->tmp);
}

void copy_ctx_destroy(struct copy_ctx *c)
{
	pthread_mutex_destroy(&c->pair_lock);
	free(c->tmp);
	c->tmp = NULL;
}

/* --- the chain ----------------------------------------------------------- */

/* State of the chain for one file. */
struct chain {
	struct copy_ctx *c;
	int in, out;
	uint64_t sdev, ddev;
	unsigned disabled;	/* bit per enum ts_method: failed for this file */
	bool forced;		/* --copy-method other than auto: no fallback */
	struct copy_result *res;
	char *buf;
};

static bool pair_cfr_no(struct copy_ctx *c, uint64_t sdev, uint64_t ddev)
{
	bool no = false;
	unsigned i;

	pthread_mutex_lock(&c->pair_lock);
	for (i = 0; i < c->npairs; i++)
		if (c->pairs[i].sdev == sdev && c->pairs[i].ddev == ddev)
			no = c->pairs[i].cfr_no;
	pthread_mutex_unlock(&c->pair_lock);
	return no;
}

static void pair_set_cfr_no(struct copy_ctx *c, uint64_t sdev, uint64_t ddev)
{
	unsigned i;

	pthread_mutex_lock(&c->pair_lock);
	for (i = 0; i < c->npairs; i++)
		if (c->pairs[i].sdev == sdev && c->pairs[i].ddev == ddev)
			break;
	if (i == c->npairs && c->npairs < COPY_PAIR_SLOTS)
		c->npairs++;
	if (i < c->npairs) {
		c->pairs[i].sdev = sdev;
		c->pairs[i].ddev = ddev;
		c->pairs[i].cfr_no = true;
	}
	pthread_mutex_unlock(&c->pair_lock);
}

static bool method_usable(struct chain *ch, int m)
{
	struct copy_ctx *c = ch->c;

	if (ch->disabled & (1u << m))
		return false;
	switch (m) {
	case TS_METHOD_CFR:
		if (c->method != TS_COPY_AUTO && c->method != TS_COPY_CFR)
			return false;
		return ch->forced || (c->reflink != TS_REFLINK_NEVER &&
		    !atomic_load(&c->cfr_off) &&
		    !pair_cfr_no(c, ch->sdev, ch->ddev));
	case TS_METHOD_SENDFILE:
		if (c->method != TS_COPY_AUTO && c->method != TS_COPY_SENDFILE)
			return false;
		return ch->forced || !atomic_load(&c->sendfile_off);
	default:
		return c->method == TS_COPY_AUTO || c->method == TS_COPY_RW;
	}
}

/* The first usable method after FROM (-1: the first of all); -1 if none. */
static int next_method(struct chain *ch, int from)
{
	int m;

	for (m = from + 1; m < TS_METHOD_COUNT; m++)
		if (method_usable(ch, m))
			return m;
	return -1;
}

/* Errors that mean "this method cannot do this here": try the next one. */
static bool is_unsupported(int e)
{
	switch (e) {
	case ENOSYS: case EXDEV: case EOPNOTSUPP: case EINVAL: case EBADF:
	case EPERM: case ETXTBSY: case EACCES: case ENOENT: case EOVERFLOW:
	case EFBIG: case ENOTSOCK: case ENODATA: case EAGAIN: case EIO:
		return true;
	default:
		return false;
	}
}

/* Errors that say the destination cannot take more: stop the run. */
static bool is_fatal(int e)
{
	return e == ENOSPC || e == EDQUOT || e == EROFS || e == ENOMEM;
}

/* Records what failed, and on which side (see enum copy_side). */
static void fail(struct copy_result *res, const char *what,
    enum copy_side side)
{
	res->what = what;
	res->side = side;
}

/* Is copy_file_range blocked (seccomp EPERM) rather than refused here?
 * With bad fds an available syscall says EBADF (Rust std's probe). */
static bool cfr_blocked(void)
{
	ssize_t r = syscall(SYS_copy_file_range, -1, NULL, -1, NULL, 1, 0);

	return r < 0 && (errno == EPERM || errno == ENOSYS);
}

static void note_fallback(struct chain *ch, int m, int e)
{
	struct copy_result *res = ch->res;
	size_t n = strlen(res->fallbacks);
	const char *en = e ? strerrorname_np(e) : "returned 0";

	if (n + 40 < sizeof(res->fallbacks))
		snprintf(res->fallbacks + n, sizeof(res->fallbacks) - n,
		    "%s%s:%s", n ? " " : "", method_names[m], en ? en : "?");
}

/* Leaves method M for this file after error E (0: it returned 0). */
static void leave_method(struct chain *ch, int m, int e)
{
	note_fallback(ch, m, e);
	ch->disabled |= 1u << m;
	if (e == ENOSYS) {
		if (m == TS_METHOD_CFR)
			atomic_store(&ch->c->cfr_off, true);
		else if (m == TS_METHOD_SENDFILE)
			atomic_store(&ch->c->sendfile_off, true);
	}
	if (m == TS_METHOD_CFR && e == EPERM && cfr_blocked())
		atomic_store(&ch->c->cfr_off, true);
	if (m == TS_METHOD_CFR && (e == EXDEV || e == EOPNOTSUPP))
		pair_set_cfr_no(ch->c, ch->sdev, ch->ddev);
}

static ssize_t pwrite_all(int fd, const char *buf, size_t n, off_t pos)
{
	size_t done = 0;

	while (done < n) {
		ssize_t w = sys.pwrite(fd, buf + done, n - done,
		    pos + (off_t)done);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (w == 0) {
			errno = EIO;	/* a write that makes no progress */
			return -1;
		}
		done += (size_t)w;
	}
	return (ssize_t)done;
}

/* One call of method M at POS; >0 bytes, 0, or -1 with errno.  Sets
 * *WHAT for errors that can only be one side's. */
static ssize_t step(struct chain *ch, int m, off_t pos, size_t want,
    const char **what, enum copy_side *side)
{
	off_t ip = pos, op = pos;
	ssize_t r;

	switch (m) {
	case TS_METHOD_CFR:
		return sys.copy_file_range(ch->in, &ip, ch->out, &op, want, 0);
	case TS_METHOD_SENDFILE:
		/* sendfile writes at the output's file position. */
		if (lseek(ch->out, pos, SEEK_SET) < 0)
			return -1;
		return sys.sendfile(ch->out, ch->in, &ip,
		    want < SENDFILE_MAX ? want : SENDFILE_MAX);
	default:
		r = sys.pread(ch->in, ch->buf,
		    want < POOL_BUF_SIZE ? want : POOL_BUF_SIZE, pos);
		if (r < 0) {
			*what = "cannot read";
			*side = COPY_SRC;
			return -1;
		}
		if (r > 0 && pwrite_all(ch->out, ch->buf, (size_t)r, pos) < 0) {
			*what = "cannot write";
			*side = COPY_DST;
			/* EIO writing the destination: the device, not this
			 * file -- the run stops. */
			ch->res->fatal = errno == EIO;
			return -1;
		}
		return r;
	}
}

/*
 * copy_file_range and sendfile cannot say which side failed: one read of
 * the source at the failing offset tells a bad source from a bad
 * destination, so the message names the right file.
 */
static void blame(struct chain *ch, off_t pos)
{
	char b;

	if (sys.pread(ch->in, &b, 1, pos) < 0)
		fail(ch->res, "cannot read", COPY_SRC);
	else
		fail(ch->res, "cannot copy to", COPY_DST);
}

/*
 * Copies [off, off + len) with the chain.  Returns the bytes copied (less
 * than LEN if the source ended early: *SHORT is set) or -errno.
 */
static int64_t copy_range(struct chain *ch, off_t off, uint64_t len,
    bool *shortened)
{
	uint64_t done = 0, moved = 0;
	int m = next_method(ch, -1);

	while (done < len) {
		size_t want = len - done < CHUNK ? (size_t)(len - done) : CHUNK;
		const char *what = NULL;
		enum copy_side side = COPY_DST;
		ssize_t r;
		int e;

		if (m < 0)
			return -EOPNOTSUPP;
		if (atomic_load(&ch->c->abort)) {
			fail(ch->res, "interrupted while copying", COPY_DST);
			return -EINTR;
		}
		r = step(ch, m, off + (off_t)done, want, &what, &side);
		if (r > 0) {
			done += (uint64_t)r;
			moved += (uint64_t)r;
			ch->res->bytes[m] += (uint64_t)r;
			atomic_fetch_add_explicit(&ch->c->moved, (uint64_t)r,
			    memory_order_relaxed);
			continue;
		}
		if (r == 0) {
			/* Before any data this is the "0 but not EOF" of
			 * pseudo and overlay files: ask the next method. */
			if (moved == 0 && m != TS_METHOD_RW && !ch->forced) {
				leave_method(ch, m, 0);
				m = next_method(ch, m);
				continue;
			}
			*shortened = true;
			break;
		}
		e = errno;
		if (e == EINTR)
			continue;
		if (is_fatal(e) || m == TS_METHOD_RW || ch->forced ||
		    !is_unsupported(e) ||
		    (moved > 0 && e != EOVERFLOW && e != EFBIG)) {
			if (what)
				fail(ch->res, what, side);
			else
				blame(ch, off + (off_t)done);
			return -e;
		}
		leave_method(ch, m, e);
		m = next_method(ch, m);
		moved = 0;
	}
	return (int64_t)done;
}

/* Reads IN from POS to EOF into OUT with pread/pwrite: for pseudo files
 * whose st_size is 0 (procfs) although they have content. */
static int64_t copy_to_eof(struct chain *ch, uint64_t pos)
{
	uint64_t start = pos;

	for (;;) {
		ssize_t r = sys.pread(ch->in, ch->buf, POOL_BUF_SIZE, (off_t)pos);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			fail(ch->res, "cannot read", COPY_SRC);
			return -errno;
		}
		if (r == 0)
			break;
		if (pwrite_all(ch->out, ch->buf, (size_t)r, (off_t)pos) < 0) {
			fail(ch->res, "cannot write", COPY_DST);
			ch->res->fatal = errno == EIO;	/* as in step() */
			return -errno;
		}
		pos += (uint64_t)r;
		ch->res->bytes[TS_METHOD_RW] += (uint64_t)r;
	}
	return (int64_t)(pos - start);
}

/*
 * -S: copies only the data segments SEEK_DATA/SEEK_HOLE report, each with
 * explicit offsets, so the gaps stay holes in the new file; the trailing
 * hole is made by ftruncate.  Returns the file's length or -errno.
 */
static int64_t copy_sparse(struct chain *ch, uint64_t size, bool *shortened)
{
	uint64_t pos = 0, end = 0;

	while (pos < size) {
		off_t data = lseek(ch->in, (off_t)pos, SEEK_DATA), hole;
		int64_t n;

		if (data < 0) {
			if (errno == ENXIO)
				break;		/* only a hole remains */
			data = (off_t)pos;	/* no SEEK_DATA here: copy all */
			hole = (off_t)size;
		} else {
			hole = lseek(ch->in, data, SEEK_HOLE);
			if (hole < 0 || (uint64_t)hole > size)
				hole = (off_t)size;
		}
		if ((uint64_t)data >= size)
			break;
		n = copy_range(ch, data, (uint64_t)(hole - data), shortened);
		if (n < 0)
			return n;
		end = (uint64_t)data + (uint64_t)n;
		if (*shortened)
			return (int64_t)end;
		ch->res->holes += (uint64_t)data - pos;
		pos = (uint64_t)hole;
	}
	if (end < size) {
		ch->res->holes += size - (end > pos ? end : pos);
		if (ftruncate(ch->out, (off_t)size) < 0) {
			fail(ch->res, "cannot extend", COPY_DST);
			return -errno;
		}
	}
	return (int64_t)size;
}

/*
 * Copies the data of IN (whose size at open was SIZE) into OUT: the
 * range [0, SIZE) through the chain (or its data segments with -S), or,
 * for a file that says it is empty, whatever a read finds.
 */
static int copy_data(struct chain *ch, const struct stat *st, bool *shortened)
{
	uint64_t size = (uint64_t)st->st_size;
	int64_t n;

	if (size == 0)
		n = copy_to_eof(ch, 0);
	else if (ch->c->sparse && (uint64_t)st->st_blocks * 512 < size)
		n = copy_sparse(ch, size, shortened);
	else
		n = copy_range(ch, 0, size, shortened);
	if (n < 0)
		return (int)n;
	ch->res->size = (uint64_t)n;
	return 0;
}

/* Whether the first extent of FD is shared with another file. */
static bool extents_shared(int fd)
{
	struct {
		struct fiemap fm;
		struct fiemap_extent ext[1];
	} q;

	memset(&q, 0, sizeof(q));
	q.fm.fm_length = FIEMAP_MAX_OFFSET;
	q.fm.fm_extent_count = 1;
	if (ioctl(fd, FS_IOC_FIEMAP, &q.fm) < 0 || q.fm.fm_mapped_extents == 0)
		return false;
	return (q.ext[0].fe_flags & FIEMAP_EXTENT_SHARED) != 0;
}

/* --verify: both files, re-read, must hash the same. */
static int verify_copy(struct chain *ch)
{
	struct hash128 a, b;
	int r;

	if (ch->c->fsync) {
		/* Durable already: drop the cache so the check reads the
		 * device, not the pages we just wrote. */
		if (sys.fsync(ch->out) < 0) {
			fail(ch->res, "cannot fsync", COPY_DST);
			return -errno;
		}
		posix_fadvise(ch->out, 0, 0, POSIX_FADV_DONTNEED);
	}
	r = hash_fd(ch->in, ch->buf, POOL_BUF_SIZE, &a);
	if (r < 0) {
		fail(ch->res, "cannot read", COPY_SRC);
		return r;
	}
	r = hash_fd(ch->out, ch->buf, POOL_BUF_SIZE, &b);
	if (r < 0) {
		fail(ch->res, "cannot read back", COPY_DST);
		return r;
	}
	if (a.lo != b.lo || a.hi != b.hi) {
		fail(ch->res, "verification failed: the copy differs from", COPY_DST);
		return -EBADMSG;
	}
	ch->res->verified = true;
	return 0;
}

/* --reflink=always: one FICLONE, or the copy fails. */
static int clone_whole(struct chain *ch, uint64_t size)
{
	if (ioctl(ch->out, FICLONE, ch->in) < 0) {
		fail(ch->res, "cannot reflink", COPY_DST);
		return -errno;
	}
	ch->res->size = size;
	ch->res->reflinked = true;
	return 0;
}

void copy_describe(const struct copy_result *r, char *buf, size_t size)
{
	size_t o = 0;
	int m;

	buf[0] = '\0';
	for (m = 0; m < TS_METHOD_COUNT && o < size; m++) {
		if (!r->bytes[m])
			continue;
		o += (size_t)snprintf(buf + o, size - o, "%s%s %llu bytes",
		    o ? ", " : "", method_names[m],
		    (unsigned long long)r->bytes[m]);
	}
	if (o == 0 && o < size)
		o += (size_t)snprintf(buf, size, r->reflinked ? "FICLONE" :
		    "no data");
	if (r->reflinked && o < size)
		o += (size_t)snprintf(buf + o, size - o, ", reflinked");
	if (r->holes && o < size)
		o += (size_t)snprintf(buf + o, size - o, ", %llu bytes of holes",
		    (unsigned long long)r->holes);
	if (r->verified && o < size)
		o += (size_t)snprintf(buf + o, size - o, ", verified");
	if (r->retries && o < size)
		snprintf(buf + o, size - o, ", %d retries", r->retries);
}

static bool same_stat(const struct stat *a, const struct stat *b)
{
	return a->st_size == b->st_size && a->st_ino == b->st_ino &&
	    a->st_dev == b->st_dev &&
	    a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	    a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	    a->st_ctim.tv_sec == b->st_ctim.tv_sec &&
	    a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

static int open_source(int dirfd, const char *name)
{
	int fd = openat(dirfd, name,
	    O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOATIME | O_NOCTTY);

	/* O_NOATIME needs ownership (or CAP_FOWNER). */
	if (fd < 0 && errno == EPERM)
		fd = openat(dirfd, name,
		    O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	return fd;
}

/* MODE: the permission bits the file will have; the temp starts with
 * them (less the umask and any set-id bit), which spares a chmod for most
 * files and shows nothing more than the finished file will. */
static int make_temp(int dirfd, const char *tmp, void *arg)
{
	const mode_t *mode = arg;

	/* Read-write: --verify reads the new file back. */
	return openat(dirfd, tmp,
	    O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, *mode & 0777);
}

/*
 * An empty source into an absent destination: created in place.  Returns
 * 0, 1 when the temp way must be taken instead (the source has content
 * after all, or the name appeared meanwhile), or -errno.
 */
static int create_empty(struct copy_ctx *c, int in, const struct stat *st0,
    int dfd, const char *dname, const struct meta_target *meta,
    struct copy_result *res)
{
	struct meta_target m = *meta;
	struct xattr_set xa = { 0 };
	struct stat st1, sto;
	char b;
	int out, r;

	if (c->verify || c->reflink == TS_REFLINK_ALWAYS ||
	    sys.pread(in, &b, 1, 0) != 0)
		return 1;	/* /proc files say size 0 and have content */
	if (!tmpfile_enter(c->tmp))
		return -EINTR;
	out = openat(dfd, dname, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, meta->set_mode ? meta->mode & 0777 : 0600);
	r = out < 0 ? -errno : 0;
	tmpfile_leave(c->tmp);
	if (r == -EEXIST)
		return 1;
	if (r < 0) {
		fail(res, "cannot create", COPY_DST);
		return r;
	}
	if (fstat(out, &sto) < 0 || fstat(in, &st1) < 0 ||
	    st1.st_size != 0 || st1.st_mtim.tv_sec != st0->st_mtim.tv_sec ||
	    st1.st_mtim.tv_nsec != st0->st_mtim.tv_nsec) {
		close(out);
		unlinkat(dfd, dname, 0);	/* ours: created just now */
		return 1;
	}
	res->dst_dev = sto.st_dev;
	res->dst_ino = sto.st_ino;
	m.mtime = st0->st_mtim;
	if (m.xa_which && xattr_read(-1, dname, in, m.xa_which, m.am_root,
	    &xa) == 0)
		m.xattrs = &xa;
	r = meta_apply_fd_st(out, &m, &sto, &res->what);
	if (r < 0)
		res->side = COPY_DST;
	xattr_set_free(&xa);
	if (r == 0 && c->fsync && sys.fsync(out) < 0) {
		r = -errno;
		fail(res, "cannot fsync", COPY_DST);
	}
	if (sys.close(out) < 0 && r == 0) {
		r = -errno;
		fail(res, "cannot close", COPY_DST);
	}
	if (r < 0)
		unlinkat(dfd, dname, 0);
	return r;
}

/* One attempt: 0, COPY_CHANGED, or -errno (res->what says what failed). */
static int copy_once(struct copy_ctx *c, int sfd, const char *name, int dfd,
    const char *dname, const struct meta_target *meta, char *buf,
    struct copy_result *res, bool dst_absent)
{
	char tmp[NAME_MAX + 1];
	struct stat st0, st1, sto;
	struct meta_target m = *meta;
	struct xattr_set xa = { 0 };
	struct chain ch = { .c = c, .buf = buf, .res = res,
		.forced = c->method != TS_COPY_AUTO };
	bool shortened = false;
	mode_t mode;
	int in, out = -1, r;

	in = open_source(sfd, name);
	if (in < 0) {
		if (errno == ENOENT)
			res->vanished = true;
		fail(res, "cannot open", COPY_SRC);
		return -errno;
	}
	if (fstat(in, &st0) < 0) {
		r = -errno;
		close(in);
		fail(res, "cannot stat", COPY_SRC);
		return r;
	}
	if (!S_ISREG(st0.st_mode)) {
		close(in);
		return COPY_CHANGED;	/* replaced by another type */
	}
	if (dst_absent && st0.st_size == 0) {
		r = create_empty(c, in, &st0, dfd, dname, meta, res);
		if (r <= 0) {
			close(in);
			return r;
		}
	}
	if (st0.st_size >= (1 << 20))
		posix_fadvise(in, 0, 0, POSIX_FADV_SEQUENTIAL);
	mode = meta->set_mode ? meta->mode : 0600;
	out = tmpfile_make(c->tmp, dfd, dname, tmp, make_temp, &mode);
	if (out < 0) {
		r = out;
		fail(res, "cannot create temp file for", COPY_DST);
		res->fatal = is_fatal(-r);
		close(in);
		return r;
	}
	ch.in = in;
	ch.out = out;
	ch.sdev = st0.st_dev;
	ch.ddev = fstat(out, &sto) == 0 ? sto.st_dev : 0;
	res->dst_dev = ch.ddev;
	res->dst_ino = sto.st_ino;

	if (c->reflink == TS_REFLINK_ALWAYS && st0.st_size > 0)
		r = clone_whole(&ch, (uint64_t)st0.st_size);
	else
		r = copy_data(&ch, &st0, &shortened);
	if (r == 0 && c->check_reflink && res->bytes[TS_METHOD_CFR])
		res->reflinked = extents_shared(out);
	if (r == 0 && c->verify)
		r = verify_copy(&ch);
	if (r < 0) {
		res->fatal = res->fatal || is_fatal(-r);
		goto fail;
	}
	if (fstat(in, &st1) < 0) {
		r = -errno;
		fail(res, "cannot stat", COPY_SRC);
		goto fail;
	}
	if (!same_stat(&st0, &st1)) {
		r = COPY_CHANGED;
		goto fail;
	}
	/* The content copied is the file as of st0: give it st0's time. */
	m.mtime = st0.st_mtim;
	if (m.xa_which && !m.xattrs) {
		r = xattr_read(-1, name, in, m.xa_which, m.am_root, &xa);
		if (r < 0) {
			fail(res, "cannot read extended attributes of", COPY_SRC);
			goto fail;
		}
		m.xattrs = &xa;
	}
	r = meta_apply_fd_st(out, &m, &sto, &res->what);
	if (r < 0) {
		res->side = COPY_DST;
		goto fail;
	}
	if (c->fsync && !res->verified && sys.fsync(out) < 0) {
		r = -errno;
		fail(res, "cannot fsync", COPY_DST);
		res->fatal = is_fatal(-r) || r == -EIO;
		goto fail;
	}
	r = sys.close(out);
	out = -1;
	if (r < 0) {
		r = -errno;
		fail(res, "cannot close", COPY_DST);
		res->fatal = is_fatal(-r) || r == -EIO;
		goto fail;
	}
	r = tmpfile_commit(c->tmp, dfd, tmp, dname, sys.renameat);
	xattr_set_free(&xa);
	close(in);
	if (r < 0) {
		fail(res, "cannot rename temp file to", COPY_DST);
		res->fatal = is_fatal(-r);
	}
	return r;

fail:
	xattr_set_free(&xa);
	if (out >= 0)
		close(out);
	tmpfile_discard(c->tmp, dfd, tmp);
	close(in);
	return r;
}

static int copy_any(struct copy_ctx *c, int src_dirfd, const char *name,
    int dst_dirfd, const char *dst_name, const struct meta_target *meta,
    char *buf, struct copy_result *res, bool dst_absent)
{
	int attempt, r = 0;

	memset(res, 0, sizeof(*res));
	for (attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
		uint64_t keep[TS_METHOD_COUNT];

		memcpy(keep, res->bytes, sizeof(keep));
		r = copy_once(c, src_dirfd, name, dst_dirfd, dst_name, meta,
		    buf, res, dst_absent);
		if (r != COPY_CHANGED)
			break;
		res->retries++;
		/* Bytes of a discarded attempt do not count. */
		memcpy(res->bytes, keep, sizeof(keep));
	}
	if (r == COPY_CHANGED) {
		res->changed = true;
		fail(res, "source file kept changing while copying", COPY_SRC);
		r = -EBUSY;
	}
	res->err = r;
	return r;
}

int copy_file(struct copy_ctx *c, int src_dirfd, const char *name,
    int dst_dirfd, const char *dst_name, const struct meta_target *meta,
    char *buf, struct copy_result *res)
{
	return copy_any(c, src_dirfd, name, dst_dirfd, dst_name, meta, buf,
	    res, false);
}

int copy_file_new(struct copy_ctx *c, int src_dirfd, const char *name,
    int dst_dirfd, const char *dst_name, const struct meta_target *meta,
    char *buf, struct copy_result *res)
{
	return copy_any(c, src_dirfd, name, dst_dirfd, dst_name, meta, buf,
	    res, true);
}
