/*
 * plan.h -- what the operands mean: rsync's SRC/DEST rules turned into
 * open directory fds.  The only stage that resolves operator paths from
 * the current directory; everything after works relative to these fds.
 */
#ifndef TS_PLAN_H
#define TS_PLAN_H

#include "oppath.h"
#include "walk.h"

#include <treesync/treesync.h>

#include <stdbool.h>
#include <stddef.h>

struct ts_options;
struct report;

/* One source operand. */
struct plan_src {
	const char *operand;	/* as given, for messages */
	bool contents;		/* "dir/": copy what is inside */
	int fd;			/* contents: the directory; else its parent */
	char *name;		/* entry operand: its name in fd */
	char *dest_name;	/* --iconv: its name in DEST's charset, or
				 * NULL (root.c) */
	struct ts_entry st;	/* lstat of the entry (stat of a contents dir) */
	bool ignored;		/* missing, and --ignore-missing-args */
};

struct plan {
	struct report *rep;	/* where its messages go */
	struct plan_src *srcs;
	size_t nsrcs;
	int dst_fd;		/* directory every destination op is below */
	const char *dst_operand;
	char *single_name;	/* one file to a new name: that name in dst_fd */
	bool dst_new;		/* DEST did not exist (created, or dry run) */
	bool dst_unmade;	/* nothing to send: DEST missing and not made,
				 * dst_fd -1, no sources (plan_build()) */
	bool any_contents;	/* some operand copies a directory's contents */
	bool network_fs;	/* source or destination is NFS, FUSE, SMB... */
	bool overlap;		/* DEST lies inside a source directory */
	unsigned missing;	/* operands that could not be used */
	/* --link-dest, --compare-dest, --copy-dest: each directory, opened
	 * (altdest.c), or -1 where it cannot be used (said so). */
	int alt_fd[TS_MAX_ALT_DEST];
	size_t nalt;
	struct backup *bak;	/* -b: backup.c's state, or NULL */
	struct srcremove *srm;	/* --remove-source-files with -H or
				 * --delay-updates: srcremove.c's removals
				 * after the walk or the rename, or NULL */
	char **gone;		/* --delete-missing-args: the names in DEST of
				 * the missing operands (prune.c deletes) */
	size_t ngone;
};

/*
 * Resolves the operands of O into *P: stats every source (a missing one is
 * reported and counted, not fatal), opens or creates DEST (its parent must
 * exist; nothing is created in a dry run).  With nothing to send (every
 * operand ignored as missing, or NOTHING_LISTED: --files-from selects
 * nothing that exists) a missing DEST named without a trailing slash is
 * not made, as rsync makes none: dst_unmade, no sources, dst_fd -1.
 * Returns 0, or an enum ts_exit
 * code for a destination that cannot be used.  Not thread-safe.
 */
int plan_build(const struct ts_options *o, struct report *rep,
    struct plan *p, bool nothing_listed);

/*
 * --files-from: reads the list (FILE, or stdin for "-"), one path per line
 * (NUL-separated with --from0; otherwise a CR ends a name as a newline
 * does), as written: blank lines and lines starting
 * with '#' or ';' are left out (rsync's comments).  *LINES is malloc'ed,
 * in file order.  FILE is an operator path, opened as HOW says.  Returns
 * 0, or after reporting rsync's exit code: TS_EXIT_SYNTAX (1) when FILE
 * cannot be opened, TS_EXIT_STREAM (12) when it cannot be read (a
 * directory: rsync's sender fails reading the list).
 */
int plan_read_files_from(struct report *rep, const char *file, bool from0,
    struct oppath_how how, char ***lines, size_t *n);

/* Closes the fds and frees *P (NULL-safe). */
void plan_free(struct plan *p);

#endif /* TS_PLAN_H */
