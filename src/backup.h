/*
 * backup.h -- -b/--backup, --backup-dir, --suffix: what the run replaces
 * or removes is kept aside first (see backup.c).
 */
#ifndef TS_BACKUP_H
#define TS_BACKUP_H

#include <stdbool.h>
#include <stdint.h>

struct report;
struct ts_options;
struct ts_run;

/* The run's backup state (NULL without -b). */
struct backup *backup_new(const struct ts_options *o, struct report *rep);
void backup_free(struct backup *b);

/*
 * Keeps NAME of DFD (REL: its path below DEST, MODE its type), which the
 * run is about to replace (KEEP: it stays in place until the new entry
 * is renamed over it, so the backup is a hard link, or a copy across
 * file systems) or to remove (!KEEP: it is moved to the backup, or
 * copied and removed).  The backup is NAME+SUFFIX beside it, or REL+SUFFIX
 * below --backup-dir (its directories made as needed); an older backup of
 * that name is replaced.  Nothing in a dry run.  Returns 0 or -errno
 * (reported here, with REL).  Thread-safe.
 */
int backup_entry(struct ts_run *run, int dfd, const char *name,
    const char *rel, uint32_t mode, bool keep);

/* backup_entry() of NAME, about to be written in place (--inplace): its
 * backup is a copy (a link would change with it).  Thread-safe. */
int backup_copy(struct ts_run *run, int dfd, const char *name,
    const char *rel, uint32_t mode);

/* delete.c's backup hook (struct del_opts): ARG is the run. */
int backup_removed(void *arg, int dirfd, const char *name,
    const char *relpath, uint32_t mode);

/*
 * Whether the DEST entry REL (below DEST) is kept from --delete because
 * it is a backup: a name ending in the suffix when backups are made
 * beside the files (rsync's implied "P *SUFFIX" rule), or --backup-dir
 * itself when it lies inside DEST.  Pure.
 */
bool backup_protects(const struct ts_run *run, const char *rel);

#endif /* TS_BACKUP_H */
