/*
 * treesync.h -- the public surface of the treesync engine.
 *
 * The engine mirrors one or more source trees onto a destination directory
 * with rsync's semantics.  The command line (src/cli.c) fills a struct
 * ts_options and calls ts_sync(); tests drive the engine the same way,
 * without the CLI.
 *
 *	struct ts_options o;
 *	struct ts_stats st;
 *	const char *srcs[] = { "data/" };
 *
 *	ts_options_init(&o);
 *	o.recursive = o.times = true;
 *	o.srcs = srcs;
 *	o.nsrcs = 1;
 *	o.dest = "mirror";
 *	int code = ts_sync(&o, &st);	// an enum ts_exit value
 */
#ifndef TREESYNC_TREESYNC_H
#define TREESYNC_TREESYNC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Exit codes: rsync's, so that scripts written for rsync keep working. */
enum ts_exit {
	TS_EXIT_OK = 0,
	TS_EXIT_SYNTAX = 1,	/* usage or option error */
	TS_EXIT_SELECT = 3,	/* errors selecting input/output files, dirs */
	TS_EXIT_UNSUPPORTED = 4,	/* requested action not supported */
	TS_EXIT_FILEIO = 11,	/* fatal destination I/O error (ENOSPC, EIO) */
	TS_EXIT_STREAM = 12,	/* --read-batch: a corrupt or truncated batch
				 * (rsync's protocol data stream error) */
	TS_EXIT_IPC = 14,	/* cannot start the workers (rsync: IPC) */
	TS_EXIT_SIGNAL = 20,	/* SIGINT, SIGTERM or SIGHUP */
	TS_EXIT_PARTIAL = 23,	/* some files could not be transferred */
	TS_EXIT_VANISHED = 24,	/* some source files vanished */
	TS_EXIT_DEL_LIMIT = 25,	/* --max-delete stopped deletions */
	TS_EXIT_REFUSED = 26,	/* a safety guard refused (empty source) */
	TS_EXIT_LOCKED = 27,	/* --lock: another run holds the lock */
	TS_EXIT_DIFFERENT = 28,	/* --check: the trees differ */
	TS_EXIT_TIMEOUT = 30,	/* --timeout: no I/O progress (rsync's) */
};

/* --copy-method: which syscall family moves file data. */
enum ts_copy_method {
	TS_COPY_AUTO = 0,	/* copy_file_range, then sendfile, then read/write */
	TS_COPY_CFR,
	TS_COPY_SENDFILE,
	TS_COPY_RW,
};

/* --reflink: whether shared extents are wanted. */
enum ts_reflink {
	TS_REFLINK_AUTO = 0,	/* whatever copy_file_range does */
	TS_REFLINK_ALWAYS,	/* FICLONE or fail */
	TS_REFLINK_NEVER,	/* no copy_file_range: it may reflink */
};

/* --super, --no-super, --fake-super: how privileged the receiving side
 * acts (rsync's am_root). */
enum ts_super {
	TS_SUPER_AUTO = 0,	/* as the process is: root or not */
	TS_SUPER_ON,		/* --super: try owners, devices, every xattr
				 * namespace even when not root */
	TS_SUPER_OFF,		/* --no-super: act as a plain user, even as
				 * root */
	TS_SUPER_FAKE,		/* --fake-super: owner, mode, devices and
				 * specials kept in the user.rsync.%stat xattr */
};

/* The methods that can move bytes, as counted in struct ts_stats. */
enum ts_method {
	TS_METHOD_CFR = 0,
	TS_METHOD_SENDFILE,
	TS_METHOD_RW,
	TS_METHOD_COUNT
};

/* --link-dest, --compare-dest, --copy-dest: what a match in an alternate
 * directory means (one kind per run, as in rsync). */
enum ts_alt_dest {
	TS_ALT_NONE = 0,
	TS_ALT_COMPARE,		/* a matching file is not copied */
	TS_ALT_COPY,		/* ... it is copied from there, locally */
	TS_ALT_LINK,		/* ... it is hard-linked to it */
};

#define TS_MAX_ALT_DEST 20	/* rsync's MAX_BASIS_DIRS */

/* Where --partial keeps an interrupted file when no --partial-dir is
 * given (rsync's --delay-updates directory; never the file's own name). */
#define TS_PARTIAL_DIR_DEFAULT ".~tmp~"

/*
 * rsync's --info flags, in rsync's order (rsync --info=help).  Each has a
 * level, 0 (silent) to 4; what the levels show is rsync's.
 */
enum ts_info {
	TS_INFO_BACKUP,		/* files backed up (treesync has no -b) */
	TS_INFO_COPY,		/* files copied locally (--copy-dest) */
	TS_INFO_DEL,		/* 1: "deleting X" */
	TS_INFO_FLIST,		/* 1: "sending incremental file list" */
	TS_INFO_MISC,		/* miscellaneous information */
	TS_INFO_MOUNT,		/* mount points found or skipped */
	TS_INFO_NAME,		/* 1: changed names, 2: unchanged ones too */
	TS_INFO_NONREG,		/* 1: "skipping non-regular file" */
	TS_INFO_PROGRESS,	/* 1: per-file progress, 2: the whole run's */
	TS_INFO_REMOVE,		/* files removed on the sending side */
	TS_INFO_SKIP,		/* 1: files skipped (-u, --existing ...), 2: why */
	TS_INFO_STATS,		/* 1: the "sent ... total size" trailer,
				 * 2: --stats, 3: and more */
	TS_INFO_SYMSAFE,	/* unsafe symlinks */
	TS_INFO_COUNT
};

/* rsync's --debug flags, in rsync's order (rsync --debug=help). */
enum ts_debug {
	TS_DEBUG_ACL, TS_DEBUG_BACKUP, TS_DEBUG_BIND, TS_DEBUG_CHDIR,
	TS_DEBUG_CONNECT, TS_DEBUG_CMD, TS_DEBUG_DEL, TS_DEBUG_DELTASUM,
	TS_DEBUG_DUP, TS_DEBUG_EXIT, TS_DEBUG_FILTER, TS_DEBUG_FLIST,
	TS_DEBUG_FUZZY, TS_DEBUG_GENR, TS_DEBUG_HASH, TS_DEBUG_HLINK,
	TS_DEBUG_ICONV, TS_DEBUG_IO, TS_DEBUG_NSTR, TS_DEBUG_OWN,
	TS_DEBUG_PROTO, TS_DEBUG_RECV, TS_DEBUG_SEND, TS_DEBUG_TIME,
	TS_DEBUG_COUNT
};

/* One filter option (rsync's), in command-line order: the order is the
 * meaning. */
enum ts_filter_kind {
	TS_FILTER_RULE,		/* --filter=RULE (rsync's syntax, merges too) */
	TS_FILTER_EXCLUDE,	/* --exclude=PATTERN */
	TS_FILTER_INCLUDE,	/* --include=PATTERN */
	TS_FILTER_EXCLUDE_FROM,	/* --exclude-from=FILE ("-": stdin) */
	TS_FILTER_INCLUDE_FROM,	/* --include-from=FILE */
	TS_FILTER_F,		/* -F (no argument; twice: -FF) */
};

struct ts_filter {
	enum ts_filter_kind kind;
	const char *arg;	/* the rule, pattern or file; NULL for -F */
	bool from0;		/* a *_FROM file is NUL-separated (-0 before) */
};

struct ts_options {
	/* What to transfer and preserve (rsync's -rlptgoD). */
	bool recursive;
	bool links;
	bool safe_links;	/* --safe-links: unsafe symlinks are left out */
	bool munge_links;	/* --munge-links: "/rsyncd-munged/" is taken
				 * off source symlink targets */
	bool copy_dirlinks;	/* -k: a source symlink to a directory is
				 * that directory */
	bool copy_links;	/* -L: a source symlink is what it points
				 * to (dangling: an error) */
	bool copy_unsafe_links;	/* --copy-unsafe-links: so is an unsafe
				 * one (util_unsafe_symlink()) */
	bool keep_dirlinks;	/* -K: a DEST symlink to a directory beneath
				 * DEST, where the source has a directory,
				 * is kept and written through */
	bool hard_links;	/* -H */
	bool perms;
	bool executability;	/* -E: without -p, an existing file's x bits
				 * follow the source's (rsync's rule) */
	bool times;
	int atimes;		/* -U count: access times of non-directories
				 * kept (seconds, as rsync) */
	bool omit_dir_times;	/* -O */
	bool omit_link_times;	/* -J */
	bool numeric_ids;	/* ids as numbers (a local copy maps names to
				 * the same ids, so this changes nothing) */
	long long chown_uid;	/* --chown: -1 keeps the source's */
	long long chown_gid;
	const char *usermap;	/* --usermap=FROM:TO,... (rsync's syntax), or
				 * NULL */
	const char *groupmap;	/* --groupmap, the same for groups */
	const char *const *chmod;	/* --chmod values, in order */
	size_t nchmod;
	uint64_t min_size;	/* --min-size: smaller files are skipped */
	uint64_t max_size;	/* --max-size: larger files are skipped */
	bool dirs;		/* -d: create directories, do not descend */
	const struct ts_filter *filters;	/* --exclude, --filter..., in order */
	size_t nfilters;
	bool cvs_exclude;	/* -C: rsync's CVS names, after every rule */
	bool delete_excluded;	/* excluded names may be deleted in DEST */
	const char *files_from;	/* --files-from: FILE ("-": stdin) */
	bool from0;		/* the list is NUL-separated */
	bool group;
	bool owner;
	bool xattrs;		/* -X */
	bool acls;		/* -A (implies -p) */
	bool devices;
	bool specials;
	bool copy_devices;	/* --copy-devices: a source device is a regular
				 * file of what it holds (rsync's) */
	bool write_devices;	/* --write-devices: a regular file is written
				 * into a DEST device node (implies --inplace) */
	enum ts_super super;	/* the receiving side (also -M--fake-super) */
	bool fake_super_src;	/* --fake-super on the sending side too:
				 * source metadata read from user.rsync.%stat */

	/* How to decide that a file needs a transfer. */
	bool checksum;		/* -c: XXH3-128 of both sides */
	bool size_only;
	bool ignore_times;	/* -I */
	int modify_window;	/* seconds; < 0 compares nanoseconds */
	bool update;		/* -u: skip files newer on the destination */
	bool ignore_existing;
	bool existing;		/* skip creating new destination entries */

	/* Deletion. */
	bool del;		/* --delete: after a clean walk only */
	bool delete_late;	/* --delete-delay, --delete-after: rsync would
				 * delete after the transfer (only -y's choice
				 * of a basis sees it) */
	bool force;		/* replace non-empty directories by non-dirs */
	bool ignore_errors;	/* delete even after source I/O errors */
	bool allow_empty_source;	/* --delete from an empty source root */
	long max_delete;	/* -1: no limit; all-or-nothing above it */

	/* Alternate destination directories (rsync's basis dirs), relative
	 * to DEST unless absolute, in the order given. */
	enum ts_alt_dest alt_dest;
	const char *const *alt_dirs;
	size_t nalt_dirs;

	/* Operands. */
	bool mkpath;		/* --mkpath: make DEST's missing parents */
	bool ignore_missing_args;	/* a missing source operand is no
					 * error: left out, silently */
	bool remove_source_files;	/* a synchronised source non-directory
					 * is removed (if unchanged) */
	bool delete_missing_args;	/* a missing source operand's name is
					 * deleted from DEST (after the walk) */
	bool relative;		/* -R: each operand's path (after a "/./"
				 * marker) is kept below DEST */
	int fuzzy;		/* -y count: the basis a delta transfer would
				 * use is chosen as rsync does and named at
				 * --debug=FUZZY (files are copied whole) */
	bool no_implied_dirs;	/* -R, --files-from: the directories on the
				 * way to a listed path are not sent: an
				 * existing one is used as it is (a symlink
				 * to a directory below DEST followed), a
				 * missing one made with default attributes */
	bool prune_empty_dirs;	/* -m: a directory with no non-directory
				 * below it (after filtering) is not made */

	/* -b: what is replaced or removed is kept aside first. */
	bool backup;
	const char *backup_dir;	/* --backup-dir (implies -b), or NULL */
	const char *backup_suffix;	/* --suffix, or NULL: rsync's default
					 * ("~", "" with --backup-dir) */
	bool max_delete_pct;	/* max_delete is a percentage of DEST */

	/* Where temps live, and what an interrupted copy leaves. */
	const char *iconv;	/* --iconv=LOCAL,REMOTE: names converted from
				 * the source's charset to DEST's (rsync's
				 * CONVERT_SPEC), or NULL */
	const char *temp_dir;	/* -T: temps made there (relative to DEST),
				 * or NULL: in each file's directory */
	bool partial;		/* --partial: an interrupted file is kept */
	const char *partial_dir;	/* --partial-dir (relative: in each
					 * directory), or NULL: with partial,
					 * TS_PARTIAL_DIR_DEFAULT */
	bool delay_updates;	/* --delay-updates: new files are renamed
				 * into place at the end of the run */

	int one_fs;		/* -x count: 1 stays on each file system, 2 also
				 * leaves mount points out */
	bool dry_run;		/* -n */
	bool insecure_links;	/* follow operator-path symlinks of any owner
				 * (default: only root's and the euid's) */
	const char *confine_root;	/* --confine-root: option paths must
					 * resolve below it (absolute; NULL or
					 * "/": none) */

	/* Output. */
	int verbose;		/* -v count */
	int itemize;		/* -i count */
	bool quiet;
	bool stats;
	int human;		/* -h count (K/M/G units); -1: --no-h, digits
				 * without separators */
	int progress;		/* 0 off, 1 on a terminal, 2 always */
	bool json;		/* summary document on stdout */
	bool json_items;	/* one JSON record per changed item */
	const char *log_file;	/* --log-file */
	bool check;		/* --check: compare only, exit 28 on a difference */

	int timeout;		/* --timeout seconds: a run whose I/O makes no
				 * progress that long ends (exit 30); 0 off */

	/* Running from cron. */
	const char *lock_file;	/* --lock: NULL none, "" the destination */
	int lock_wait;		/* --lock-wait seconds; 0 fails at once */

	/* Engine. */
	int jobs;		/* worker threads; 0 chooses (see ts_default_jobs) */
	enum ts_copy_method copy_method;
	enum ts_reflink reflink;
	bool fsync;		/* fsync files and touched directories */
	bool sparse;		/* -S: keep holes, make runs of zeros holes */
	bool inplace;		/* --inplace: write into the destination file
				 * (no temp; see inplace.c); --append sets it */
	int append;		/* 0; 1 --append; 2 --append-verify */
	bool no_whole_file;	/* --no-W: --inplace leaves the blocks that
				 * already hold the source's bytes unwritten */
	bool preallocate;	/* --preallocate: fallocate before writing */
	bool verify;		/* re-read each new file, compare XXH3-128 */

	/* Operands: the sources and the destination, as given. */
	const char *const *srcs;
	size_t nsrcs;
	const char *dest;

	/*
	 * rsync's output control.  The --info and --debug levels are read
	 * only when info_levels is set (the command line sets it, having
	 * applied -v, --stats and --progress as rsync does); a host that
	 * leaves it false gets what verbose, itemize, stats and progress
	 * imply, without rsync's header and "sent ... speedup" trailer.
	 */
	bool info_levels;
	signed char info[TS_INFO_COUNT];	/* by enum ts_info */
	signed char debug[TS_DEBUG_COUNT];	/* by enum ts_debug */
	const char *out_format;	/* --out-format (NULL: -i's "%i %n%L" or
				 * -v's "%n%L") */
	const char *log_format;	/* --log-file-format (NULL: "%i %n%L") */
	bool eight_bit;		/* -8: high-bit bytes of names printed raw */
	bool msgs2stderr;	/* --stderr=all: informational lines go to
				 * the stderr stream too */
	char outbuf;		/* --outbuf: 'N' or 'L' write each line at
				 * once; 'B' or 0 buffer standard output */
	time_t stop_at;		/* --stop-at/--stop-after: stop cleanly (exit
				 * 30) at this time; 0 never */
	uint64_t bwlimit;	/* --bwlimit: bytes a second the whole run's
				 * copies move at most; 0 no limit */
	bool list_only;		/* --list-only: list the sources as rsync
				 * does, copy nothing; DEST may be NULL */
	bool batch_only;	/* --only-write-batch: the dry run's trailer
				 * says "(BATCH ONLY)", as rsync's */
};

struct ts_stats {
	/* rsync's --stats fields. */
	uint64_t files;		/* every entry seen on the source side */
	uint64_t files_reg, files_dir, files_link, files_dev, files_special;
	uint64_t created;	/* entries created in the destination */
	uint64_t created_reg, created_dir, created_link, created_dev,
	    created_special;
	uint64_t deleted;	/* entries deleted from the destination */
	uint64_t deleted_reg, deleted_dir, deleted_link, deleted_dev,
	    deleted_special;
	uint64_t reg_transferred;	/* regular files whose data was copied */
	uint64_t total_size;	/* sum of source regular file sizes */
	uint64_t transferred_size;	/* sum of sizes of transferred files */

	/* treesync's own. */
	uint64_t method_bytes[TS_METHOD_COUNT];
	uint64_t method_files[TS_METHOD_COUNT];
	uint64_t reflinked;	/* files whose extents are shared (FIEMAP) */
	uint64_t verified;	/* files re-read and found identical */
	uint64_t retries;	/* copies restarted: the source changed */
	uint64_t errors;	/* per-item failures */
	uint64_t changes;	/* items reported changed (or to change) */
	uint64_t vanished;	/* source entries that disappeared */
	uint64_t stale_temps;	/* temp files of killed runs removed */
	uint64_t delete_skipped;	/* deletions withheld (--max-delete) */
	double walk_seconds;	/* scan + copy phase */
	double delete_seconds;
	double total_seconds;
	int jobs;		/* workers actually used */
};

/* Fills *o with rsync's defaults (nothing preserved, nothing recursive). */
void ts_options_init(struct ts_options *o);

/* --- what the run tells its host ----------------------------------------- */

/* Where a piece of output goes. */
enum ts_out {
	TS_OUT_STDOUT,		/* item lines, notes, --stats, --json */
	TS_OUT_STDERR,		/* errors and warnings */
	TS_OUT_PROGRESS,	/* the live progress line (redraws with '\r') */
};

/* Which side of the copy an error is about. */
enum ts_side {
	TS_SIDE_NONE,		/* an operand, an option file, the run itself */
	TS_SIDE_SRC,		/* the source: nothing is deleted after it */
	TS_SIDE_DST,		/* the destination */
};

/* One item the run changed -- or, in a dry run, would change. */
struct ts_item {
	const char *path;	/* below DEST, unescaped; "." is DEST itself */
	char itemize[12];	/* rsync's "YXcstpoguax", or "*deleting  " */
	uint32_t mode;		/* type and permission bits (the source's) */
	const char *target;	/* symlink target, the first link (-H), NULL */
	bool deleted;
	bool dry_run;
	uint64_t bytes;		/* data copied (0: none) */
};

/* One error, as a value. */
struct ts_error {
	enum ts_side side;
	int err;		/* errno, 0 for other failures */
	const char *what;	/* "cannot open", ...; NULL: see message */
	const char *path;	/* unescaped, or NULL */
	const char *message;	/* the line printed, escaped, without the
				 * "treesync: " prefix and the newline */
};

/*
 * The host's side of a run.  Every field may be NULL (or the whole struct
 * not given): output then goes to file descriptors 1 and 2 (progress to
 * 2, when it is a terminal), and no callback is made.  Callbacks are made
 * from the run's worker threads, one at a time, never concurrently.
 */
struct ts_host {
	void *arg;
	/* Whole lines (with their '\n'), or a progress redraw. */
	void (*write)(void *arg, enum ts_out out, const char *text,
	    size_t len);
	/* Whether OUT is seen on a terminal (the live progress line is only
	 * drawn there unless --progress=always). */
	bool (*is_terminal)(void *arg, enum ts_out out);
	void (*item)(void *arg, const struct ts_item *item);
	void (*error)(void *arg, const struct ts_error *error);
};

/*
 * One synchronisation, step by step, for a host that must be able to stop
 * it (a signal handler, a GUI's cancel button):
 *
 *	struct ts_run *run = ts_run_new(&o, NULL);	// cancel works now
 *	int code = ts_run_exec(run, &st);	// the whole run
 *	ts_run_free(run);
 *
 * The library installs no signal handler and changes no process-wide
 * state (signal dispositions, umask, resource limits): the host does what
 * it needs and maps its signals to ts_run_cancel().  Several runs may
 * follow one another in one process; each starts afresh.
 */
struct ts_run;

/* Prepares a run of O (copied; the strings and lists it points to must
 * outlive the run) for HOST (copied; NULL: the defaults).  Never NULL
 * (allocation failure aborts). */
struct ts_run *ts_run_new(const struct ts_options *o,
    const struct ts_host *host);

/*
 * Runs it.  Writes what the options ask for (itemize, verbose, --stats,
 * --json) and the errors through the host.  Returns an enum ts_exit value;
 * *stats (may be NULL) is filled in either way.  Call once per run.
 */
int ts_run_exec(struct ts_run *run, struct ts_stats *stats);

/*
 * Asks RUN to stop: no new work starts, copies in flight are abandoned and
 * their temps removed, nothing is deleted; ts_run_exec() returns
 * TS_EXIT_SIGNAL with one summary line.  SIG is the signal that asked (0:
 * none), for that line.  Async-signal-safe; NULL is ignored.
 */
void ts_run_cancel(struct ts_run *run, int sig);

/*
 * Removes every temp file RUN has in flight, now, and makes no more: for a
 * host that must exit at once (a second signal) and leave no debris.
 * Async-signal-safe; NULL is ignored.
 */
void ts_run_remove_temps(struct ts_run *run);

/* Frees RUN (NULL is fine); ts_run_exec() must have returned. */
void ts_run_free(struct ts_run *run);

/* ts_run_new(O, NULL), ts_run_exec(), ts_run_free() in one call. */
int ts_sync(const struct ts_options *o, struct ts_stats *stats);

/* The worker count used when ts_options.jobs is 0, for a given destination
 * (network file systems get more: latency, not CPU, is the limit). */
int ts_default_jobs(bool network_fs);

#endif /* TREESYNC_TREESYNC_H */
