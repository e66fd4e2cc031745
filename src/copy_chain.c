/*
 * copy_chain.c -- the methods that move a file's bytes, and the chain
 * that tries them in turn.
 *
 * The chain (see ../shared/ref/copy-chain.md §4): copy_file_range first
 * (btrfs/XFS reflink, NFS 4.2 server-side copy), then sendfile, then
 * pread/pwrite.  Every call uses explicit offsets, so switching method in
 * the middle of a file is just "resume at off + done".  A method is left
 * only on the errors that mean "not supported here" and only when it has
 * moved nothing in the current range (EOVERFLOW and EFBIG excepted); the
 * rest are real errors.  Loops are bounded by the size seen at open, never
 * "until 0": a source that shrinks stops the copy, one that grows is caught
 * by copy.c's fstat after the copy, and the file is retried.
 *
 * Owns the method table (copy_methods[]: every spelling of a method comes
 * from it) and each call's choice of method; what works and what is
 * fastest per (source device, destination device) pair is copy_pair.c's.
 * Knows nothing of temps, names or metadata: copy.c does.
 */
#define _GNU_SOURCE
#include "copy_int.h"

#include "hash.h"
#include "pool.h"
#include "sys.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Per call: <= 0x7ffff000 (no EOVERFLOW at EOF, no glibc 2.41 return
 * bug), and small enough that an abort after a signal lands within a
 * fraction of a second (the flag is checked between calls). */
#define CHUNK ((size_t)8 << 20)	/* nfsd copies <= 4 MiB synchronously */
#define SENDFILE_MAX ((size_t)0x7ffff000)
#define MEASURE_CHUNK ((size_t)4 << 20)	/* a timed call (copy_pair.c) */

const struct copy_method copy_methods[TS_METHOD_COUNT] = {
	[TS_METHOD_CFR] = { "copy_file_range", "copy_file_range",
		"copy_file_range", TS_COPY_CFR },
	[TS_METHOD_SENDFILE] = { "sendfile", "sendfile", "sendfile",
		TS_COPY_SENDFILE },
	[TS_METHOD_RW] = { "read/write", "readwrite", "read_write",
		TS_COPY_RW },
};

/* Can method M work on this pair (this file's own failures aside)? */
static bool pair_usable(struct chain *ch, int m)
{
	struct copy_ctx *c = ch->c;

	switch (m) {
	case TS_METHOD_CFR:
		if (c->method != TS_COPY_AUTO && c->method != TS_COPY_CFR)
			return false;
		return ch->forced || (c->reflink != TS_REFLINK_NEVER &&
		    !atomic_load(&c->cfr_off) &&
		    !copy_pair_cfr_no(c, ch->sdev, ch->ddev));
	case TS_METHOD_SENDFILE:
		if (c->method != TS_COPY_AUTO && c->method != TS_COPY_SENDFILE)
			return false;
		return ch->forced || !atomic_load(&c->sendfile_off);
	default:
		return c->method == TS_COPY_AUTO || c->method == TS_COPY_RW;
	}
}

static bool method_usable(struct chain *ch, int m)
{
	return !(ch->disabled & (1u << m)) && pair_usable(ch, m);
}

/* A bit per method usable on the pair. */
static unsigned pair_mask(struct chain *ch)
{
	unsigned mask = 0;
	int m;

	for (m = 0; m < TS_METHOD_COUNT; m++)
		if (pair_usable(ch, m))
			mask |= 1u << m;
	return mask;
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
bool copy_is_fatal(int e)
{
	return e == ENOSPC || e == EDQUOT || e == ENOMEM;
}

/* Records what failed, and on which side (see enum copy_side). */
void copy_fail(struct copy_result *res, const char *what,
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
		    "%s%s:%s", n ? " " : "", copy_methods[m].name, en ? en : "?");
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
		copy_pair_set_cfr_no(ch->c, ch->sdev, ch->ddev);
}

/* One call of method M at POS; >0 bytes, 0, or -1 with errno.  Sets
 * *WHAT for errors that can only be one side's. */
static ssize_t call_method(struct chain *ch, int m, off_t pos, size_t want,
    const char **what, enum copy_side *side)
{
	off_t ip = pos, op = pos;
	ssize_t r;

	switch (m) {
	case TS_METHOD_CFR:
		return sys.copy_file_range(ch->in, &ip, ch->out, &op, want, 0);
	case TS_METHOD_SENDFILE:
		/* sendfile writes at the output's file position: with other
		 * workers on the same open file, the seek and the write are
		 * one step (else one's bytes land at another's offset). */
		if (ch->pos_lock)
			pthread_mutex_lock(ch->pos_lock);
		r = lseek(ch->out, pos, SEEK_SET) < 0 ? -1 :
		    sys.sendfile(ch->out, ch->in, &ip,
		    want < SENDFILE_MAX ? want : SENDFILE_MAX);
		if (ch->pos_lock)
			pthread_mutex_unlock(ch->pos_lock);
		return r;
	default:
		r = sys.pread(ch->in, ch->buf,
		    want < POOL_BUF_SIZE ? want : POOL_BUF_SIZE, pos);
		if (r < 0) {
			*what = "cannot read";
			*side = COPY_SRC;
			return -1;
		}
		if (r > 0 &&
		    util_pwrite_all(ch->out, ch->buf, (size_t)r, pos) < 0) {
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

/* call_method() within --bwlimit: a call moves at most the limit's
 * share, and the worker waits for the run's schedule after it. */
static ssize_t step(struct chain *ch, int m, off_t pos, size_t want,
    const char **what, enum copy_side *side)
{
	ssize_t r = call_method(ch, m, pos, bwlimit_clamp(&ch->c->bw, want),
	    what, side);

	if (r > 0)
		bwlimit_take(&ch->c->bw, (uint64_t)r, &ch->c->abort);
	return r;
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
		copy_fail(ch->res, "cannot read", COPY_SRC);
	else
		copy_fail(ch->res, "cannot copy to", COPY_DST);
}

/* The method for the next call: the forced one, or what the pair has
 * learned (copy_pair.c); -1 if none is left.  *MEASURE: time the call. */
static int pick_method(struct chain *ch, bool *measure)
{
	unsigned pair;
	int m;

	*measure = false;
	/* Forced, or one device (the chain's order stands there, nothing is
	 * measured, no probe round): the first usable method, without a look
	 * at the pair's table (its lock) at every call. */
	if (ch->forced || ch->sdev == ch->ddev)
		return next_method(ch, -1);
	if (ch->round > 0 && method_usable(ch, ch->round - 1))
		return ch->round - 1;
	pair = pair_mask(ch);
	m = copy_pair_pick(ch->c, ch->sdev, ch->ddev, pair,
	    pair & ~ch->disabled, measure);
	return m >= 0 && method_usable(ch, m) ? m : next_method(ch, -1);
}

int chain_probe(struct chain *ch)
{
	bool measure;
	int m = pick_method(ch, &measure);

	return measure ? m : -1;
}

void chain_probe_done(struct chain *ch, int m, uint64_t bytes, uint64_t ns)
{
	copy_pair_sample(ch->c, ch->sdev, ch->ddev, m, bytes, ns,
	    pair_mask(ch));
}

/* Errno E from method M, which had moved MOVED bytes of this range: true
 * if the chain may go on with another method (M is left for the file). */
static bool may_fall_back(struct chain *ch, int m, int e, uint64_t moved)
{
	if (copy_is_fatal(e) || m == TS_METHOD_RW || ch->forced ||
	    !is_unsupported(e) || (moved > 0 && e != EOVERFLOW && e != EFBIG))
		return false;
	leave_method(ch, m, e);
	return true;
}

/*
 * Copies [off, off + len) with the chain.  Returns the bytes copied (less
 * than LEN if the source ended early: *SHORT is set) or -errno.  While
 * the pair is being measured, calls are at most MEASURE_CHUNK and timed.
 */
int64_t chain_copy_range(struct chain *ch, off_t off, uint64_t len,
    bool *shortened)
{
	uint64_t done = 0, moved[TS_METHOD_COUNT] = { 0 };

	while (done < len) {
		size_t want = len - done < CHUNK ? (size_t)(len - done) : CHUNK;
		const char *what = NULL;
		enum copy_side side = COPY_DST;
		bool measure;
		uint64_t t0 = 0;
		ssize_t r;
		int e, m = pick_method(ch, &measure);

		if (m < 0)
			return -EOPNOTSUPP;
		if (atomic_load(&ch->c->abort)) {
			copy_fail(ch->res, "interrupted while copying", COPY_DST);
			return -EINTR;
		}
		if (measure) {
			want = want < MEASURE_CHUNK ? want : MEASURE_CHUNK;
			t0 = copy_now_ns();
		}
		r = step(ch, m, off + (off_t)done, want, &what, &side);
		if (r > 0) {
			if (measure)
				copy_pair_sample(ch->c, ch->sdev, ch->ddev, m,
				    (uint64_t)r, copy_now_ns() - t0,
				    pair_mask(ch));
			done += (uint64_t)r;
			moved[m] += (uint64_t)r;
			ch->res->bytes[m] += (uint64_t)r;
			atomic_fetch_add_explicit(&ch->c->moved, (uint64_t)r,
			    memory_order_relaxed);
			continue;
		}
		if (r == 0) {
			/* Before any data this is the "0 but not EOF" of
			 * pseudo and overlay files: ask the next method. */
			if (moved[m] == 0 && m != TS_METHOD_RW && !ch->forced) {
				leave_method(ch, m, 0);
				continue;
			}
			*shortened = true;
			break;
		}
		e = errno;
		if (e == EINTR)
			continue;
		if (!may_fall_back(ch, m, e, moved[m])) {
			if (what)
				copy_fail(ch->res, what, side);
			else
				blame(ch, off + (off_t)done);
			return -e;
		}
	}
	return (int64_t)done;
}

/* Reads IN from POS to EOF into OUT with pread/pwrite: for pseudo files
 * whose st_size is 0 (procfs) although they have content. */
static int64_t copy_to_eof(struct chain *ch, uint64_t pos)
{
	uint64_t start = pos;
	int e;

	for (;;) {
		ssize_t r = sys.pread(ch->in, ch->buf, POOL_BUF_SIZE, (off_t)pos);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			copy_fail(ch->res, "cannot read", COPY_SRC);
			return -errno;
		}
		if (r == 0)
			break;
		if ((e = chain_write(ch, ch->buf, (size_t)r, pos)) < 0)
			return e;
		pos += (uint64_t)r;
	}
	return (int64_t)(pos - start);
}

int chain_write(struct chain *ch, const char *buf, size_t n, uint64_t pos)
{
	if (util_pwrite_all(ch->out, buf, n, (off_t)pos) < 0) {
		copy_fail(ch->res, "cannot write", COPY_DST);
		ch->res->fatal = errno == EIO;	/* as in call_method() */
		return -errno;
	}
	ch->res->bytes[TS_METHOD_RW] += n;
	return 0;
}

int64_t chain_read_each(struct chain *ch, uint64_t off, uint64_t len,
    const struct chain_piece *how, bool *shortened)
{
	struct copy_ctx *c = ch->c;
	uint64_t done = 0;

	while (done < len) {
		size_t want = len - done < how->max ?
		    (size_t)(len - done) : how->max;
		ssize_t r;
		int e;

		if (atomic_load(&c->abort)) {
			copy_fail(ch->res, "interrupted while copying", COPY_DST);
			return -EINTR;
		}
		want = bwlimit_clamp(&c->bw, want);
		r = sys.pread(ch->in, ch->buf, want, (off_t)(off + done));
		if (r < 0) {
			if (errno == EINTR)
				continue;
			copy_fail(ch->res, "cannot read", COPY_SRC);
			return -errno;
		}
		if (r == 0) {
			*shortened = true;
			break;
		}
		if ((e = how->put(ch, off + done, (size_t)r, how->arg)) < 0)
			return e;
		bwlimit_take(&c->bw, (uint64_t)r, &c->abort);
		atomic_fetch_add_explicit(&c->moved, (uint64_t)r,
		    memory_order_relaxed);
		done += (uint64_t)r;
	}
	return (int64_t)done;
}

int chain_preallocate(struct chain *ch, uint64_t size, bool full)
{
	struct copy_ctx *c = ch->c;

	if (sys.fallocate(ch->out, full ? 0 : FALLOC_FL_KEEP_SIZE, 0,
	    (off_t)size) == 0) {
		if (full) {
			ch->punch = true;
			if (size > ch->old_size)
				ch->old_size = size;
		}
		return 0;
	}
	if (errno == EOPNOTSUPP || errno == ENOSYS) {
		/* rsync warns and writes the file anyway: so do we, said
		 * once a run rather than once a file. */
		ch->res->prealloc_unsupported =
		    !atomic_exchange(&c->prealloc_said, true);
		return 0;
	}
	copy_fail(ch->res, "cannot preallocate", COPY_DST);
	ch->res->fatal = copy_is_fatal(errno);
	return -errno;
}

/* Pieces by several workers (copy_split.c), unless copy_file_range on one
 * device may be the file system's own copy: that moves no data through
 * the client, and one call at a time keeps it one server-side copy. */
static bool split_wanted(struct chain *ch, uint64_t size)
{
	/* The size first: most files are small, and asking whether
	 * copy_file_range works on the pair takes its lock. */
	return copy_split_wanted(ch, size) &&
	    !(ch->sdev == ch->ddev && method_usable(ch, TS_METHOD_CFR));
}

/*
 * Copies the data of IN (whose size at open was SIZE) into OUT: the
 * range [0, SIZE) through the chain (or its data segments with -S), or,
 * for a file that says it is empty, whatever a read finds.
 */
int chain_copy_data(struct chain *ch, const struct stat *st, bool *shortened)
{
	uint64_t size = (uint64_t)st->st_size;
	int64_t n;

	if (size == 0 && (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode)))
		n = 0;	/* --copy-devices: /dev/zero holds nothing (rsync) */
	else if (size == 0)
		n = copy_to_eof(ch, 0);
	else if (ch->changed_only)
		n = inplace_write_changed(ch, size, shortened);
	else if (ch->c->sparse && (chain_sparse_scans(ch) ||
	    (uint64_t)st->st_blocks * 512 < size))
		n = chain_copy_sparse(ch, size, shortened);
	else if (split_wanted(ch, size))
		n = copy_split(ch, size, shortened);
	else
		n = chain_copy_range(ch, 0, size, shortened);
	if (n < 0)
		return (int)n;
	ch->res->size = (uint64_t)n;
	return 0;
}

/* Whether the first extent of FD is shared with another file. */
bool chain_extents_shared(int fd)
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

int chain_same_content(struct chain *ch, bool *same)
{
	struct hash128 a, b;
	int r;

	r = hash_fd(ch->in, ch->buf, POOL_BUF_SIZE, &a);
	if (r < 0) {
		copy_fail(ch->res, "cannot read", COPY_SRC);
		return r;
	}
	r = hash_fd(ch->out, ch->buf, POOL_BUF_SIZE, &b);
	if (r < 0) {
		copy_fail(ch->res, "cannot read back", COPY_DST);
		return r;
	}
	*same = a.lo == b.lo && a.hi == b.hi;
	return 0;
}

/* --verify: both files, re-read, must hash the same. */
int chain_verify_copy(struct chain *ch)
{
	bool same;
	int r;

	if (ch->c->fsync) {
		/* Durable already: drop the cache so the check reads the
		 * device, not the pages we just wrote. */
		if (sys.fsync(ch->out) < 0) {
			copy_fail(ch->res, "cannot fsync", COPY_DST);
			return -errno;
		}
		posix_fadvise(ch->out, 0, 0, POSIX_FADV_DONTNEED);
	}
	if ((r = chain_same_content(ch, &same)) < 0)
		return r;
	if (!same) {
		copy_fail(ch->res, "verification failed: the copy differs from", COPY_DST);
		return -EBADMSG;
	}
	ch->res->verified = true;
	return 0;
}

/* --reflink=always: one FICLONE, or the copy fails. */
int chain_clone_whole(struct chain *ch, uint64_t size)
{
	if (sys.ficlone(ch->out, ch->in) < 0) {
		copy_fail(ch->res, "cannot reflink", COPY_DST);
		return -errno;
	}
	ch->res->size = size;
	ch->res->reflinked = true;
	return 0;
}

