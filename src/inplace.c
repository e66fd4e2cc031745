/*
 * inplace.c -- --inplace, --append, --append-verify: one regular file
 * written straight into its destination file, with no temp and no rename.
 *
 * This is the one way a final name may hold a partial file, and only
 * because the user asks for it (rsync's meaning).  The destination keeps
 * its inode: its other hard links see the new data (sources written onto
 * one multiply-linked file take turns, rsync's "tug of war"), and a
 * copy-on-write snapshot keeps sharing the extents that are not written.
 *
 * One attempt (inplace_once(); copy.c's loop tries again when the source
 * changed meanwhile):
 *   1. the source is opened as copy.c opens it;
 *   2. the destination is opened below its directory fd with O_NOFOLLOW
 *      (a symlink planted there is refused, never followed) and must be
 *      a regular file (--write-devices: or a device node, written
 *      from offset 0 and never cut); an absent one is created 0600,
 *      rsync's mode for a file that is not complete yet; a file its
 *      owner may not write is opened during a moment's u+rw, its mode
 *      put back at once.  With -b it has been copied aside before
 *      (backup.c: a copy, not a link);
 *   3. an inode with several links is written under its lock, so that two
 *      sources written onto it never interleave;
 *   4. --preallocate, then the bytes through the chain (copy_chain.c):
 *      --append from the destination's size on, otherwise from 0 over the
 *      old bytes (with -S the file is first cut to 0, so that its holes
 *      are made as in a new file; with --no-whole-file only the blocks
 *      that differ from what the file holds are written, as rsync's delta
 *      transfer leaves a matched block in place, so a copy-on-write
 *      snapshot keeps sharing the others), and the file is cut to the
 *      new size;
 *   5. the source must be unchanged (copy.c's check); --verify; with
 *      --append-verify the whole file's XXH3-128 against the source's: a
 *      mismatch writes the file again whole (res->redone), as rsync's
 *      second pass does;
 *   6. metadata on the fd (copy.c's), --fsync, close.
 *
 * What a failure, a signal or a crash leaves (the man page says it too):
 * the destination name holds the old inode with the new bytes up to where
 * writing stopped and the old bytes after it (with -S: the file cut to
 * where writing stopped; with --append: the old bytes and part of the new
 * tail, written in order; a big file on a network file system, written in
 * pieces by several workers (copy_split.c), may have new and old pieces
 * alternating), its old mode, owner and xattrs, and the time
 * of the last write as its mtime, so the next run's quick check sees it
 * differ and writes it again (--append: appends what is still missing).
 */
#define _GNU_SOURCE
#include "copy_int.h"

#include "pool.h"
#include "sys.h"
#include "tmpfile.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Read-write: --verify and --append-verify read the file back.  A FIFO
 * or device planted under the name never blocks the open. */
#define DEST_FLAGS (O_RDWR | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)

/*
 * A regular file its owner may not write (mode without u+w, as rsync
 * updates one when it may change the mode): u+rw added through an
 * O_PATH fd of that very inode, opened by that fd (never by the name
 * again), the old mode put back at once.  An fd, or -1 with errno.
 */
static int open_unwritable(int dfd, const char *dname)
{
	char proc[40];
	struct stat st;
	int pfd, fd, e;

	pfd = sys.openat(dfd, dname, O_PATH | O_NOFOLLOW | O_CLOEXEC, 0);
	if (pfd < 0)
		return -1;
	if (fstat(pfd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    (st.st_mode & 0600) == 0600) {
		close(pfd);	/* the mode is not why it was refused */
		errno = EACCES;
		return -1;
	}
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", pfd);
	if (chmod(proc, (st.st_mode & 07777) | 0600) < 0) {
		close(pfd);
		errno = EACCES;
		return -1;
	}
	fd = open(proc, DEST_FLAGS);
	e = errno;
	if (chmod(proc, st.st_mode & 07777) < 0 && fd >= 0) {
		e = errno;
		close(fd);
		fd = -1;
	}
	close(pfd);
	errno = e;
	return fd;
}

/*
 * Opens DNAME below DFD to be written in place, creating it (0600) if it
 * is absent: an fd and *ST, or -errno.  A symlink there is refused
 * (ELOOP), as is anything but a regular file (EISDIR for a directory,
 * EINVAL otherwise) or, with --write-devices (DEVICES), a block or
 * character device node: the device itself is written (its st_size is
 * 0, so nothing is cut).
 */
static int open_dest(int dfd, const char *dname, struct stat *st,
    bool devices)
{
	int fd, e;

	fd = sys.openat(dfd, dname, DEST_FLAGS | O_NOFOLLOW | O_CREAT, 0600);
	/* fs.protected_regular refuses O_CREAT on another user's file in a
	 * sticky directory; an unwritable file refuses any write. */
	if (fd < 0 && errno == EACCES)
		fd = sys.openat(dfd, dname, DEST_FLAGS | O_NOFOLLOW, 0);
	if (fd < 0 && errno == EACCES)
		fd = open_unwritable(dfd, dname);
	if (fd < 0)
		return -errno;
	if (fstat(fd, st) < 0) {
		e = errno;
		close(fd);
		return -e;
	}
	if (devices && (S_ISBLK(st->st_mode) || S_ISCHR(st->st_mode)))
		return fd;
	if (!S_ISREG(st->st_mode)) {
		close(fd);
		return S_ISDIR(st->st_mode) ? -EISDIR : -EINVAL;
	}
	return fd;
}

/* The lock of the inode ST, when other names share it; NULL otherwise. */
static pthread_mutex_t *inode_lock(struct copy_ctx *c, const struct stat *st)
{
	if (st->st_nlink < 2)
		return NULL;
	return &c->inode_locks[st->st_ino % COPY_INODE_LOCKS];
}

/* A block compared whole (aligned to the file's offsets). */
#define SAME_BLOCK 4096

/*
 * The N source bytes SRC belong at OFF, where the file holds the M bytes
 * OLD: the blocks that differ (or lie past M) are written.  0 or -errno.
 */
static int write_differing(struct chain *ch, uint64_t off, const char *src,
    const char *old, size_t n, size_t m)
{
	size_t i = 0;
	int r;

	while (i < n) {
		size_t start, b;

		for (; i < n; i += b) {
			b = n - i < SAME_BLOCK ? n - i : SAME_BLOCK;
			if (i + b > m || memcmp(src + i, old + i, b) != 0)
				break;
		}
		for (start = i; i < n; i += b) {
			b = n - i < SAME_BLOCK ? n - i : SAME_BLOCK;
			if (i + b <= m && memcmp(src + i, old + i, b) == 0)
				break;
		}
		if (i == start)
			continue;
		r = chain_write(ch, src + start, i - start, off + start);
		if (r < 0)
			return r;
	}
	return 0;
}

/* A chain_piece's put: the N source bytes in the first half of ch->buf
 * against the file's own at POS, read back into the second half. */
static int put_changed(struct chain *ch, uint64_t pos, size_t n, void *arg)
{
	char *old = ch->buf + POOL_BUF_SIZE / 2;
	ssize_t m = 0;

	(void)arg;
	if (pos < ch->old_size &&
	    (m = sys.pread(ch->out, old, n, (off_t)pos)) < 0) {
		copy_fail(ch->res, "cannot read back", COPY_DST);
		return -errno;
	}
	return write_differing(ch, pos, ch->buf, old, n, (size_t)m);
}

int64_t inplace_write_changed(struct chain *ch, uint64_t size,
    bool *shortened)
{
	const struct chain_piece how = { POOL_BUF_SIZE / 2, put_changed, NULL };

	return chain_read_each(ch, 0, size, &how, shortened);
}

/* --append (and a resumed --partial, copy.c): the source's bytes past
 * OSIZE (the destination's size) are added in order, never in pieces (an
 * interrupted append is then a prefix, which the next --append
 * completes).  0, COPY_CHANGED or -errno. */
int inplace_tail(struct chain *ch, const struct stat *st0, uint64_t osize)
{
	struct copy_result *res = ch->res;
	uint64_t size = (uint64_t)st0->st_size;
	bool shortened = false;
	int64_t n = 0;
	int r;

	if (osize < size) {
		if (ch->c->preallocate &&
		    (r = chain_preallocate(ch, size, false)) < 0)
			return r;
		n = chain_copy_range(ch, (off_t)osize, size - osize,
		    &shortened);
		if (n < 0) {
			res->fatal = res->fatal || copy_is_fatal((int)-n);
			return (int)n;
		}
	}
	res->size = osize + (uint64_t)n;
	return copy_source_unchanged(ch->in, st0, res);
}

/* The whole file over the old bytes (-S: after cutting it to 0), cut to
 * its new size: 0, COPY_CHANGED or -errno. */
static int rewrite(struct chain *ch, const struct stat *st0, uint64_t osize,
    bool basis)
{
	struct copy_ctx *c = ch->c;
	uint64_t size = (uint64_t)st0->st_size;
	int r;

	if (c->sparse && osize > 0) {
		if (sys.ftruncate(ch->out, 0) < 0) {
			r = -errno;
			copy_fail(ch->res, "cannot truncate", COPY_DST);
			return r;
		}
		osize = 0;
	}
	ch->old_size = osize;
	/* --no-W over existing data: what is already right stays (a
	 * forced method is used as asked). */
	ch->changed_only = c->no_whole_file && osize > 0 &&
	    chain_sparse_scans(ch);
	if (c->preallocate && size > osize &&
	    (r = chain_preallocate(ch, size, c->sparse)) < 0)
		return r;
	return copy_chain_bytes(ch, st0, basis);
}

/* --append-verify: the whole file against the source; a mismatch is
 * written again whole and must then agree (--verify's check).  0 or
 * -errno. */
static int append_verify(struct chain *ch, const struct stat *st0)
{
	struct stat st;
	bool same;
	int r;

	if ((r = chain_same_content(ch, &same)) < 0 || same)
		return r;
	if (fstat(ch->out, &st) < 0) {
		r = -errno;
		copy_fail(ch->res, "cannot stat", COPY_DST);
		return r;
	}
	ch->res->redone = true;
	ch->res->redone_mtime = st.st_mtim;
	memset(ch->res->bytes, 0, sizeof(ch->res->bytes));
	r = rewrite(ch, st0, ch->res->size, false);
	if (r == 0 && !ch->c->verify)
		r = chain_verify_copy(ch);
	return r;
}

/* The bytes of one attempt: 0, COPY_CHANGED or -errno. */
static int write_bytes(struct chain *ch, const struct stat *st0,
    uint64_t osize, bool basis)
{
	struct copy_ctx *c = ch->c;
	int r;

	if (!c->append)
		return rewrite(ch, st0, osize, basis);
	r = inplace_tail(ch, st0, osize);
	if (r == 0 && c->verify)
		r = chain_verify_copy(ch);
	if (r == 0 && c->append == 2)
		r = append_verify(ch, st0);
	return r;
}

int inplace_once(struct copy_ctx *c, int sfd, const char *name, int dfd,
    const char *dname, const struct meta_target *meta, char *buf,
    struct copy_result *res, unsigned flags)
{
	struct chain ch = { .c = c, .buf = buf, .res = res,
		.forced = c->method != TS_COPY_AUTO };
	bool basis = flags & COPY_BASIS;	/* absent or not: made here */
	pthread_mutex_t *lock;
	struct stat st0, sto;
	int in, out, r;

	r = copy_open_source(c, sfd, name, &in, &st0, res, flags);
	if (r != 0)
		return r;
	if (!tmpfile_enter(c->tmp)) {	/* cancelled: start nothing */
		close(in);
		copy_fail(res, "interrupted while copying", COPY_DST);
		return -EINTR;
	}
	out = open_dest(dfd, dname, &sto, c->write_devices);
	tmpfile_leave(c->tmp);
	if (out < 0) {
		copy_fail(res, "cannot open for writing in place", COPY_DST);
		res->fatal = copy_is_fatal(-out);
		close(in);
		return out;
	}
	ch.in = in;
	ch.out = out;
	ch.sdev = st0.st_dev;
	ch.ddev = sto.st_dev;
	res->dst_dev = sto.st_dev;
	res->dst_ino = sto.st_ino;
	lock = inode_lock(c, &sto);
	if (lock)
		pthread_mutex_lock(lock);
	if (sto.st_dev == st0.st_dev && sto.st_ino == st0.st_ino) {
		/* DEST's file is the source itself (a link between the
		 * trees): its bytes are in place; only metadata is due. */
		res->size = (uint64_t)st0.st_size;
		r = 0;
	} else {
		r = write_bytes(&ch, &st0, (uint64_t)sto.st_size, basis);
	}
	/* Writing clears set-id bits: the metadata step must know. */
	if (r == 0 && (sto.st_mode & (S_ISUID | S_ISGID)) &&
	    fstat(out, &sto) < 0) {
		r = -errno;
		copy_fail(res, "cannot stat", COPY_DST);
	}
	if (r == 0)
		r = copy_finish_out(c, in, out, name, meta, &st0, &sto, res,
		    basis);
	else
		close(out);
	if (lock)
		pthread_mutex_unlock(lock);
	close(in);
	return r;
}
