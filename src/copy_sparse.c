/*
 * copy_sparse.c -- -S/--sparse: a file copied so that it takes no more
 * blocks than its data needs, as rsync's -S makes it.
 *
 * Two kinds of zeros are left unwritten.  The source's own holes:
 * SEEK_DATA/SEEK_HOLE give its data segments, and only those are copied,
 * each at its offset.  And runs of zeros inside the data, as rsync finds
 * them: each segment is read through the worker's buffer and every
 * aligned block of ZERO_BLOCK bytes that holds only zeros is skipped, the
 * rest written with pwrite.  Finding zeros means reading the bytes, so
 * the scan is read/write's (no copy offload, no reflink); a forced
 * --copy-method other than readwrite keeps only the source's holes, with
 * the method asked for.  The file's length is set last (ftruncate), so a
 * trailing run of zeros is a hole too.
 *
 * What is left unwritten is a hole in a new file.  Where it may hold
 * blocks -- a file preallocated at its full size (--preallocate -S) --
 * they are punched out (FALLOC_FL_PUNCH_HOLE); a file system that cannot
 * punch keeps them, and they read as zeros all the same.  An in-place
 * update with -S cuts the file to 0 first (inplace.c), so no old data is
 * ever left in a gap.
 */
#define _GNU_SOURCE
#include "copy_int.h"

#include "pool.h"
#include "sys.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

/* A block of zeros this large, aligned in the file, becomes a hole: the
 * usual file-system block (a smaller run could not be a hole anyway). */
#define ZERO_BLOCK 4096

/* [FROM, TO) is left unwritten; where it may hold blocks they are
 * punched out.  0 or -errno. */
static int punch_gap(struct chain *ch, uint64_t from, uint64_t to)
{
	if (!ch->punch || to <= from)
		return 0;
	if (sys.fallocate(ch->out, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
	    (off_t)from, (off_t)(to - from)) == 0 || errno == EOPNOTSUPP)
		return 0;
	copy_fail(ch->res, "cannot punch a hole in", COPY_DST);
	return -errno;
}

static bool all_zero(const char *p, size_t n)
{
	return n == 0 || (p[0] == 0 && memcmp(p, p + 1, n - 1) == 0);
}

/* The bytes from AT to the end of its block, at most LEFT. */
static size_t block_len(uint64_t at, size_t left)
{
	size_t b = ZERO_BLOCK - (size_t)(at % ZERO_BLOCK);

	return b < left ? b : left;
}

bool chain_sparse_scans(const struct chain *ch)
{
	return ch->c->method == TS_COPY_AUTO || ch->c->method == TS_COPY_RW;
}

/*
 * The N bytes in ch->buf, which belong at POS: written but for the aligned
 * blocks of zeros.  *WEND (ARG) is raised to the end of what was written.
 * 0 or -errno.  A chain_piece's put.
 */
static int write_nonzero(struct chain *ch, uint64_t pos, size_t n,
    void *arg)
{
	uint64_t *wend = arg;
	size_t i = 0;

	while (i < n) {
		size_t start = i, b = block_len(pos + i, n - i);
		bool zero = all_zero(ch->buf + i, b);
		int r;

		/* One run of blocks of the same kind. */
		for (i += b; i < n; i += b) {
			b = block_len(pos + i, n - i);
			if (all_zero(ch->buf + i, b) != zero)
				break;
		}
		if (zero) {
			if ((r = punch_gap(ch, pos + start, pos + i)) < 0)
				return r;
			ch->res->holes += i - start;
			continue;
		}
		r = chain_write(ch, ch->buf + start, i - start, pos + start);
		if (r < 0)
			return r;
		*wend = pos + i;
	}
	return 0;
}

/*
 * [OFF, OFF + LEN) of the source read through ch->buf, its zero blocks
 * left as holes.  Returns the bytes covered (fewer if the source ended
 * early: *SHORTENED) or -errno; *WEND as write_nonzero().
 */
static int64_t copy_scanning(struct chain *ch, uint64_t off, uint64_t len,
    bool *shortened, uint64_t *wend)
{
	const struct chain_piece how = { POOL_BUF_SIZE, write_nonzero, wend };

	return chain_read_each(ch, off, len, &how, shortened);
}

/*
 * Copies the data segments of [0, SIZE) -- scanned for zeros, or through
 * the chain with a forced method -- and sets the length.  Returns the
 * file's length (less if the source ended early: *SHORTENED) or -errno.
 */
int64_t chain_copy_sparse(struct chain *ch, uint64_t size, bool *shortened)
{
	bool scan = chain_sparse_scans(ch);
	uint64_t pos = 0, wend = 0, end = 0;
	int e;

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
		if ((e = punch_gap(ch, pos, (uint64_t)data)) < 0)
			return e;
		ch->res->holes += (uint64_t)data - pos;
		n = scan ? copy_scanning(ch, (uint64_t)data,
		    (uint64_t)(hole - data), shortened, &wend) :
		    chain_copy_range(ch, data, (uint64_t)(hole - data),
		    shortened);
		if (n < 0)
			return n;
		end = (uint64_t)data + (uint64_t)n;
		if (!scan)
			wend = end;
		pos = (uint64_t)hole;
		if (*shortened)
			size = end;	/* the source ends here now */
	}
	if (end < size)
		ch->res->holes += size - end;
	if (wend < size) {
		if (sys.ftruncate(ch->out, (off_t)size) < 0) {
			copy_fail(ch->res, "cannot extend", COPY_DST);
			return -errno;
		}
		if ((e = punch_gap(ch, end, size)) < 0)
			return e;
	}
	return (int64_t)size;
}
