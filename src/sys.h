/*
 * sys.h -- the syscall seam for the data path.
 *
 * The copy chain calls these through a table of function pointers, so a
 * test can replace one (fail the Nth call with a chosen errno, return a
 * short count or 0) without touching the engine (SQLite's test_syscall.c
 * idea).  Every function has the raw syscall's contract: -1 and errno on
 * failure.  The table is read by every worker; change it only while no
 * sync runs.
 */
#ifndef TS_SYS_H
#define TS_SYS_H

#include <sys/types.h>

struct sys_ops {
	ssize_t (*copy_file_range)(int in, off_t *in_off, int out,
	    off_t *out_off, size_t len, unsigned flags);
	ssize_t (*sendfile)(int out, int in, off_t *off, size_t count);
	ssize_t (*pread)(int fd, void *buf, size_t n, off_t off);
	ssize_t (*pwrite)(int fd, const void *buf, size_t n, off_t off);
	int (*fsync)(int fd);
	int (*close)(int fd);
	int (*renameat)(int olddir, const char *oldname, int newdir,
	    const char *newname);
};

/* The table in use; initialised to the real syscalls. */
extern struct sys_ops sys;

/* Restores the real syscalls. */
void sys_reset(void);

/*
 * Installs faults described by SPEC, e.g.
 * "copy_file_range@1=EXDEV,pwrite@3=short,sendfile@1=zero" (call numbers
 * count from 1 per function; "short" halves the count, "zero" returns 0;
 * "*" as the number fails every call).  Used by tests through the
 * TREESYNC_FAULTS environment variable.  Returns 0 or -EINVAL.
 */
int sys_inject(const char *spec);

#endif /* TS_SYS_H */
