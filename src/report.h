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

/*
 * Reports one changed item: its itemize line with -i, its name with -v
 * (when rsync would show it), nothing otherwise.  RELPATH is relative to
 * the transfer root ("." for the root itself); directories get a trailing
 * '/'.  TARGET is the symlink target or NULL.  Thread-safe.
 */
void report_item(uint32_t iflags, uint32_t mode, const char *relpath,
    const char *target);

/* Reports the deletion of RELPATH (a directory when IS_DIR).  Thread-safe. */
void report_delete(const char *relpath, bool is_dir);

/* An informational line on stdout unless -q ("skipping ..."). */
void report_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* "treesync: WHAT 'PATH': strerror(ERR)" on stderr; PATH is escaped. */
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
