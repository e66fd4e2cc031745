/*
 * latencyfs.c -- a FUSE passthrough file system that behaves like a
 * network file system, for tests and benchmarks.
 *
 * It mirrors BACKING_DIR at MOUNTPOINT through the libfuse low-level API.
 * Three things set it apart from libfuse's passthrough_ll example:
 *
 *  - Latency: every request that the kernel waits for sleeps latency_us
 *    before it is answered, as a LAN NFS server takes ~200 us per RPC.
 *    The request loop is multi-threaded (threads=N), so requests from
 *    concurrent callers overlap, like the RPC slots of an NFS client.
 *  - Server-side copy: FUSE_COPY_FILE_RANGE is served by copy_file_range(2)
 *    on the backing files, as an NFS 4.2 server serves COPY, so a client's
 *    copy_file_range within one mount moves no data through read/write.
 *    Counters tell a test which way the data went.
 *  - Faults: EIO on read past an offset, ENOSPC after a byte budget,
 *    errors from flush (close) and fsync, EIO from readdir, and silent
 *    bit flips, each limited to paths that contain a substring.
 *
 * Inodes: the kernel's node id is the address of a struct lfs_inode that
 * holds an O_PATH fd of the backing inode; one lfs_inode per backing
 * (st_dev, st_ino), counted by lookups and freed by FORGET.  Paths, which
 * the fault options match against, are read back from /proc/self/fd, so
 * they follow renames.
 *
 * Must not: follow a symlink of the backing tree on behalf of a caller
 * (every name is resolved with *at() relative to its parent's fd, with
 * O_NOFOLLOW / AT_SYMLINK_NOFOLLOW), or leave the backing tree.
 */
#define _GNU_SOURCE
#define FUSE_USE_VERSION 312

#include <fuse_lowlevel.h>

#include "net.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

_Static_assert(sizeof(fuse_ino_t) >= sizeof(uintptr_t),
    "fuse_ino_t must hold a pointer");

#define HASH_SIZE 65536
#define MAX_IO (16u << 20)	/* largest read we buffer, far above max_read */

/* --- counters ------------------------------------------------------------ */

enum lfs_op {
	OP_LOOKUP, OP_GETATTR, OP_SETATTR, OP_READLINK, OP_MKNOD, OP_MKDIR,
	OP_SYMLINK, OP_LINK, OP_UNLINK, OP_RMDIR, OP_RENAME, OP_OPEN, OP_CREATE,
	OP_READ, OP_WRITE, OP_FLUSH, OP_RELEASE, OP_FSYNC, OP_OPENDIR,
	OP_READDIR, OP_RELEASEDIR, OP_FSYNCDIR, OP_STATFS, OP_XATTR,
	OP_COPY_FILE_RANGE, OP_LSEEK, OP_FALLOCATE, OP_OTHER, OP_CAPS, OP_COUNT
};

static const char *const op_names[OP_COUNT] = {
	"lookup", "getattr", "setattr", "readlink", "mknod", "mkdir",
	"symlink", "link", "unlink", "rmdir", "rename", "open", "create",
	"read", "write", "flush", "release", "fsync", "opendir",
	"readdir", "releasedir", "fsyncdir", "statfs", "xattr",
	"copy_file_range", "lseek", "fallocate", "other", "caps",
};

/* All counters are updated with relaxed atomics from any worker thread. */
struct lfs_stats {
	atomic_uint_least64_t requests;
	atomic_uint_least64_t ops[OP_COUNT];
	atomic_uint_least64_t read_bytes;	/* served by READ */
	atomic_uint_least64_t write_bytes;	/* received by WRITE */
	atomic_uint_least64_t cfr_bytes;	/* copied by COPY_FILE_RANGE */
	atomic_uint_least64_t faults;		/* errors or flips injected */
	atomic_uint_least64_t fault_bytes;	/* counted for enospc_after */
};

/*
 * Callers with a READ (or a WRITE) being served: how many distinct
 * threads (the request's pid) had file data in flight at once, at most.
 * A file copied by one worker shows 1 (its readahead runs in its own
 * name); one copied in pieces by several workers, more.  Writeback from
 * the page cache (profile=nfs) is the kernel's, pid 0, counted as one.
 */
#define CALLER_SLOTS 128

struct lfs_callers {
	pthread_mutex_t lock;
	unsigned n;				/* distinct callers now */
	struct { pid_t pid; unsigned reqs; } c[CALLER_SLOTS];
	atomic_uint_least64_t peak;		/* the most at once */
};

/* --- state --------------------------------------------------------------- */

struct lfs_inode {
	struct lfs_inode *next;	/* hash chain; under lfs.lock */
	uint64_t nlookup;	/* kernel references; under lfs.lock */
	int fd;			/* O_PATH fd of the backing inode */
	dev_t dev;
	ino_t ino;
	mode_t type;		/* S_IFMT bits, fixed for an inode's life */
	/* profile=nfs: the attributes last sent to the kernel (under
	 * lfs.lock), for close-to-open revalidation at OPEN. */
	bool told;
	off_t told_size;
	struct timespec told_mtime, told_ctime;
};

/* An open file: fi->fh points at one of these. */
struct lfs_file {
	int fd;
	bool writable;
	bool fault;		/* its path matched fault_path at open */
	atomic_bool flipped;	/* bitflip: this handle's bit is flipped */
};

struct lfs_dir {
	DIR *dp;
	struct dirent *entry;	/* read but not yet returned */
	off_t offset;
	bool eio;		/* readdir_eio matched this directory */
	bool hang;		/* readdir_hang matched it */
};

/* Options (-o ...); the strings are owned by fuse_opt. */
struct lfs_config {
	unsigned latency_us;
	unsigned threads;
	double timeout;
	char *profile;			/* "pessimistic" (default) or "nfs" */
	double acregmin, acdirmin;	/* nfs: attribute/entry cache seconds */
	int acregmin_set, acdirmin_set;
	unsigned bw_mbit;		/* per direction; 0: unlimited */
	int bw_set;
	unsigned slots;			/* requests in flight; 0: unlimited */
	int slots_set;
	unsigned rsize, wsize;		/* nfs: largest READ and WRITE */
	unsigned ra_kb;			/* nfs: readahead, KiB */
	char *stats_path;
	char *pidfile;
	char *fault_path;
	unsigned long long eio_read_after;	/* 0: off */
	int eio_read_set;
	unsigned long long hang_read_after;	/* a dead server: no answer */
	int hang_read_set;
	unsigned long long enospc_after;
	int enospc_set;
	char *flush_errno_s;
	char *fsync_errno_s;
	char *readdir_eio;
	char *readdir_hang;
	int bitflip;
	int quiet;
};

struct lfs {
	struct lfs_config cfg;
	bool nfs;			/* profile=nfs */
	unsigned bw_mbit, slots;	/* the network model in use */
	const char *mountpoint;
	atomic_bool ra_pending;		/* nfs: readahead not yet set */
	double attr_reg, attr_dir;	/* attribute timeouts by type */
	double entry;			/* name (dentry) timeout */
	int flush_errno, fsync_errno;	/* 0: off */
	char *backing;			/* realpath of BACKING_DIR */
	size_t backing_len;		/* strlen, or 0 when it is "/" */
	struct lfs_inode root;
	pthread_mutex_t lock;		/* the hash table and nlookup counts */
	struct lfs_inode **hash;
	struct lfs_stats st;
	struct lfs_callers readers, writers;
	atomic_uint_least64_t generation;	/* stats file writes */
	pthread_mutex_t stats_lock;	/* one writer of the stats file */
};

static struct lfs lfs;
static struct fuse_session *the_session;	/* for notifications */

/* --- helpers ------------------------------------------------------------- */

static void set_readahead(void);

/* Counts request OP. */
static void count_op(enum lfs_op op)
{
	if (atomic_load_explicit(&lfs.ra_pending, memory_order_relaxed) &&
	    atomic_exchange(&lfs.ra_pending, false))
		set_readahead();
	atomic_fetch_add_explicit(&lfs.st.requests, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&lfs.st.ops[op], 1, memory_order_relaxed);
}

/* Counts request OP and waits its modeled time (net.c: a slot, the
 * latency) before it is answered.  READ and WRITE call count_op() and
 * net_wait() themselves, with their payload. */
static void begin(enum lfs_op op)
{
	count_op(op);
	net_wait(NET_NONE, 0);
}

static void count(atomic_uint_least64_t *c, uint64_t n)
{
	atomic_fetch_add_explicit(c, n, memory_order_relaxed);
}

/* Caller PID (fuse_req_ctx()'s: read it before the reply, which frees
 * the request) starts (or ends: LEAVE) a request counted in K. */
static void caller_track(struct lfs_callers *k, pid_t pid, bool leave)
{
	unsigned i;

	pthread_mutex_lock(&k->lock);
	for (i = 0; i < k->n && k->c[i].pid != pid; i++)
		;
	if (leave) {
		if (i < k->n && --k->c[i].reqs == 0)
			k->c[i] = k->c[--k->n];
	} else if (i < k->n) {
		k->c[i].reqs++;
	} else if (k->n < CALLER_SLOTS) {
		k->c[k->n].pid = pid;
		k->c[k->n++].reqs = 1;
		if (k->n > atomic_load(&k->peak))
			atomic_store(&k->peak, k->n);
	}
	pthread_mutex_unlock(&k->lock);
}

static struct lfs_inode *inode_of(fuse_ino_t ino)
{
	if (ino == FUSE_ROOT_ID)
		return &lfs.root;
	return (struct lfs_inode *)(uintptr_t)ino;
}

static int fd_of(fuse_ino_t ino)
{
	return inode_of(ino)->fd;
}

static struct lfs_file *file_of(struct fuse_file_info *fi)
{
	return (struct lfs_file *)(uintptr_t)fi->fh;
}

static void proc_name(char *buf, size_t size, int fd)
{
	snprintf(buf, size, "/proc/self/fd/%d", fd);
}

/*
 * Writes the absolute backing path of FD into BUF (PATH_MAX bytes).
 * Returns 0 or -errno.  An unlinked inode reads as "... (deleted)".
 */
static int backing_path(int fd, char *buf)
{
	char proc[64];
	ssize_t n;

	proc_name(proc, sizeof(proc), fd);
	n = readlink(proc, buf, PATH_MAX - 1);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

/* The path of FD relative to the mount, "/" for the root; "" on error. */
static void mount_path(int fd, char *buf)
{
	if (backing_path(fd, buf) < 0) {
		buf[0] = '\0';
		return;
	}
	if (lfs.backing_len > 0 &&
	    strncmp(buf, lfs.backing, lfs.backing_len) == 0 &&
	    (buf[lfs.backing_len] == '/' || buf[lfs.backing_len] == '\0')) {
		memmove(buf, buf + lfs.backing_len,
		    strlen(buf + lfs.backing_len) + 1);
		if (buf[0] == '\0')
			strcpy(buf, "/");
	}
}

/* Does the file behind FD fall under fault_path? */
static bool fault_matches(int fd)
{
	char path[PATH_MAX];

	if (!lfs.cfg.fault_path)
		return true;
	mount_path(fd, path);
	return strstr(path, lfs.cfg.fault_path) != NULL;
}

static void note_fault(void)
{
	count(&lfs.st.faults, 1);
}

/* --- inode table --------------------------------------------------------- */

static size_t hash_of(dev_t dev, ino_t ino)
{
	uint64_t h = (uint64_t)ino * 0x9e3779b97f4a7c15ull ^ (uint64_t)dev;

	return (size_t)(h >> 16) % HASH_SIZE;
}

/*
 * Finds or adds the inode for ST (whose O_PATH fd is FD) and takes one
 * lookup reference.  Consumes FD (closed if the inode was known).
 * Returns NULL only when out of memory (FD is closed then too).
 */
static struct lfs_inode *inode_get(int fd, const struct stat *st)
{
	struct lfs_inode *p;
	size_t h = hash_of(st->st_dev, st->st_ino);

	if (st->st_dev == lfs.root.dev && st->st_ino == lfs.root.ino) {
		/* ".." of a top-level entry, or a bind loop: the root. */
		close(fd);
		pthread_mutex_lock(&lfs.lock);
		lfs.root.nlookup++;
		pthread_mutex_unlock(&lfs.lock);
		return &lfs.root;
	}
	pthread_mutex_lock(&lfs.lock);
	for (p = lfs.hash[h]; p; p = p->next)
		if (p->dev == st->st_dev && p->ino == st->st_ino)
			break;
	if (p) {
		p->nlookup++;
		pthread_mutex_unlock(&lfs.lock);
		close(fd);
		return p;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		pthread_mutex_unlock(&lfs.lock);
		close(fd);
		return NULL;
	}
	p->fd = fd;
	p->dev = st->st_dev;
	p->ino = st->st_ino;
	p->type = st->st_mode & S_IFMT;
	p->nlookup = 1;
	p->next = lfs.hash[h];
	lfs.hash[h] = p;
	pthread_mutex_unlock(&lfs.lock);
	return p;
}

/* Drops N lookup references; frees the inode at zero. */
static void inode_put(struct lfs_inode *p, uint64_t n)
{
	struct lfs_inode **pp;

	pthread_mutex_lock(&lfs.lock);
	p->nlookup = p->nlookup > n ? p->nlookup - n : 0;
	if (p->nlookup > 0 || p == &lfs.root) {
		pthread_mutex_unlock(&lfs.lock);
		return;
	}
	for (pp = &lfs.hash[hash_of(p->dev, p->ino)]; *pp; pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	pthread_mutex_unlock(&lfs.lock);
	close(p->fd);
	free(p);
}

/* How long the kernel may keep ST's attributes (NFS: acregmin for files,
 * acdirmin for directories). */
static double attr_timeout(const struct stat *st)
{
	return S_ISDIR(st->st_mode) ? lfs.attr_dir : lfs.attr_reg;
}

/* profile=nfs: remembers the attributes ST sent to the kernel for P. */
static void note_told(struct lfs_inode *p, const struct stat *st)
{
	if (!lfs.nfs)
		return;
	pthread_mutex_lock(&lfs.lock);
	p->told = true;
	p->told_size = st->st_size;
	p->told_mtime = st->st_mtim;
	p->told_ctime = st->st_ctim;
	pthread_mutex_unlock(&lfs.lock);
}

/* profile=nfs: has P changed since its attributes were last told? */
static bool changed_since_told(struct lfs_inode *p, const struct stat *st)
{
	bool same;

	pthread_mutex_lock(&lfs.lock);
	same = p->told && p->told_size == st->st_size &&
	    p->told_mtime.tv_sec == st->st_mtim.tv_sec &&
	    p->told_mtime.tv_nsec == st->st_mtim.tv_nsec &&
	    p->told_ctime.tv_sec == st->st_ctim.tv_sec &&
	    p->told_ctime.tv_nsec == st->st_ctim.tv_nsec;
	pthread_mutex_unlock(&lfs.lock);
	return !same;
}

/* Looks NAME up below PARENT into *E.  Returns 0 or an errno. */
static int do_lookup(fuse_ino_t parent, const char *name,
    struct fuse_entry_param *e)
{
	struct lfs_inode *p;
	int fd;

	memset(e, 0, sizeof(*e));
	e->entry_timeout = lfs.entry;
	fd = openat(fd_of(parent), name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno;
	if (fstatat(fd, "", &e->attr, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0) {
		int err = errno;

		close(fd);
		return err;
	}
	p = inode_get(fd, &e->attr);
	if (!p)
		return ENOMEM;
	e->ino = p == &lfs.root ? FUSE_ROOT_ID : (fuse_ino_t)(uintptr_t)p;
	e->attr_timeout = attr_timeout(&e->attr);
	note_told(p, &e->attr);
	return 0;
}

/*
 * A new entry is owned by whoever asked for it, as on a server that maps
 * the caller's credentials.  A set-group-ID parent decides the group.
 */
static void set_owner(fuse_req_t req, int dirfd, const char *name)
{
	const struct fuse_ctx *ctx = fuse_req_ctx(req);
	struct stat dst;
	gid_t gid = ctx->gid;

	if (geteuid() != 0 || (ctx->uid == 0 && ctx->gid == 0))
		return;
	if (fstat(dirfd, &dst) == 0 && (dst.st_mode & S_ISGID))
		gid = (gid_t)-1;
	if (fchownat(dirfd, name, ctx->uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
		fprintf(stderr, "latencyfs: cannot chown '%s': %s\n", name,
		    strerror(errno));
}

/* --- the operations ------------------------------------------------------ */

static void lfs_init(void *userdata, struct fuse_conn_info *conn)
{
	(void)userdata;
	/* No splice: every byte is counted in read/write.  Pessimistic:
	 * write-through, every write(2) is a synchronous WRITE. */
	conn->want &= ~(unsigned)(FUSE_CAP_WRITEBACK_CACHE |
	    FUSE_CAP_SPLICE_READ | FUSE_CAP_SPLICE_WRITE |
	    FUSE_CAP_SPLICE_MOVE);
	if (conn->capable & FUSE_CAP_PARALLEL_DIROPS)
		conn->want |= FUSE_CAP_PARALLEL_DIROPS;
	if (!lfs.nfs)
		return;
	/* NFS-like: write-behind (the page cache gathers writes, flushed in
	 * WRITEs of up to wsize, at the latest on close), READs of up to
	 * rsize, READDIRPLUS for every listing, and as many background
	 * requests (readahead, writeback) in flight as there are slots. */
	if (conn->capable & FUSE_CAP_WRITEBACK_CACHE)
		conn->want |= FUSE_CAP_WRITEBACK_CACHE;
	if (conn->capable & FUSE_CAP_READDIRPLUS) {
		conn->want |= FUSE_CAP_READDIRPLUS;
		conn->want &= ~(unsigned)FUSE_CAP_READDIRPLUS_AUTO;
	}
	conn->max_write = lfs.cfg.wsize;
	conn->max_read = lfs.cfg.rsize;
	conn->max_readahead = lfs.cfg.rsize;
	if (lfs.slots) {
		conn->max_background = lfs.slots;
		conn->congestion_threshold = lfs.slots * 3 / 4;
	}
	/* The kernel caps readahead at its default (128 KiB) when it takes
	 * this reply; the first request after it raises it (sysfs). */
	atomic_store(&lfs.ra_pending, true);
}

/*
 * profile=nfs: readahead of ra_kb, as the NFS client's 15 x rsize, set
 * through the mount's backing device info.  Called once, by the first
 * request after INIT: the kernel has applied INIT's reply by then, which
 * would have capped a value set earlier.
 */
static void set_readahead(void)
{
	char line[2 * PATH_MAX], mnt[PATH_MAX], dev[64], bdi[64] = "";
	char path[128];
	FILE *f = fopen("/proc/self/mountinfo", "r");

	if (!f)
		return;
	/* "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS ... - fuse.latencyfs";
	 * the last mount on our mount point is ours. */
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%*s %*s %63s %*s %4095s", dev, mnt) == 2 &&
		    strcmp(mnt, lfs.mountpoint) == 0 &&
		    strstr(line, " - fuse.latencyfs "))
			memcpy(bdi, dev, sizeof(bdi));
	fclose(f);
	if (!bdi[0])
		return;
	snprintf(path, sizeof(path), "/sys/class/bdi/%s/read_ahead_kb", bdi);
	f = fopen(path, "w");
	if (!f || fprintf(f, "%u\n", lfs.cfg.ra_kb) < 0 || fclose(f) != 0)
		fprintf(stderr, "latencyfs: cannot set readahead in %s\n", path);
}

static void lfs_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fuse_entry_param e;
	int err;

	begin(OP_LOOKUP);
	err = do_lookup(parent, name, &e);
	if (err)
		fuse_reply_err(req, err);
	else
		fuse_reply_entry(req, &e);
}

static void lfs_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	inode_put(inode_of(ino), nlookup);
	fuse_reply_none(req);
}

static void lfs_forget_multi(fuse_req_t req, size_t n,
    struct fuse_forget_data *f)
{
	size_t i;

	for (i = 0; i < n; i++)
		inode_put(inode_of(f[i].ino), f[i].nlookup);
	fuse_reply_none(req);
}

static void reply_attr(fuse_req_t req, fuse_ino_t ino)
{
	struct stat st;

	if (fstatat(fd_of(ino), "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0) {
		fuse_reply_err(req, errno);
		return;
	}
	note_told(inode_of(ino), &st);
	fuse_reply_attr(req, &st, attr_timeout(&st));
}

static void lfs_getattr(fuse_req_t req, fuse_ino_t ino,
    struct fuse_file_info *fi)
{
	(void)fi;
	begin(OP_GETATTR);
	reply_attr(req, ino);
}

static int set_times(struct lfs_inode *p, const struct stat *attr, int valid,
    struct fuse_file_info *fi)
{
	struct timespec tv[2] = {
		{ .tv_nsec = UTIME_OMIT }, { .tv_nsec = UTIME_OMIT },
	};

	if (valid & FUSE_SET_ATTR_ATIME_NOW)
		tv[0].tv_nsec = UTIME_NOW;
	else if (valid & FUSE_SET_ATTR_ATIME)
		tv[0] = attr->st_atim;
	if (valid & FUSE_SET_ATTR_MTIME_NOW)
		tv[1].tv_nsec = UTIME_NOW;
	else if (valid & FUSE_SET_ATTR_MTIME)
		tv[1] = attr->st_mtim;
	if (fi)
		return futimens(file_of(fi)->fd, tv);
	/* Works on the O_PATH fd of any type, symlinks included. */
	return utimensat(p->fd, "", tv, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW);
}

static void lfs_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr,
    int valid, struct fuse_file_info *fi)
{
	struct lfs_inode *p = inode_of(ino);
	char proc[64];
	int r = 0;

	begin(OP_SETATTR);
	proc_name(proc, sizeof(proc), p->fd);
	if (valid & FUSE_SET_ATTR_MODE) {
		if (p->type == S_IFLNK) {
			errno = EOPNOTSUPP;
			r = -1;
		} else if (fi) {
			r = fchmod(file_of(fi)->fd, attr->st_mode);
		} else {
			r = chmod(proc, attr->st_mode);
		}
		if (r < 0)
			goto out;
	}
	if (valid & (FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID)) {
		uid_t uid = valid & FUSE_SET_ATTR_UID ? attr->st_uid : (uid_t)-1;
		gid_t gid = valid & FUSE_SET_ATTR_GID ? attr->st_gid : (gid_t)-1;

		r = fchownat(p->fd, "", uid, gid,
		    AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW);
		if (r < 0)
			goto out;
	}
	if (valid & FUSE_SET_ATTR_SIZE) {
		if (fi)
			r = ftruncate(file_of(fi)->fd, attr->st_size);
		else
			r = truncate(proc, attr->st_size);
		if (r < 0)
			goto out;
	}
	if (valid & (FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME |
	    FUSE_SET_ATTR_ATIME_NOW | FUSE_SET_ATTR_MTIME_NOW))
		r = set_times(p, attr, valid, fi);
out:
	if (r < 0)
		fuse_reply_err(req, errno);
	else
		reply_attr(req, ino);
}

static void lfs_readlink(fuse_req_t req, fuse_ino_t ino)
{
	char buf[PATH_MAX + 1];
	ssize_t n;

	begin(OP_READLINK);
	n = readlinkat(fd_of(ino), "", buf, sizeof(buf));
	if (n < 0)
		return (void)fuse_reply_err(req, errno);
	if ((size_t)n == sizeof(buf))
		return (void)fuse_reply_err(req, ENAMETOOLONG);
	buf[n] = '\0';
	fuse_reply_readlink(req, buf);
}

/* Replies with the entry NAME below PARENT just created (R: 0 or -1). */
static void reply_new(fuse_req_t req, fuse_ino_t parent, const char *name,
    int r)
{
	struct fuse_entry_param e;
	int err;

	if (r < 0)
		return (void)fuse_reply_err(req, errno);
	set_owner(req, fd_of(parent), name);
	err = do_lookup(parent, name, &e);
	if (err)
		fuse_reply_err(req, err);
	else
		fuse_reply_entry(req, &e);
}

static void lfs_mknod(fuse_req_t req, fuse_ino_t parent, const char *name,
    mode_t mode, dev_t rdev)
{
	begin(OP_MKNOD);
	reply_new(req, parent, name, mknodat(fd_of(parent), name, mode, rdev));
}

static void lfs_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name,
    mode_t mode)
{
	begin(OP_MKDIR);
	reply_new(req, parent, name, mkdirat(fd_of(parent), name, mode));
}

static void lfs_symlink(fuse_req_t req, const char *link, fuse_ino_t parent,
    const char *name)
{
	begin(OP_SYMLINK);
	reply_new(req, parent, name, symlinkat(link, fd_of(parent), name));
}

static void lfs_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t parent,
    const char *name)
{
	char proc[64];
	int r;

	begin(OP_LINK);
	/* AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH; /proc works for others. */
	r = linkat(fd_of(ino), "", fd_of(parent), name, AT_EMPTY_PATH);
	if (r < 0 && (errno == ENOENT || errno == EPERM) &&
	    inode_of(ino)->type != S_IFLNK) {
		proc_name(proc, sizeof(proc), fd_of(ino));
		r = linkat(AT_FDCWD, proc, fd_of(parent), name,
		    AT_SYMLINK_FOLLOW);
	}
	if (r < 0)
		return (void)fuse_reply_err(req, errno);
	reply_new(req, parent, name, 0);
}

static void lfs_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	begin(OP_UNLINK);
	fuse_reply_err(req, unlinkat(fd_of(parent), name, 0) < 0 ? errno : 0);
}

static void lfs_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	begin(OP_RMDIR);
	fuse_reply_err(req,
	    unlinkat(fd_of(parent), name, AT_REMOVEDIR) < 0 ? errno : 0);
}

static void lfs_rename(fuse_req_t req, fuse_ino_t parent, const char *name,
    fuse_ino_t newparent, const char *newname, unsigned int flags)
{
	int r;

	begin(OP_RENAME);
	/* RENAME_NOREPLACE and RENAME_EXCHANGE pass through; the backing fs
	 * answers EINVAL for what it cannot do (RENAME_WHITEOUT, say). */
	r = renameat2(fd_of(parent), name, fd_of(newparent), newname, flags);
	fuse_reply_err(req, r < 0 ? errno : 0);
}

/* With the writeback cache (profile=nfs) the kernel reads the pages a
 * write only partly covers, also for a file opened write-only. */
static int writeback_flags(int flags)
{
	if (lfs.nfs && (flags & O_ACCMODE) == O_WRONLY)
		flags = (flags & ~O_ACCMODE) | O_RDWR;
	return flags;
}

/* Opens the backing file of P for FLAGS; returns a new lfs_file or NULL. */
static struct lfs_file *open_backing(struct lfs_inode *p, int flags)
{
	struct lfs_file *f;
	char proc[64];
	int fd, acc = flags & O_ACCMODE;

	/* The kernel sends the offset of every write, even with O_APPEND:
	 * an O_APPEND backing fd would ignore it.  O_TRUNC stays: libfuse
	 * asks for atomic O_TRUNC, so the kernel sends no separate
	 * truncate.  O_NOFOLLOW would refuse the /proc link itself. */
	flags &= ~(O_NOFOLLOW | O_APPEND | O_CREAT | O_EXCL);
	flags = writeback_flags(flags);
	proc_name(proc, sizeof(proc), p->fd);
	fd = open(proc, flags | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	f = calloc(1, sizeof(*f));
	if (!f) {
		close(fd);
		errno = ENOMEM;
		return NULL;
	}
	f->fd = fd;
	f->writable = acc == O_WRONLY || acc == O_RDWR;
	f->fault = fault_matches(fd);
	atomic_init(&f->flipped, false);
	return f;
}

/*
 * profile=nfs, close-to-open: an NFS client revalidates a file's
 * attributes when it opens it (the GETATTR of NFSv3, the one in NFSv4's
 * OPEN compound) and keeps its cached pages only if the file is
 * unchanged.  The OPEN request stands for that round trip: if the file
 * changed since its attributes were last sent, the kernel's copy of them
 * is dropped (it asks again when it needs them) and so are its pages.
 * Returns true when the file changed.
 */
static bool revalidate_at_open(fuse_ino_t ino, int fd)
{
	struct stat st;

	if (fstat(fd, &st) < 0 || !changed_since_told(inode_of(ino), &st))
		return false;
	/* Attributes only (offset -1): no page lock is taken, so this is
	 * safe from inside the OPEN handler. */
	if (the_session)
		fuse_lowlevel_notify_inval_inode(the_session, ino, -1, 0);
	return true;
}

static void lfs_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct lfs_file *f;

	begin(OP_OPEN);
	f = open_backing(inode_of(ino), fi->flags);
	if (!f)
		return (void)fuse_reply_err(req, errno);
	fi->fh = (uint64_t)(uintptr_t)f;
	/* Pessimistic: no keep_cache, every open rereads the file, so
	 * flipped bits are seen.  NFS-like: close-to-open, see below. */
	fi->keep_cache = lfs.nfs && !revalidate_at_open(ino, f->fd);
	if (fuse_reply_open(req, fi) != 0) {
		close(f->fd);
		free(f);
	}
}

static void lfs_create(fuse_req_t req, fuse_ino_t parent, const char *name,
    mode_t mode, struct fuse_file_info *fi)
{
	struct fuse_entry_param e;
	struct lfs_file *f;
	int fd, err;

	begin(OP_CREATE);
	fd = openat(fd_of(parent), name, writeback_flags((fi->flags | O_CREAT |
	    O_NOFOLLOW | O_CLOEXEC) & ~O_APPEND), mode);
	if (fd < 0)
		return (void)fuse_reply_err(req, errno);
	set_owner(req, fd_of(parent), name);
	err = do_lookup(parent, name, &e);
	f = err ? NULL : calloc(1, sizeof(*f));
	if (!f) {
		close(fd);
		if (!err) {
			inode_put(inode_of(e.ino), 1);
			err = ENOMEM;
		}
		return (void)fuse_reply_err(req, err);
	}
	f->fd = fd;
	f->writable = (fi->flags & O_ACCMODE) != O_RDONLY;
	f->fault = fault_matches(fd);
	atomic_init(&f->flipped, false);
	fi->fh = (uint64_t)(uintptr_t)f;
	fi->keep_cache = 0;
	if (fuse_reply_create(req, &e, fi) != 0) {
		close(fd);
		free(f);
	}
}

/*
 * hang_read_after: REQ is never answered, as by a server that is gone.
 * The thread waits until the kernel interrupts the request (the caller
 * got a fatal signal) and then says so; the mount stays usable for
 * everything else.
 */
static void hang_forever(fuse_req_t req)
{
	/* Until the caller is interrupted, or the file system is going
	 * away (a request of a reader that died, such as readahead, is
	 * never interrupted: it is dropped at unmount). */
	while (!fuse_req_interrupted(req) &&
	    !(the_session && fuse_session_exited(the_session)))
		usleep(20 * 1000);
	fuse_reply_err(req, EINTR);
}

static void read_served(fuse_req_t req, size_t size, off_t off,
    struct fuse_file_info *fi)
{
	struct lfs_file *f = file_of(fi);
	char *buf;
	ssize_t n;
	int err;

	if (f->fault && lfs.cfg.hang_read_set &&
	    (uint64_t)off + size > lfs.cfg.hang_read_after) {
		/* A server that stopped answering: the request is never
		 * replied to (the caller waits until it is interrupted). */
		note_fault();
		hang_forever(req);
		return;
	}
	if (f->fault && lfs.cfg.eio_read_set &&
	    (uint64_t)off + size > lfs.cfg.eio_read_after) {
		/* The whole request fails: a short reply would read as EOF
		 * to the kernel and shrink the cached size. */
		note_fault();
		net_wait(NET_NONE, 0);
		return (void)fuse_reply_err(req, EIO);
	}
	if (size > MAX_IO)
		size = MAX_IO;
	buf = malloc(size ? size : 1);
	if (!buf)
		return (void)fuse_reply_err(req, ENOMEM);
	n = pread(f->fd, buf, size, off);
	err = n < 0 ? errno : 0;
	net_wait(NET_TO_CLIENT, n > 0 ? (size_t)n : 0);
	if (n < 0) {
		fuse_reply_err(req, err);
	} else {
		count(&lfs.st.read_bytes, (uint64_t)n);
		fuse_reply_buf(req, buf, (size_t)n);
	}
	free(buf);
}

static void lfs_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
    struct fuse_file_info *fi)
{
	pid_t pid = fuse_req_ctx(req)->pid;

	(void)ino;
	count_op(OP_READ);
	caller_track(&lfs.readers, pid, false);
	read_served(req, size, off, fi);
	caller_track(&lfs.readers, pid, true);
}

/*
 * enospc_after: takes up to WANT bytes from the budget of a faulty file.
 * Returns how many may be written (0: none, the caller says ENOSPC).
 */
static size_t space_for(const struct lfs_file *f, size_t want)
{
	uint64_t used, room;

	if (!f->fault || !lfs.cfg.enospc_set)
		return want;
	used = atomic_fetch_add(&lfs.st.fault_bytes, want);
	room = used >= lfs.cfg.enospc_after ? 0 :
	    lfs.cfg.enospc_after - used;
	if (room >= want)
		return want;
	/* Give back what is not written: the budget counts real bytes. */
	atomic_fetch_sub(&lfs.st.fault_bytes, want - (size_t)room);
	note_fault();
	return (size_t)room;
}

/* bitflip: does this write to F flip its bit (once per handle)? */
static bool take_flip(struct lfs_file *f)
{
	bool expected = false;

	if (!lfs.cfg.bitflip || !f->fault)
		return false;
	if (!atomic_compare_exchange_strong(&f->flipped, &expected, true))
		return false;
	note_fault();
	return true;
}

static void write_served(fuse_req_t req, const char *data, size_t size,
    off_t off, struct fuse_file_info *fi)
{
	struct lfs_file *f = file_of(fi);
	char *copy = NULL;
	size_t n;
	ssize_t w;

	net_wait(NET_TO_SERVER, size);
	n = space_for(f, size);
	if (n == 0 && size > 0)
		return (void)fuse_reply_err(req, ENOSPC);
	if (n > 0 && take_flip(f)) {
		copy = malloc(n);
		if (!copy)
			return (void)fuse_reply_err(req, ENOMEM);
		memcpy(copy, data, n);
		copy[n / 2] ^= 0x01;	/* the middle byte's lowest bit */
		data = copy;
	}
	w = pwrite(f->fd, data, n, off);
	free(copy);
	if (w < 0)
		return (void)fuse_reply_err(req, errno);
	count(&lfs.st.write_bytes, (uint64_t)w);
	fuse_reply_write(req, (size_t)w);
}

static void lfs_write(fuse_req_t req, fuse_ino_t ino, const char *data,
    size_t size, off_t off, struct fuse_file_info *fi)
{
	pid_t pid = fuse_req_ctx(req)->pid;

	(void)ino;
	count_op(OP_WRITE);
	caller_track(&lfs.writers, pid, false);
	write_served(req, data, size, off, fi);
	caller_track(&lfs.writers, pid, true);
}

static void lfs_copy_file_range(fuse_req_t req, fuse_ino_t ino_in,
    off_t off_in, struct fuse_file_info *fi_in, fuse_ino_t ino_out,
    off_t off_out, struct fuse_file_info *fi_out, size_t len, int flags)
{
	struct lfs_file *in = file_of(fi_in), *out = file_of(fi_out);
	off_t flip_at = off_out;
	ssize_t r;

	(void)ino_in;
	(void)ino_out;
	begin(OP_COPY_FILE_RANGE);
	if (in->fault && lfs.cfg.hang_read_set &&
	    (uint64_t)off_in + len > lfs.cfg.hang_read_after) {
		note_fault();
		hang_forever(req);
		return;
	}
	if (in->fault && lfs.cfg.eio_read_set) {
		/* Copy up to the bad spot, then fail, as a server would. */
		if ((uint64_t)off_in >= lfs.cfg.eio_read_after) {
			note_fault();
			return (void)fuse_reply_err(req, EIO);
		}
		if ((uint64_t)off_in + len > lfs.cfg.eio_read_after)
			len = (size_t)(lfs.cfg.eio_read_after - (uint64_t)off_in);
	}
	len = space_for(out, len);
	if (len == 0)
		return (void)fuse_reply_err(req, ENOSPC);
	r = copy_file_range(in->fd, &off_in, out->fd, &off_out, len,
	    (unsigned)flags);
	if (r < 0)
		return (void)fuse_reply_err(req, errno);
	if (r > 0 && take_flip(out)) {
		unsigned char b;
		off_t at = flip_at + r / 2;

		if (pread(out->fd, &b, 1, at) == 1) {
			b ^= 0x01;
			if (pwrite(out->fd, &b, 1, at) != 1)
				fprintf(stderr, "latencyfs: bitflip: %s\n",
				    strerror(errno));
		}
	}
	count(&lfs.st.cfr_bytes, (uint64_t)r);
	fuse_reply_write(req, (size_t)r);
}

static void lfs_flush(fuse_req_t req, fuse_ino_t ino,
    struct fuse_file_info *fi)
{
	struct lfs_file *f = file_of(fi);
	int fd;

	(void)ino;
	begin(OP_FLUSH);
	/* NFS reports deferred write errors at close, for written files. */
	if (f->fault && f->writable && lfs.flush_errno) {
		note_fault();
		return (void)fuse_reply_err(req, lfs.flush_errno);
	}
	/* Closing a duplicate reports the backing fs's own deferred errors
	 * without closing the file. */
	fd = dup(f->fd);
	if (fd < 0)
		return (void)fuse_reply_err(req, errno);
	fuse_reply_err(req, close(fd) < 0 ? errno : 0);
}

static void lfs_release(fuse_req_t req, fuse_ino_t ino,
    struct fuse_file_info *fi)
{
	struct lfs_file *f = file_of(fi);

	(void)ino;
	begin(OP_RELEASE);
	close(f->fd);
	free(f);
	fuse_reply_err(req, 0);
}

static void lfs_fsync(fuse_req_t req, fuse_ino_t ino, int datasync,
    struct fuse_file_info *fi)
{
	struct lfs_file *f = file_of(fi);
	int r;

	(void)ino;
	begin(OP_FSYNC);
	if (f->fault && lfs.fsync_errno) {
		note_fault();
		return (void)fuse_reply_err(req, lfs.fsync_errno);
	}
	r = datasync ? fdatasync(f->fd) : fsync(f->fd);
	fuse_reply_err(req, r < 0 ? errno : 0);
}

static void lfs_fallocate(fuse_req_t req, fuse_ino_t ino, int mode,
    off_t off, off_t len, struct fuse_file_info *fi)
{
	(void)ino;
	begin(OP_FALLOCATE);
	fuse_reply_err(req,
	    fallocate(file_of(fi)->fd, mode, off, len) < 0 ? errno : 0);
}

static void lfs_lseek(fuse_req_t req, fuse_ino_t ino, off_t off, int whence,
    struct fuse_file_info *fi)
{
	off_t r;

	(void)ino;
	begin(OP_LSEEK);
	r = lseek(file_of(fi)->fd, off, whence);
	if (r < 0)
		fuse_reply_err(req, errno);
	else
		fuse_reply_lseek(req, r);
}

static void lfs_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct statvfs sv;

	begin(OP_STATFS);
	if (fstatvfs(fd_of(ino), &sv) < 0)
		fuse_reply_err(req, errno);
	else
		fuse_reply_statfs(req, &sv);
}

/* --- directories --------------------------------------------------------- */

static struct lfs_dir *dir_of(struct fuse_file_info *fi)
{
	return (struct lfs_dir *)(uintptr_t)fi->fh;
}

static void lfs_opendir(fuse_req_t req, fuse_ino_t ino,
    struct fuse_file_info *fi)
{
	struct lfs_dir *d;
	char proc[64], path[PATH_MAX];
	int fd;

	begin(OP_OPENDIR);
	proc_name(proc, sizeof(proc), fd_of(ino));
	fd = open(proc, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return (void)fuse_reply_err(req, errno);
	d = calloc(1, sizeof(*d));
	if (!d || !(d->dp = fdopendir(fd))) {
		int err = d ? errno : ENOMEM;

		close(fd);
		free(d);
		return (void)fuse_reply_err(req, err);
	}
	if (lfs.cfg.readdir_eio || lfs.cfg.readdir_hang) {
		mount_path(fd, path);
		d->eio = lfs.cfg.readdir_eio &&
		    strstr(path, lfs.cfg.readdir_eio) != NULL;
		d->hang = lfs.cfg.readdir_hang &&
		    strstr(path, lfs.cfg.readdir_hang) != NULL;
	}
	fi->fh = (uint64_t)(uintptr_t)d;
	if (fuse_reply_open(req, fi) != 0) {
		closedir(d->dp);
		free(d);
	}
}

static bool is_dot(const char *name)
{
	return name[0] == '.' &&
	    (name[1] == '\0' || (name[1] == '.' && name[2] == '\0'));
}

/* One READDIR or READDIRPLUS: as many entries as fit in SIZE bytes. */
static void do_readdir(fuse_req_t req, fuse_ino_t ino, size_t size,
    off_t off, struct fuse_file_info *fi, bool plus)
{
	struct lfs_dir *d = dir_of(fi);
	size_t used = 0;
	char *buf;
	int err = 0;

	begin(OP_READDIR);
	if (d->eio) {
		note_fault();
		return (void)fuse_reply_err(req, EIO);
	}
	if (d->hang) {
		/* A server that stopped answering, met in a listing. */
		note_fault();
		hang_forever(req);
		return;
	}
	buf = malloc(size);
	if (!buf)
		return (void)fuse_reply_err(req, ENOMEM);
	if (off != d->offset) {
		seekdir(d->dp, off);
		d->entry = NULL;
		d->offset = off;
	}
	for (;;) {
		struct fuse_entry_param e;
		const char *name;
		size_t n;

		if (!d->entry) {
			errno = 0;
			d->entry = readdir(d->dp);
			if (!d->entry) {
				err = errno;
				break;
			}
		}
		name = d->entry->d_name;
		memset(&e, 0, sizeof(e));
		e.attr.st_ino = d->entry->d_ino;
		e.attr.st_mode = (mode_t)d->entry->d_type << 12;
		if (plus && !is_dot(name)) {
			err = do_lookup(ino, name, &e);
			if (err)
				break;
		}
		n = plus ? fuse_add_direntry_plus(req, buf + used,
		    size - used, name, &e, d->entry->d_off) :
		    fuse_add_direntry(req, buf + used, size - used, name,
		    &e.attr, d->entry->d_off);
		if (n > size - used) {
			if (plus && e.ino)
				inode_put(inode_of(e.ino), 1);
			break;
		}
		used += n;
		d->offset = d->entry->d_off;
		d->entry = NULL;
	}
	/* An error after entries were added cannot be reported without
	 * losing their lookup counts: return what we have. */
	if (err && used == 0)
		fuse_reply_err(req, err);
	else
		fuse_reply_buf(req, buf, used);
	free(buf);
}

static void lfs_readdir(fuse_req_t req, fuse_ino_t ino, size_t size,
    off_t off, struct fuse_file_info *fi)
{
	do_readdir(req, ino, size, off, fi, false);
}

static void lfs_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size,
    off_t off, struct fuse_file_info *fi)
{
	do_readdir(req, ino, size, off, fi, true);
}

static void lfs_releasedir(fuse_req_t req, fuse_ino_t ino,
    struct fuse_file_info *fi)
{
	struct lfs_dir *d = dir_of(fi);

	(void)ino;
	begin(OP_RELEASEDIR);
	closedir(d->dp);
	free(d);
	fuse_reply_err(req, 0);
}

static void lfs_fsyncdir(fuse_req_t req, fuse_ino_t ino, int datasync,
    struct fuse_file_info *fi)
{
	int fd = dirfd(dir_of(fi)->dp);
	int r;

	(void)ino;
	begin(OP_FSYNCDIR);
	r = datasync ? fdatasync(fd) : fsync(fd);
	fuse_reply_err(req, r < 0 ? errno : 0);
}

/* --- extended attributes ------------------------------------------------- */

/*
 * The xattr calls have no fd form that takes an O_PATH fd: use the /proc
 * link (which resolves to the inode itself), or for a symlink, whose /proc
 * link would be followed, its backing path with the l*xattr calls.
 */
static int xattr_path(struct lfs_inode *p, char *buf, bool *is_link)
{
	*is_link = p->type == S_IFLNK;
	if (*is_link)
		return backing_path(p->fd, buf);
	proc_name(buf, PATH_MAX, p->fd);
	return 0;
}

/* Replies to a get/list xattr call that returned N into BUF of SIZE. */
static void reply_xattr(fuse_req_t req, ssize_t n, const char *buf,
    size_t size)
{
	if (n < 0)
		fuse_reply_err(req, errno);
	else if (size == 0)
		fuse_reply_xattr(req, (size_t)n);
	else
		fuse_reply_buf(req, buf, (size_t)n);
}

static void lfs_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
    size_t size)
{
	char path[PATH_MAX], *buf = NULL;
	bool link;
	ssize_t n;

	if (lfs.nfs && strcmp(name, "security.capability") == 0) {
		/* The kernel asks before every write(2) whether the write
		 * must drop file capabilities.  An NFS client has no
		 * security.* attributes and asks the server nothing: served
		 * at once, and counted apart from the requests. */
		atomic_fetch_add_explicit(&lfs.st.ops[OP_CAPS], 1,
		    memory_order_relaxed);
	} else {
		begin(OP_XATTR);
	}
	if (xattr_path(inode_of(ino), path, &link) < 0)
		return (void)fuse_reply_err(req, errno);
	if (size && !(buf = malloc(size)))
		return (void)fuse_reply_err(req, ENOMEM);
	n = link ? lgetxattr(path, name, buf, size) :
	    getxattr(path, name, buf, size);
	reply_xattr(req, n, buf, size);
	free(buf);
}

static void lfs_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size)
{
	char path[PATH_MAX], *buf = NULL;
	bool link;
	ssize_t n;

	begin(OP_XATTR);
	if (xattr_path(inode_of(ino), path, &link) < 0)
		return (void)fuse_reply_err(req, errno);
	if (size && !(buf = malloc(size)))
		return (void)fuse_reply_err(req, ENOMEM);
	n = link ? llistxattr(path, buf, size) : listxattr(path, buf, size);
	reply_xattr(req, n, buf, size);
	free(buf);
}

static void lfs_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
    const char *value, size_t size, int flags)
{
	char path[PATH_MAX];
	bool link;
	int r;

	begin(OP_XATTR);
	if (xattr_path(inode_of(ino), path, &link) < 0)
		return (void)fuse_reply_err(req, errno);
	r = link ? lsetxattr(path, name, value, size, flags) :
	    setxattr(path, name, value, size, flags);
	fuse_reply_err(req, r < 0 ? errno : 0);
}

static void lfs_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name)
{
	char path[PATH_MAX];
	bool link;
	int r;

	begin(OP_XATTR);
	if (xattr_path(inode_of(ino), path, &link) < 0)
		return (void)fuse_reply_err(req, errno);
	r = link ? lremovexattr(path, name) : removexattr(path, name);
	fuse_reply_err(req, r < 0 ? errno : 0);
}

static const struct fuse_lowlevel_ops lfs_ops = {
	.init = lfs_init,
	.lookup = lfs_lookup,
	.forget = lfs_forget,
	.forget_multi = lfs_forget_multi,
	.getattr = lfs_getattr,
	.setattr = lfs_setattr,
	.readlink = lfs_readlink,
	.mknod = lfs_mknod,
	.mkdir = lfs_mkdir,
	.symlink = lfs_symlink,
	.link = lfs_link,
	.unlink = lfs_unlink,
	.rmdir = lfs_rmdir,
	.rename = lfs_rename,
	.open = lfs_open,
	.create = lfs_create,
	.read = lfs_read,
	.write = lfs_write,
	.flush = lfs_flush,
	.release = lfs_release,
	.fsync = lfs_fsync,
	.fallocate = lfs_fallocate,
	.lseek = lfs_lseek,
	.copy_file_range = lfs_copy_file_range,
	.statfs = lfs_statfs,
	.opendir = lfs_opendir,
	.readdir = lfs_readdir,
	.readdirplus = lfs_readdirplus,
	.releasedir = lfs_releasedir,
	.fsyncdir = lfs_fsyncdir,
	.getxattr = lfs_getxattr,
	.listxattr = lfs_listxattr,
	.setxattr = lfs_setxattr,
	.removexattr = lfs_removexattr,
};

/* --- the stats file ------------------------------------------------------ */

/* Rewrites the stats file atomically (temp + rename).  Thread-safe. */
static void stats_write(void)
{
	char tmp[PATH_MAX];
	struct net_stats ns;
	uint64_t gen;
	FILE *f;
	int i;

	if (!lfs.cfg.stats_path)
		return;
	pthread_mutex_lock(&lfs.stats_lock);
	gen = atomic_fetch_add(&lfs.generation, 1) + 1;
	snprintf(tmp, sizeof(tmp), "%s.tmp", lfs.cfg.stats_path);
	f = fopen(tmp, "w");
	if (!f) {
		fprintf(stderr, "latencyfs: cannot write '%s': %s\n", tmp,
		    strerror(errno));
		pthread_mutex_unlock(&lfs.stats_lock);
		return;
	}
	fprintf(f, "generation %" PRIu64 "\n", gen);
	fprintf(f, "pid %ld\n", (long)getpid());
	fprintf(f, "latency_us %u\n", lfs.cfg.latency_us);
	fprintf(f, "profile %s\n", lfs.nfs ? "nfs" : "pessimistic");
	fprintf(f, "bw_mbit %u\n", lfs.bw_mbit);
	fprintf(f, "slots %u\n", lfs.slots);
	net_stats_get(&ns);
	fprintf(f, "link_up_us %" PRIu64 "\n", ns.link_ns[NET_TO_SERVER] / 1000);
	fprintf(f, "link_down_us %" PRIu64 "\n", ns.link_ns[NET_TO_CLIENT] / 1000);
	fprintf(f, "slot_waits %" PRIu64 "\n", ns.slot_waits);
	fprintf(f, "requests %" PRIu64 "\n", (uint64_t)lfs.st.requests);
	fprintf(f, "read_bytes %" PRIu64 "\n", (uint64_t)lfs.st.read_bytes);
	fprintf(f, "write_bytes %" PRIu64 "\n", (uint64_t)lfs.st.write_bytes);
	fprintf(f, "copy_file_range_bytes %" PRIu64 "\n",
	    (uint64_t)lfs.st.cfr_bytes);
	fprintf(f, "faults_injected %" PRIu64 "\n", (uint64_t)lfs.st.faults);
	fprintf(f, "read_callers_peak %" PRIu64 "\n",
	    (uint64_t)lfs.readers.peak);
	fprintf(f, "write_callers_peak %" PRIu64 "\n",
	    (uint64_t)lfs.writers.peak);
	for (i = 0; i < OP_COUNT; i++)
		fprintf(f, "op.%s %" PRIu64 "\n", op_names[i],
		    (uint64_t)lfs.st.ops[i]);
	if (fclose(f) != 0 || rename(tmp, lfs.cfg.stats_path) != 0)
		fprintf(stderr, "latencyfs: cannot write '%s': %s\n",
		    lfs.cfg.stats_path, strerror(errno));
	pthread_mutex_unlock(&lfs.stats_lock);
}

static void stats_reset(void)
{
	int i;

	atomic_store(&lfs.st.requests, 0);
	atomic_store(&lfs.st.read_bytes, 0);
	atomic_store(&lfs.st.write_bytes, 0);
	atomic_store(&lfs.st.cfr_bytes, 0);
	atomic_store(&lfs.st.faults, 0);
	atomic_store(&lfs.readers.peak, 0);
	atomic_store(&lfs.writers.peak, 0);
	net_stats_reset();
	for (i = 0; i < OP_COUNT; i++)
		atomic_store(&lfs.st.ops[i], 0);
}

/* SIGUSR1: write the stats file.  SIGUSR2: write it, then reset. */
static void *signal_thread(void *arg)
{
	sigset_t *set = arg;
	int sig;

	for (;;) {
		if (sigwait(set, &sig) != 0)
			continue;
		stats_write();
		if (sig == SIGUSR2)
			stats_reset();
	}
	return NULL;
}

/* --- command line -------------------------------------------------------- */

#define OPT(t, f, v) { t, offsetof(struct lfs_config, f), v }

static const struct fuse_opt lfs_opts[] = {
	OPT("latency_us=%u", latency_us, 0),
	OPT("threads=%u", threads, 0),
	OPT("timeout=%lf", timeout, 0),
	OPT("profile=%s", profile, 0),
	OPT("acregmin=%lf", acregmin, 0),
	OPT("acregmin=", acregmin_set, 1),
	OPT("acdirmin=%lf", acdirmin, 0),
	OPT("acdirmin=", acdirmin_set, 1),
	OPT("bw_mbit=%u", bw_mbit, 0),
	OPT("bw_mbit=", bw_set, 1),
	OPT("slots=%u", slots, 0),
	OPT("slots=", slots_set, 1),
	OPT("rsize=%u", rsize, 0),
	OPT("wsize=%u", wsize, 0),
	OPT("ra_kb=%u", ra_kb, 0),
	OPT("stats=%s", stats_path, 0),
	OPT("pidfile=%s", pidfile, 0),
	OPT("fault_path=%s", fault_path, 0),
	OPT("eio_read_after=%llu", eio_read_after, 0),
	OPT("eio_read_after=", eio_read_set, 1),
	OPT("hang_read_after=%llu", hang_read_after, 0),
	OPT("hang_read_after=", hang_read_set, 1),
	OPT("enospc_after=%llu", enospc_after, 0),
	OPT("enospc_after=", enospc_set, 1),
	OPT("flush_errno=%s", flush_errno_s, 0),
	OPT("fsync_errno=%s", fsync_errno_s, 0),
	OPT("readdir_eio=%s", readdir_eio, 0),
	OPT("readdir_hang=%s", readdir_hang, 0),
	OPT("bitflip", bitflip, 1),
	OPT("quiet", quiet, 1),
	FUSE_OPT_END
};

static const struct { const char *name; int e; } errno_names[] = {
	{ "EIO", EIO }, { "ENOSPC", ENOSPC }, { "EDQUOT", EDQUOT },
	{ "EROFS", EROFS }, { "EPERM", EPERM }, { "EACCES", EACCES },
	{ "ENOENT", ENOENT }, { "EAGAIN", EAGAIN }, { "ESTALE", ESTALE },
	{ "ETIMEDOUT", ETIMEDOUT }, { "EFBIG", EFBIG }, { "EINTR", EINTR },
	{ "EINVAL", EINVAL }, { "EBADF", EBADF }, { "EREMOTEIO", EREMOTEIO },
	{ "ENOTCONN", ENOTCONN }, { "ENOMEM", ENOMEM },
};

/* "EIO" or "5" -> 5; -1 if neither. */
static int parse_errno(const char *s)
{
	char *end;
	long v;
	size_t i;

	for (i = 0; i < sizeof(errno_names) / sizeof(errno_names[0]); i++)
		if (strcmp(s, errno_names[i].name) == 0)
			return errno_names[i].e;
	v = strtol(s, &end, 10);
	return *s && !*end && v > 0 && v < 4096 ? (int)v : -1;
}

static void usage(const char *prog)
{
	printf("usage: %s [-f] [-s] [-d] [-o opt,...] BACKING_DIR MOUNTPOINT\n"
	    "\n"
	    "latencyfs options (see README.md):\n"
	    "    -o latency_us=N        delay every request by N microseconds\n"
	    "    -o threads=N           most worker threads (default 64)\n"
	    "    -o timeout=S           attribute/entry cache seconds (default 1)\n"
	    "    -o profile=P           pessimistic (default) or nfs (see README)\n"
	    "    -o acregmin=S          nfs: file attribute cache (default 3)\n"
	    "    -o acdirmin=S          nfs: directory and name cache (default 30)\n"
	    "    -o bw_mbit=N           link per direction (nfs default 10000)\n"
	    "    -o slots=N             requests in flight (nfs default 64)\n"
	    "    -o rsize=N,wsize=N     nfs: largest READ/WRITE (default 1 MiB)\n"
	    "    -o ra_kb=N             nfs: readahead KiB (default 15 x rsize)\n"
	    "    -o stats=PATH          counters, written on SIGUSR1 and unmount\n"
	    "    -o pidfile=PATH        write the daemon's pid there\n"
	    "    -o fault_path=SUBSTR   faults only for paths containing SUBSTR\n"
	    "    -o eio_read_after=N    reads past byte N of a file fail: EIO\n"
	    "    -o hang_read_after=N   reads past byte N never answer (dead server)\n"
	    "    -o enospc_after=N      writes fail with ENOSPC after N bytes\n"
	    "    -o flush_errno=E       close (flush) of a written file fails: E\n"
	    "    -o fsync_errno=E       fsync fails with E\n"
	    "    -o readdir_eio=SUBSTR  listing dirs whose path has SUBSTR: EIO\n"
	    "    -o readdir_hang=SUBSTR listing them never answers (dead server)\n"
	    "    -o bitflip             flip one bit of each written file\n"
	    "    -o quiet               no start-up line on stderr\n"
	    "\n", prog);
	fuse_cmdline_help();
	fuse_lowlevel_help();
}

/* fuse_opt callback: the first non-option is BACKING_DIR, kept out of
 * the arguments that libfuse sees; everything else is libfuse's. */
static int opt_proc(void *data, const char *arg, int key,
    struct fuse_args *outargs)
{
	char **backing = data;

	(void)outargs;
	if (key == FUSE_OPT_KEY_NONOPT && !*backing) {
		*backing = strdup(arg);
		return 0;
	}
	return 1;
}

/* Makes *P absolute against the current directory (daemons chdir("/")). */
static int absolutize(char **p)
{
	char cwd[PATH_MAX], *abs;

	if (!*p || **p == '/')
		return 0;
	if (!getcwd(cwd, sizeof(cwd)) ||
	    asprintf(&abs, "%s/%s", cwd, *p) < 0)
		return -1;
	*p = abs;	/* the original is fuse_opt's: leak it, it is small */
	return 0;
}

/* The network model and caches of profile=pessimistic or profile=nfs. */
static int check_profile(void)
{
	struct lfs_config *c = &lfs.cfg;
	struct net_config net = { .latency_us = c->latency_us };

	if (c->profile && strcmp(c->profile, "nfs") == 0) {
		lfs.nfs = true;
		lfs.attr_reg = c->acregmin_set ? c->acregmin : 3.0;
		lfs.attr_dir = c->acdirmin_set ? c->acdirmin : 30.0;
		lfs.entry = lfs.attr_dir;
		net.bw_mbit = c->bw_set ? c->bw_mbit : 10000;
		net.slots = c->slots_set ? c->slots : 64;
		/* The kernel's FUSE requests carry at most 256 pages. */
		if (c->rsize == 0 || c->rsize > (1u << 20))
			c->rsize = 1u << 20;
		if (c->wsize == 0 || c->wsize > (1u << 20))
			c->wsize = 1u << 20;
		if (c->ra_kb == 0)	/* the NFS client's 15 x rsize */
			c->ra_kb = 15 * (c->rsize >> 10);
	} else if (!c->profile || strcmp(c->profile, "pessimistic") == 0) {
		lfs.attr_reg = lfs.attr_dir = lfs.entry = c->timeout;
		net.bw_mbit = c->bw_set ? c->bw_mbit : 0;
		net.slots = c->slots_set ? c->slots : 0;
	} else {
		fprintf(stderr, "latencyfs: unknown profile '%s' (pessimistic "
		    "or nfs)\n", c->profile);
		return -1;
	}
	if (net.slots > c->threads)
		c->threads = net.slots;
	net_init(&net);
	lfs.bw_mbit = net.bw_mbit;
	lfs.slots = net.slots;
	return 0;
}

static int check_config(const char *backing)
{
	struct lfs_config *c = &lfs.cfg;
	struct stat st;

	if (c->flush_errno_s && (lfs.flush_errno =
	    parse_errno(c->flush_errno_s)) < 0) {
		fprintf(stderr, "latencyfs: bad flush_errno '%s'\n",
		    c->flush_errno_s);
		return -1;
	}
	if (c->fsync_errno_s && (lfs.fsync_errno =
	    parse_errno(c->fsync_errno_s)) < 0) {
		fprintf(stderr, "latencyfs: bad fsync_errno '%s'\n",
		    c->fsync_errno_s);
		return -1;
	}
	if (c->threads == 0)
		c->threads = 64;
	if (check_profile() < 0)
		return -1;
	if (absolutize(&c->stats_path) < 0 || absolutize(&c->pidfile) < 0)
		return -1;
	lfs.backing = realpath(backing, NULL);
	if (!lfs.backing || stat(lfs.backing, &st) < 0) {
		fprintf(stderr, "latencyfs: cannot open '%s': %s\n", backing,
		    strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		fprintf(stderr, "latencyfs: '%s' is not a directory\n",
		    backing);
		return -1;
	}
	lfs.backing_len = strcmp(lfs.backing, "/") == 0 ? 0 :
	    strlen(lfs.backing);
	lfs.root.fd = open(lfs.backing, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (lfs.root.fd < 0) {
		fprintf(stderr, "latencyfs: cannot open '%s': %s\n", backing,
		    strerror(errno));
		return -1;
	}
	lfs.root.dev = st.st_dev;
	lfs.root.ino = st.st_ino;
	lfs.root.type = S_IFDIR;
	lfs.root.nlookup = 2;
	return 0;
}

static void write_pidfile(void)
{
	FILE *f;

	if (!lfs.cfg.pidfile)
		return;
	f = fopen(lfs.cfg.pidfile, "w");
	if (!f || fprintf(f, "%ld\n", (long)getpid()) < 0 || fclose(f) != 0)
		fprintf(stderr, "latencyfs: cannot write '%s'\n",
		    lfs.cfg.pidfile);
}

/* Runs the session until unmount; returns 0 or -1. */
static int serve(struct fuse_session *se, struct fuse_cmdline_opts *o)
{
	struct fuse_loop_config *lc;
	static sigset_t set;
	pthread_t tid;
	int r;

	/* Workers inherit this mask: only signal_thread takes USR1/USR2. */
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	if (pthread_create(&tid, NULL, signal_thread, &set) == 0)
		pthread_detach(tid);
	if (o->singlethread)
		return fuse_session_loop(se) == 0 ? 0 : -1;
	lc = fuse_loop_cfg_create();
	if (!lc)
		return -1;
	fuse_loop_cfg_set_clone_fd(lc, (unsigned)o->clone_fd);
	fuse_loop_cfg_set_max_threads(lc, lfs.cfg.threads);
	r = fuse_session_loop_mt(se, lc);
	fuse_loop_cfg_destroy(lc);
	return r == 0 ? 0 : -1;
}

int main(int argc, char *argv[])
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	struct fuse_cmdline_opts opts = { 0 };
	struct fuse_session *se = NULL;
	char *backing = NULL, *fsname = NULL, maxread[48];
	int ret = 1;

	struct rlimit rl;

	/* One fd per inode the kernel knows: take every fd we may. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	lfs.cfg.timeout = 1.0;
	pthread_mutex_init(&lfs.lock, NULL);
	pthread_mutex_init(&lfs.stats_lock, NULL);
	pthread_mutex_init(&lfs.readers.lock, NULL);
	pthread_mutex_init(&lfs.writers.lock, NULL);
	/* Modes arrive already masked by the caller's umask. */
	umask(0);

	if (fuse_opt_parse(&args, &lfs.cfg, lfs_opts, NULL) != 0 ||
	    fuse_opt_parse(&args, &backing, NULL, opt_proc) != 0 ||
	    fuse_parse_cmdline(&args, &opts) != 0)
		goto out;
	if (opts.show_help) {
		usage(argv[0]);
		ret = 0;
		goto out;
	}
	if (opts.show_version) {
		printf("latencyfs 1.0, FUSE library %s\n", fuse_pkgversion());
		ret = 0;
		goto out;
	}
	if (!backing || !opts.mountpoint) {
		fprintf(stderr, "usage: %s [-o opts] BACKING_DIR MOUNTPOINT "
		    "(--help for more)\n", argv[0]);
		goto out;
	}
	if (check_config(backing) < 0)
		goto out;
	lfs.mountpoint = opts.mountpoint;
	if (lfs.nfs) {
		/* The kernel's READ size needs the mount option as well. */
		snprintf(maxread, sizeof(maxread), "-omax_read=%u",
		    lfs.cfg.rsize);
		if (fuse_opt_add_arg(&args, maxread) != 0)
			goto out;
	}
	lfs.hash = calloc(HASH_SIZE, sizeof(*lfs.hash));
	if (!lfs.hash ||
	    asprintf(&fsname, "-ofsname=latencyfs:%s,subtype=latencyfs",
	    lfs.backing) < 0 || fuse_opt_add_arg(&args, fsname) != 0)
		goto out;

	se = fuse_session_new(&args, &lfs_ops, sizeof(lfs_ops), NULL);
	the_session = se;
	if (!se)
		goto out;
	if (fuse_set_signal_handlers(se) != 0)
		goto out_session;
	if (fuse_session_mount(se, opts.mountpoint) != 0)
		goto out_handlers;
	if (!lfs.cfg.quiet)
		fprintf(stderr, "latencyfs: %s on %s, latency %u us\n",
		    lfs.backing, opts.mountpoint, lfs.cfg.latency_us);
	fuse_daemonize(opts.foreground);
	write_pidfile();
	ret = serve(se, &opts) == 0 ? 0 : 1;
	stats_write();
	fuse_session_unmount(se);
out_handlers:
	fuse_remove_signal_handlers(se);
out_session:
	fuse_session_destroy(se);
out:
	free(opts.mountpoint);
	free(backing);
	free(fsname);
	fuse_opt_free_args(&args);
	return ret;
}
