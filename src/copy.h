/*
 * copy.h -- copy one regular file into place, atomically.
 *
 * Data goes to a temp file ".NAME.XXXXXX.tstmp" (tmpfile.c; O_EXCL) in the
 * destination directory, through copy_file_range, then sendfile, then
 * pread/pwrite; metadata is applied to the temp fd; the temp is renamed
 * over NAME.  On any failure the temp is removed and the old destination
 * is untouched.
 */
#ifndef TS_COPY_H
#define TS_COPY_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include <treesync/treesync.h>

#include "bwlimit.h"

struct meta_target;
struct partial;
struct pool;
struct ts_entry;
struct tmpfile_reg;

#define COPY_PAIR_SLOTS 16
#define COPY_INODE_LOCKS 16
#define COPY_LOCAL_DEVS 8

/* What the chain knows of one (source device, destination device) pair
 * (copy_pair.c): whether copy_file_range is refused there, and the
 * methods' measured speed until one is chosen. */
struct copy_pair {
	uint64_t sdev, ddev;
	bool cfr_no;			/* EXDEV/EOPNOTSUPP seen on this pair */
	int8_t best;			/* the method chosen; -1: measuring */
	int8_t concurrent;		/* a network fs on either side: 1;
					 * local: 0; not asked yet: -1 */
	uint64_t bytes[TS_METHOD_COUNT];	/* timed calls: bytes, */
	uint64_t ns[TS_METHOD_COUNT];		/* time, */
	unsigned calls[TS_METHOD_COUNT];	/* and how many */
};

/* Shared by every copy of one run: which methods still work. */
struct copy_ctx {
	atomic_bool abort;		/* a signal: stop copying, clean up */
	_Atomic uint64_t moved;		/* bytes written so far (progress) */
	enum ts_copy_method method;
	enum ts_reflink reflink;
	bool fsync;
	bool sparse;
	bool verify;
	bool preallocate;		/* --preallocate */
	bool copy_devices;		/* --copy-devices: a device is read as
					 * a file of its size (util_device_size) */
	bool write_devices;		/* --write-devices: written in place
					 * into a DEST device node (inplace.c) */
	int append;			/* --append 1, --append-verify 2 */
	bool no_whole_file;		/* --no-W: in place, changed blocks only */
	atomic_bool prealloc_said;	/* "not supported" said once */
	pthread_mutex_t inode_locks[COPY_INODE_LOCKS];	/* inplace.c: one
					 * update at a time per multiply-linked
					 * inode (by inode number) */
	bool check_reflink;		/* FIEMAP after copy_file_range */
	atomic_bool cfr_off;		/* ENOSYS or seccomp: off for the process */
	atomic_bool sendfile_off;
	pthread_mutex_t pair_lock;	/* guards pairs[], npairs */
	struct copy_pair pairs[COPY_PAIR_SLOTS];
	unsigned npairs;
	struct tmpfile_reg *tmp;	/* the run's temps in flight (owned) */
	struct bwlimit bw;		/* --bwlimit, shared by every copy */
	struct pool *helpers;		/* idle workers for the pieces of a big
					 * file (copy_split.c); NULL: none */
	const struct copy_remote *remote;	/* other processes for the
					 * pieces (treesync-mpi); NULL: none */
	struct partial *part;	/* -T, --partial, --partial-dir,
				 * --delay-updates (partial.c); NULL: none */
	uint64_t local_devs[COPY_LOCAL_DEVS];	/* source roots' devices on a
					 * local disk file system (set before
					 * the workers start, then read-only) */
	unsigned nlocal;
};

/* Which side an error is on.  A source error means the source was not
 * read whole (no deletion may follow); a destination error is about the
 * destination.  Decided where the failing call is made, never from the
 * message. */
enum copy_side {
	COPY_DST = 0,
	COPY_SRC,
};

/* What happened to one file. */
struct copy_result {
	uint64_t bytes[TS_METHOD_COUNT];
	uint64_t size;			/* bytes in the new file */
	int err;			/* 0 or -errno of the failure */
	const char *what;		/* the failed operation, for messages */
	enum copy_side side;		/* where the failure was */
	bool vanished;			/* the source disappeared */
	bool changed;			/* the source kept changing */
	bool fatal;			/* destination full/read-only/EIO */
	int retries;
	bool reflinked;			/* FIEMAP says the extents are shared */
	uint64_t dst_dev, dst_ino;	/* the new file, for -H */
	bool verified;			/* --verify read both and they agree */
	bool redone;			/* --append-verify: the appended file
					 * differed, and was written whole */
	struct timespec redone_mtime;	/* its mtime when found wrong */
	bool prealloc_unsupported;	/* --preallocate: the file system
					 * said EOPNOTSUPP (first time only) */
	uint64_t holes;			/* -S: bytes left as holes */
	unsigned workers;		/* copy_split.c: workers that copied
					 * pieces of it; 0 not split */
	uint64_t split_prefix;		/* split: the bytes from 0 known in
					 * (all of them on success) */
	char fallbacks[160];		/* "copy_file_range:EXDEV ..." for -vv */
	bool staged;			/* --delay-updates: in its directory's
					 * partial dir, renamed at the end */
	uint64_t resumed;		/* --partial: the bytes a kept partial
					 * held (not copied again) */
};

/* One method of the chain: every spelling of it comes from here. */
struct copy_method {
	const char *name;	/* messages, -vv, --stats: "read/write" */
	const char *cli;	/* --copy-method=: "readwrite" */
	const char *json;	/* --json keys: "read_write" */
	enum ts_copy_method forced;	/* the --copy-method value forcing it */
};

/* Indexed by enum ts_method. */
extern const struct copy_method copy_methods[TS_METHOD_COUNT];

/* Sets up C for a run with options O (method, --reflink, --fsync, -S,
 * --verify; CHECK_REFLINK asks for a FIEMAP after each offloaded copy). */
void copy_ctx_init(struct copy_ctx *c, const struct ts_options *o,
    bool check_reflink);

/* Lets copies hand pieces of a big file to the idle workers of P, whose
 * tasks must run in this process (they share the file's fds; see
 * copy_split.c); NULL: every file is copied by its own worker only. */
void copy_ctx_set_helpers(struct copy_ctx *c, struct pool *p);

/* Notes the device of the directory FD (a source root) if it is a local
 * disk file system (util_fd_is_disk_fs()): its regular files are then
 * read with O_NONBLOCK left set, and an empty one is not read to see
 * whether it is (a fcntl and a pread less per file; copy.c).  Before the
 * workers start; not thread-safe. */
void copy_ctx_add_source(struct copy_ctx *c, int fd);

/*
 * Other processes for the pieces of a big file (treesync-mpi: other
 * ranks, src/dtask.c).  BEGIN is told the file being split (its open
 * source IN and temp OUT, SIZE bytes, [START, SIZE) still to copy) and
 * returns where this process's pieces end: it has handed [that, SIZE) to
 * the others (*HANDLE set), or returns SIZE.  WAIT blocks until the
 * others are done with HANDLE's ranges (never while they still write
 * into OUT), adds their bytes to RES, and returns 0 or -errno with
 * RES's what and side set; *END is lowered where the source ended early.
 */
struct copy_remote {
	void *arg;
	uint64_t (*begin)(void *arg, int in, int out, uint64_t start,
	    uint64_t size, void **handle);
	int (*wait)(void *arg, void *handle, struct copy_result *res,
	    uint64_t *end);
};
void copy_ctx_set_remote(struct copy_ctx *c, const struct copy_remote *r);

/* "copy_file_range 1234 bytes, reflinked" for -vv; into BUF. */
void copy_describe(const struct copy_result *r, char *buf, size_t size);
void copy_ctx_destroy(struct copy_ctx *c);

/*
 * Copies NAME below SRC_DIRFD to DST_NAME below DST_DIRFD.  META says
 * which attributes to give it (mode and times are taken from the source's
 * own fstat at copy time, not from the scan, so a file that changed since
 * the scan is copied consistently).  BUF (POOL_BUF_SIZE bytes) is scratch.
 * With C->part (partial.c): the temp is made in -T's directory, a failed
 * copy's temp kept by --partial, and the finished file staged by
 * --delay-updates (RES->staged) instead of renamed over DST_NAME.
 * Returns 0 or -errno; *RES says what moved and what failed.  Thread-safe.
 */
int copy_file(struct copy_ctx *c, int src_dirfd, const char *name,
    int dst_dirfd, const char *dst_name, const struct meta_target *meta,
    char *buf, struct copy_result *res);

/* How a file is copied (copy_file_flags(); the last three are copy.c's
 * own). */
enum copy_flags {
	COPY_ABSENT = 1 << 0,	/* the destination name is known absent
				 * (copy_file_new()) */
	COPY_NO_PDIR = 1 << 1,	/* the destination directory's listing
				 * showed no relative --partial-dir: no
				 * partial of the file is looked for there,
				 * nor removed after it is in place */
	COPY_BASIS = 1 << 2,	/* the source is a basis file (--copy-dest) */
	COPY_PLAIN = 1 << 3,	/* a backup: no -T, --partial, staging */
	COPY_RELAY = 1 << 4,	/* the source is a finished -T temp */
};

/* copy_file() with FLAGS (COPY_ABSENT, COPY_NO_PDIR). */
int copy_file_flags(struct copy_ctx *c, int src_dirfd, const char *name,
    int dst_dirfd, const char *dst_name, const struct meta_target *meta,
    char *buf, struct copy_result *res, unsigned flags);

/*
 * copy_file() for a backup (backup.c): -T, --partial and --delay-updates
 * do not apply; the temp is beside DST_NAME and renamed over it.  A
 * block or character device at NAME is read as a file of its size (a
 * character device's is 0), as --copy-devices reads one.
 */
int copy_file_plain(struct copy_ctx *c, int src_dirfd, const char *name,
    int dst_dirfd, const char *dst_name, const struct meta_target *meta,
    char *buf, struct copy_result *res);

/*
 * copy_file() for a destination name known to be absent: an empty source
 * file is then created under its final name directly (O_EXCL: nothing is
 * ever replaced, and an empty file is complete the moment it exists), which
 * spares a rename per empty file.  Anything else goes the temp way.
 */
int copy_file_new(struct copy_ctx *c, int src_dirfd, const char *name,
    int dst_dirfd, const char *dst_name, const struct meta_target *meta,
    char *buf, struct copy_result *res);

/*
 * --copy-dest (and --link-dest where a link fails): copies NAME, a file
 * of an alternate destination directory BASIS_DIRFD whose content is the
 * source's, to DST_NAME the same way, but FICLONE first (shared extents
 * where the file system can; the chain otherwise), and with META's mtime
 * (the source's), not the basis file's.  Same returns as copy_file().
 */
int copy_file_basis(struct copy_ctx *c, int basis_dirfd, const char *name,
    int dst_dirfd, const char *dst_name, const struct meta_target *meta,
    char *buf, struct copy_result *res);

/*
 * --inplace, --append, --append-verify (inplace.c): copies NAME below
 * SRC_DIRFD into DST_NAME below DST_DIRFD itself, not through a temp: the
 * destination keeps its inode (and its other links see the new data).
 * A failure leaves it partly written (see inplace.c).  BASIS: NAME is a
 * --copy-dest match, as copy_file_basis().  Same returns as copy_file().
 */
int copy_file_inplace(struct copy_ctx *c, int src_dirfd, const char *name,
    int dst_dirfd, const char *dst_name, const struct meta_target *meta,
    char *buf, struct copy_result *res, bool basis);

#endif /* TS_COPY_H */
