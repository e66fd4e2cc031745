/*
 * altdest.h -- --link-dest, --compare-dest, --copy-dest: the alternate
 * destination directories (rsync's basis dirs), see altdest.c.
 */
#ifndef TS_ALTDEST_H
#define TS_ALTDEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <treesync/treesync.h>

struct action;
struct dnode;
struct plan;
struct ts_entry;
struct ts_options;
struct ts_run;

/* The option of kind K, as messages name it ("--link-dest"). */
const char *altdest_kind_name(enum ts_alt_dest k);

/*
 * Opens each directory of O's alternate list into P->alt_fd (relative to
 * DEST unless absolute, an operator path: oppath.c's rule for symlinks),
 * once P is built.  One that does not exist or is not a directory is left
 * out (-1) and, when SAY, said so on stderr as rsync says it.  Not
 * thread-safe (plan time).
 */
void altdest_open_roots(const struct ts_options *o, struct plan *p,
    bool say);

/*
 * Decides the item of A (in D, whose node is entered) against the
 * alternate directories, as rsync does when its DEST entry is absent (or
 * of another type and cleared), and, under --link-dest and
 * --compare-dest, when DEST holds a regular file of another inode.
 * Returns true when the item was carried out here (hard-linked to a
 * match, left out as unchanged, or queued as a local copy of one); false
 * when the caller carries A out, whose itemize flags may now describe
 * the change against the closest match (rsync's lines).  *REL caches
 * the item's path.  Thread-safe.
 */
bool altdest_apply(struct dnode *d, struct action *a, char **rel);

/*
 * --compare-dest: whether IT of D (DST: its DEST entry, or NULL; STARGET:
 * a symlink's target) has an exact match there, so that altdest_apply()
 * leaves it out (or removes its DEST file).  -H decides such a link as an
 * entry of its own, never a member of its group: rsync leaves out every
 * link that matches, whichever link of the group is copied.  Thread-safe.
 */
struct srcitem;
bool altdest_leaves_out(struct dnode *d, const struct srcitem *it,
    const struct ts_entry *dst, const char *starget);

/*
 * -H under --link-dest: true when NAME of D is, in one of the alternate
 * directories, the inode (DEV, INO) its group's first link was made as:
 * the link then repeats the snapshot and is not reported (rsync).
 */
bool altdest_same_inode(struct dnode *d, const char *name, uint64_t dev,
    uint64_t ino);

/* DEST made by this run: the itemize flags of its root "." for SRC
 * (IFLAGS without alternate directories), told against the closest of
 * the alternate directories themselves as rsync tells them (none when
 * one matches exactly). */
uint32_t altdest_root_iflags(struct ts_run *run, const struct ts_entry *src,
    uint32_t iflags);

/*
 * The directory of node D below each alternate directory, as a slot of
 * the run's directory fds (dirslot.c: closed when the budget needs it,
 * opened again from the slot above, never through a symlink).  Init
 * sets D's slots up (the root's are the plan's fds; a child's hang below
 * its parent's), from dnode_new() and the root; open gives each its first
 * fd, in D's scan, before any entry of D is decided (a directory absent
 * in an alternate directory stays unopened: its subtree is not looked
 * for there); close is for the end of D.  No-ops without alternate
 * directories.
 */
void altdest_node_init(struct dnode *d);
void altdest_node_open(struct dnode *d);
void altdest_node_close(struct dnode *d);

/*
 * treesync-mpi: the slots of D, a node without a parent made for another
 * rank's directory REL (below DEST): REL opened below each alternate
 * directory from this rank's own fds, never through a symlink
 * (RESOLVE_BENEATH, delete_open_beneath()), into FDS[0..plan.nalt) (-1:
 * absent there, so not looked for below), which the caller closes once D
 * is finished.  A no-op without alternate directories.
 */
void altdest_node_beneath(struct dnode *d, const char *rel, int *fds);

/* D's directory below the alternate directory J: an fd, pinned until
 * altdest_put(), or -errno (absent there, or D has no slots).
 * Thread-safe. */
int altdest_get(struct dnode *d, size_t j);
void altdest_put(struct dnode *d, size_t j, int fd);

#endif /* TS_ALTDEST_H */
