/*
 * run.h -- the state of one synchronisation run, shared by the files that
 * carry it out (not part of the public API).
 *
 * How a run goes (run.c):
 *  1. plan resolves the operands into held directory fds;
 *  2. the root directory task (root.c) is submitted to the pool; a
 *     directory task (scan.c) reads its source and destination listings
 *     (walk), decides each pair (item.c, with compare), handles cheap items
 *     inline (symlinks, nodes, attributes), submits a file task
 *     (filetask.c) per regular file to copy and a directory task per
 *     subdirectory, and records the extraneous destination names (prune.c);
 *  3. every task holds a reference on its directory node (dnode.c); the
 *     last one to finish applies the directory's metadata (mtime last,
 *     after all its children: post-order) and releases the parent;
 *  4. after the walk, and only if every source directory was read without
 *     error, the extraneous entries are deleted (prune.c).
 *
 * Memory: a directory node lives while it has unfinished children; file
 * tasks exist only for files being copied; the pool is LIFO, so the walk
 * is depth-first and what is in flight stays proportional to depth times
 * fan-out, not to the size of the tree.  Only the extraneous entries are
 * kept until the end (they are what --delete will remove).
 *
 * Every destination operation is an *at() call on a directory fd opened
 * below the destination root with O_NOFOLLOW: a symlink planted in the
 * destination is replaced or removed, never followed.
 */
#ifndef TS_RUN_H
#define TS_RUN_H

#include <treesync/treesync.h>

#include "compare.h"
#include "copy.h"
#include "filter.h"
#include "meta.h"
#include "plan.h"
#include "pool.h"
#include "walk.h"

struct chmod_rule;
struct xattr_set;
struct dtask_buf;
struct dtask_hl;

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#ifndef TS_VERSION_STRING
#define TS_VERSION_STRING "unknown"
#endif

#define container_of(p, type, member) \
	((type *)(void *)((char *)(p) - offsetof(type, member)))

enum { TY_REG, TY_DIR, TY_LINK, TY_DEV, TY_SPECIAL, TY_N };

/* Extraneous names found in one destination directory. */
struct del_group {
	struct del_group *next;
	char *rel;		/* the directory, below the destination root */
	struct filter_layer *layer;	/* its rules (protect inside), or NULL */
	struct meta_target meta;	/* times to restore after deleting */
	bool quiet;		/* no "deleting" lines (--compare-dest) */
	size_t n;
	char **names;
	struct del_seen *seen;	/* what the listing saw at each name */
};

/* A file waiting for its hard-link master to be in place. */
struct hl_waiter {
	struct hl_waiter *next;
	struct dnode *dir;	/* holds a reference */
	struct ts_entry src, dst, gone;
	bool has_dst;
	bool has_gone;		/* GONE: the srcitem's (the directory the
				 * gate removed at its name) */
	struct dsrc *from;	/* the source directory */
	char *name, *src_name, *disp_name;
};

enum hl_state { HL_PENDING, HL_DONE, HL_FAILED };

/* -H: one source inode with several links. */
struct hl_entry {
	struct hl_entry *next;	/* hash chain */
	uint64_t dev, ino;	/* source */
	enum hl_state state;	/* guarded by hl_lock */
	char *master_rel;	/* the first link, below the destination root */
	uint64_t dst_dev, dst_ino;	/* its destination inode when done */
	bool staged;		/* --delay-updates: done, but in its directory's
				 * staging dir (written before state is) */
	struct hl_waiter *waiters;	/* guarded by hl_lock */
};

#define HL_BUCKETS (1u << 16)

/* How much of a directory's source is selected (--files-from, -d). */
enum sel {
	SEL_ALL,	/* every entry (the normal case) */
	SEL_PARTIAL,	/* only listed paths and their ancestors */
	SEL_CONTENTS,	/* a listed "dir/": every entry, one level, and
			 * listed paths deeper */
};

/* --files-from: one listed path below its source base. */
struct sel_path {
	char *path;		/* "" is the base itself */
	bool contents;		/* listed as "dir/": its entries too */
	bool repeated;		/* on more than one line */
	atomic_schar sent;	/* in rsync's list: it exists in the source,
				 * or it is missing and --delete-missing-args
				 * sends it; only then does it imply the
				 * directories on its way.  0: not looked up
				 * yet, 1, -1 (select.c path_sent()) */
	bool gone;		/* --delete-missing-args: missing (ENOENT),
				 * its DEST entry to delete (prune.c) */
};

/*
 * The paths a --files-from list selects below one prefix: lines
 * "PREFIX/./PATH" send PATH from SRC/PREFIX (the part before the "/./"
 * marker is not part of the destination path); lines without the marker
 * have the prefix "".
 */
struct sel_list {
	char *prefix;		/* below each source operand */
	struct sel_path *v;	/* sorted by path, without duplicates */
	size_t n;
	atomic_bool *seen;	/* v[i] was met by the walk */
	bool dot_line;		/* a line "./PATH": the root is sent too */
};

/* made.c: directories this run made (only when DEST is inside a source). */
struct made_set {
	pthread_mutex_t lock;	/* guards everything below */
	struct made_key *keys;	/* open addressing; (0, 0) is empty */
	size_t n, cap;
};

/*
 * dirslot.c: a directory fd that may be closed while nobody uses it and
 * opened again, from the slot above it, when next needed (checked to be
 * the same directory).  Every field is guarded by the cache's lock.
 */
struct dslot {
	int fd;			/* -1 while closed */
	unsigned pins;		/* users of fd now */
	bool fixed;		/* the plan's (or the root's own): never closed */
	bool known;		/* opened once: DEV and INO are what it is */
	int failed;		/* errno of a failed opening again, or 0 */
	uint64_t dev, ino;
	struct dslot *up;	/* opened from (NULL when fixed) */
	const char *name;	/* its name in UP (owned by the holder) */
	/* A source directory reached through the symlink of its name (-k,
	 * -L), or a destination one (-K, --no-implied-dirs; first opened
	 * beneath the root): opened following it, and only ever as the
	 * directory it was (DEV and INO set from the start, checked at the
	 * first opening too). */
	bool follow;
	struct dslot *prev, *next;	/* the LRU list while open, unpinned */
};

/* The run's directory fds: a budget of open ones, the rest closed. */
struct dslot_cache {
	pthread_mutex_t lock;
	pthread_cond_t changed;	/* a slot finished opening */
	size_t budget;		/* unpinned open slots beyond it are closed */
	size_t nopen;		/* open slots (not fixed ones) */
	uint64_t reopened, closed;	/* for --stats -vv and tests */
	struct dslot lru;	/* list head: most recently used first */
};

void dslot_init(struct dslot *s, struct dslot *up, const char *name);
void dslot_init_fixed(struct dslot *s, int fd);
void dslot_cache_init(struct dslot_cache *c, size_t budget);
void dslot_cache_destroy(struct dslot_cache *c);
/* S's fd, pinned (opened again if it was closed, with every closed slot
 * above it); -errno: never opened (EBADF), or not the directory it was
 * (ESTALE), or the open's error.  Thread-safe; the _locked forms are for
 * a caller holding the cache lock. */
int dslot_pin(struct dslot_cache *c, struct dslot *s);
void dslot_unpin(struct dslot_cache *c, struct dslot *s);
int dslot_pin_locked(struct dslot_cache *c, struct dslot *s);
void dslot_unpin_locked(struct dslot_cache *c, struct dslot *s);
/* Opens the directory NAME in PFD (O_NOFOLLOW unless FOLLOW, a source
 * slot's follow; out of fds, unpinned slots are closed and it is tried
 * again): an fd or -1 with errno. */
int dslot_open_name(struct dslot_cache *c, int pfd, const char *name,
    bool follow);
/* Makes FD (just opened by the caller) S's first fd, pinned once; a
 * followed slot's must be the directory it knows (else -ESTALE). */
int dslot_adopt(struct dslot_cache *c, struct dslot *s, int fd);
/* Closes S for good (at the end of its node). */
void dslot_close(struct dslot_cache *c, struct dslot *s);
/* The process is out of fds (EMFILE): closes every unpinned slot, for a
 * caller to try again.  Returns how many it closed (0: retrying is
 * useless). */
size_t dslot_relieve(struct dslot_cache *c);

struct ts_run {
	const struct ts_options *o;	/* == &opts */
	struct ts_options opts;		/* the caller's, adjusted (see ts_sync) */
	bool recurse;		/* -r as given: descend into directories */

	/* -R without --files-from: the operands as given (the run's one
	 * operand is then "/", and each of these a line of a list). */
	const char *const *rel_srcs;
	size_t nrel_srcs;
	/* --files-from, -R selecting one entry that DEST becomes: that entry
	 * as the run's one operand (malloc'ed; select_single_entry()). */
	const char *one_src[1];
	/* --files-from: the lists, one per "/./" prefix, in the order of
	 * their first line. */
	struct sel_list *sels;
	size_t nsels;
	struct plan plan;
	struct pool pool;
	struct dslot_cache slots;	/* every directory fd below the roots */
	bool slots_ready;	/* slots initialised */
	/* The directories holding the entry operands (the plan's fds): the
	 * sources their items are listed in. */
	struct dsrc *opdirs;
	struct copy_ctx copy;
	struct report *rep;	/* every byte the run prints */
	struct filter_list *filters;	/* the options' rules, or NULL */
	struct chmod_rule *chmod;	/* --chmod, or NULL */
	bool am_root;
	mode_t umask;
	unsigned need;		/* enum walk_need for statx masks */
	unsigned xa_which;	/* -X/-A: enum xattr_which, or 0 */
	unsigned xa_src;	/* the same for reading the source side */
	struct nameconv *names;	/* --iconv (nameconv.c), or NULL */
	struct filter_layer *xa_names;	/* xattr-name rules (filter 'x'),
					 * or NULL (select.c) */
	struct idmap *usermap;	/* --usermap, --groupmap (select.c) */
	struct idmap *groupmap;
	bool fake_super;	/* --fake-super: DEST entries' user.rsync.%stat
				 * is their metadata (fakesuper.c) */

	/* Counters, updated by every worker. */
	_Atomic uint64_t files[TY_N], created[TY_N], deleted[TY_N];
	_Atomic uint64_t reg_transferred, total_size, transferred_size;
	_Atomic uint64_t method_bytes[TS_METHOD_COUNT];
	_Atomic uint64_t method_files[TS_METHOD_COUNT];
	_Atomic uint64_t errors, vanished, stale_temps;
	_Atomic uint64_t reflinked, verified, retries;
	/* For --progress. */
	_Atomic uint64_t entries_done, bytes_todo;
	_Atomic uint64_t dst_entries;	/* destination entries listed */
	uint64_t delete_skipped;	/* --max-delete withheld these */

	atomic_bool src_error;	/* a source listing or read failed */
	atomic_bool other_error;	/* any other item failed */
	atomic_bool partial;	/* exit 23 */
	atomic_bool fatal;	/* exit 11: destination cannot take more */
	atomic_bool read_only;	/* EROFS: the run stopped (exit 23) */
	bool timed_out;		/* --timeout fired (exit 30) */
	bool abandoned;		/* workers stuck in calls that never return
				 * were left behind: the run is not freed */
	bool refuse_delete;	/* empty source root, non-empty destination */
	bool bad_rules;		/* a malformed per-directory rule: exit 1 */

	pthread_mutex_t del_lock;
	struct del_group *groups;	/* guarded by del_lock */
	/* -m: one directory chain is made at a time (emptydir.c); taken
	 * before the slot cache's, report's and del_lock. */
	pthread_mutex_t keep_lock;

	/* Items whose destination entry is of another type, handled after
	 * the walk (gate.c). */
	pthread_mutex_t defer_lock;
	struct defer *deferred;	/* guarded by defer_lock */
	size_t ndeferred;	/* guarded by defer_lock */
	bool after_walk;	/* the removal plan is decided */
	atomic_int cancel_sig;	/* ts_run_cancel(): the signal, -1 without
				 * one, 0 while the run goes on */
	bool replace_ok;	/* the gate may clear the way */
	uint64_t dst_dev;	/* the destination root's device (-x) */
	struct made_set made;	/* DEST inside a source: what not to walk */

	/* -H: source (dev, ino) -> the first link's destination.  Lock
	 * order: hl_lock is never held while another lock is taken. */
	pthread_mutex_t hl_lock;
	struct hl_entry **hl;	/* HL_BUCKETS chains, guarded by hl_lock */
	/* treesync-mpi (any number of ranks): the links held for the
	 * exchange after the walk, then the first links of other ranks
	 * (dtask_hlink.c), or NULL; for TREESYNC_MPI_STATS, the links held
	 * and the first links made whose group had links on other ranks. */
	struct dtask_hl *hlr;
	_Atomic uint64_t hl_held, hl_spanning;
	/* treesync-mpi (dtask.c): directory tasks and batches of files of
	 * other ranks run here, chunks of their big files copied here (for
	 * TREESYNC_MPI_STATS); this rank's big files waiting for their
	 * chunks (at most half its workers, dtask_chunk.c). */
	_Atomic uint64_t mpi_stolen_dirs, mpi_stolen_batches, mpi_chunks_run,
	    mpi_split_batches;
	_Atomic unsigned mpi_splits_active;
	/* treesync-mpi, several ranks: the batches of files running here,
	 * whose files not started yet another rank may take
	 * (ftask_split()); a leaf lock. */
	pthread_mutex_t batch_lock;
	struct fbatch *batches;	/* guarded by batch_lock */
	struct copy_remote mpi_remote;	/* the copier's hooks for them */

	/* treesync-mpi: the run is one rank's part of a run over several
	 * (run_set_exec()), or NULL; once the walk is over, how many
	 * directories with extraneous entries and deferred items all ranks
	 * hold (the deletion messages are said once, by rank 0). */
	const struct run_exec *exec;
	uint64_t exec_groups, exec_deferred;
	/* treesync-mpi, --progress: on rank 0, the counts of every rank as
	 * it last sent them (DTP_N a rank; dtask_progress_in()), added to
	 * the live line and --info=progress2 once prog_combine is set; on
	 * the others, when they last sent theirs (ms). */
	_Atomic uint64_t *rank_prog;
	atomic_bool prog_combine;
	_Atomic uint64_t prog_sent_ms;
};

/*
 * One source directory of a node.  A destination directory merges the
 * same-named directories of several operands (rsync: the first operand
 * wins per name, directories merge); most nodes have one.
 */
struct dsrc {
	struct dslot slot;	/* the directory (the root's: the plan's) */
	struct dsrc *up;	/* the source directory it is in (NULL: a
				 * root source or an operand's directory) */
	bool owned;		/* a root source's fd opened for it (closed at
				 * the end), not the plan's */
	size_t rank;		/* operand order: the first one wins a name */
	const struct sel_list *list;	/* --files-from, or NULL */
	enum sel sel;		/* how much of it is selected */
	char *name;		/* in UP */
	/* Path for messages: a root source's always; any other's only while
	 * its node is entered (built from the names above it, so that a
	 * deep tree does not hold every path at once). */
	char *disp;
	bool pinned;		/* its slot is pinned by the node's entry */
	uint64_t dev_limit;	/* -x: its operand's device */
	struct filter_layer *parent_layer;	/* rules above it (a reference) */
	struct filter_layer *layer;	/* rules for its entries (a reference) */
	/* The directories on its way (bit: their depth below the transfer
	 * root, mod 64) whose per-directory rule files could not be read
	 * (said once, where read: a thief re-reading them knows). */
	uint64_t rules_err;
};

/* -y, during a directory's join: its DEST listing, which entries the
 * run rewrites (once a new file looked for a basis), and the DEST index
 * of the item being decided (-1: none). */
struct fuzzy {
	const struct dirlist *dl;
	const struct scan_lists *sc;	/* the source listings */
	bool gone_early;	/* rsync would have deleted the extraneous
				 * entries before deciding the files */
	unsigned char *sent;
	long dst_index;
};

/* One directory pair being synchronised. */
struct dnode {
	struct pool_task task;	/* the scan */
	struct ts_run *run;
	struct dnode *parent;
	atomic_int pending;	/* 1 for the scan + 1 per unfinished child */
	/* --link-dest/--copy-dest/--compare-dest: the same directory below
	 * each alternate directory (plan.nalt slots, opened by its scan;
	 * one never opened is absent there), or NULL (altdest.c). */
	struct dslot *alt;
	struct dslot dslot;	/* the destination directory; its fd is
				 * dslot.fd while the node is entered (-1:
				 * absent) */
	/* dnode_enter(): guarded by the slot cache's lock. */
	unsigned views;		/* tasks that entered it */
	bool entering;		/* one of them is opening its slots */
	bool pinned_dst;	/* dslot is pinned by the entry */
	int enter_err;		/* -errno: its directories cannot be opened
				 * again */
	struct dsrc *srcs;	/* srcs[0] gives the attributes */
	size_t nsrcs;
	char *name;		/* name in the parent's directory */
	/* Below the destination root ("" = root): while the node is entered
	 * (built from the names above, like dsrc.disp), else NULL. */
	char *rel;
	struct ts_entry src;	/* the source directory, as scanned */
	struct ts_entry dst;	/* the destination directory before */
	bool has_dst;
	bool create;		/* mkdir it */
	bool fresh;		/* made empty by this run's mkdir: its
				 * listing is not read (a request per
				 * directory, two on a network file system) */
	bool via_link;		/* -K: DEST's entry is a symlink to a
				 * directory, opened beneath the root (DST is
				 * that directory's); attributes go to the
				 * link, as rsync sets them */
	bool no_descend;	/* -x, -d: do not read its contents */
	bool blocked;		/* a non-directory is in the way and stays
				 * (--ignore-existing): its entries fail */
	bool is_root;
	bool has_pdir;		/* DEST's directory holds a relative
				 * --partial-dir (partial.c) */
	bool skip_contents;	/* the root: "dir/" operands without -r */
	bool apply_meta;	/* set attributes when all children are done */
	bool attrs_differ;
	uint32_t iflags;	/* its itemize flags, reported by its scan */
	atomic_bool touched;	/* an entry was created, replaced or removed */
	bool made_writable;	/* u+w added for the run (a plain user's
				 * read-only directory), mode_before restored */
	mode_t mode_before;
	struct meta_target meta;
	mode_t dflt;		/* without -p: what new entries in it may have
				 * (xattr_default_perms), set by its scan */
	struct pending *later;	/* during its scan, used by that thread only */
	struct fuzzy *fuzzy;	/* -y: the same, for fuzzy.c */
	/* -m (emptydir.c): KEPT once the directory is made (or, when it
	 * exists, reported and opened for writing) because something not a
	 * directory goes below it; never for a directory that stays empty.
	 * Set under run->del_lock, read without it.  KEEP_FAILED: it could
	 * not be made (reported).  HELD: the extraneous entries found in it
	 * meanwhile, guarded by run->del_lock. */
	atomic_bool kept;
	bool keep_failed;
	bool keep_self;		/* a receiver-side rule protects it: kept
				 * by its scan, even empty */
	bool del_ok;		/* its extraneous entries were looked for */
	uint32_t way_mode;	/* srcitem.in_way */
	bool unsent;		/* srcitem.unsent: neither reported nor given
				 * the source's attributes */
	struct del_group *held;
	/* treesync-mpi (dtask.c): a node standing for a directory that
	 * another rank owns, the parent of a task stolen from there.  Its
	 * name is that directory's whole path below the destination root.
	 * ON_FINISH is called by its last reference, before it is freed
	 * (also set on a stolen directory: -m's outcome for its DONE). */
	void (*on_finish)(struct dnode *d);
	void *ext;
};

/* The winning source's fd and display path (-1 and "" without one). */
static inline int dnode_sfd(const struct dnode *d)
{
	return d->nsrcs ? d->srcs[0].slot.fd : -1;
}

static inline const char *dnode_src_disp(const struct dnode *d)
{
	return d->nsrcs ? d->srcs[0].disp : "";
}

/* The rules for the entries of D (the winning source's), or NULL. */
static inline struct filter_layer *dnode_layer(const struct dnode *d)
{
	return d->nsrcs ? d->srcs[0].layer : NULL;
}

/* One regular file to compare by content and/or copy. */
struct ftask {
	struct pool_task task;
	struct dnode *dir;
	struct dsrc *from;	/* the source directory (dir's, or an
				 * operand's directory) */
	struct ts_entry src, dst;
	bool has_dst;
	bool need_checksum;
	bool follow;		/* src_name is a symlink to the file (-L) */
	struct hl_entry *hl;	/* -H: this file is the master of a group */
	int basis;		/* --copy-dest...: copied from this alternate
				 * directory's file of its name; -1 source */
	struct ftask *batch_next;	/* the rest of its batch, or NULL */
	uint32_t iflags;
	const char *src_name;	/* in the same allocation */
	const char *disp_name;	/* the name printed */
	char name[];		/* the name in the destination */
};

/* Tasks a scan creates, submitted when the scan is done: the directory's
 * inline work then happens before any of its children run (rsync's order,
 * and deterministic where destination entries share an inode). */
struct pending {
	struct pool_task *dirs, *files;	/* linked through task.next */
};

/* A source item of a directory listing, wherever it comes from. */
struct srcitem {
	const struct ts_entry *ent;
	struct dsrc *from;	/* the source directory it is listed in */
	int sfd;		/* from's fd, while its node is entered */
	const char *src_name;	/* name in sfd */
	const char *name;	/* name in the destination directory */
	const char *disp_name;	/* name printed (the source's) */
	const char *src_disp;	/* from's disp, while its node is entered */
	uint64_t dev_limit;
	uint64_t order;		/* operand rank << 32 | position: duplicates */
	const struct sel_list *list;	/* its source's --files-from list */
	enum sel sel;		/* how much of its directory is selected */
	enum sel child_sel;	/* a directory: how much below it is selected */
	struct filter_layer *layer;	/* the rules it is checked against */
	bool child_stop;	/* a directory: create it, do not descend */
	bool follow;		/* ENT is what the symlink SRC_NAME points to
				 * (-L, --copy-unsafe-links, -k) */
	bool implied;		/* followed only as a directory -R implies:
				 * listed too, it is still not sent whole */
	bool too_deep;		/* followed: more symlinks on its path than
				 * one path may have (made, not read) */
	bool unsent;		/* --no-implied-dirs: a directory only on the
				 * way to a listed path (not sent) */
	uint32_t in_way;	/* -m, a directory after the walk: the mode of
				 * the non-directory in its way, removed only
				 * if the directory is kept (0: none) */
	/* A directory: the same-named directories of later operands, merged
	 * into it (borrowed for the duration of the call). */
	const struct srcitem *const *merge;
	size_t nmerge;
	/* A symlink kept as one: its target as item_source_link() read it
	 * to decide (--copy-unsafe-links), borrowed from the scan lists
	 * (valid until their next name); NULL: read when needed.  A copy of
	 * the item (gate.c) does not keep it. */
	const char *link_target;
	/* Made after the walk where the gate removed a directory: that
	 * directory's entry, for a -H link's -i flags (rsync compares the
	 * link with what was at its name); NULL otherwise.  Borrowed. */
	const struct ts_entry *gone;
};

/*
 * What to do with one entry, decided and not yet done (item.c decides,
 * action.c does).  Every pointer is borrowed for the call.
 */
struct action {
	enum cmp_action what;	/* compare's verdict */
	uint32_t iflags;	/* rsync's itemize flags for it */
	const struct srcitem *it;	/* the source entry and where it is */
	const struct ts_entry *dst;	/* the destination entry, or NULL */
	const char *target;	/* a symlink's target, or NULL */
	const struct xattr_set *xattrs;	/* the source's (-X/-A), or NULL */
	struct hl_entry *hl;	/* -H: the group it is the first link of */
	bool checksum;		/* -c: the contents decide (a file task) */
	bool via_link;		/* -K: DST is what DEST's symlink points to */
};

static inline int type_index(uint32_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG:
		return TY_REG;
	case S_IFDIR:
		return TY_DIR;
	case S_IFLNK:
		return TY_LINK;
	case S_IFCHR:
	case S_IFBLK:
		return TY_DEV;
	default:
		return TY_SPECIAL;
	}
}

static inline void add(_Atomic uint64_t *c, uint64_t v)
{
	atomic_fetch_add_explicit(c, v, memory_order_relaxed);
}

/*
 * treesync-mpi: how one rank's run takes part in a run over several
 * ranks (src/mpi/tsm_exec.c; docs/mpi.md).  ts_run_exec() then runs the
 * walk's tasks through POOL (directory tasks may move between ranks:
 * dtask.c), seeds the root on rank 0 only, waits with WALK, combines the
 * outcome of every rank before deciding deletion and the exit code, and
 * lets rank 0 alone print the summary.
 */
struct run_exec {
	void *arg;
	int rank, nranks;
	const struct pool_ext *pool;	/* the walk's executor */
	/* Starts POOL with JOBS threads on this rank (collective, main
	 * thread, after the ranks agreed on the operands).  0 or -errno. */
	int (*start)(void *arg, int jobs);
	/* A dtask message to RANK, run there by dtask_exec(); from a
	 * worker.  0 or -errno. */
	int (*send)(void *arg, int rank, const void *buf, size_t len);
	/* Runs every task of every rank to the end (main thread). */
	void (*walk)(void *arg);
	/* In place, the same on every rank: V[0..NOR) ORed, the next NSUM
	 * summed, the next NMAX the largest.  Main thread. */
	void (*combine)(void *arg, uint64_t *v, size_t nor, size_t nsum,
	    size_t nmax);
	/* After the deletion pass and the deferred items (which may
	 * finish directories whose parents are on other ranks): delivers
	 * the messages sent since the walk ended, until no rank has any
	 * left.  Collective, main thread. */
	void (*settle)(void *arg);
	/* BUFS[r] (r < nranks) to rank r; on return BUFS[r] holds what
	 * rank r sent to this one.  Collective, main thread.  0 or -errno
	 * (the same on every rank). */
	int (*exchange)(void *arg, struct dtask_buf *bufs);
	/* Rank 0's B (its N bytes) to every rank: on the others B is
	 * replaced by it.  Collective, main thread.  0 or -errno (the same
	 * on every rank). */
	int (*bcast)(void *arg, struct dtask_buf *b);
	/* Every rank's held output to rank 0, which prints it (main
	 * thread, before the summary). */
	void (*gather)(void *arg);
	/* The dry run's lines of this rank, sorted, one by one (main
	 * thread, before gather): rank 0 merges every rank's into the one
	 * order a single process prints.  NULL: written as usual. */
	void (*held)(void *arg, const char *key, const char *text);
	/* --progress or --info=progress2: the ranks other than 0 send their
	 * counts to rank 0 (dtask_progress_send()), which shows the run's. */
	bool counters;
};
void run_set_exec(struct ts_run *run, const struct run_exec *x);

/* run_ranks.c, each collective (every rank calls it at the same point).
 * Before the walk: rank 0's run_prepare(), then the others', the ranks
 * agreeing on the outcome, on the trees and on what cannot be spread yet
 * (CODE: this rank's so far); 0 or an exit code.  After the walk: the
 * engine's own JOBS threads take over and every rank learns the error
 * flags of all.  After the deletion pass: --delay-updates's staged files
 * of every rank put in place, or none if any rank was cancelled.  At the
 * end: statistics summed into *ST (times: the longest), CODE combined
 * with exit_code()'s precedence; the same on every rank. */
int run_exec_prepare(struct ts_run *run, int code, int *lock_fd);
void run_exec_after_walk(struct ts_run *run, int jobs);
void run_exec_delay_finish(struct ts_run *run);
int run_exec_combine_end(struct ts_run *run, struct ts_stats *st, int code);

/* run.c: everything before the walk (the lock, --files-from, the
 * operands, --partial-dir); 0 or an exit code. */
int run_prepare(struct ts_run *run, int *lock_fd);
/* run.c: starts JOBS workers of this process with SIGPIPE and SIGXFSZ
 * blocked in them (the file's error, not the host's end), the helpers of
 * copy_split.c too; 0 or -errno. */
int run_start_pool(struct ts_run *run, int jobs);

/* run.c: this rank's --progress counts into *P (none of other ranks).
 * Thread-safe. */
struct report_progress;
void run_progress_local(const struct ts_run *run, struct report_progress *p);

/* run.c: true once ts_run_cancel() was called.  Thread-safe. */
bool run_cancelled(const struct ts_run *run);
/* Waits for the pool's tasks like pool_wait(), watching for --timeout and
 * for a cancel that stuck workers cannot obey.  False when the run had to
 * be abandoned (run->abandoned). */
bool run_wait(struct ts_run *run);

/*
 * --timeout and --stop-at/--stop-after, looked at every 0.1 s or so while
 * the walk goes (run_wait(); treesync-mpi's watchdog, whose rank may be
 * idle without being stuck: IDLE_IS_PROGRESS, no worker in a task counts
 * as progress).  A step says the message, cancels the run and returns
 * true when the time is up.
 */
struct run_watch {
	uint64_t seen;		/* the progress count of the last look */
	double moved_at;	/* when it last moved */
	bool idle_is_progress;
};
void run_watch_start(struct ts_run *run, struct run_watch *w,
    bool idle_is_progress);
bool run_watch_step(struct ts_run *run, struct run_watch *w, double now);

/* A per-item failure: counted, reported by the caller, exit 23. */
void run_item_failed(struct ts_run *run);
/* A source could not be read completely: no deletion (--ignore-errors:
 * none where the listing failed). */
void run_source_failed(struct ts_run *run);
/* EROFS from the destination: stop starting work, exit 23 (rsync's). */
void run_read_only(struct ts_run *run);
/* DEST/REL as the user would type it, for messages (malloc'ed). */
char *run_dest_path(const struct ts_run *run, const char *rel);
/* Reports ERR for WHAT on the destination path REL. */
void run_report_dest(struct ts_run *run, int err, const char *what,
    const char *rel);

/* dnode.c: directory nodes, post-order metadata. */
struct dnode *dnode_new(struct ts_run *run, struct dnode *parent);
/* D's path below the destination root, built from the names above it
 * (malloc'ed; "" for the root). */
char *dnode_path(const struct dnode *d);
void dnode_release(struct dnode *d);
/*
 * A task that works in D enters it first and leaves it when done: the
 * node's directories are then open (pinned; opened again if the budget
 * had closed them) and its paths (rel, each source's disp) are built.
 * 0, or -errno when a directory cannot be opened again (reported here,
 * once per node; the caller still leaves).  Thread-safe.
 */
int dnode_enter(struct dnode *d);
void dnode_leave(struct dnode *d);
/*
 * A plain user cannot create or remove entries in its own directory of
 * mode 0555 (an rsync -a copy of a read-only tree makes such directories):
 * as rsync, D's destination directory (open) gets u+w for the run, and
 * its mode is put back when D is finished.  Root, dry runs, directories
 * we do not own: nothing.
 */
void dnode_make_writable(struct dnode *d);
/* The item ITEM's srcitem fields that hold while FROM's node is entered
 * (sfd, src_disp), set again after an enter. */
void dnode_src_fields(struct srcitem *it);

/* gate.c: every removal of a destination entry (see gate.c). */
/* Defers item IT of D, whose destination entry DST is of another type,
 * until the walk is over.  Thread-safe. */
void gate_defer(struct dnode *d, const struct srcitem *it,
    const struct ts_entry *dst, const char *rel);
/* What the deferred items would remove, counted (after the walk). */
uint64_t gate_count_deferred(struct ts_run *run);
/* Clears the way for every deferred item (ALLOWED) and hands it back to
 * item_act(), or drops them all; waits until they are done. */
void gate_run_deferred(struct ts_run *run, bool allowed);
/* A type change met after the removal plan was decided: not made. */
/* Whether a directory waits to replace an entry at PATH (below DEST) or
 * above it.  Thread-safe. */
bool gate_defers_above(struct ts_run *run, const char *path);
void gate_unplanned(struct dnode *d, const struct srcitem *it,
    const char *rel);

/* made.c: when DEST lies inside a source, the directories this run made
 * (DEST too) are never walked as source entries.  Thread-safe. */
void made_init(struct ts_run *run);
void made_free(struct ts_run *run);
void made_add_fd(struct ts_run *run, int fd);
bool made_has(struct ts_run *run, const struct ts_entry *e);

/* action.c: carrying out A for an entry of D; *REL caches its path. */
void action_run(struct dnode *d, const struct action *a, char **rel);

/* item.c: deciding one (source, destination) pair. */
void item_handle(struct dnode *d, const struct srcitem *it,
    const struct ts_entry *dst);
/* A deferred item, once the gate cleared its way: DST is NULL, or the
 * non-directory the new entry is renamed over. */
void item_act(struct dnode *d, const struct srcitem *it,
    const struct ts_entry *dst);
/* treesync-mpi, after the walk: IT is the first link of group LEADER
 * (made like any item; the group's other links follow it). */
void item_act_leader(struct dnode *d, const struct srcitem *it,
    const struct ts_entry *dst, struct hl_entry *leader);
void item_count_created(struct ts_run *run, uint32_t iflags, uint32_t mode);
/* The item's path below the destination root, made once into *REL. */
const char *item_rel(const struct dnode *d, const struct srcitem *it,
    char **rel);
/* A directory task for A's item (A->what: CMP_MKDIR, CMP_DIR or
 * CMP_BLOCKED). */
void item_submit_dir(struct dnode *d, const struct action *a);
/* item_submit_dir() in two steps: the node, set up but not queued, then
 * queued (with D's chunk, or at once after the walk). */
struct dnode *item_new_dir(struct dnode *d, const struct action *a);
void item_queue_dir(struct dnode *d, struct dnode *c);
/* fuzzy.c, -y: IT of D was decided WHAT (DST its DEST entry or NULL,
 * *REL its path, made on first use as item_rel() makes it): a new
 * file's basis is chosen as rsync chooses it and named at
 * --debug=FUZZY; a rewritten file is no basis for later ones.  On the
 * thread deciding D's entries; D has fuzzy state (join.c) only at
 * --debug=FUZZY, the one place the choice shows. */
void fuzzy_decided(struct dnode *d, const struct srcitem *it,
    const struct ts_entry *dst, enum cmp_action what, char **rel);
/* implied.c, --no-implied-dirs: the directory IT of D lies on the way to a
 * listed path and is not sent itself; DST is its DEST entry or NULL. */
void implied_act(struct dnode *d, const struct srcitem *it,
    const struct ts_entry *dst);
/* Makes the symlink or node IT over DST (a temp, then a rename); *MADE
 * (may be NULL) receives the new entry.  False if it failed (reported). */
bool item_make(struct dnode *d, const struct srcitem *it,
    const struct ts_entry *dst, uint32_t iflags, const char *target,
    const char *rel, struct ts_entry *made);
void item_apply_attrs(struct dnode *d, const char *name, const char *rel,
    const struct ts_entry *src, const struct ts_entry *dst,
    const struct xattr_set *xa);
/* -X/-A: compares the xattrs/ACLs of SRC_NAME in SFD and NAME in D into
 * IN's differs flags; *SXA receives the source's (for applying). */
void item_compare_xattrs(struct dnode *d, int sfd, const char *src_name,
    const char *name, struct cmp_in *in, struct xattr_set *sxa);
/* Makes IT as a new symlink or node of its own (over DST): -H when its
 * group's first link could not be made.  Thread-safe. */
void item_make_node(struct dnode *d, const struct srcitem *it,
    const struct ts_entry *dst);
/* The sending side's --fake-super, --chmod and --chown change what the
 * source entry NAME below DIRFD (its lstat in *EN) is said to be. */
void item_adjust_source(const struct ts_run *run, int dirfd,
    const char *name, struct ts_entry *en);
/* --fake-super: DEST's entry NAME below DIRFD is what its
 * user.rsync.%stat says.  Thread-safe. */
void item_fake_dest(const struct ts_run *run, int dirfd, const char *name,
    struct ts_entry *en);
/* At --info=symsafe (-v): FMT (one of ours, with one %s) said with
 * '"REL" -> "TARGET"' for its %s, as rsync says it.  Thread-safe. */
void item_say_unsafe(struct ts_run *run, const char *fmt, const char *rel,
    const char *target);
/* The target of the symlink NAME below FD (malloc'ed), or NULL with errno
 * set; FAKE (--fake-super on that side): a placeholder file's content,
 * a real symlink's own target.  SIZE as walk_readlink()'s.  Thread-safe. */
char *item_read_link(int fd, const char *name, bool fake, uint64_t size);
/* The target of IT's source symlink as the transfer takes it (malloc'ed;
 * --munge-links unmunged), or NULL with errno set.  Thread-safe. */
char *item_source_link(const struct ts_run *run, const struct srcitem *it);
/* tmpfile_make()'s MAKE for the symlink (to TARGET) or node SRC. */
struct item_node {
	const struct ts_entry *src;
	const char *target;
	bool fake;		/* --fake-super: a placeholder regular file */
};
int item_node_temp(int dirfd, const char *tmp, void *arg);

/* filetask.c: regular files to compare by content and/or copy. */
void ftask_submit(struct dnode *d, const struct srcitem *it,
    const struct ts_entry *dst, const struct cmp_out *out, bool checksum,
    struct hl_entry *hl, struct pending *later);
void ftask_submit_batches(struct ts_run *run, struct pool_task *t);
/* A new file IT of D copied from its match in the alternate directory J
 * (altdest.c), reported with OUT's flags. */
void ftask_submit_basis(struct dnode *d, const struct srcitem *it,
    const struct cmp_out *out, size_t j, struct hl_entry *hl,
    struct pending *later);
/* treesync-mpi (dtask.c): the first file of T when T is a file task or a
 * batch of them, else NULL; and F..batch_next made one task again. */
struct ftask *ftask_of(struct pool_task *t);
/* treesync-mpi: detaches the later half of the files not started yet of
 * the batch running here that has the most (at least 2) and was not
 * split in ROUND yet, and gives them to TAKE as a batch of their own
 * (its first, ftask_batch()'ed); they stay detached if TAKE returns true
 * (it then owns them as it owns any batch it is given), else go back,
 * and that batch is not split again.  False when no batch can give any.
 * Thread-safe (run->batch_lock). */
bool ftask_split(struct ts_run *run, uint64_t round,
    bool (*take)(struct ts_run *run, struct ftask *first, void *arg),
    void *arg);
/* A file task with its names and every field at its default (no
 * directory, source or entries yet). */
struct ftask *ftask_alloc(const char *name, const char *src_name,
    const char *disp_name);
void ftask_batch(struct ftask *first);

/* srcremove.c: --remove-source-files: the source SRC_NAME of FROM (its
 * node entered), listed as LISTED, removed now that DEST holds it (REL),
 * if it is unchanged; with -H, one with other links after the walk
 * (srcremove_flush(), from prune_run()).  Thread-safe. */
struct srcremove *srcremove_new(const struct ts_options *o);
void srcremove_free(struct srcremove *s);
void srcremove(struct ts_run *run, const struct dsrc *from,
    const char *src_name, const struct ts_entry *listed, const char *rel);
void srcremove_flush(struct ts_run *run);
/* --delay-updates: the source of a file staged (not yet at its final
 * name) kept for srcremove_held(), which removes it (if unchanged) once
 * the file was renamed into place; NULL when nothing is to be removed
 * (or it cannot be kept: said, and the item failed).  The run's
 * srcremove owns it.  Thread-safe. */
struct srm_later *srcremove_hold(struct ts_run *run,
    const struct dsrc *from, const char *src_name,
    const struct ts_entry *listed, const char *rel);
void srcremove_held(struct ts_run *run, const struct srm_later *l);

/* hardlink.c: -H. */
struct hl_entry *hl_get(struct ts_run *run, const struct ts_entry *src,
    const char *rel, bool *master);
void hl_follow(struct dnode *d, struct hl_entry *h, const struct srcitem *it,
    const struct ts_entry *dst);
void hl_master_done(struct ts_run *run, struct hl_entry *h, bool ok,
    uint64_t dst_dev, uint64_t dst_ino);
void hl_free(struct ts_run *run);
/* NAME in DFD made a hard link to FROM_NAME in FROM_FD (never followed),
 * under a temp name renamed into place: 0 or -errno. */
int hl_make(struct ts_run *run, int dfd, const char *name, int from_fd,
    const char *from_name);

/* select.c: filter rules and --files-from. */
struct protect_arg {
	const struct ts_run *run;
	const struct filter_layer *layer;
};
/* The --filter and --chmod options into run->filters and run->chmod;
 * 0 or an exit code (reported).  select_free_rules() frees them. */
int select_build_rules(struct ts_run *run);
void select_free_rules(struct ts_run *run);
bool select_pushed(struct ts_run *run, int r, char *err);
bool select_push_layer(struct dnode *d, struct dsrc *s);
bool select_push_at(struct ts_run *run, const struct filter_layer *parent,
    const char *rel, int dirfd, const char *disp, bool quiet,
    bool *file_err, struct filter_layer **out);
/* The bit of dsrc.rules_err for the directory at REL (its components,
 * mod 64).  Pure. */
uint64_t select_depth_bit(const char *rel);
bool select_filtered_out(const struct srcitem *it, const char *rel);
bool select_protect_inside(void *arg, const char *relpath, bool is_dir);
/* --delete-missing-args: whether the receiver's global rules (or -b,
 * --partial-dir) keep REL, the DEST entry of a missing argument, from
 * deletion (rsync's generator asks its rules first).  Thread-safe. */
bool select_gone_kept(const struct ts_run *run, const char *rel, bool is_dir);
bool select_protected_dest(struct dnode *d, const struct ts_entry *en);
bool select_item(struct dnode *d, struct srcitem *it);
/* -R, --files-from: true when IT, at REL, is not selected whole and lies
 * on the way to a listed path that is sent (a directory the list implies,
 * listed itself or not; a missing path implies none).  Looks the listed
 * paths below IT up in its source directory (IT->sfd), once each.
 * Thread-safe. */
bool select_implied_dir(const struct ts_run *run, const struct srcitem *it,
    const char *rel);
/* --files-from: reads the list and builds run->sels.  0, or an exit code
 * (reported). */
int select_load(struct ts_run *run);
void select_free(struct ts_run *run);
/* The root's selection for list L: every entry, its entries one level, or
 * listed paths only. */
enum sel select_root_sel(const struct ts_run *run, const struct sel_list *l);
/* Reports the listed paths that were never met (exit 23, no delete),
 * but those below a directory that replaces another entry after the walk
 * (met then: a second call says them): LATER's bits (select_seen_bits()),
 * or, when NULL, those below this run's deferred items.  A missing one
 * (ENOENT) is quiet with --ignore-missing-args; with
 * --delete-missing-args it is marked gone instead, before the removal
 * plan is decided (prune.c deletes its DEST entry through the gate). */
void select_report_unlisted(struct ts_run *run, const uint64_t *later);
/* treesync-mpi: the listed paths, list by list, as bits (a rank's seen
 * flags, ORed over the ranks).  select_npaths(): how many.
 * select_seen_bits(): sets in SEEN the bits of the paths this rank met
 * and in LATER (when not NULL) those of the paths not met that lie below
 * one of its deferred items.  select_seen_merge(): marks met the paths
 * whose bit SEEN has.  Thread-safe against the walk's marks. */
size_t select_npaths(const struct ts_run *run);
void select_seen_bits(struct ts_run *run, uint64_t *seen, uint64_t *later);
void select_seen_merge(struct ts_run *run, const uint64_t *seen);
/* --files-from: true when no listed path exists in the source (nothing
 * would be sent; DEST is then not made, as rsync).  Thread-safe. */
bool select_sends_nothing(struct ts_run *run);
/*
 * --files-from, -R: the one entry a list selects, as an operand (a
 * malloc'ed path), when rsync's file list would hold that entry alone and
 * DEST then becomes it: the one listed name that exists (the others
 * missing), with no directory on its way, not a directory, into a DEST
 * named without a trailing slash that is missing or not a directory.
 * That entry is then marked met.  Otherwise NULL.  Not thread-safe.
 */
char *select_single_entry(struct ts_run *run);
/* --delete-missing-args: whether some listed path is marked gone
 * (select_report_unlisted()), to be deleted from DEST.  Pure. */
bool select_has_gone(const struct ts_run *run);
bool select_list_sends_root(const struct sel_list *l);

/* scan.c: one directory pair: both sides opened and listed. */
/*
 * The source side of a node, read one name at a time (scan_next()): the
 * listings of its sources, each sorted, merged as they are read, so that
 * no array of items the size of the directory is ever made.
 */
struct scan_lists {
	struct dirlist *lists;	/* one per source of the node */
	size_t nlists;
	size_t *pos;		/* the next entry of each */
	struct srcitem *extra;	/* the root's named operands, sorted */
	size_t nextra, xpos;
	bool complete;		/* every source was listed whole */
	/* The current name: its items in operand order, and their entries
	 * (decoded); valid until the next scan_next(). */
	struct srcitem *items;
	struct ts_entry *ents;
	size_t n;
	char **targets;		/* the items' link_target (owned), or NULL */
};
/* Lists every source of D (entering its filter rules) into *SC, with
 * EXTRA items (the root's named operands; copied, their layers
 * referenced) merged in. */
void scan_collect(struct dnode *d, const struct srcitem *extra,
    size_t nextra, struct scan_lists *sc);
/* The current name's items in SC->items[0..n) (in operand order): those
 * read already (SC->n > 0), or the next name's, once the last one's
 * decider set SC->n to 0.  False when every name was read. */
/*
 * -L, --copy-unsafe-links, -k: when the options say so, the symlink E
 * (IT's entry, in IT->from, at REL below the top of the transfer; REL is
 * only read with --copy-unsafe-links and a partly selected directory of
 * a --files-from/-R list) becomes what it points to, found once here: E
 * is overwritten and IT->follow set (IT->too_deep, reported, for a
 * directory behind more links than one path may have).  Returns 0, or
 * -errno when a link that must be followed cannot be (ENOENT: it has no
 * referent; ELOOP: a file too deep); nothing is reported then.  TARGET
 * (NULL: not wanted): a link kept as a link whose target was read to
 * decide gets it (malloc'ed, the caller's), else NULL.
 */
int scan_follow_link(struct ts_run *run, struct srcitem *it,
    struct ts_entry *e, const char *rel, char **target);
bool scan_peek(struct dnode *d, struct scan_lists *sc);
void scan_lists_free(struct scan_lists *sc);
/* ITEMS[0..N) share a name: moves the winner first, *MERGE receives the
 * directories merged into it (malloc'ed or NULL); returns their count. */
size_t scan_settle_duplicates(struct srcitem *items, size_t n,
    const struct srcitem ***merge);
void scan_task(struct pool_task *t, struct pool_worker *w);
void scan_submit_list(struct pool *p, struct pool_task *t);
bool scan_read_dest(struct dnode *d, struct dirlist *dl);
/* Without -p: D's default permissions and inherited setgid bit, read
 * from its open destination directory. */
void scan_inherit(struct dnode *d);

/* join.c: a node's source names against its destination listing. */
/* Decides each source item of SC against the destination listing DL,
 * finding extraneous names (FIND_EXTRANEOUS), in chunks: a directory of
 * a million names does not hold a million tasks.  Takes SC and DL over
 * (they are emptied); the last chunk may run later, on another worker,
 * holding a reference on D. */
void join_start(struct dnode *d, struct scan_lists *sc, struct dirlist *dl,
    bool find_extraneous);
/* The items of SC's current name: which operand wins (*MERGE receives
 * the directories merged into it, to be freed), and whether it is sent:
 * --files-from and the filter rules. */
enum join_take {
	TAKE_SEND,	/* decided like any item */
	TAKE_NONE,	/* not selected (--files-from): neither sent nor
			 * extraneous */
	TAKE_EXCLUDED,	/* excluded by a rule: not sent, and a destination
			 * entry of its name is judged like an extraneous one
			 * (protected unless --delete-excluded) */
};
enum join_take join_take(struct dnode *d, struct scan_lists *sc,
    const struct srcitem ***merge);

/* root.c: the operands. */
void root_scan(struct dnode *root);

/*
 * The filter layer for operand S itself, and the parent of its entries'
 * layer: rsync tests "src" against the global rules, anchored at the
 * directory holding it (or the "dir/" operand itself).  A reference (the
 * caller drops it), or NULL without filters.  Thread-safe.
 */
struct filter_layer *root_operand_layer(struct ts_run *run,
    const struct plan_src *s);
struct dnode *root_make(struct ts_run *run);

/* prune.c: the deletion pass. */
/* Records the extraneous entries EX[0..N) (indices in DL) of D. */
void prune_record(struct dnode *d, const struct dirlist *dl,
    const uint32_t *ex, size_t n);
/* --compare-dest: NAME of D (of type MODE), equal to its match, goes
 * after the walk like an extraneous entry, without a line (rsync). */
void prune_record_quiet(struct dnode *d, const char *name, uint32_t mode);
void prune_run(struct ts_run *run);
void prune_free(struct ts_run *run);
/* -m: D is kept: the groups held for it join the run's, and D->kept is
 * set (under del_lock).  Thread-safe. */
void prune_keep(struct dnode *d);
/* -m: D stays unmade: the groups held for it are dropped; with --delete
 * its existing directory is recorded as extraneous in its parent's.
 * Called by D's last reference.  Thread-safe. */
void prune_unkept(struct dnode *d);

/* emptydir.c: -m, --prune-empty-dirs. */
/* Whether D's scan leaves its directory unmade and unreported until
 * emptydir_need(). */
bool emptydir_defers(const struct dnode *d);
/* A directory item IT of D: D is kept if a receiver-side rule protects
 * it (then so is the new node C, by its scan). */
void emptydir_child(struct dnode *d, const struct srcitem *it,
    struct dnode *c);
/* Makes D and every unmade directory above it (top down), each reported
 * as its scan would have; D is entered.  False when D could not be made
 * (reported once).  Thread-safe. */
bool emptydir_need(struct dnode *d);
/* Whether D is in the transfer (always without -m).  When not, its
 * held groups are settled (prune_unkept()).  For dnode_finish(). */
bool emptydir_finish(struct dnode *d);
/* gate.c, -m: removes the non-directory in the way of D (way_mode),
 * now that D is kept (after the walk, the removal already counted).
 * 0 or -errno (reported).  D is entered. */
int gate_clear_for_kept(struct dnode *d);
/* prune.c: adds C's removals to the run's counters.  Thread-safe. */
struct del_counts;
void prune_count_deleted(struct ts_run *run, const struct del_counts *c);
/* prune.c, -m after the walk: deletes NAME (of type MODE) in D now, as
 * --delete would have, with its line.  Thread-safe. */
void prune_delete_now(struct dnode *d, const char *name, uint32_t mode);
/* scan.c: makes (or opens for writing) D's directory and reports it,
 * as its scan does without -m.  D is entered. */
bool scan_materialize(struct dnode *d);

/* lock.c: --lock.  lock_take() returns the locked fd or one of these. */
enum { LOCK_HELD = -1, LOCK_ERROR = -2, LOCK_SIGNAL = -3 };
int lock_take(struct ts_run *run);
int lock_exit_code(int r);

#endif /* TS_RUN_H */
