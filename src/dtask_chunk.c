/*
 * dtask_chunk.c -- treesync-mpi: a big file's chunks copied by other
 * ranks (see dtask.h, dtask_int.h for the CHUNK and CDONE messages,
 * docs/mpi.md "Big files in chunks").
 *
 * A file that copy_split.c would cut into pieces is shared through the
 * copy layer's struct copy_remote: once the method is chosen, the owner
 * keeps the first 1/N of what is left for its own workers and sends the
 * rest, in chunks of 64 MiB, to the other ranks in turn (remote_begin()).
 * A chunk names its source and the temp by their paths below the
 * operands and DEST, or -T's directory when the temp is there (every
 * host mounts them at the same paths, and run_ranks.c checked that each
 * rank's -T is the same directory), and their inodes; whoever runs it
 * opens both below its own roots, checks them,
 * copies the range with pread/pwrite and reports CDONE.  The owner's
 * worker waits for every chunk (remote_wait()) before the temp is
 * finished or removed.
 *
 * Must not write anywhere but the temp the owner named, and only once it
 * is checked to be that inode.
 */
#define _GNU_SOURCE
#include "dtask_int.h"

#include "copy.h"
#include "partial.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHUNK ((uint64_t)64 << 20)	/* a chunk task's range */

/* Per enum chunk_what (dtask_int.h): the error's message. */
static const char *const chunk_whats[] = {
	"", "cannot open", "source changed or replaced while copying",
	"cannot read", "cannot write", "cannot close",
	"cannot hand a chunk to another rank", "cancelled",
};

/* One split file on its owner: the chunks other ranks copy. */
struct rsplit {
	pthread_mutex_t lock;
	pthread_cond_t done;
	unsigned remaining;	/* chunks not reported */
	int err;		/* the first chunk's -errno */
	enum copy_side side;
	bool fatal;
	uint8_t what;		/* enum chunk_what */
	uint64_t bytes;		/* copied by read/write */
	uint64_t end;		/* where the source ended early, or ~0 */
};

/* PATH as read from /proc/self/fd/FD, into BUF; false if unknown. */
static bool fd_path(int fd, char *buf, size_t size)
{
	char link[64];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, buf, size - 1);
	if (n <= 0 || (size_t)n >= size - 1)
		return false;
	buf[n] = '\0';
	return buf[0] == '/' && !strstr(buf, " (deleted)");
}

/* The path of FILE below the directory open as DIRFD ("a/b/f"), or NULL
 * when it is not below it. */
static const char *below(int dirfd, const char *file, char *buf, size_t size)
{
	size_t n;

	if (!fd_path(dirfd, buf, size))
		return NULL;
	n = strlen(buf);
	if (n == 1)
		n = 0;		/* "/" */
	if (strncmp(file, buf, n) || file[n] != '/')
		return NULL;
	return file + n + 1;
}

/* The roots a temp may be below: DEST, or -T's directory. */
enum { TROOT_DEST, TROOT_TEMP };

/* The directory fd of temp root ROOT on this rank, or -1. */
static int temp_root_fd(const struct ts_run *run, uint8_t root)
{
	const struct partial *p = run->copy.part;

	if (root == TROOT_TEMP)
		return p && p->tmp_fd >= 0 ? p->tmp_fd : -1;
	return run->plan.dst_fd;
}

/* The path of the temp file DPATH below DEST or -T's directory, and
 * which (*ROOT); NULL when it is below neither. */
static const char *temp_below(const struct ts_run *run, const char *dpath,
    char *base, size_t size, uint8_t *root)
{
	const char *rel;

	for (*root = TROOT_DEST; *root <= TROOT_TEMP; (*root)++)
		if (temp_root_fd(run, *root) >= 0 &&
		    (rel = below(temp_root_fd(run, *root), dpath, base,
		    size)) != NULL)
			return rel;
	return NULL;
}

/* Splits "a/b/f" into "a/b" (malloc'ed; "" at the top) and "f". */
static char *split_dir(const char *rel, const char **name)
{
	const char *slash = strrchr(rel, '/');

	*name = slash ? slash + 1 : rel;
	return slash ? xstrndup(rel, (size_t)(slash - rel)) : xstrdup("");
}

void dtask_chunk_report(uint64_t split, int64_t n, uint64_t end,
    uint8_t side, bool fatal, uint8_t what)
{
	struct rsplit *rs = (struct rsplit *)(uintptr_t)split;

	pthread_mutex_lock(&rs->lock);
	if (n >= 0)
		rs->bytes += (uint64_t)n;
	else if (rs->err == 0) {
		rs->err = (int)n;
		rs->side = side ? COPY_SRC : COPY_DST;
		rs->fatal = fatal;
		rs->what = what;
	}
	if (end < rs->end)
		rs->end = end;
	if (--rs->remaining == 0)
		pthread_cond_broadcast(&rs->done);
	pthread_mutex_unlock(&rs->lock);
}

/* Where a chunk's source is read below: operand OP's directory, or
 * past the operands the alternate directory OP - nsrcs (--copy-dest's
 * basis), this rank's own fd (-1: none). */
static int chunk_root(const struct ts_run *run, size_t op)
{
	if (op < run->plan.nsrcs)
		return run->plan.srcs[op].fd;
	op -= run->plan.nsrcs;
	return op < run->plan.nalt ? run->plan.alt_fd[op] : -1;
}

static uint64_t remote_begin(void *arg, int in, int out, uint64_t start,
    uint64_t size, void **handle)
{
	struct ts_run *run = arg;
	int n = run->exec ? run->exec->nranks : 1;
	char spath[PATH_MAX], dpath[PATH_MAX], base[PATH_MAX];
	const char *srel = NULL, *drel, *sname, *tname;
	struct stat sst, tst;
	uint64_t share, from, off, i;
	struct rsplit *rs;
	char *sdir, *ddir;
	size_t op;
	uint8_t troot;

	*handle = NULL;
	/* A rank's owners wait for their chunks: at most half its workers
	 * (the others run chunks and their replies). */
	if (n < 2 || run->pool.nthreads < 2 ||
	    atomic_fetch_add(&run->mpi_splits_active, 1) >=
	    (unsigned)run->pool.nthreads / 2) {
		if (n >= 2 && run->pool.nthreads >= 2)
			atomic_fetch_sub(&run->mpi_splits_active, 1);
		return size;
	}
	share = (size - start) / (uint64_t)n;
	share = (share + CHUNK / 2 - 1) / (CHUNK / 2) * (CHUNK / 2);
	from = start + share;
	if (from < size && fd_path(in, spath, sizeof(spath)))
		for (op = 0; op < run->plan.nsrcs + run->plan.nalt; op++)
			if ((srel = below(chunk_root(run, op), spath, base,
			    sizeof(base))) != NULL)
				break;
	if (from >= size || !srel || !fd_path(out, dpath, sizeof(dpath)) ||
	    !(drel = temp_below(run, dpath, base, sizeof(base), &troot)) ||
	    fstat(in, &sst) < 0 || fstat(out, &tst) < 0) {
		atomic_fetch_sub(&run->mpi_splits_active, 1);
		return size;
	}
	rs = xcalloc(1, sizeof(*rs));
	pthread_mutex_init(&rs->lock, NULL);
	pthread_cond_init(&rs->done, NULL);
	rs->end = ~(uint64_t)0;
	sdir = split_dir(srel, &sname);
	ddir = split_dir(drel, &tname);
	/* Each chunk to another rank in turn, pinned there: a rank's own
	 * idle workers would take every portable task before a thief could
	 * (and the point is the other hosts' links).  Never back to this
	 * rank, which has its share: (rank + i) % n came round to it every
	 * n-th chunk, and with 4 ranks the owner copied 1.75 GiB of 4 while
	 * the others copied 0.75 each. */
	for (off = from, i = 0; off < size; off += CHUNK, i++) {
		int to = (run->exec->rank + 1 + (int)(i % (uint64_t)(n - 1))) %
		    n;
		struct dtask_buf b = { 0 };

		put_head(&b, DT_CHUNK, rs);
		put_u32(&b, (uint32_t)op);
		put_str(&b, sdir);
		put_str(&b, sname);
		put_u64(&b, (uint64_t)sst.st_ino);
		put_u64(&b, (uint64_t)sst.st_size);
		put_u64(&b, (uint64_t)sst.st_mtim.tv_sec);
		put_u64(&b, (uint64_t)sst.st_mtim.tv_nsec);
		put_u8(&b, troot);
		put_str(&b, ddir);
		put_str(&b, tname);
		put_u64(&b, (uint64_t)tst.st_ino);
		put_u64(&b, off);
		put_u64(&b, size - off < CHUNK ? size - off : CHUNK);
		put_u8(&b, run->o->fsync);
		pthread_mutex_lock(&rs->lock);
		rs->remaining++;
		pthread_mutex_unlock(&rs->lock);
		if (run->exec->send(run->exec->arg, to, b.p, b.n) < 0)
			dtask_chunk_report((uint64_t)(uintptr_t)rs, -ENOMEM,
			    ~(uint64_t)0, 0, false, CW_HANDOFF);
		dtask_buf_free(&b);
	}
	free(sdir);
	free(ddir);
	*handle = rs;
	return from;
}

static int remote_wait(void *arg, void *handle, struct copy_result *res,
    uint64_t *end)
{
	struct ts_run *run = arg;	/* remote_begin()'s */
	struct rsplit *rs = handle;
	int err;

	pthread_mutex_lock(&rs->lock);
	while (rs->remaining > 0)
		pthread_cond_wait(&rs->done, &rs->lock);
	pthread_mutex_unlock(&rs->lock);
	res->bytes[TS_METHOD_RW] += rs->bytes;
	if ((err = rs->err) < 0) {
		res->what = chunk_whats[rs->what];
		res->side = rs->side;
		res->fatal = rs->fatal;
	}
	if (rs->end < *end)
		*end = rs->end;
	pthread_mutex_destroy(&rs->lock);
	pthread_cond_destroy(&rs->done);
	free(rs);
	atomic_fetch_sub(&run->mpi_splits_active, 1);
	return err;
}

static const struct copy_remote remote_ops_proto = {
	NULL, remote_begin, remote_wait,
};

void dtask_set_remote(struct ts_run *run)
{
	run->mpi_remote = remote_ops_proto;
	run->mpi_remote.arg = run;
	copy_ctx_set_remote(&run->copy, &run->mpi_remote);
}

/* A CHUNK message, after its split. */
struct chunkmsg {
	uint32_t op;		/* the source's operand (chunk_root()) */
	char *sdir, *sname;	/* its directory below it, its name */
	uint64_t ino, size;	/* the source as the owner saw it */
	uint64_t mtime_s, mtime_ns;
	uint8_t troot;		/* the temp is below DEST or -T's dir */
	char *ddir, *tname;	/* its directory there, the temp's name */
	uint64_t tino;		/* the temp's inode */
	uint64_t off, len;	/* the range */
	bool sync;		/* --fsync */
};

/* Reads the rest of a CHUNK message into M, for NOPS operands; false
 * when it is malformed.  The caller frees M either way. */
static bool read_chunk(struct rd *r, size_t nops, struct chunkmsg *m)
{
	m->op = get_u32(r);
	m->sdir = get_str(r);
	m->sname = get_str(r);
	m->ino = get_u64(r);
	m->size = get_u64(r);
	m->mtime_s = get_u64(r);
	m->mtime_ns = get_u64(r);
	m->troot = get_u8(r);
	m->ddir = get_str(r);
	m->tname = get_str(r);
	m->tino = get_u64(r);
	m->off = get_u64(r);
	m->len = get_u64(r);
	m->sync = get_u8(r);
	return !r->bad && r->at == r->n && m->op < nops &&
	    m->troot <= TROOT_TEMP && plain_name(m->sname) &&
	    plain_name(m->tname);
}

static void chunkmsg_free(struct chunkmsg *m)
{
	free(m->sdir);
	free(m->sname);
	free(m->ddir);
	free(m->tname);
}

/* What a chunk's CDONE says besides its bytes or -errno. */
struct chunk_out {
	uint8_t side;		/* 1: the source */
	uint8_t what;		/* enum chunk_what */
	bool fatal;		/* the run stops (a destination's device) */
	uint64_t end;		/* where the source ended early, or ~0 */
};

/* The directories and files a chunk opens; -1: not open. */
struct chunk_fds {
	int sd, sfd, dd, tfd;
};

static void chunk_fds_close(struct chunk_fds *f)
{
	if (f->tfd >= 0)
		close(f->tfd);
	if (f->dd >= 0)
		close(f->dd);
	if (f->sfd >= 0)
		close(f->sfd);
	if (f->sd >= 0)
		close(f->sd);
}

/* Opens M's source below its operand, checked to be the file the owner
 * saw, and the temp below DEST or -T's directory, checked to be the temp
 * it made: 0 or
 * -errno with OUT's side and what (-ESTALE: changed or replaced). */
static int chunk_open(struct ts_run *run, const struct chunkmsg *m,
    struct chunk_fds *f, struct chunk_out *out)
{
	struct stat st;

	out->side = 1;
	out->what = CW_OPEN;
	f->sd = dtask_open_checked(chunk_root(run, m->op), m->sdir, 0);
	if (f->sd < 0)
		return f->sd;
	/* Never blocking on a FIFO swapped in for the file. */
	if ((f->sfd = util_open_data_st(f->sd, m->sname, &st)) < 0)
		return f->sfd;
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_ino != m->ino ||
	    (uint64_t)st.st_size != m->size ||
	    (uint64_t)st.st_mtim.tv_sec != m->mtime_s ||
	    (uint64_t)st.st_mtim.tv_nsec != m->mtime_ns) {
		out->what = CW_CHANGED;
		return -ESTALE;
	}
	out->side = 0;
	f->dd = dtask_open_checked(temp_root_fd(run, m->troot), m->ddir, 0);
	if (f->dd < 0)
		return f->dd;
	/* O_NONBLOCK: a FIFO put in the temp's place fails (ENXIO) or is
	 * told by its inode below, never waited on. */
	f->tfd = openat(f->dd, m->tname, O_WRONLY | O_NOFOLLOW | O_CLOEXEC |
	    O_NONBLOCK | O_NOCTTY);
	if (f->tfd < 0)
		return -errno;
	if (fstat(f->tfd, &st) < 0 || (uint64_t)st.st_ino != m->tino) {
		out->what = CW_CHANGED;
		return -ESTALE;
	}
	return 0;
}

/* Copies M's range from F's source to its temp through BUF (read/write),
 * syncs it with --fsync and closes the temp, its errors checked: the
 * bytes, or -errno with OUT's side and what; OUT's end where the source
 * ended early. */
static int64_t chunk_write(struct ts_run *run, const struct chunkmsg *m,
    struct chunk_fds *f, char *buf, struct chunk_out *out)
{
	uint64_t done = 0;
	int64_t rc;

	while (done < m->len && !pool_cancelled(&run->pool)) {
		size_t want = m->len - done < POOL_BUF_SIZE ? m->len - done :
		    POOL_BUF_SIZE;
		ssize_t n = pread(f->sfd, buf, want, (off_t)(m->off + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			out->side = 1;
			out->what = CW_READ;
			return -errno;
		}
		if (n == 0) {
			/* The source ended early. */
			out->end = m->off + done;
			break;
		}
		if (util_pwrite_all(f->tfd, buf, (size_t)n,
		    (off_t)(m->off + done)) < 0) {
			out->what = CW_WRITE;
			return -errno;
		}
		done += (uint64_t)n;
	}
	if (pool_cancelled(&run->pool)) {
		out->what = CW_CANCELLED;
		return -ECANCELED;
	}
	if (m->sync && fdatasync(f->tfd) < 0) {
		out->what = CW_WRITE;
		return -errno;
	}
	/* NFS reports write errors at close. */
	out->what = CW_CLOSE;
	rc = close(f->tfd) < 0 ? -errno : (int64_t)done;
	f->tfd = -1;
	return rc;
}

/* Copies one chunk (read/write through BUF), opened below this rank's
 * roots: the bytes, or -errno (-EPROTO: a malformed message) with OUT's
 * side, what and fatal; OUT's end where the source ended early. */
static int64_t chunk_copy(struct ts_run *run, struct rd *r, char *buf,
    struct chunk_out *out)
{
	struct chunkmsg m = { 0 };
	struct chunk_fds f = { -1, -1, -1, -1 };
	int64_t rc;

	out->end = ~(uint64_t)0;
	if (!read_chunk(r, run->plan.nsrcs + run->plan.nalt, &m))
		rc = -EPROTO;
	else if ((rc = chunk_open(run, &m, &f, out)) == 0)
		rc = chunk_write(run, &m, &f, buf, out);
	if (rc < 0 && out->side == 0)
		out->fatal = rc == -ENOSPC || rc == -EDQUOT || rc == -EIO ||
		    rc == -EROFS;
	chunk_fds_close(&f);
	chunkmsg_free(&m);
	return rc;
}

/* A chunk: copied here, reported to its owner (here, or a message). */
int dtask_run_chunk(struct ts_run *run, int origin, bool cancelled,
    struct rd *r, int w)
{
	uint64_t split = get_u64(r);
	struct chunk_out out = { 0, CW_CANCELLED, false, ~(uint64_t)0 };
	int64_t n = -ECANCELED;
	struct dtask_buf b = { 0 };

	if (r->bad || !split)
		return -EPROTO;
	if (!cancelled) {
		n = chunk_copy(run, r, run->pool.workers[w].buf, &out);
		if (n == -EPROTO)
			return -EPROTO;
		atomic_fetch_add(&run->mpi_chunks_run, 1);
	}
	if (origin == run->exec->rank) {
		dtask_chunk_report(split, n, out.end, out.side, out.fatal,
		    out.what);
		return 0;
	}
	put_head(&b, DT_CDONE, (const void *)(uintptr_t)split);
	put_u64(&b, (uint64_t)n);
	put_u64(&b, out.end);
	put_u8(&b, out.side);
	put_u8(&b, out.fatal);
	put_u8(&b, out.what);
	dtask_send_reply(run, origin, &b, "a chunk");
	return 0;
}
