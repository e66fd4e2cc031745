/*
 * report.h -- every byte a run prints: itemize and verbose lines,
 * informational and error messages, the log file, progress, --stats and
 * --json.  One struct report per run (report.c); nothing is global.
 *
 * Nothing is written to a file descriptor directly: whole lines go to the
 * host's sink (struct ts_host's write; by default fds 1 and 2), and each
 * item and error is also handed, as a value, to the host's item and error
 * callbacks.  Lines are serialised across workers, so they never
 * interleave; in a dry run the item lines are held and written sorted by
 * path when the run ends (a dry run is a diff, and must read the same
 * whatever the worker count).
 *
 * Names are always printed escaped (util_escape_name), so a crafted file
 * name cannot forge a line or a terminal sequence.
 *
 *	struct report *r = report_new(&opts, host);
 *	report_item(r, IT_TRANSFER | IT_IS_NEW, S_IFREG, "a/b", NULL, &x);
 *	report_errno_side(r, TS_SIDE_DST, EACCES, "cannot create", "dst/a");
 *	report_flush(r);
 *	report_free(r);
 */
#ifndef TS_REPORT_H
#define TS_REPORT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include "oppath.h"

#include <treesync/treesync.h>

struct ts_entry;
struct ts_options;
struct ts_stats;
struct report;

/* Sets up the output of a run with options O (kept by pointer) for HOST
 * (NULL: the default sink, fds 1 and 2).  Never NULL. */
struct report *report_new(const struct ts_options *o,
    const struct ts_host *host);

/* Flushes, closes the log and frees R (NULL-safe). */
void report_free(struct report *r);

/* What a copied file's data went through, for --json-items. */
struct report_xfer {
	uint64_t bytes;
	const char *methods;	/* "copy_file_range 1234 bytes, reflinked" */
	const char *sum;	/* %C: the copy's XXH3-128 in hex, or NULL */
};

/*
 * Reports one item, changed or not: the line --out-format (or -i's
 * "%i %n%L", -v's "%n%L") gives it when rsync would print one, rsync's
 * "X is uptodate" at --info=name2, a --log-file line; a changed item also
 * goes to --json-items and the host's item callback, and counts as a
 * difference for --check.  RELPATH is relative to the transfer root ("."
 * for the root itself); directories get a trailing '/'.  TARGET is the
 * symlink target (or, with IT_HARDLINK, the first link) or NULL; X is
 * NULL unless data was copied.  Thread-safe.
 */
void report_item(struct report *r, uint32_t iflags, uint32_t mode,
    const char *relpath, const char *target, const struct report_xfer *x);

/* What an item's line may show of its source (--out-format's %l, %M, %U,
 * %G, %B, %f, %C).  Every pointer may be NULL. */
struct report_src {
	const struct ts_entry *ent;	/* the source entry as decided */
	const char *dir;	/* its directory, as messages name it (with
				 * NAME NULL: the entry itself) */
	const char *name;	/* its name there */
	const char *sum;	/* its XXH3-128 in hex (rsync's %C), or NULL */
};

/* report_item() with the source entry SRC (its mode is the item's). */
void report_item_src(struct report *r, uint32_t iflags,
    const struct report_src *src, const char *relpath, const char *target,
    const struct report_xfer *x);

/* A message that rsync prints at --info=FLAG of LEVEL or more (FMT has
 * one %s, which receives PATH escaped).  Nothing with -q.  Thread-safe. */
void report_note_info(struct report *r, enum ts_info flag, int level,
    const char *fmt, const char *path);

/* The level of --info=FLAG in effect for R's run (0-4). */
int report_info_level(const struct report *r, enum ts_info flag);

/* Whether --out-format FMT uses escape ESC ("%i", "%-10b", not "%%i"), as
 * rsync's log_format_has() reads it.  Pure. */
bool report_format_has(const char *fmt, char esc);

/* Reports the deletion of RELPATH (a directory when IS_DIR).  Thread-safe. */
void report_delete(struct report *r, const char *relpath, bool is_dir);

/* Items and deletions reported so far (what --check counts). */
uint64_t report_changes(const struct report *r);

/*
 * --log-file: opens PATH for appending, an operator path (oppath.c, as
 * HOW says; a symlink another user owns is refused, -EPERM).
 * Returns 0 or -errno.  Call before workers start.
 */
int report_open_log(struct report *r, const char *path,
    struct oppath_how how);

/* Closes the log file (NULL-safe; report_free() does it too). */
void report_close_log(struct report *r);
/*
 * treesync-mpi, ranks other than 0: the log's lines are kept in memory
 * instead of a file; report_log_take() closes that log and gives them
 * (malloc'ed, *LEN bytes; NULL when there is no such log), and rank 0
 * appends every rank's to its file with report_log_raw() (whole lines,
 * written as they are).  0 or -errno.
 */
int report_open_log_memory(struct report *r);
char *report_log_take(struct report *r, size_t *len);
void report_log_raw(struct report *r, const char *text, size_t len);

/* Writes one timestamped line to the log (no-op without --log-file). */
void report_log(struct report *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* What the progress line shows, filled by the run on request. */
struct report_progress {
	uint64_t files_seen, files_done;
	uint64_t bytes_todo, bytes_done;
	/* treesync-mpi: what the other ranks copied (bytes, files), as they
	 * last said, for --info=progress2 (in the counts above too). */
	uint64_t others_bytes, others_xfers;
};

/*
 * --progress: starts a thread that redraws one line (the TS_OUT_PROGRESS
 * stream) a few times a second from FN's snapshots, when the host says
 * the progress stream is a terminal (or ALWAYS).  report_progress_stop()
 * draws the final line and joins the thread.
 */
void report_progress_start(struct report *r,
    void (*fn)(struct report_progress *, void *), void *arg, bool always);
void report_progress_stop(struct report *r);
/* Whether R draws the live progress line (a terminal, or =always) rather
 * than rsync's per-file lines on stdout.  Thread-safe. */
bool report_progress_live(const struct report *r);
/* --info=progress2 off a terminal: the run's line ended here (before
 * treesync-mpi's rank 0 writes the other ranks' lines). */
void report_progress_break(struct report *r);
/* --info=progress2 off a terminal: the run's line drawn again with the
 * counts as they are now (treesync-mpi's rank 0, once the other ranks'
 * last counts came, after its own last file). */
void report_progress_total(struct report *r);

/* The file in flight, shown by the progress line (cheap when off). */
void report_set_current(struct report *r, const char *relpath);

/* The end of a run: --stats or --json, as the options ask. */
void report_summary(struct report *r, const struct ts_stats *st,
    int exit_code);

/* An informational line on stdout unless -q ("skipping ..."). */
void report_info(struct report *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Does an output's format show %C (the file's checksum), so that a copy
 * must compute it?  Thread-safe. */
bool report_wants_sum(const struct report *r);

/* --list-only: the header becomes rsync's "building file list ... done".
 * Call before the first line.  Not thread-safe. */
void report_set_listing(struct report *r);
/* --iconv: items' paths (DEST's names) are printed converted back by NC
 * (nameconv.c), or as they are (NULL).  Before the run's threads. */
struct nameconv;
void report_set_nameconv(struct report *r, struct nameconv *nc);

/* --list-only's line for entry E at REL (TARGET: a symlink's, shown with
 * " -> ", or NULL), in rsync's layout.  Nothing with -q.  Thread-safe. */
void report_list_entry(struct report *r, const char *rel,
    const struct ts_entry *e, const char *target);

/* An informational line with one path: FMT has exactly one %s, which
 * receives PATH escaped.  Nothing with -q.  Thread-safe. */
void report_note(struct report *r, const char *fmt, const char *path);
/* The same with two strings: FMT has exactly two %s. */
void report_note2(struct report *r, const char *fmt, const char *a,
    const char *b);

/*
 * "treesync: WHAT 'PATH': strerror(ERR)" on stderr (escaped, as every
 * error line), and the host's error callback with SIDE, ERR, WHAT, PATH.
 */
void report_errno_side(struct report *r, enum ts_side side, int err,
    const char *what, const char *path);

/* The same without a side (an operand, a list, the log). */
void report_errno(struct report *r, int err, const char *what,
    const char *path);

/* A source error for DIR/NAME (DIR may be "" for the root). */
void report_errno_at(struct report *r, int err, const char *what,
    const char *dir, const char *name);

/* A warning that DIR/NAME vanished while being read. */
void report_vanished(struct report *r, const char *dir, const char *name);

/* A free-form error message on stderr, prefixed "treesync: ". */
void report_error(struct report *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Writes the held lines (sorted in dry-run mode) and flushes. */
void report_flush(struct report *r);
/* treesync-mpi: flushes, and hands the dry run's held lines, sorted, to
 * FN (KEY: the unescaped path they are sorted by; TEXT: the line) instead
 * of writing them, so that every rank's can be merged into one order. */
void report_flush_held(struct report *r,
    void (*fn)(void *arg, const char *key, const char *text), void *arg);

/* --- shared by the report_*.c files ------------------------------------ */

/* One line (or a progress redraw) to the host's sink, serialised with
 * every other line.  TEXT has its '\n' (none for progress). */
void report_emit(struct report *r, enum ts_out stream, const char *text,
    size_t len);

/* The options of R's run. */
const struct ts_options *report_options(const struct report *r);

#endif /* TS_REPORT_H */
