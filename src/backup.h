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
 * Whether the DEST entry REL (below DEST) is --backup-dir itself, lying
 * inside DEST: it is never deleted, whatever the rules say.  Pure.
 */
bool backup_protects(const struct ts_run *run, const char *rel);

/*
 * -b without --backup-dir: whether REL's name ends in the suffix, a
 * backup made beside its file.  Such a name is protected from deletion
 * by rsync's implied "P *SUFFIX" rule, which comes after every rule given
 * (select.c), and is removed rather than backed up again.  Pure.
 */
bool backup_is_backup(const struct ts_run *run, const char *rel);

/*
 * -b without --backup-dir: the backup of REL (not a directory) is made,
 * or in a dry run would be made, beside it in this run.  backup_made():
 * whether the DEST entry REL is such a backup.  The deletion pass (after
 * the walk) never deletes one, whatever the rules say ("R *~",
 * --delete-excluded): it holds what this run replaced, not an old backup.
 * Thread-safe.
 */
void backup_note(struct ts_run *run, const char *rel, uint32_t mode);
bool backup_made(const struct ts_run *run, const char *rel);

#endif /* TS_BACKUP_H */
