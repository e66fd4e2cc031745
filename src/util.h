/*
 * util.h -- small helpers shared by every stage: allocation that cannot
 * fail silently, relative path joining, monotonic time, name escaping.
 */
#ifndef TS_UTIL_H
#define TS_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#define TS_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Allocation: abort with a message on out-of-memory (there is no sane
 * recovery for a sync half-way through).  All thread-safe. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
/* The first N bytes of S (which has at least N) as a string. */
char *xstrndup(const char *s, size_t n);

/*
 * Joins a relative directory path and a name: "" + "a" -> "a",
 * "d" + "a" -> "d/a".  Returns a malloc'ed string the caller frees.
 */
char *util_path_join(const char *dir, const char *name);

/*
 * rsync's "unsafe" symlink: TARGET is empty or absolute, or its ".."
 * components climb above the top of the transfer from PATH, the link's
 * own path below that top.  Counted by name as rsync counts (nothing is
 * looked up): "." is nothing, a ".." in PATH starts its depth over.
 */
bool util_unsafe_symlink(const char *target, const char *path);

/* Seconds from an arbitrary fixed point (CLOCK_MONOTONIC). */
double util_now(void);

/*
 * Writes NAME into BUF (of SIZE bytes, NUL-terminated on return) with
 * rsync's escaping: control characters other than tab, bytes the locale
 * cannot print (every byte >= 0x80 outside a UTF-8 locale; invalid
 * sequences and C1 controls in one) and a backslash that starts "\#ddd"
 * become "\#ooo" (octal).  Returns the length written (the output is cut
 * at a whole unit, never overflowed, if BUF is too small).  Thread-safe.
 */
size_t util_escape_name(char *buf, size_t size, const char *name);

/* Tells util_escape_name whether the locale prints UTF-8 (set once). */
void util_set_utf8(int on);

/*
 * Writes N bytes of BUF to FD at POS through the syscall seam
 * (sys.pwrite), again after EINTR and short writes.  Returns N, or -1
 * with errno set (EIO: a write that made no progress).  Thread-safe.
 */
ssize_t util_pwrite_all(int fd, const char *buf, size_t n, off_t pos);

/*
 * Reads FD to its end into a malloc'ed buffer (*DATA, *LEN; the caller
 * frees).  Returns 0 or -errno.  Thread-safe.
 */
int util_read_fd(int fd, char **data, size_t *len);

/*
 * Opens NAME below DIRFD for reading its data, never blocking: a FIFO or
 * a device swapped in for a regular file would make open(2) wait forever
 * (for a writer, for a modem...).  Opens with O_NONBLOCK, O_NOFOLLOW,
 * O_NOATIME where allowed; a regular file then reads blocking again.
 * Returns the fd or -errno.  Only a regular file is ready to read: a
 * caller that must know the type takes util_open_data_st(), whose fstat
 * is the one already made here (not a second).  Thread-safe.
 */
int util_open_data(int dirfd, const char *name);

/* --copy-devices: the bytes the device open at FD holds, as rsync's
 * get_device_size() finds them (lseek to the end; a character device
 * such as /dev/zero is 0), the offset left at 0. */
off_t util_device_size(int fd);

/* util_open_data() with the open file's fstat in *ST (its one request for
 * attributes on a network file system); -errno if either fails. */
int util_open_data_st(int dirfd, const char *name, struct stat *st);

/*
 * util_open_data_st() whose fstat takes the attributes the open itself
 * brought (AT_STATX_DONT_SYNC): NFS revalidates them at open
 * (close-to-open), FUSE with its LOOKUP whenever the name's entry
 * expired; a second request for them would ask the server again what it
 * answered a moment ago.  They may be older than the attribute timeout
 * where the kernel neither revalidates at open nor looked the name up
 * (FUSE within its entry timeout), so *ST is for a caller whose decision
 * a stale value cannot turn wrong: the type (fixed for an inode), or a
 * state that a fresh fstat is compared with afterwards (copy.c: a stale
 * one reads as a change and the file is copied again).
 */
int util_open_data_opened(int dirfd, const char *name, struct stat *st);

/*
 * util_open_data_opened() that leaves O_NONBLOCK set, for a caller that
 * knows where it does not matter (copy.c: a regular file on a local file
 * system, where Linux reads and copies take no notice of it) and spares
 * the F_SETFL; fcntl(fd, F_SETFL, *BLOCK_FL) makes reads blocking.
 */
int util_open_data_nonblock(int dirfd, const char *name, struct stat *st,
    int *block_fl);

struct statx;
/* A statx result as a struct stat (the fields of STATX_BASIC_STATS). */
void util_statx_stat(const struct statx *sx, struct stat *st);

/*
 * fstat() of FD, a file just read, for the fields change detection
 * compares (type, mode, inode, device, size, mtime, ctime), not its
 * atime: a READ invalidates the cached atime on FUSE and NFS, and a stat
 * that asks for it then costs a GETATTR round trip even while the other
 * attributes may still be trusted.  The cache rules are otherwise the
 * kernel's, as for fstat().  0 or -1 with errno.
 */
int util_fstat_no_atime(int fd, struct stat *st);

/* fstat() of FD with statx's sync FLAGS (AT_STATX_SYNC_AS_STAT: fstat()
 * itself).  0 or -1 with errno. */
int util_fstat_flags(int fd, struct stat *st, int flags);

/* FD is on a network file system (NFS, FUSE, SMB, Ceph, 9p, AFS), a
 * parallel one (Lustre, GPFS/Spectrum Scale, BeeGFS, PanFS, OrangeFS) or
 * a shared-disk cluster one (GFS2, OCFS2): latency, not the device,
 * bounds its requests.  Thread-safe. */
bool util_fd_is_network(int fd);

/* FD is on a local disk file system (ext2/3/4, XFS, btrfs, f2fs, tmpfs):
 * a regular file's st_size is its length, and its reads take no notice
 * of O_NONBLOCK (unlike files of proc, sysfs, debugfs, tracefs, and
 * what a network client or a FUSE server might do).  Thread-safe. */
bool util_fd_is_disk_fs(int fd);

/* The target of the symlink NAME below DIRFD (malloc'ed), or NULL with
 * errno set by readlinkat.  SIZE: the link's st_size when known (the
 * target's length, read in one call), else 0; any length is read.
 * Thread-safe. */
char *walk_readlink(int dirfd, const char *name, uint64_t size);

#endif /* TS_UTIL_H */
