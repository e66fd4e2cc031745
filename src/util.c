/*
 * util.c -- helpers with no knowledge of trees, files or options.
 */
#define _GNU_SOURCE
#include "util.h"

#include "sys.h"

#include <errno.h>
#include <linux/magic.h>
#include <sys/vfs.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void oom(size_t n)
{
	fprintf(stderr, "treesync: out of memory allocating %zu bytes\n", n);
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		oom(n);
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		oom(n * size);
	return p;
}

void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (!q)
		oom(n);
	return q;
}

char *xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;

	return memcpy(xmalloc(n), s, n);
}

char *xstrndup(const char *s, size_t n)
{
	char *d = xmalloc(n + 1);

	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

ssize_t util_pwrite_all(int fd, const char *buf, size_t n, off_t pos)
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

char *util_path_join(const char *dir, const char *name)
{
	size_t dl = strlen(dir), nl = strlen(name);
	char *p = xmalloc(dl + nl + 2);

	if (dl == 0) {
		memcpy(p, name, nl + 1);
		return p;
	}
	while (dl > 1 && dir[dl - 1] == '/')
		dl--;		/* "src/" + "a" is "src/a" */
	memcpy(p, dir, dl);
	p[dl] = '/';
	memcpy(p + dl + 1, name, nl + 1);
	return p;
}

/* What one name of a path does to the depth: -1 for "..", 0 for "." or
 * an empty name (a doubled slash), 1 for any other. */
static int name_step(const char *name, size_t len)
{
	if (len == 0 || (len == 1 && name[0] == '.'))
		return 0;
	if (len == 2 && name[0] == '.' && name[1] == '.')
		return -1;
	return 1;
}

bool util_unsafe_symlink(const char *target, const char *path)
{
	const char *p, *slash;
	long depth = 0;
	size_t len;

	if (!*target || *target == '/')
		return true;
	/* rsync 3.5's hardening: a ".." anywhere but in the leading run of
	 * them, or a last name "..", is unsafe whatever the depth (a name
	 * it climbs out of may be made a symlink later). */
	for (p = target; strncmp(p, "../", 3) == 0;)
		for (p += 3; *p == '/'; p++)
			;
	len = strlen(target);
	if (strstr(p, "/../") ||
	    (len > 3 && strcmp(target + len - 3, "/..") == 0))
		return true;
	/* How deep the link's directory is: a ".." starts over (rsync's
	 * rule: the names before it are not known to be directories). */
	for (p = path; (slash = strchr(p, '/')); p = slash + 1) {
		int step = name_step(p, (size_t)(slash - p));

		depth = step < 0 ? 0 : depth + step;
	}
	/* Every name but the last is a directory the target passes. */
	for (p = target; (slash = strchr(p, '/')); p = slash + 1) {
		depth += name_step(p, (size_t)(slash - p));
		if (depth < 0)
			return true;
	}
	return name_step(p, strlen(p)) < 0 && depth == 0;
}

double util_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Length of the valid UTF-8 sequence at S (1..4), or 0 if invalid. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n, i;
	unsigned c = s[0];
	uint32_t cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, cp = c & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates and values past U+10FFFF. */
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

static int utf8_locale;

void util_set_utf8(int on)
{
	utf8_locale = on;
}

static int is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

size_t util_escape_name(char *buf, size_t size, const char *name)
{
	const unsigned char *s = (const unsigned char *)name;
	size_t o = 0;

	if (size == 0)
		return 0;
	while (*s) {
		size_t n = *s < 0x80 ? 1 : utf8_locale ? utf8_len(s) : 0;
		int esc = n == 0 || (*s < 0x20 && *s != '\t') ||
		    (*s == '\\' && s[1] == '#' && is_digit(s[2]) &&
		    is_digit(s[3]) && is_digit(s[4])) ||
		    /* C1 controls (U+0080..U+009F) can drive a terminal. */
		    (n == 2 && s[0] == 0xc2 && s[1] < 0xa0);

		if (esc) {
			if (o + 5 >= size)
				break;
			snprintf(buf + o, 6, "\\#%03o", *s);
			o += 5;
			s++;
			continue;
		}
		if (o + n >= size)
			break;
		memcpy(buf + o, s, n);
		o += n;
		s += n;
	}
	buf[o] = '\0';
	return o;
}

int util_read_fd(int fd, char **data, size_t *len)
{
	size_t n = 0, cap = 4096;
	char *buf = xmalloc(cap);

	for (;;) {
		ssize_t r;

		if (n == cap) {
			cap *= 2;
			buf = xrealloc(buf, cap);
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0) {
			int e = errno;

			if (e == EINTR)
				continue;
			free(buf);
			return -e;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	*data = buf;
	*len = n;
	return 0;
}

/* util_open_data_st(), util_open_data_opened() and
 * util_open_data_nonblock(): the fstat with STATX_FLAGS; *BLOCK_FL the
 * status flags that make reads blocking again. */
static int open_data(int dirfd, const char *name, struct stat *st,
    int statx_flags, int *block_fl)
{
	const int fl = O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY |
	    O_NONBLOCK;
	/* Opens source files and, for -c, destination files: through the
	 * seam. */
	int noatime = O_NOATIME, e;
	int fd = sys.openat(dirfd, name, fl | noatime, 0);

	/* O_NOATIME needs ownership (or CAP_FOWNER). */
	if (fd < 0 && errno == EPERM) {
		noatime = 0;
		fd = sys.openat(dirfd, name, fl, 0);
	}
	if (fd < 0)
		return -errno;
	if (util_fstat_flags(fd, st, statx_flags) < 0) {
		e = errno;
		close(fd);
		return -e;
	}
	/* The status flags are known (those opened with): one F_SETFL
	 * clears O_NONBLOCK, no F_GETFL first -- a call less per file. */
	*block_fl = noatime;
	return fd;
}

static int open_blocking(int dirfd, const char *name, struct stat *st,
    int statx_flags)
{
	int block_fl = 0;
	int fd = open_data(dirfd, name, st, statx_flags, &block_fl);

	if (fd >= 0 && S_ISREG(st->st_mode))
		fcntl(fd, F_SETFL, block_fl);
	return fd;
}

int util_open_data_nonblock(int dirfd, const char *name, struct stat *st,
    int *block_fl)
{
	return open_data(dirfd, name, st, AT_STATX_DONT_SYNC, block_fl);
}

off_t util_device_size(int fd)
{
	off_t end = lseek(fd, 0, SEEK_END);

	lseek(fd, 0, SEEK_SET);
	return end > 0 ? end : 0;
}

int util_open_data_st(int dirfd, const char *name, struct stat *st)
{
	return open_blocking(dirfd, name, st, AT_STATX_SYNC_AS_STAT);
}

int util_open_data_opened(int dirfd, const char *name, struct stat *st)
{
	return open_blocking(dirfd, name, st, AT_STATX_DONT_SYNC);
}

void util_statx_stat(const struct statx *sx, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_dev = makedev(sx->stx_dev_major, sx->stx_dev_minor);
	st->st_ino = sx->stx_ino;
	st->st_mode = sx->stx_mode;
	st->st_nlink = sx->stx_nlink;
	st->st_uid = sx->stx_uid;
	st->st_gid = sx->stx_gid;
	st->st_rdev = makedev(sx->stx_rdev_major, sx->stx_rdev_minor);
	st->st_size = (off_t)sx->stx_size;
	st->st_blocks = (blkcnt_t)sx->stx_blocks;
	st->st_blksize = (blksize_t)sx->stx_blksize;
	st->st_atim.tv_sec = sx->stx_atime.tv_sec;
	st->st_atim.tv_nsec = sx->stx_atime.tv_nsec;
	st->st_mtim.tv_sec = sx->stx_mtime.tv_sec;
	st->st_mtim.tv_nsec = sx->stx_mtime.tv_nsec;
	st->st_ctim.tv_sec = sx->stx_ctime.tv_sec;
	st->st_ctim.tv_nsec = sx->stx_ctime.tv_nsec;
}

int util_fstat_flags(int fd, struct stat *st, int flags)
{
	struct statx sx;

	if (flags == AT_STATX_SYNC_AS_STAT)
		return fstat(fd, st);
	if (statx(fd, "", AT_EMPTY_PATH | flags, STATX_BASIC_STATS, &sx) < 0)
		return fstat(fd, st);
	util_statx_stat(&sx, st);
	return 0;
}

int util_fstat_no_atime(int fd, struct stat *st)
{
	const unsigned want = STATX_TYPE | STATX_MODE | STATX_INO |
	    STATX_SIZE | STATX_MTIME | STATX_CTIME;
	struct statx sx;

	if (statx(fd, "", AT_EMPTY_PATH, want, &sx) < 0 ||
	    (sx.stx_mask & want) != want)
		return fstat(fd, st);
	util_statx_stat(&sx, st);
	return 0;
}

int util_open_data(int dirfd, const char *name)
{
	struct stat st;

	return util_open_data_st(dirfd, name, &st);
}

#ifndef FUSE_SUPER_MAGIC
#define FUSE_SUPER_MAGIC 0x65735546
#endif
#ifndef CIFS_SUPER_MAGIC
#define CIFS_SUPER_MAGIC 0xff534d42
#endif
#ifndef SMB2_SUPER_MAGIC
#define SMB2_SUPER_MAGIC 0xfe534d42
#endif
#ifndef CEPH_SUPER_MAGIC
#define CEPH_SUPER_MAGIC 0x00c36400
#endif
#ifndef V9FS_MAGIC
#define V9FS_MAGIC 0x01021997
#endif
#ifndef F2FS_SUPER_MAGIC
#define F2FS_SUPER_MAGIC 0xF2F52010
#endif
#ifndef AFS_SUPER_MAGIC
#define AFS_SUPER_MAGIC 0x5346414F
#endif
#ifndef AFS_FS_MAGIC
#define AFS_FS_MAGIC 0x6B414653		/* kAFS */
#endif
#ifndef GFS2_MAGIC
#define GFS2_MAGIC 0x01161970
#endif
#ifndef OCFS2_SUPER_MAGIC
#define OCFS2_SUPER_MAGIC 0x7461636f
#endif
/* Parallel file systems whose client is out of tree (no linux/magic.h
 * name): what their statfs() says, as coreutils' stat(1) knows them. */
#define LUSTRE_SUPER_MAGIC 0x0BD00BD0
#define GPFS_SUPER_MAGIC 0x47504653
#define BEEGFS_SUPER_MAGIC 0x19830326
#define PANFS_SUPER_MAGIC 0xAAD7AAEA
#define PVFS2_SUPER_MAGIC 0x20030528	/* OrangeFS */

bool util_fd_is_network(int fd)
{
	struct statfs sf;

	if (fd < 0 || fstatfs(fd, &sf) < 0)
		return false;
	switch ((unsigned long)sf.f_type) {
	case NFS_SUPER_MAGIC:
	case FUSE_SUPER_MAGIC:
	case CIFS_SUPER_MAGIC:
	case SMB2_SUPER_MAGIC:
	case CEPH_SUPER_MAGIC:
	case V9FS_MAGIC:
	case AFS_SUPER_MAGIC:
	case AFS_FS_MAGIC:
	case GFS2_MAGIC:	/* cluster locks: a round trip per change */
	case OCFS2_SUPER_MAGIC:
	case LUSTRE_SUPER_MAGIC:
	case GPFS_SUPER_MAGIC:
	case BEEGFS_SUPER_MAGIC:
	case PANFS_SUPER_MAGIC:
	case PVFS2_SUPER_MAGIC:
		return true;
	default:
		return false;
	}
}

bool util_fd_is_disk_fs(int fd)
{
	struct statfs sf;

	if (fd < 0 || fstatfs(fd, &sf) < 0)
		return false;
	switch ((unsigned long)sf.f_type) {
	case EXT4_SUPER_MAGIC:	/* ext2 and ext3 too */
	case XFS_SUPER_MAGIC:
	case BTRFS_SUPER_MAGIC:
	case F2FS_SUPER_MAGIC:
	case TMPFS_MAGIC:
		return true;
	default:
		return false;
	}
}

char *walk_readlink(int dirfd, const char *name, uint64_t hint)
{
	/* A buffer one byte longer than the target tells it was whole. */
	size_t size = hint > 0 && hint < ((size_t)1 << 20) ?
	    (size_t)hint + 1 : 256;
	int e;

	for (;;) {
		char *buf = xmalloc(size);
		ssize_t n = readlinkat(dirfd, name, buf, size);

		if (n >= 0 && (size_t)n < size) {
			buf[n] = '\0';
			return buf;
		}
		e = errno;
		free(buf);
		if (n < 0) {
			errno = e;
			return NULL;
		}
		size *= 2;
	}
}
