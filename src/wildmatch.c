/*
 * wildmatch.c -- rsync's wildcard matcher, on its own.
 *
 * Owns the pattern language: '*', '**', '?', "[...]" classes and
 * backslash escapes, and rsync's three ways of laying a pattern over a
 * path (wildmatch_where).  Must not know about filter rules, allocate,
 * or depend on the locale: it is called for every rule and every path
 * from many threads at once.
 *
 * The matcher is rsync's wildmatch semantics, written afresh: '*' and
 * '?' and classes never match '/', two or more '*' match anything, a
 * class is "[...]" with '!' or '^' negation, ranges, "[:name:]" and
 * backslash escapes, and the search gives up early (ABORT) where no later
 * start can match.  Where rsync silently never matches a malformed
 * pattern (an unterminated '[', an unknown [:class:], a trailing '\'),
 * the matcher does the same; wildmatch_problem() names the fault, so that
 * adding such a rule can be an error instead (filter_rules.c).
 */
#include "wildmatch.h"

#include "util.h"

#include <ctype.h>
#include <stddef.h>
#include <string.h>

enum {
	WM_NO = 0,
	WM_YES = 1,
	WM_ABORT = -1,		/* no later start position can match */
	WM_ABORT_TO_SS = -2,	/* only a "**" further out can help */
};

/* The classification function of class NAME (LEN bytes), or NULL when
 * there is no such class. */
static int (*class_fn(const char *name, size_t len))(int)
{
	static const struct {
		const char *name;
		int (*fn)(int);
	} classes[] = {
		{ "alnum", isalnum }, { "alpha", isalpha },
		{ "blank", isblank }, { "cntrl", iscntrl },
		{ "digit", isdigit }, { "graph", isgraph },
		{ "lower", islower }, { "print", isprint },
		{ "punct", ispunct }, { "space", isspace },
		{ "upper", isupper }, { "xdigit", isxdigit },
	};
	size_t i;

	for (i = 0; i < TS_ARRAY_SIZE(classes); i++) {
		if (strlen(classes[i].name) == len &&
		    memcmp(classes[i].name, name, len) == 0)
			return classes[i].fn;
	}
	return NULL;
}

/* ASCII classification: the same answers in the C and UTF-8 locales,
 * and thread-safe without a locale.  FN is a known class's function. */
static bool class_has(int (*fn)(int), int c)
{
	return c >= 0 && c < 0x80 && fn(c) != 0;
}

enum class_err { CL_OK, CL_UNTERMINATED, CL_BADNAME };

/*
 * Reads the class at **PP ('['), leaving *PP on its closing ']', and
 * tells whether C (a byte, or -1 to only check the syntax) is in it.
 * A class never matches '/'.
 */
static enum class_err read_class(const unsigned char **pp, int c, bool *hit)
{
	const unsigned char *p = *pp + 1;
	bool neg = false, in = false, first = true;
	int prev = 0;		/* a possible range start; 0: none */

	if (*p == '!' || *p == '^') {
		neg = true;
		p++;
	}
	for (;; p++, first = false) {
		int ch = *p;

		if (ch == ']' && !first)
			break;
		if (ch == '\0')
			return CL_UNTERMINATED;
		if (ch == '\\') {
			ch = *++p;
			if (ch == '\0')
				return CL_UNTERMINATED;
			in |= c == ch;
			prev = ch;
		} else if (ch == '-' && prev != 0 && p[1] != '\0' &&
		    p[1] != ']') {
			int hi = *++p;

			if (hi == '\\') {
				hi = *++p;
				if (hi == '\0')
					return CL_UNTERMINATED;
			}
			in |= c >= prev && c <= hi;
			prev = 0;
		} else if (ch == '[' && p[1] == ':') {
			const unsigned char *name = p + 2, *e = name;
			int (*fn)(int);

			while (*e != '\0' && *e != ']')
				e++;
			if (*e == '\0')
				return CL_UNTERMINATED;
			if (e == name || e[-1] != ':') {
				/* Not "[:name:]": a plain '['. */
				in |= c == '[';
				prev = '[';
				continue;
			}
			fn = class_fn((const char *)name,
			    (size_t)(e - name - 1));
			if (fn == NULL)
				return CL_BADNAME;
			in |= class_has(fn, c);
			p = e;
			prev = 0;
		} else {
			in |= c == ch;
			prev = ch;
		}
	}
	*pp = p;
	*hit = in != neg && c != '/';
	return CL_OK;
}

static int wm(const unsigned char *p, const unsigned char *t);

/* P is on a '*': match the rest of P against some suffix of T. */
static int wm_star(const unsigned char *p, const unsigned char *t)
{
	bool any = p[1] == '*';	/* "**" crosses '/' */

	while (*p == '*')
		p++;
	if (*p == '\0') {
		if (any || strchr((const char *)t, '/') == NULL)
			return WM_YES;
		return WM_NO;
	}
	for (; *t != '\0'; t++) {
		int r = wm(p, t);

		if (r != WM_NO) {
			if (!any || r != WM_ABORT_TO_SS)
				return r;
		} else if (!any && *t == '/') {
			return WM_ABORT_TO_SS;
		}
	}
	return WM_ABORT;
}

/*
 * Matches pattern P against all of T.  A malformed part of P returns
 * WM_ABORT when it is reached, so a malformed pattern never matches.
 */
static int wm(const unsigned char *p, const unsigned char *t)
{
	for (; *p != '\0'; p++, t++) {
		bool hit;

		if (*t == '\0' && *p != '*')
			return WM_ABORT;
		switch (*p) {
		case '*':
			return wm_star(p, t);
		case '?':
			if (*t == '/')
				return WM_NO;
			break;
		case '[':
			if (read_class(&p, *t, &hit) != CL_OK)
				return WM_ABORT;
			if (!hit)
				return WM_NO;
			break;
		case '\\':
			p++;
			if (*p == '\0')
				return WM_ABORT;
			/* FALLTHROUGH */
		default:
			if (*t != *p)
				return WM_NO;
			break;
		}
	}
	return *t == '\0' ? WM_YES : WM_NO;
}

const char *wildmatch_problem(const char *pattern)
{
	const unsigned char *p = (const unsigned char *)pattern;
	bool hit;

	for (; *p != '\0'; p++) {
		if (*p == '\\') {
			if (*++p == '\0')
				return "pattern ends with a lone backslash";
		} else if (*p == '[') {
			switch (read_class(&p, -1, &hit)) {
			case CL_OK:
				break;
			case CL_UNTERMINATED:
				return "unterminated '[' in pattern";
			case CL_BADNAME:
				return "unknown character class in '[[:...:]]'";
			}
		}
	}
	return NULL;
}

bool wildmatch(const char *pattern, const char *text)
{
	if (wildmatch_problem(pattern) != NULL)
		return false;
	return wm((const unsigned char *)pattern,
	    (const unsigned char *)text) == WM_YES;
}

const char *wildmatch_last_elements(const char *text, unsigned n)
{
	const char *p = text + strlen(text);

	while (p > text) {
		p--;
		if (*p == '/' && --n == 0)
			return p + 1;
	}
	return n == 1 ? text : NULL;
}

bool wildmatch_where(const char *pattern, const char *text, int where)
{
	const unsigned char *up = (const unsigned char *)pattern;
	const char *q;
	int res;

	if (where > 0) {
		text = wildmatch_last_elements(text, (unsigned)where);
		if (text == NULL)
			return false;
	}
	res = wm(up, (const unsigned char *)text);
	if (res == WM_YES)
		return true;
	if (where >= 0 || res == WM_ABORT)
		return false;
	for (q = text; *q != '\0'; q++) {
		if (*q != '/')
			continue;
		res = wm(up, (const unsigned char *)q + 1);
		if (res == WM_YES)
			return true;
		if (res == WM_ABORT)
			return false;
	}
	return false;
}
