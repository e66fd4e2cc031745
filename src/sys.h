/*
 * sys.h -- the syscall seam: every call that changes or opens something
 * in the destination.
 *
 * The engine makes these calls through a table of function pointers, so
 * that a test build can fail the Nth call with a chosen errno, or make a
 * data call return a short count or 0, without touching the engine
 * (SQLite's test_syscall.c idea).  Every entry has the raw syscall's
 * contract, -1 and errno on failure, so a call site reads `sys.mkdirat(dfd,
 * name, 0700)` where it would read `mkdirat(dfd, name, 0700)`.
 *
 * What goes through the table: writes to a destination file (pwrite,
 * copy_file_range, sendfile, ftruncate, fallocate, FICLONE, fsync, close), every name
 * made, renamed or removed below a destination directory fd, every owner,
 * mode, time and xattr set on a destination entry, and every open below
 * a destination directory fd -- including the helpers that open on both
 * sides (util_open_data, oppath_open, xattr's O_PATH fallback), which then
 * route their source opens through it too.  Reads of the source (pread)
 * are in the table because the copy chain's fallback rules need them
 * faulted; other source reads, and reads of the destination (statx,
 * getdents, fgetxattr), are made directly.
 *
 * The table holds the real calls in every build.  Fault injection (the
 * counting wrappers, sys_inject) is compiled only with TS_FAULT_INJECTION,
 * which the CMake option TREESYNC_FAULT_INJECTION sets in test builds; a
 * release build carries the table and nothing else.  The table is read by
 * every worker: change it only while no sync runs.
 */
#ifndef TS_SYS_H
#define TS_SYS_H

#include <sys/types.h>
#include <time.h>

struct open_how;

/* The *xattrat() syscalls (Linux 6.13) have no libc wrapper yet. */
#if defined(__x86_64__)
#define SYS_HAVE_XATTRAT 1
#define SYS_NR_setxattrat 463
#define SYS_NR_getxattrat 464
#define SYS_NR_listxattrat 465
#define SYS_NR_removexattrat 466
#else
#define SYS_HAVE_XATTRAT 0
#endif

struct sys_ops {
	/* Data: a destination file's bytes (pread: the source's). */
	ssize_t (*copy_file_range)(int in, off_t *in_off, int out,
	    off_t *out_off, size_t len, unsigned flags);
	ssize_t (*sendfile)(int out, int in, off_t *off, size_t count);
	ssize_t (*pread)(int fd, void *buf, size_t n, off_t off);
	ssize_t (*pwrite)(int fd, const void *buf, size_t n, off_t off);
	int (*ftruncate)(int fd, off_t len);
	int (*fallocate)(int fd, int mode, off_t off, off_t len);
	int (*ficlone)(int out, int in);	/* ioctl(out, FICLONE, in) */
	int (*fsync)(int fd);
	int (*close)(int fd);

	/* Names below a directory fd. */
	int (*openat)(int dirfd, const char *name, int flags, mode_t mode);
	int (*openat2)(int dirfd, const char *path, struct open_how *how,
	    size_t size);
	int (*mkdirat)(int dirfd, const char *name, mode_t mode);
	int (*mknodat)(int dirfd, const char *name, mode_t mode, dev_t dev);
	int (*symlinkat)(const char *target, int dirfd, const char *name);
	int (*linkat)(int olddir, const char *oldname, int newdir,
	    const char *newname, int flags);
	int (*renameat)(int olddir, const char *oldname, int newdir,
	    const char *newname);
	int (*unlinkat)(int dirfd, const char *name, int flags);

	/* Attributes. */
	int (*fchown)(int fd, uid_t uid, gid_t gid);
	int (*fchownat)(int dirfd, const char *name, uid_t uid, gid_t gid,
	    int flags);
	int (*fchmod)(int fd, mode_t mode);
	int (*fchmodat)(int dirfd, const char *name, mode_t mode, int flags);
	int (*futimens)(int fd, const struct timespec t[2]);
	int (*utimensat)(int dirfd, const char *name,
	    const struct timespec t[2], int flags);
	int (*fsetxattr)(int fd, const char *xname, const void *value,
	    size_t len, int flags);
	int (*fremovexattr)(int fd, const char *xname);
	/* setxattrat(2)/removexattrat(2); ENOSYS where the kernel (or this
	 * architecture's table above) has none. */
	int (*setxattrat)(int dirfd, const char *name, int at_flags,
	    const char *xname, const void *value, size_t len, int flags);
	int (*removexattrat)(int dirfd, const char *name, int at_flags,
	    const char *xname);
	/* By path: only ever "/proc/self/fd/N" of an O_PATH fd. */
	int (*setxattr)(const char *path, const char *xname,
	    const void *value, size_t len, int flags);
	int (*removexattr)(const char *path, const char *xname);
};

/* The table in use; the real syscalls unless a test installed faults. */
extern struct sys_ops sys;

#ifdef TS_FAULT_INJECTION
/*
 * Installs the faults described by SPEC, a comma-separated list of
 *
 *	NAME@N=RESULT[:PATTERN]
 *
 * NAME is a member of struct sys_ops; N the number of the call to fail,
 * counting from 1 (or "*": every call); RESULT an errno name (EIO,
 * ENOSPC, ...) or, for the four data calls, "short" (the count is halved)
 * or "zero" (0 is returned, nothing done).  With PATTERN (fnmatch(3)) only
 * the calls whose last path component matches are counted and failed: the
 * name argument(s) of a *at call (either name of renameat and linkat), or
 * for an fd call the file the fd is open on.  A temp is named
 * ".NAME.XXXXXX.tstmp".  Example:
 *
 *	copy_file_range@1=EXDEV,pwrite@3=short,unlinkat@*=EBUSY:old*
 *
 * Up to four rules per NAME; the first that fires wins.  Replaces any
 * earlier faults (and restarts the counts).  Used through the
 * TREESYNC_FAULTS environment variable.  Returns 0, or -EINVAL for a
 * malformed SPEC (the faults are then left as they were).  Not
 * thread-safe: call it while no sync runs.
 */
int sys_inject(const char *spec);

/* Removes every fault: the real syscalls again.  Not thread-safe. */
void sys_reset(void);
#endif

#endif /* TS_SYS_H */
