/*
 * filter_int.h -- what the filter_*.c files share; not part of the
 * public API (that is filter.h).
 *
 * The module's files, by concern (the design is in filter.c's head):
 *
 *	wildmatch.c	the pattern matcher alone (no rules)
 *	filter_parse.c	rule text: rsync's --filter/--exclude/--include
 *			syntax, modifiers, rule files split into records,
 *			and the messages for a malformed rule
 *	filter_rules.c	rules in memory: rulesets, slots, chains and
 *			their reference counts; what adding a parsed rule
 *			(pattern, dir-merge, clear) does to a ruleset
 *	filter_merge.c	rule files read while parsing: '.' merge files,
 *			operator paths (--exclude-from), the -C names
 *	filter_layer.c	per-directory layers: dir-merge push, inheritance,
 *			the parent-directory scan, anchoring directories
 *	filter.c	the global list (the CLI's calls) and evaluation
 *			(first match wins, sides, perishable rules)
 *
 * Names: a function shared between these files starts with its file's
 * name (parse_, rules_, merge_, layer_), or with its struct's name for
 * the reference counts (ruleset_, slot_, chain_, froot_).  The small
 * string helpers at the end are static inline, as static helpers are.
 *
 * Every .c that includes this header defines _GNU_SOURCE first
 * (vasprintf).  Who writes what: a filter_list only while it is built
 * (single-threaded), except fl->cvs, loaded once under cvs_lock; slot
 * definitions, chains and layers never after they are made, apart from
 * their atomic reference counts.  The parse_, rules_ and merge_
 * functions write only through their struct pctx (the ruleset and push
 * it points at), so concurrent pushes, each with its own, are safe; the
 * list itself is written after its build only by merge_load_cvs().
 */
#ifndef TS_FILTER_INT_H
#define TS_FILTER_INT_H

#include "filter.h"

#include "util.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Rule flags: what the rule text said, then what rules_add_pattern()
 * derived. */
enum rflag {
	R_INCLUDE = 1u << 0,
	R_DIRONLY = 1u << 1,		/* trailing '/' */
	R_ABS = 1u << 2,		/* '/' modifier: absolute path */
	R_NEGATE = 1u << 3,		/* '!' modifier */
	R_PERISH = 1u << 4,		/* 'p' */
	R_SENDER = 1u << 5,		/* 's', hide, show */
	R_RECEIVER = 1u << 6,		/* 'r', protect, risk */
	R_XATTR = 1u << 7,		/* 'x' */
	R_MERGE = 1u << 8,		/* '.' or ':' */
	R_PERDIR = 1u << 9,		/* ':' */
	R_NO_PREFIXES = 1u << 10,	/* merge '-' or '+' */
	R_WORD_SPLIT = 1u << 11,	/* merge 'w' */
	R_NO_INHERIT = 1u << 12,	/* merge 'n' */
	R_CVS = 1u << 13,		/* 'C' */
	R_EXCLUDE_SELF = 1u << 14,	/* merge 'e' */
	R_CLEAR = 1u << 15,		/* '!' rule */
	R_WILD = 1u << 16,		/* has '*', '?' or '[' */
	R_WILD2 = 1u << 17,		/* has "**" */
	R_WILD2_PREFIX = 1u << 18,	/* starts with "**" */
	R_WILD3_SUFFIX = 1u << 19,	/* ends with "***" */
	R_DIR_ANCHOR = 1u << 20,	/* leading '/' in a per-directory file */
	R_BOTH_SIDES = 1u << 21,	/* per-directory 'e' exclude: rsync adds
					 * it unparsed, so --delete-excluded
					 * does not make it sender-only */
};

#define R_SIDES (R_SENDER | R_RECEIVER)
/* What a rule read from a merge file takes from the merge rule. */
#define R_FROM_CONTAINER (R_ABS | R_INCLUDE | R_DIRONLY | R_NEGATE | R_PERISH)

/* Parsing modes. */
enum xflag {
	X_OLD = 1 << 0,		/* --exclude/--include: "- ", "+ ", "!" only */
	X_DIR_ANCHOR = 1 << 1,	/* per-directory file: '/' anchors there */
};

struct slotdef;

struct rule {
	char *pat;		/* anchored patterns keep their '/' */
	uint32_t flags;		/* enum rflag */
	unsigned slash_cnt;	/* '/' in pat (without a trailing one) */
	struct slotdef *slot;	/* R_PERDIR: the file it names (a ref) */
};

struct ruleset {
	struct rule *v;
	size_t n, cap;
};

/* One per-directory merge file name, as a dir-merge rule defined it. */
struct slotdef {
	atomic_uint refs;
	uint32_t flags;		/* the dir-merge rule: template of its files */
	char *name;		/* the file looked for in every directory */
	char *spec;		/* as written (or made absolute in a parent
				 * scan): its directory part says where the
				 * parent scan starts */
};

/*
 * The rules one file contributed in one directory, then the inherited
 * ones.  How R_DIR_ANCHOR rules see a path: STRIP ("a/b") is the
 * directory below the transfer root that the path must be in; PREPEND
 * ("path") the components between a parent directory above the root and
 * the root; neither: the root's own directory.
 */
struct chain {
	atomic_uint refs;
	struct chain *next;
	char *strip, *prepend;
	bool unrelated;		/* cannot happen; never matches if it does */
	struct ruleset rs;
};

struct froot {
	atomic_uint refs;
	char *abs;		/* cleaned absolute path of the transfer root */
};

struct lslot {
	struct slotdef *def;
	struct chain *chain;	/* NULL: no rules */
	bool ready;		/* parent directories scanned */
};

struct filter_layer {
	atomic_uint refs;
	const struct filter_list *fl;
	struct froot *root;
	size_t n;
	struct lslot s[];
};

struct filter_list {
	struct ruleset rules;
	struct ruleset cvs;		/* the -C names, loaded once */
	atomic_bool cvs_loaded;
	pthread_mutex_t cvs_lock;	/* guards loading cvs after the build */
	bool from0;
	bool xattr;
	int F_count;
	struct oppath_how oppath_how;	/* filter_set_oppath_how() */
};

/* A filter_layer_push() in progress. */
struct push {
	const struct filter_list *fl;
	const struct filter_reader *rd;
	const struct froot *root;
	const char *dir;	/* relative to the root, "" for the root */
	char *d_abs;
	struct lslot *s;
	size_t n, cap;
};

/* Where parsed rules go, and how they are read. */
struct pctx {
	struct filter_list *build;	/* the list being built, or NULL */
	const struct filter_list *fl;
	struct ruleset *rs;
	struct push *ps;		/* in a push: the push */
	bool *cleared;			/* in a push: '!' dropped inheritance */
	unsigned xf;			/* enum xflag */
	const char *scan_abs;		/* in a parent scan: that directory */
	const char *origin;		/* for messages: file or option */
	unsigned line;			/* 0: no line numbers */
	int depth;
	char **err;
	/* Where the text comes from, which decides what an error may show:
	 * an option's own text is echoed; a file's never is (a merge file
	 * can name /etc/shadow), only where the bad line is. */
	enum { FROM_ARG, FROM_ARGFILE, FROM_NESTED, FROM_DIRFILE } from;
	const char *named_at;		/* FROM_NESTED: "FILE line N" */
};

/* A parsed rule, before it is added. */
struct tok {
	uint32_t flags;
	const char *pat;
	size_t len;
	const char *text;	/* the rule text, for messages */
	size_t textlen;
};

/* ---------------------------------------------------------------------
 * filter_parse.c: rule text.
 */

/*
 * Parses STR (one record: a rule, or several with R_WORD_SPLIT in TMPL,
 * the merge rule's flags that the rules read inherit) and acts on each
 * rule as rsync's parse_filter_str() does.  Returns 0, -EINVAL with a
 * message in *pc->err, or a merge file's read error.
 */
int parse_str(struct pctx *pc, const char *str, uint32_t tmpl);

/*
 * Splits a rule file into records (lines, or NUL-terminated with FROM0,
 * or words with the 'w' modifier) and parses each; empty records and,
 * unless word-splitting, records starting with ';' or '#' are skipped.
 * Sets pc->line.  Returns as parse_str() at the first failing record.
 */
int parse_buf(struct pctx *pc, const char *buf, size_t len, uint32_t tmpl,
    bool from0);

/*
 * Stores in *pc->err the message for the malformed rule T (FMT: why,
 * printf style), located as pc->from allows, and returns -EINVAL.
 */
int parse_bad_rule(struct pctx *pc, const struct tok *t, const char *fmt,
    ...);

/* ---------------------------------------------------------------------
 * filter_rules.c: rules in memory.
 */

/* Appends a copy of *R (taking over its pattern and slot reference). */
void ruleset_push(struct ruleset *rs, const struct rule *r);
/* Removes every rule, keeping the array. */
void ruleset_clear(struct ruleset *rs);
/* Removes every rule and frees the array; RS is empty afterwards. */
void ruleset_free(struct ruleset *rs);

/* Reference counts; each _unref accepts NULL (slot_ref does not).  These
 * are thread-safe: layers share them across threads. */
struct slotdef *slot_ref(struct slotdef *d);
void slot_unref(struct slotdef *d);
struct chain *chain_ref(struct chain *c);
void chain_unref(struct chain *c);
void froot_unref(struct froot *r);

/*
 * rsync's add_rule() for a pattern rule: the pattern PAT (LEN bytes) of
 * rule T with flags F, its matching flags derived, into pc->rs.  Returns
 * 0, or parse_bad_rule()'s -EINVAL for a malformed pattern.
 */
int rules_add_pattern(struct pctx *pc, const struct tok *t, const char *pat,
    size_t len, uint32_t f);

/* A dir-merge rule: a new slot for SPEC (malloc'ed; taken over) with
 * flags F, unless a file of that name is already active. */
void rules_add_perdir(struct pctx *pc, char *spec, uint32_t f);

/* In a push (PS not NULL), the slots that rules of RS defined go away
 * with them. */
void rules_drop_slots(struct push *ps, const struct ruleset *rs);

/* The '!' rule: the current list goes, inherited rules included. */
void rules_clear(struct pctx *pc);

/* ---------------------------------------------------------------------
 * filter_merge.c: rule files read while parsing.
 */

/*
 * PATH ("-": standard input) into a malloc'ed buffer: 0 or -errno.  An
 * operator path: a symlink owned by another user is not followed
 * (oppath.c); -EPERM then.
 */
int merge_read_path(const struct filter_list *fl, const char *path,
    char **data, size_t *len);

/* The reason a rule file could not be read (RC from merge_read_path() or
 * a reader), for messages.  Not to be freed. */
const char *merge_strerror(int rc);

/* Where the merge file PAT (LEN bytes) named by a '.' rule is, as rsync
 * resolves it.  Returns a malloc'ed path. */
char *merge_path(const struct pctx *pc, const char *pat, size_t len);

/*
 * A '.' rule T: reads PATH (malloc'ed; taken over) now and parses it
 * with template F.  Returns 0, a read error (-errno, with a message),
 * FILTER_DEPTH_EXCEEDED, or the parse's -EINVAL.
 */
int merge_file(struct pctx *pc, const struct tok *t, char *path,
    uint32_t f);

/*
 * A "-C" rule with FLAGS: loads the CVS names into fl->cvs the first
 * time (thread-safe: under cvs_lock after the build).  Returns 0, or the
 * first parse error of that one load.
 */
int merge_load_cvs(struct pctx *pc, uint32_t flags);

/* ---------------------------------------------------------------------
 * filter_layer.c: directories.
 */

/*
 * clean(BASE "/" REL), or clean(REL) when REL (RLEN bytes) is absolute:
 * lexically, no ".", no empty components, ".." removes the previous
 * component (not past "/").  Returns a malloc'ed string ("/" for the
 * root).  Thread-safe.
 */
char *layer_join_abs(const char *base, const char *rel, size_t rlen);

/* ---------------------------------------------------------------------
 * Small helpers.
 */

static inline char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = xstrdup("out of memory formatting a message");
	va_end(ap);
	return s;
}

/* Hands MSG (malloc'ed) to the caller through ERR, or frees it. */
static inline void set_err(char **err, char *msg)
{
	if (err != NULL)
		*err = msg;
	else
		free(msg);
}

/* The last component of S (LEN bytes): a pointer into it. */
static inline const char *base_name(const char *s, size_t len)
{
	const char *p = s + len;

	while (p > s && p[-1] != '/')
		p--;
	return p;
}

#endif /* TS_FILTER_INT_H */
