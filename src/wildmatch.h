/*
 * wildmatch.h -- rsync's wildcard matcher: one pattern against one string.
 *
 * The semantics are those of rsync 3.5.0's lib/wildmatch.c: '*' matches
 * any run of characters but '/', two or more '*' match anything, '?' one
 * character but '/', "[...]" a class ('!' or '^' negates; ranges;
 * "[:alpha:]" and the other POSIX names, ASCII only; a class never
 * matches '/'), and '\' makes the next character literal.  A pattern
 * always matches all of the text it is given: there is no implicit
 * anchoring or "match anywhere" except what wildmatch_where() is asked
 * for.  A malformed pattern (an unterminated '[', an unknown class name,
 * a trailing '\') never matches, as in rsync.
 *
 * The matcher knows nothing about filter rules: which part of a path a
 * rule's pattern is matched against is decided by the caller (filter.c).
 *
 * Usage:
 *
 *	if (wildmatch_problem(pat) != NULL) reject the rule;
 *	wildmatch("*.c", "x.c");				// true
 *	wildmatch("*.c", "d/x.c");				// false
 *	wildmatch_where("d/x.?", "a/d/x.c", 2);			// true
 *	wildmatch_where("d/x**", "a/d/x/y", WILDMATCH_ANY_TAIL); // true
 *
 * Every function is pure and thread-safe; none allocates.
 */
#ifndef TS_WILDMATCH_H
#define TS_WILDMATCH_H

#include <stdbool.h>

/* Which part of TEXT wildmatch_where() matches (rsync's "where"). */
enum {
	WILDMATCH_WHOLE = 0,	/* all of TEXT */
	WILDMATCH_ANY_TAIL = -1, /* all of TEXT, or any part of it that
				 * starts after a '/' */
	/* N > 0: the last N '/'-separated elements of TEXT */
};

/*
 * NULL when PATTERN is well-formed, else why not, in words fit for an
 * error message ("unterminated '[' in pattern").  Thread-safe.
 */
const char *wildmatch_problem(const char *pattern);

/* True when PATTERN matches all of TEXT; false for a malformed PATTERN.
 * Thread-safe. */
bool wildmatch(const char *pattern, const char *text);

/*
 * True when PATTERN matches the part of TEXT that WHERE names (see the
 * enum above; N > 0 and TEXT with fewer elements: false).  A malformed
 * PATTERN never matches.  For WILDMATCH_ANY_TAIL the search stops early
 * where no later start can match.  Thread-safe.
 */
bool wildmatch_where(const char *pattern, const char *text, int where);

/*
 * The start of the last N (> 0) '/'-separated elements of TEXT (a
 * pointer into it), or NULL when TEXT has fewer.  Thread-safe.
 */
const char *wildmatch_last_elements(const char *text, unsigned n);

#endif /* TS_WILDMATCH_H */
