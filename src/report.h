/*
 * report.h -- every byte treesync prints: itemize and verbose lines,
 * informational and error messages, --stats.  Serialised across workers;
 * changes no state but its own counters.
 *
 * Names are always printed escaped (util_escape_name), so a crafted file
 * name cannot forge a line or a terminal sequence.
 */
#ifndef TS_REPORT_H
#define TS_REPORT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

struct ts_options;
struct ts_stats;

/* Sets the options every later call formats for.  Not thread-safe: call
 * before the workers start. */
void report_init(const struct ts_options *o);

/* What a copied file's data went through, for --json-items. */
struct report_xfer {
	uint64_t bytes;
	const char *methods;	/* "copy_file_range 1234 bytes, reflinked" */
};

/*
 * Reports one changed item: its itemize line with -i, its name with -v
 * (when rsync would show it), a JSON record with --json-items, a log line
 * with --log-file; counts it as a difference for --check.  RELPATH is
 * relative to the transfer root ("." for the root itself); directories get
 * a trailing '/'.  TARGET is the symlink target or NULL; X is NULL unless
 * data was copied.  Thread-safe.
 */
void report_item(uint32_t iflags, uint32_t mode, const char *relpath,
    const char *target, const struct report_xfer *x);

/* Reports the deletion of RELPATH (a directory when IS_DIR).  Thread-safe. */
void report_delete(const char *relpath, bool is_dir);

/* Items and deletions reported so far (what --check counts). */
uint64_t report_changes(void);

/*
 * --log-file: opens PATH for appending, an operator path (oppath.c: OPTS
 * are enum oppath_opts; a symlink another user owns is refused, -EPERM).
 * Returns 0 or -errno.  Call after report_init, before workers start.
 */
int report_open_log(const char *path, unsigned opts);

/* Writes one timestamped line to the log (no-op without --log-file). */
void report_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Closes the log file. */
void report_close_log(void);

/* What the progress line shows, filled by the engine on request. */
struct report_progress {
	uint64_t files_seen, files_done;
	uint64_t bytes_todo, bytes_done;
};

/*
 * --progress: starts a thread that redraws one line on stderr a few times
 * a second from FN's snapshots, when stderr is a terminal (or ALWAYS).
 * report_progress_stop() erases the line and joins the thread.
 */
void report_progress_start(void (*fn)(struct report_progress *, void *),
    void *arg, bool always);
void report_progress_stop(void);

/* The file in flight, shown by the progress line (cheap when off). */
void report_set_current(const char *relpath);

/* --json: the summary document, on stdout.  EXIT is the run's code. */
void report_json_summary(const struct ts_stats *st, int exit_code);

/* An informational line on stdout unless -q ("skipping ..."). */
void report_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* "treesync: WHAT 'PATH': strerror(ERR)" on stderr (escaped, as every
 * error line). */
void report_errno(int err, const char *what, const char *path);

/* The same for DIR/NAME (DIR may be "" for the root). */
void report_errno_at(int err, const char *what, const char *dir,
    const char *name);

/* A warning that DIR/NAME vanished while being read. */
void report_vanished(const char *dir, const char *name);

/* An informational line with one path: FMT has exactly one %s, which
 * receives PATH escaped.  Nothing with -q.  Thread-safe. */
void report_note(const char *fmt, const char *path);

/* A free-form error message on stderr, prefixed "treesync: ". */
void report_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Flushes buffered item lines (sorted in dry-run mode). */
void report_flush(void);

/* Prints the --stats block. */
void report_stats(const struct ts_stats *st);

#endif /* TS_REPORT_H */
