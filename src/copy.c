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
#include "copy_int.h"

#include "hash.h"
#include "meta.h"
#include "partial.h"
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
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#define MAX_ATTEMPTS 3			/* tries for a source that keeps changing */

void copy_ctx_init(struct copy_ctx *c, const struct ts_options *o,
    bool check_reflink)
{
	memset(c, 0, sizeof(*c));
	c->method = o->copy_method;
	c->reflink = o->reflink;
	c->fsync = o->fsync;
	c->sparse = o->sparse;
	c->verify = o->verify;
	c->preallocate = o->preallocate;
	c->copy_devices = o->copy_devices;
	c->write_devices = o->write_devices;
	c->append = o->append;
	c->no_whole_file = o->no_whole_file;
	atomic_init(&c->prealloc_said, false);
	for (int i = 0; i < COPY_INODE_LOCKS; i++)
		pthread_mutex_init(&c->inode_locks[i], NULL);
	c->check_reflink = check_reflink;
	atomic_init(&c->cfr_off, false);
	atomic_init(&c->abort, false);
	atomic_init(&c->sendfile_off, false);
	pthread_mutex_init(&c->pair_lock, NULL);
	c->tmp = xmalloc(sizeof(*c->tmp));
	tmpfile_init(c->tmp);
	bwlimit_init(&c->bw, o->bwlimit);
}

void copy_ctx_set_helpers(struct copy_ctx *c, struct pool *p)
{
	c->helpers = p;
}

void copy_ctx_set_remote(struct copy_ctx *c, const struct copy_remote *r)
{
	c->remote = r;
}

void copy_ctx_destroy(struct copy_ctx *c)
{
	pthread_mutex_destroy(&c->pair_lock);
	for (int i = 0; i < COPY_INODE_LOCKS; i++)
		pthread_mutex_destroy(&c->inode_locks[i]);
	bwlimit_destroy(&c->bw);
	free(c->tmp);
	c->tmp = NULL;
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
		    o ? ", " : "", copy_methods[m].name,
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
	if (r->workers && o < size)
		o += (size_t)snprintf(buf + o, size - o, ", %u workers",
		    r->workers);
	if (r->verified && o < size)
		o += (size_t)snprintf(buf + o, size - o, ", verified");
	if (r->resumed && o < size)
		o += (size_t)snprintf(buf + o, size - o,
		    ", resumed after %llu bytes",
		    (unsigned long long)r->resumed);
	if (r->retries && o < size)
		snprintf(buf + o, size - o, ", %d retries", r->retries);
}

static bool same_stat(const struct stat *a, const struct stat *b)
{
	/* --copy-devices: a device's size is what it holds, not its
	 * st_size (0): the node's identity and times are compared. */
	bool dev = S_ISBLK(a->st_mode) || S_ISCHR(a->st_mode);

	return (dev || a->st_size == b->st_size) && a->st_ino == b->st_ino &&
	    a->st_dev == b->st_dev &&
	    a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	    a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	    a->st_ctim.tv_sec == b->st_ctim.tv_sec &&
	    a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

int copy_source_unchanged(int in, const struct stat *st0,
    struct copy_result *res)
{
	struct stat st1;
	int r;

	if (util_fstat_no_atime(in, &st1) < 0) {
		r = -errno;
		copy_fail(res, "cannot stat", COPY_SRC);
		return r;
	}
	return same_stat(st0, &st1) ? 0 : COPY_CHANGED;
}

/*
 * fstat() of OUT, the temp this process has just created (O_EXCL), with
 * the attributes its creation brought: a network file system would
 * otherwise ask the server again for what it answered a moment ago (FUSE
 * and NFS revalidate an expired attribute cache on every fstat).  Only
 * what decides owner, mode and the device is used; no change detection
 * rests on it.
 */
static int fstat_created(int fd, struct stat *st)
{
	return util_fstat_flags(fd, st, AT_STATX_DONT_SYNC);
}

/* MODE: the permission bits the file will have; the temp starts with
 * them (less the umask and any set-id bit), which spares a chmod for most
 * files and shows nothing more than the finished file will. */
static int make_temp(int dirfd, const char *tmp, void *arg)
{
	const mode_t *mode = arg;

	/* Read-write: --verify reads the new file back. */
	return sys.openat(dirfd, tmp,
	    O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, *mode & 0777);
}

/* DEV is one of the source roots' disk file systems
 * (copy_ctx_add_source()). */
static bool local_dev(const struct copy_ctx *c, uint64_t dev)
{
	for (unsigned i = 0; i < c->nlocal; i++)
		if (c->local_devs[i] == dev)
			return true;
	return false;
}

void copy_ctx_add_source(struct copy_ctx *c, int fd)
{
	struct stat st;

	if (c->nlocal < COPY_LOCAL_DEVS && fstat(fd, &st) == 0 &&
	    !local_dev(c, st.st_dev) && util_fd_is_disk_fs(fd))
		c->local_devs[c->nlocal++] = st.st_dev;
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

	/* /proc files say size 0 and have content; a disk file system's
	 * size is the file's (a file grown since is seen below). */
	if (c->verify || c->reflink == TS_REFLINK_ALWAYS ||
	    (!local_dev(c, st0->st_dev) && sys.pread(in, &b, 1, 0) != 0))
		return 1;
	if (!tmpfile_enter(c->tmp))
		return -EINTR;
	out = sys.openat(dfd, dname, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, meta->set_mode ? meta->mode & 0777 : 0600);
	r = out < 0 ? -errno : 0;
	tmpfile_leave(c->tmp);
	if (r == -EEXIST)
		return 1;
	if (r < 0) {
		copy_fail(res, "cannot create", COPY_DST);
		return r;
	}
	if (fstat_created(out, &sto) < 0 || util_fstat_no_atime(in, &st1) < 0 ||
	    st1.st_size != 0 || st1.st_mtim.tv_sec != st0->st_mtim.tv_sec ||
	    st1.st_mtim.tv_nsec != st0->st_mtim.tv_nsec) {
		close(out);
		sys.unlinkat(dfd, dname, 0);	/* ours: created just now */
		return 1;
	}
	res->dst_dev = sto.st_dev;
	res->dst_ino = sto.st_ino;
	m.mtime = st0->st_mtim;
	if (m.xa_which && xattr_read(-1, dname, in, m.xa_src, m.am_root,
	    m.xa_names, &xa) == 0)
		m.xattrs = &xa;
	r = meta_apply_fd_st(out, &m, &sto, &res->what);
	if (r < 0)
		res->side = COPY_DST;
	xattr_set_free(&xa);
	if (r == 0 && c->fsync && sys.fsync(out) < 0) {
		r = -errno;
		copy_fail(res, "cannot fsync", COPY_DST);
	}
	if (sys.close(out) < 0 && r == 0) {
		r = -errno;
		copy_fail(res, "cannot close", COPY_DST);
	}
	if (r < 0)
		sys.unlinkat(dfd, dname, 0);
	return r;
}

int copy_open_source(const struct copy_ctx *c, int sfd, const char *name,
    int *in, struct stat *st0, struct copy_result *res, unsigned flags)
{
	int block_fl, r;

	*in = util_open_data_nonblock(sfd, name, st0, &block_fl);
	if (*in < 0) {
		r = *in;
		res->vanished = r == -ENOENT;
		copy_fail(res, "cannot open", COPY_SRC);
		return r;
	}
	/* A backup of a device about to be written (--write-devices) keeps
	 * what it holds, as --copy-devices reads it (backup.c). */
	if ((c->copy_devices || flags & COPY_PLAIN) &&
	    (S_ISBLK(st0->st_mode) || S_ISCHR(st0->st_mode))) {
		fcntl(*in, F_SETFL, block_fl);
		st0->st_size = util_device_size(*in);
		return 0;
	}
	if (!S_ISREG(st0->st_mode)) {
		close(*in);
		return COPY_CHANGED;	/* replaced by another type */
	}
	/* O_NONBLOCK (against a FIFO or device swapped in before the open)
	 * means nothing to a regular file's reads and copies on a disk file
	 * system (Linux maps it to no kiocb flag; pipes, sockets, devices,
	 * lease breaks at open and some files of proc, sysfs or tracefs
	 * heed it); elsewhere (a network client, the server FUSE hands the
	 * open flags to) reads block again. */
	if (!local_dev(c, st0->st_dev))
		fcntl(*in, F_SETFL, block_fl);
	return 0;
}

/* --copy-dest: a file of the destination's own tree is the source, so
 * one FICLONE shares its extents where the file system can; true if it
 * did.  Any refusal leaves the chain to copy (it may still reflink). */
static bool clone_basis(struct chain *ch, const struct stat *st0)
{
	if (ch->c->reflink == TS_REFLINK_NEVER || st0->st_size == 0 ||
	    sys.ficlone(ch->out, ch->in) < 0)
		return false;
	ch->res->reflinked = true;
	ch->res->size = (uint64_t)st0->st_size;
	return true;
}

int copy_chain_bytes(struct chain *ch, const struct stat *st0, bool basis)
{
	struct copy_ctx *c = ch->c;
	struct copy_result *res = ch->res;
	bool shortened = false;
	int r;

	if (c->reflink == TS_REFLINK_ALWAYS && st0->st_size > 0)
		r = chain_clone_whole(ch, (uint64_t)st0->st_size);
	else if (basis && clone_basis(ch, st0))
		r = 0;
	else
		r = chain_copy_data(ch, st0, &shortened);
	/* Written over a longer file (in place, or preallocated): cut. */
	if (r == 0 && ch->old_size > res->size &&
	    sys.ftruncate(ch->out, (off_t)res->size) < 0) {
		r = -errno;
		copy_fail(res, "cannot truncate", COPY_DST);
	}
	if (r == 0 && c->check_reflink && res->bytes[TS_METHOD_CFR])
		res->reflinked = chain_extents_shared(ch->out);
	if (r == 0 && c->verify)
		r = chain_verify_copy(ch);
	if (r < 0) {
		res->fatal = res->fatal || copy_is_fatal(-r);
		return r;
	}
	return copy_source_unchanged(ch->in, st0, res);
}

int copy_finish_out(struct copy_ctx *c, int in, int out, const char *name,
    const struct meta_target *meta, const struct stat *st0,
    const struct stat *sto, struct copy_result *res, bool basis)
{
	struct meta_target m = *meta;
	struct xattr_set xa = { 0 };
	int r = 0;

	/* The content copied is the file as of st0: give it st0's time (a
	 * basis file's content is the source's: META's time). */
	if (!basis)
		m.mtime = st0->st_mtim;
	if (m.xa_which && !m.xattrs) {
		r = xattr_read(-1, name, in, m.xa_src, m.am_root, m.xa_names,
		    &xa);
		if (r < 0)
			copy_fail(res, "cannot read extended attributes of",
			    COPY_SRC);
		m.xattrs = &xa;
	}
	if (r == 0 && (r = meta_apply_fd_st(out, &m, sto, &res->what)) < 0)
		res->side = COPY_DST;
	xattr_set_free(&xa);
	if (r == 0 && c->fsync && !res->verified && sys.fsync(out) < 0) {
		r = -errno;
		copy_fail(res, "cannot fsync", COPY_DST);
		res->fatal = copy_is_fatal(-r) || r == -EIO;
	}
	if (sys.close(out) < 0 && r == 0) {
		r = -errno;
		copy_fail(res, "cannot close", COPY_DST);
		res->fatal = copy_is_fatal(-r) || r == -EIO;
	}
	return r;
}

/* One attempt at one file, its source open. */
struct job {
	struct copy_ctx *c;
	int in;			/* the source */
	struct stat st0;	/* its fstat at open */
	const char *name;	/* its name, for messages */
	int dfd;		/* the destination directory */
	const char *dname;	/* the name in it */
	const struct meta_target *meta;
	char *buf;
	struct copy_result *res;
	unsigned flags;		/* enum copy_flags */
};

static int copy_into(struct job *j);

/* The partial state (partial.c) a copy with FLAGS uses, or NULL. */
static struct partial *part_of(const struct job *j)
{
	return j->flags & COPY_PLAIN ? NULL : j->c->part;
}

/*
 * -T on another file system than the destination: the finished temp TMP
 * below TFD is the source of a second copy into a temp beside its final
 * name, so the final name still only ever receives a complete file.
 * The first temp is removed at once (its fd is the source).
 */
static int relay(struct job *j, int tfd, const char *tmp)
{
	struct copy_result *res = j->res;
	struct job r = *j;
	uint64_t keep[TS_METHOD_COUNT];
	int e;

	/* O_NONBLOCK: a FIFO put at the name meanwhile never blocks, and is
	 * refused below as anything but a regular file is. */
	r.in = openat(tfd, tmp, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	e = r.in < 0 ? -errno : 0;
	tmpfile_discard(j->c->tmp, tfd, tmp);
	if (e == 0 && fstat(r.in, &r.st0) < 0)
		e = -errno;
	if (e == 0 && !S_ISREG(r.st0.st_mode))
		e = -ESTALE;
	if (e < 0) {
		copy_fail(res, "cannot reopen temp file for", COPY_DST);
		if (r.in >= 0)
			close(r.in);
		return e;
	}
	r.flags |= COPY_RELAY;
	memcpy(keep, res->bytes, sizeof(keep));
	e = copy_into(&r);
	memcpy(res->bytes, keep, sizeof(keep));	/* the source's bytes once */
	close(r.in);
	return e;
}

/* The finished temp TMP below TFD to its final place (over NAME, or
 * staged by --delay-updates); STO: its fstat at creation. */
static int place(struct job *j, int tfd, const char *tmp,
    const struct stat *sto)
{
	struct partial *p = part_of(j);
	struct copy_result *res = j->res;
	struct stat dst;
	int r;

	if (tfd != j->dfd && fstat(j->dfd, &dst) == 0 &&
	    dst.st_dev != sto->st_dev)
		return relay(j, tfd, tmp);
	if (p && p->delay) {
		r = partial_stage(p, j->c->tmp, tfd, tmp, j->dfd, j->dname);
		res->staged = r == 0;
	} else {
		r = tmpfile_commit_at(j->c->tmp, tfd, tmp, j->dfd, j->dname);
		if (r == 0 && !(j->flags & COPY_NO_PDIR))
			partial_done(p, j->dfd, j->dname, res->resumed != 0);
	}
	if (r < 0) {
		copy_fail(res, "cannot rename temp file to", COPY_DST);
		res->fatal = copy_is_fatal(-r);
	}
	return r;
}

/* A resumed partial (partial_resume()): the bytes after its KEPT ones,
 * then --verify's whole-file check.  0, COPY_CHANGED, or -errno. */
static int resume_bytes(struct chain *ch, const struct stat *st0,
    uint64_t kept)
{
	int r = inplace_tail(ch, st0, kept);

	if (r == 0 && ch->c->verify)
		r = chain_verify_copy(ch);
	return r;
}

/* --partial: the failed temp TMP (OUT when still open) kept; a file
 * split among workers is cut where its bytes stop being contiguous, so
 * that what is kept is a prefix of the source. */
static void keep_partial(struct job *j, int tfd, const char *tmp, int out)
{
	const struct stat *src = &j->st0;

	if (j->res->workers && out >= 0 &&
	    ftruncate(out, (off_t)j->res->split_prefix) < 0)
		src = NULL;	/* no record: never resumed */
	partial_keep(part_of(j), j->c->tmp, tfd, tmp, out, j->dfd, j->dname,
	    src);
}

/* A temp, the bytes, the metadata, then place(): 0, COPY_CHANGED, or
 * -errno (res->what says what failed). */
static int copy_into(struct job *j)
{
	struct copy_ctx *c = j->c;
	struct copy_result *res = j->res;
	char tmp[NAME_MAX + 1];
	struct stat sto;
	struct chain ch = { .c = c, .buf = j->buf, .res = res,
		.forced = c->method != TS_COPY_AUTO, .in = j->in };
	mode_t mode = j->meta->set_mode ? j->meta->mode : 0600;
	bool basis = j->flags & COPY_BASIS;
	int tfd = j->flags & COPY_RELAY ? j->dfd :
	    partial_temp_dir(part_of(j), j->dfd);
	uint64_t kept = 0;
	int out = -1, r;

	/* --partial: what an interrupted run kept of this very source. */
	if (!(j->flags & (COPY_RELAY | COPY_BASIS | COPY_NO_PDIR)) &&
	    c->reflink != TS_REFLINK_ALWAYS)
		out = partial_resume(part_of(j), c->tmp, tfd, j->dfd, j->dname,
		    j->in, &j->st0, tmp, j->buf, POOL_BUF_SIZE, &kept);
	if (out < 0)
		out = tmpfile_make(c->tmp, tfd, j->dname, tmp, make_temp,
		    &mode);
	if (out < 0) {
		copy_fail(res, "cannot create temp file for", COPY_DST);
		res->fatal = copy_is_fatal(-out);
		return out;
	}
	ch.out = out;
	ch.sdev = j->st0.st_dev;
	ch.ddev = fstat_created(out, &sto) == 0 ? sto.st_dev : 0;
	res->dst_dev = ch.ddev;
	res->dst_ino = sto.st_ino;
	res->resumed = kept;
	r = 0;
	if (kept)
		r = resume_bytes(&ch, &j->st0, kept);
	else if (c->preallocate && j->st0.st_size > 0)
		r = chain_preallocate(&ch, (uint64_t)j->st0.st_size, c->sparse);
	if (r == 0 && !kept)
		r = copy_chain_bytes(&ch, &j->st0, basis);
	if (r == 0) {
		r = copy_finish_out(c, j->in, out, j->name, j->meta, &j->st0, &sto,
		    res, basis);
		out = -1;
	}
	if (r == 0)
		return place(j, tfd, tmp, &sto);
	if (r != COPY_CHANGED && !res->vanished && !(j->flags & COPY_RELAY))
		keep_partial(j, tfd, tmp, out);
	else
		tmpfile_discard(c->tmp, tfd, tmp);
	if (out >= 0)
		close(out);
	return r;
}

/* One attempt: 0, COPY_CHANGED, or -errno (res->what says what failed). */
static int copy_once_with(struct copy_ctx *c, int sfd, const char *name,
    int dfd, const char *dname, const struct meta_target *meta, char *buf,
    struct copy_result *res, unsigned flags)
{
	struct job j = { .c = c, .name = name, .dfd = dfd, .dname = dname,
		.meta = meta, .buf = buf, .res = res, .flags = flags };
	struct partial *p = part_of(&j);
	int r;

	r = copy_open_source(c, sfd, name, &j.in, &j.st0, res, flags);
	if (r != 0)
		return r;
	/* --delay-updates stages empty files too. */
	if ((flags & (COPY_ABSENT | COPY_BASIS)) == COPY_ABSENT &&
	    j.st0.st_size == 0 && !(p && p->delay)) {
		r = create_empty(c, j.in, &j.st0, dfd, dname, meta, res);
		if (r <= 0) {
			close(j.in);
			return r;
		}
	}
	if (j.st0.st_size >= (1 << 20))
		posix_fadvise(j.in, 0, 0, POSIX_FADV_SEQUENTIAL);
	r = copy_into(&j);
	close(j.in);
	return r;
}

/* One attempt at a file: copy_once_with() or inplace_once(). */
typedef int copy_attempt_fn(struct copy_ctx *, int, const char *, int,
    const char *, const struct meta_target *, char *, struct copy_result *,
    unsigned);

static int copy_any(struct copy_ctx *c, int src_dirfd, const char *name,
    int dst_dirfd, const char *dst_name, const struct meta_target *meta,
    char *buf, struct copy_result *res, unsigned flags,
    copy_attempt_fn *once)
{
	int attempt, r = 0;

	memset(res, 0, sizeof(*res));
	for (attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
		uint64_t keep[TS_METHOD_COUNT];

		memcpy(keep, res->bytes, sizeof(keep));
		r = once(c, src_dirfd, name, dst_dirfd, dst_name, meta, buf,
		    res, flags);
		if (r != COPY_CHANGED)
			break;
		res->retries++;
		/* Bytes of a discarded attempt do not count. */
		memcpy(res->bytes, keep, sizeof(keep));
	}
	if (r == COPY_CHANGED) {
		res->changed = true;
		copy_fail(res, "source file kept changing while copying", COPY_SRC);
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
	    res, 0, copy_once_with);
}

int copy_file_flags(struct copy_ctx *c, int src_dirfd, const char *name,
    int dst_dirfd, const char *dst_name, const struct meta_target *meta,
    char *buf, struct copy_result *res, unsigned flags)
{
	return copy_any(c, src_dirfd, name, dst_dirfd, dst_name, meta, buf,
	    res, flags & (COPY_ABSENT | COPY_NO_PDIR), copy_once_with);
}

int copy_file_plain(struct copy_ctx *c, int src_dirfd, const char *name,
    int dst_dirfd, const char *dst_name, const struct meta_target *meta,
    char *buf, struct copy_result *res)
{
	return copy_any(c, src_dirfd, name, dst_dirfd, dst_name, meta, buf,
	    res, COPY_PLAIN, copy_once_with);
}

int copy_file_new(struct copy_ctx *c, int src_dirfd, const char *name,
    int dst_dirfd, const char *dst_name, const struct meta_target *meta,
    char *buf, struct copy_result *res)
{
	return copy_any(c, src_dirfd, name, dst_dirfd, dst_name, meta, buf,
	    res, COPY_ABSENT, copy_once_with);
}

int copy_file_basis(struct copy_ctx *c, int basis_dirfd, const char *name,
    int dst_dirfd, const char *dst_name, const struct meta_target *meta,
    char *buf, struct copy_result *res)
{
	return copy_any(c, basis_dirfd, name, dst_dirfd, dst_name, meta, buf,
	    res, COPY_BASIS, copy_once_with);
}

int copy_file_inplace(struct copy_ctx *c, int src_dirfd, const char *name,
    int dst_dirfd, const char *dst_name, const struct meta_target *meta,
    char *buf, struct copy_result *res, bool basis)
{
	return copy_any(c, src_dirfd, name, dst_dirfd, dst_name, meta, buf,
	    res, basis ? COPY_BASIS : 0, inplace_once);
}
