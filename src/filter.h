/*
 * filter.h -- rsync's filter rules: parsing them, per-directory merge
 * files, and deciding whether a path is excluded.
 *
 * The semantics are rsync 3.5.0's (man rsync: FILTER RULES and the
 * sections after it).  A filter_list holds the global rules, built once
 * from the command line (single-threaded) and immutable afterwards.  A
 * filter_layer is the view of the rules in one directory: the global
 * rules plus the per-directory merge files ("dir-merge", ':') read on the
 * way down.  Layers are reference-counted and immutable; a directory
 * without merge files shares its parent's layer, so memory follows the
 * depth of the walk, not the size of the tree.
 *
 * The module does no I/O of its own except reading rule files while the
 * list is built (filter_load_file, '.' merge rules, $HOME/.cvsignore for
 * -C).  Per-directory files are read by the engine through a
 * struct filter_reader when it enters a directory.
 *
 * Usage (the CLI, then the engine):
 *
 *	struct filter_list *fl = filter_list_new();
 *	char *err;
 *	if (filter_add(fl, "- *.o", FILTER_RULE, "--filter", &err) < 0 ||
 *	    filter_load_file(fl, "excl.txt", FILTER_EXCLUDE, false, &err) < 0)
 *		die("%s", err);			// exit 1, nothing touched
 *	...
 *	struct filter_layer *top = filter_layer_root(fl, "/abs/transfer/root");
 *	if (filter_layer_push(top, "", &reader, &here, &err) < 0) ...
 *	if (filter_excluded(here, "sub/x.o", 0)) skip it;
 *	filter_layer_unref(here);
 *	filter_layer_unref(top);
 *	filter_list_free(fl);
 *
 * Paths given to the evaluation functions are relative to the transfer
 * root, the way rsync names files in its file list: "a/b/c.txt"; with a
 * source operand "src" (no trailing slash) the names start with "src/".
 * The transfer root itself ("" or ".") is never excluded (rsync never
 * tests it).
 */
#ifndef TS_FILTER_H
#define TS_FILTER_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "oppath.h"

struct filter_list;
struct filter_layer;

/* How the text given to filter_add() or the lines of a file are read. */
enum filter_kind {
	FILTER_RULE,	/* --filter / merge files: "RULE[,MODS] PATTERN" */
	FILTER_EXCLUDE,	/* --exclude(-from): a pattern, or "- "/"+ " + one,
			 * or "!" (clear the list) */
	FILTER_INCLUDE,	/* --include(-from): the same, include by default */
};

/* What is being asked, for filter_check() and filter_excluded(). */
enum filter_flags {
	FILTER_DIR = 1 << 0,		/* the entry is a directory */
	FILTER_RECEIVER = 1 << 1,	/* the deletion side: "may this
					 * extraneous destination entry be
					 * deleted?" -- protect/risk and 'r'
					 * rules apply, hide/show and 's'
					 * do not.  Without it: the sender
					 * side, "is it transferred?" */
	FILTER_DELETE_EXCLUDED = 1 << 2, /* --delete-excluded: rules without
					 * an explicit side are sender-only */
	FILTER_PERISHING = 1 << 3,	/* the entry is inside a directory
					 * that is being deleted: perishable
					 * ('p') rules are ignored */
	FILTER_XATTR = 1 << 4,		/* PATH is an xattr name: only 'x'
					 * rules apply (and only they do) */
};

/* filter_check() results. */
enum filter_result {
	FILTER_EXCLUDED = -1,
	FILTER_NO_MATCH = 0,	/* no rule matched: included */
	FILTER_INCLUDED = 1,
};

/* Which rule decided, for --debug=FILTER style messages. */
struct filter_match {
	const char *pattern;	/* as rsync prints it: without a trailing '/' */
	bool include;
	bool dir_only;		/* the pattern had a trailing '/' */
};

/*
 * Reads a per-directory rule file for filter_layer_push().  IN_DIR: PATH
 * is a plain file name in the directory being entered (open it relative
 * to that directory's fd); otherwise PATH is absolute (a '.' merge named
 * in a per-directory file, or a ".rsync-filter" in a parent directory of
 * the transfer, see filter_layer_push).  On success stores a malloc'ed
 * buffer (freed by the module) and its length and returns 0.  Returns
 * -ENOENT when there is no such file (the normal case for most
 * directories), another negative errno on a read error.  Called from the
 * thread that calls filter_layer_push().
 */
struct filter_reader {
	int (*read)(void *arg, const char *path, bool in_dir, char **data,
	    size_t *len);
	void *arg;
};

/* --- Building the list (CLI; single-threaded) --- */

/* An empty list (everything included).  Never NULL. */
struct filter_list *filter_list_new(void);

/* Frees the list.  Every layer made from it must be released first.
 * Accepts NULL. */
void filter_list_free(struct filter_list *fl);

/*
 * --from0: rule files named in later rules ('.' merges), the
 * per-directory merge files and $HOME/.cvsignore are NUL-separated
 * instead of line-separated.  rsync applies -0 to the *-from files that
 * come after it on the command line; the CLI passes the current value to
 * filter_load_file() itself.
 */
void filter_set_from0(struct filter_list *fl, bool on);

/* Returned when merge files include each other more than 32 deep: a file
 * I/O error for rsync (exit 11), not a malformed rule. */
#define FILTER_DEPTH_EXCEEDED (-ELOOP)

/*
 * How rule files named by the operator (--exclude-from, merge files) are
 * opened (struct oppath_how): by default a symlink owned by another user
 * than root or the effective uid is refused, as in rsync 3.5; with
 * --insecure-links every one is followed; with --confine-root the file
 * must be below it (oppath.c).
 */
void filter_set_oppath_how(struct filter_list *fl, struct oppath_how how);

/*
 * Adds one rule.  FILTER_RULE takes rsync's --filter syntax (a '.'
 * merge rule reads its file now); FILTER_EXCLUDE and FILTER_INCLUDE take
 * a bare pattern as --exclude/--include do (rsync also honours a leading
 * "- " or "+ " there, and a lone "!" clears the list).  ORIGIN names the
 * source in error messages ("--filter", "-f"; NULL: "command line").
 *
 * Returns 0, or a negative errno with a malloc'ed message in *ERR that the
 * caller prints and frees:
 *   -EINVAL  a malformed rule or pattern:
 *            "invalid filter rule '-q foo' (--filter): unknown modifier 'q'"
 *   other    a merge file that cannot be read (rsync exits 11 there):
 *            "cannot read merge file 'x.rules': No such file or directory"
 * On error the list is left as it was before the failing rule (rules
 * that an earlier line of a merge file added stay).
 */
int filter_add(struct filter_list *fl, const char *text,
    enum filter_kind kind, const char *origin, char **err);

/*
 * --exclude-from=PATH (FILTER_EXCLUDE), --include-from=PATH
 * (FILTER_INCLUDE), or a merge file (FILTER_RULE, what "merge PATH"
 * does).  "-" reads standard input.  Lines (NUL-terminated records when
 * FROM0) that are empty or start with ';' or '#' are skipped; "\r\n" and
 * "\r" end lines too.  Errors as filter_add(), with "PATH:LINE" as the
 * origin.
 */
int filter_load_file(struct filter_list *fl, const char *path,
    enum filter_kind kind, bool from0, char **err);

/*
 * -F: the first call adds "dir-merge /.rsync-filter", the second
 * "exclude .rsync-filter"; later calls do nothing (rsync's -F -F).
 */
void filter_add_F(struct filter_list *fl);

/*
 * -C (--cvs-exclude): appends ":C" then "-C" (the per-directory
 * .cvsignore files, then rsync's default CVS names, $HOME/.cvsignore and
 * $CVSIGNORE).  rsync puts these after every other rule, wherever -C was
 * on the command line: call it after all the other filter options.
 * Returns as filter_add().
 */
int filter_add_cvs_exclude(struct filter_list *fl, char **err);

/* True when the list has no rule at all (filtering can be skipped). */
bool filter_list_empty(const struct filter_list *fl);

/* True when some rule has the 'x' modifier (xattr-name rules). */
bool filter_has_xattr_rules(const struct filter_list *fl);

/*
 * A digest of the built list: every global rule (pattern, modifiers, the
 * file a dir-merge rule names) and the -C names once loaded, in order;
 * not where they were read from.  Two lists with the same digest decide
 * alike (treesync-mpi compares its ranks' lists with it).  Thread-safe
 * once the list is built.
 */
uint64_t filter_list_digest(const struct filter_list *fl);

/* --- Layers (engine; thread-safe for concurrent use) --- */

/*
 * The layer of the transfer root, before any directory is entered: the
 * global rules only.  Use it for the top-level items of an operand
 * without a trailing slash ("src" is tested before "src/" is entered).
 * ROOT_ABS is the absolute path of the transfer root (rsync's current
 * directory: the operand for "src/", its parent for "src"); it anchors
 * rules with the '/' modifier and locates the parent directories scanned
 * for "dir-merge /.rsync-filter" (-F).  Take one root per source operand.
 * Never NULL.  Thread-safe.
 */
struct filter_layer *filter_layer_root(const struct filter_list *fl,
    const char *root_abs);

/*
 * Enters directory DIR (relative to the transfer root; "" for the root
 * itself) below PARENT: reads DIR's per-directory merge files through RD
 * and returns in *OUT the layer for the entries of DIR (the caller owns a
 * reference).  Call it for every directory whose entries are examined,
 * in walk order from its parent's layer; the first push below a root also
 * scans the parent directories named by a dir-merge rule with a path
 * ("/.rsync-filter": every directory from / down to the parent of DIR).
 * When no merge file is active this is a reference count increment.
 *
 * Returns 0, or a negative errno with a malloc'ed message in *ERR: -EINVAL
 * for a malformed rule in a merge file (rsync stops the whole run with
 * exit 1 there), the reader's error for an unreadable file (rsync ignores
 * unreadable per-directory files; we report them), -ENOENT for a missing
 * '.' merge file named inside one.  Thread-safe: PARENT is not modified.
 */
int filter_layer_push(const struct filter_layer *parent, const char *dir,
    const struct filter_reader *rd, struct filter_layer **out, char **err);

/* Takes another reference; returns L.  Thread-safe. */
struct filter_layer *filter_layer_ref(const struct filter_layer *l);

/* Drops a reference; frees the layer with the last one.  Accepts NULL.
 * Thread-safe. */
void filter_layer_unref(struct filter_layer *l);

/*
 * The per-directory merge file names that filter_layer_push() will ask
 * for below L (".rsync-filter", ".cvsignore", ...), in rule order: up to
 * MAX pointers into L are stored in NAMES (valid while L is referenced).
 * Returns how many there are (can exceed MAX).  Thread-safe.
 */
size_t filter_layer_merge_names(const struct filter_layer *l,
    const char **names, size_t max);

/*
 * Looks PATH up in the rules visible in L (first match wins) and returns
 * enum filter_result.  FLAGS is enum filter_flags.  When M is not NULL
 * and a rule matched, *M describes it (pointers valid while L is
 * referenced).  Pure and thread-safe.
 */
int filter_check(const struct filter_layer *l, const char *path,
    unsigned flags, struct filter_match *m);

/*
 * filter_check() < 0.  On the sender side (FLAGS without FILTER_RECEIVER)
 * true means "not transferred" (and a directory is not descended); on
 * the receiver side it means "protected: an extraneous entry is not
 * deleted".  Pure and thread-safe.
 */
bool filter_excluded(const struct filter_layer *l, const char *path,
    unsigned flags);

/*
 * rsync's wildcard matcher on its own: PATTERN against the whole of TEXT
 * ('*' and '?' stop at '/', '**' does not, [...] classes, backslash
 * escapes).  A malformed pattern never matches.  For tests and the
 * engine's odd jobs; rules use it internally.  Pure and thread-safe.
 */
bool filter_wildmatch(const char *pattern, const char *text);

#endif /* TS_FILTER_H */
