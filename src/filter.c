/*
 * filter.c -- rsync's filter rules: the parser, the wildcard matcher,
 * per-directory merge layers, and the include/exclude decision.
 *
 * Owns everything about filter rules, with rsync 3.5.0's semantics as the
 * specification (man rsync, FILTER RULES and after; where the manual is
 * silent, what rsync does).  Must not touch the tree being synchronised:
 * the only I/O is reading rule files while the global list is built (the
 * CLI's --exclude-from and friends, '.' merge rules, $HOME/.cvsignore);
 * per-directory files are read by the engine through a filter_reader.
 *
 * The model.  rsync keeps one ordered list of rules.  A "dir-merge" rule
 * (':') in that list stands for the rules of the per-directory file of
 * that name: in directory D, those are D's file's rules followed by the
 * ones inherited from D's parent (unless the rule says 'n'), so deeper
 * files win, and the whole group sits where the dir-merge rule is, so
 * global rules before it beat them.  rsync mutates its lists as it walks
 * (push and pop); we cannot, since many threads walk different
 * directories at once.  So:
 *
 *  - a "chain" is an immutable, reference-counted list node: the rules
 *    read from one file in one directory, and a pointer to the inherited
 *    chain (the parent directory's).  Inheritance is sharing a tail;
 *  - a "slot" is one active per-directory file name (a dir-merge rule);
 *    dir-merge rules inside per-directory files add slots below the
 *    directory that names them, as rsync does;
 *  - a layer is, for one directory, the chain of every active slot.  A
 *    directory without merge files gets its parent's layer back (a
 *    reference count), so what is alive is proportional to the
 *    directories in flight, never to the tree.
 *
 * Evaluation walks the global rules; a dir-merge rule walks its slot's
 * chain in the layer.  First match wins.  Sides (sender/receiver),
 * --delete-excluded and perishable rules are decided at evaluation time
 * from the rule's explicit modifiers, which is what rsync's removal of
 * other-side rules from each process's list amounts to.
 *
 * Anchoring.  A leading '/' anchors a global pattern at the transfer
 * root; in a per-directory file it anchors at that file's directory.
 * rsync implements the latter by prefixing the directory's absolute path
 * to the pattern (so a '[' in a directory name becomes a wildcard); we
 * keep the pattern and strip the directory's prefix from the path
 * instead (or, for parent directories above the transfer root, prepend
 * the missing components), which is what was meant.
 *
 * The matcher is rsync's wildmatch semantics, written afresh: '*' and
 * '?' and classes never match '/', two or more '*' match anything, a
 * class is "[...]" with '!' or '^' negation, ranges, "[:name:]" and
 * backslash escapes, and the search gives up early (ABORT) where no later
 * start can match.  Where rsync silently never matches a malformed
 * pattern (an unterminated '[', an unknown [:class:], a trailing '\'),
 * adding the rule is an error instead.
 */
#define _GNU_SOURCE
#include "filter.h"

#include "oppath.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Rule flags: what the rule text said, then what add_pattern() derived. */
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

#define MAX_MERGE_DEPTH 32	/* rsync's limit */

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
	unsigned oppath_opts;	/* --insecure-links: enum oppath_opts */
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

static int parse_buf(struct pctx *pc, const char *buf, size_t len,
    uint32_t tmpl, bool from0);
static int load_cvs(struct pctx *pc, uint32_t flags);

/* ---------------------------------------------------------------------
 * Small helpers.
 */

static char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

static char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = xstrdup("out of memory formatting a message");
	va_end(ap);
	return s;
}

static void set_err(char **err, char *msg)
{
	if (err != NULL)
		*err = msg;
	else
		free(msg);
}

/*
 * Lexically cleans an absolute path: no ".", no empty components, ".."
 * removes the previous component (not past "/").  Returns a malloc'ed
 * string ("/" for the root).
 */
static char *clean_abs(const char *path)
{
	size_t n = strlen(path);
	char *out = xmalloc(n + 2);
	size_t o = 0;
	const char *p = path;

	while (*p != '\0') {
		const char *c;
		size_t cl;

		while (*p == '/')
			p++;
		c = p;
		while (*p != '\0' && *p != '/')
			p++;
		cl = (size_t)(p - c);
		if (cl == 0 || (cl == 1 && c[0] == '.'))
			continue;
		if (cl == 2 && c[0] == '.' && c[1] == '.') {
			while (o > 0 && out[o - 1] != '/')
				o--;
			if (o > 0)
				o--;
			continue;
		}
		out[o++] = '/';
		memcpy(out + o, c, cl);
		o += cl;
	}
	if (o == 0)
		out[o++] = '/';
	out[o] = '\0';
	return out;
}

/* clean_abs(BASE "/" REL), or clean_abs(REL) when REL is absolute. */
static char *join_abs(const char *base, const char *rel, size_t rlen)
{
	char *t, *r;

	if (rlen > 0 && rel[0] == '/')
		t = xstrndup(rel, rlen);
	else
		t = xasprintf("%s/%.*s", base, (int)rlen, rel);
	r = clean_abs(t);
	free(t);
	return r;
}

/* True when absolute cleaned path A is B or a directory above it. */
static bool is_ancestor_or_self(const char *a, const char *b)
{
	size_t n = strlen(a);

	if (strcmp(a, "/") == 0)
		return true;
	return strncmp(a, b, n) == 0 && (b[n] == '\0' || b[n] == '/');
}

static const char *base_name(const char *s, size_t len)
{
	const char *p = s + len;

	while (p > s && p[-1] != '/')
		p--;
	return p;
}

/* ---------------------------------------------------------------------
 * The wildcard matcher.
 */

enum {
	WM_NO = 0,
	WM_YES = 1,
	WM_ABORT = -1,		/* no later start position can match */
	WM_ABORT_TO_SS = -2,	/* only a "**" further out can help */
};

/* ASCII classification: the same answers in the C and UTF-8 locales,
 * and thread-safe without a locale. */
static bool class_has(const char *name, size_t len, int c)
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
			return c >= 0 && c < 0x80 && classes[i].fn(c) != 0;
	}
	return false;
}

static bool class_known(const char *name, size_t len)
{
	static const char *const names[] = {
		"alnum", "alpha", "blank", "cntrl", "digit", "graph",
		"lower", "print", "punct", "space", "upper", "xdigit",
	};
	size_t i;

	for (i = 0; i < TS_ARRAY_SIZE(names); i++) {
		if (strlen(names[i]) == len && memcmp(names[i], name, len) == 0)
			return true;
	}
	return false;
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
			if (!class_known((const char *)name,
			    (size_t)(e - name - 1)))
				return CL_BADNAME;
			in |= class_has((const char *)name,
			    (size_t)(e - name - 1), c);
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

/* Matches pattern P against all of T.  P has been validated. */
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

/* NULL if PAT (a wildcard pattern) is well-formed, else why not. */
static const char *pattern_problem(const char *pat)
{
	const unsigned char *p = (const unsigned char *)pat;
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

bool filter_wildmatch(const char *pattern, const char *text)
{
	if (pattern_problem(pattern) != NULL)
		return false;
	return wm((const unsigned char *)pattern,
	    (const unsigned char *)text) == WM_YES;
}

/*
 * The start of the last N '/'-separated elements of S, or NULL when S
 * has fewer.
 */
static const char *last_elements(const char *s, unsigned n)
{
	const char *p = s + strlen(s);

	while (p > s) {
		p--;
		if (*p == '/' && --n == 0)
			return p + 1;
	}
	return n == 1 ? s : NULL;
}

/*
 * rsync's three ways to apply a pattern to a path: WHERE 0 matches the
 * whole of S, N > 0 its last N elements, -1 the whole or any part that
 * starts after a '/'.
 */
static bool match_where(const struct rule *r, const char *pat, const char *s,
    int where)
{
	const unsigned char *up = (const unsigned char *)pat;
	const char *q;
	int res;

	if (where > 0) {
		s = last_elements(s, (unsigned)where);
		if (s == NULL)
			return false;
	}
	if (!(r->flags & R_WILD))
		return strcmp(pat, s) == 0;
	res = wm(up, (const unsigned char *)s);
	if (res == WM_YES)
		return true;
	if (where >= 0 || res == WM_ABORT)
		return false;
	for (q = s; *q != '\0'; q++) {
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

/* ---------------------------------------------------------------------
 * Rules, slots, chains.
 */

static void slot_unref(struct slotdef *d)
{
	if (d == NULL || atomic_fetch_sub(&d->refs, 1) != 1)
		return;
	free(d->name);
	free(d->spec);
	free(d);
}

static struct slotdef *slot_ref(struct slotdef *d)
{
	atomic_fetch_add(&d->refs, 1);
	return d;
}

static void ruleset_clear(struct ruleset *rs)
{
	size_t i;

	for (i = 0; i < rs->n; i++) {
		free(rs->v[i].pat);
		slot_unref(rs->v[i].slot);
	}
	rs->n = 0;
}

static void ruleset_free(struct ruleset *rs)
{
	ruleset_clear(rs);
	free(rs->v);
	rs->v = NULL;
	rs->cap = 0;
}

static void ruleset_push(struct ruleset *rs, const struct rule *r)
{
	if (rs->n == rs->cap) {
		rs->cap = rs->cap ? rs->cap * 2 : 8;
		rs->v = xrealloc(rs->v, rs->cap * sizeof(*rs->v));
	}
	rs->v[rs->n++] = *r;
}

static void chain_unref(struct chain *c)
{
	while (c != NULL && atomic_fetch_sub(&c->refs, 1) == 1) {
		struct chain *next = c->next;

		ruleset_free(&c->rs);
		free(c->strip);
		free(c->prepend);
		free(c);
		c = next;
	}
}

static struct chain *chain_ref(struct chain *c)
{
	if (c != NULL)
		atomic_fetch_add(&c->refs, 1);
	return c;
}

static void root_unref(struct froot *r)
{
	if (r == NULL || atomic_fetch_sub(&r->refs, 1) != 1)
		return;
	free(r->abs);
	free(r);
}

/* ---------------------------------------------------------------------
 * Errors.
 */

static int bad_rule(struct pctx *pc, const struct tok *t, const char *fmt,
    ...)
{
	va_list ap;
	char *why, *where, *q;

	va_start(ap, fmt);
	if (vasprintf(&why, fmt, ap) < 0)
		why = NULL;
	va_end(ap);
	switch (pc->line > 0 ? pc->from : FROM_ARG) {
	case FROM_ARG:
		set_err(pc->err, xasprintf("invalid filter rule '%.*s' (%s): "
		    "%s", (int)t->textlen, t->text, pc->origin,
		    why ? why : "out of memory"));
		free(why);
		return -EINVAL;
	case FROM_ARGFILE:
		where = xasprintf("%s line %u", pc->origin, pc->line);
		break;
	case FROM_NESTED:
		where = xasprintf("a file named at %s", pc->named_at);
		break;
	default:
		where = xasprintf("a file read earlier (per-directory merge "
		    "file %s line %u)", pc->origin, pc->line);
		break;
	}
	/* Neither the rule's text nor a piece of it is shown: it is a
	 * file's content.  The reason keeps its words, not its quotes. */
	if (why && (q = strchr(why, '\'')) != NULL) {
		while (q > why && (q[-1] == ' ' || q[-1] == '('))
			q--;
		*q = '\0';
	}
	set_err(pc->err, xasprintf("invalid filter rule from %s: %s", where,
	    why ? why : "out of memory"));
	free(where);
	free(why);
	return -EINVAL;
}

/* ---------------------------------------------------------------------
 * Adding rules.
 */

/* rsync's add_rule() for a pattern rule: derive the matching flags. */
static int add_pattern(struct pctx *pc, const struct tok *t, const char *pat,
    size_t len, uint32_t f)
{
	struct rule r = { 0 };
	const char *why;
	size_t i;

	if (len > 1 && pat[len - 1] == '/') {
		len--;
		f |= R_DIRONLY;
	}
	if (len >= PATH_MAX)
		return bad_rule(pc, t, "pattern longer than %d bytes",
		    PATH_MAX - 1);
	if (!(f & (R_ABS | R_MERGE)) && (pc->xf & X_DIR_ANCHOR) &&
	    len > 0 && pat[0] == '/')
		f |= R_DIR_ANCHOR;
	r.pat = xstrndup(pat, len);
	for (i = 0; i < len; i++)
		r.slash_cnt += r.pat[i] == '/';
	if (strpbrk(r.pat, "*?[") != NULL) {
		f |= R_WILD;
		if (strstr(r.pat, "**") != NULL) {
			f |= R_WILD2;
			if (r.pat[0] == '*' && r.pat[1] == '*')
				f |= R_WILD2_PREFIX;
			if (len >= 3 && strcmp(r.pat + len - 3, "***") == 0)
				f |= R_WILD3_SUFFIX;
		}
		if (!(f & R_CVS) && (why = pattern_problem(r.pat)) != NULL) {
			free(r.pat);
			return bad_rule(pc, t, "%s", why);
		}
	}
	r.flags = f;
	if ((f & R_XATTR) && pc->build != NULL)
		pc->build->xattr = true;
	ruleset_push(pc->rs, &r);
	return 0;
}

/* Is a per-directory file of this name already active? */
static bool slot_active(const struct pctx *pc, const char *name)
{
	size_t i;

	if (pc->ps != NULL) {
		for (i = 0; i < pc->ps->n; i++) {
			if (strcmp(pc->ps->s[i].def->name, name) == 0)
				return true;
		}
		return false;
	}
	for (i = 0; i < pc->rs->n; i++) {
		const struct rule *r = &pc->rs->v[i];

		if ((r->flags & R_PERDIR) && strcmp(r->slot->name, name) == 0)
			return true;
	}
	return false;
}

/* A dir-merge rule: a new slot (unless its name is already active). */
static void add_perdir(struct pctx *pc, char *spec, uint32_t f)
{
	size_t len = strlen(spec);
	struct slotdef *d;
	struct rule r = { 0 };
	const char *name;

	if (len > 1 && spec[len - 1] == '/') {
		spec[--len] = '\0';
		f |= R_DIRONLY;
	}
	name = base_name(spec, len);
	if (slot_active(pc, name)) {
		/* rsync: "If the local merge file was already mentioned,
		 * don't add it again." */
		free(spec);
		return;
	}
	d = xcalloc(1, sizeof(*d));
	atomic_init(&d->refs, 1);
	d->flags = f;
	d->name = xstrdup(name);
	d->spec = spec;
	r.pat = xstrdup(spec);
	r.flags = f;
	r.slot = d;
	ruleset_push(pc->rs, &r);
	if (pc->ps != NULL) {
		struct push *ps = pc->ps;

		if (ps->n == ps->cap) {
			ps->cap = ps->cap ? ps->cap * 2 : 4;
			ps->s = xrealloc(ps->s, ps->cap * sizeof(*ps->s));
		}
		ps->s[ps->n].def = slot_ref(d);
		ps->s[ps->n].chain = NULL;
		ps->s[ps->n].ready = false;
		ps->n++;
	}
}

/* In a push, the slots that rules of RS defined go away with them. */
static void drop_slots_of(struct push *ps, const struct ruleset *rs)
{
	size_t i, j;

	if (ps == NULL)
		return;
	for (i = 0; i < rs->n; i++) {
		if (!(rs->v[i].flags & R_PERDIR))
			continue;
		for (j = 0; j < ps->n; j++) {
			if (ps->s[j].def != rs->v[i].slot)
				continue;
			slot_unref(ps->s[j].def);
			chain_unref(ps->s[j].chain);
			memmove(&ps->s[j], &ps->s[j + 1],
			    (ps->n - j - 1) * sizeof(*ps->s));
			ps->n--;
			break;
		}
	}
}

/* The '!' rule: the current list goes, inherited rules included. */
static void clear_list(struct pctx *pc)
{
	drop_slots_of(pc->ps, pc->rs);
	ruleset_clear(pc->rs);
	if (pc->cleared != NULL)
		*pc->cleared = true;
}

/* ---------------------------------------------------------------------
 * Reading rule files (the list build only).
 */

/*
 * PATH ("-": standard input) into a malloc'ed buffer: 0 or -errno.  An
 * operator path: a symlink owned by another user is not followed
 * (oppath.c); -EPERM then.
 */
static int read_path(const struct filter_list *fl, const char *path,
    char **data, size_t *len)
{
	uid_t bad = (uid_t)-1;
	int fd, rc;

	if (strcmp(path, "-") == 0)
		return util_read_fd(STDIN_FILENO, data, len);
	fd = oppath_open(AT_FDCWD, path, O_RDONLY, 0, fl->oppath_opts, &bad);
	if (fd < 0)
		return fd == -ELOOP && bad != (uid_t)-1 ? -EPERM : fd;
	rc = util_read_fd(fd, data, len);
	close(fd);
	return rc;
}

/* The reason a rule file could not be read, for messages. */
static const char *read_error(int rc)
{
	if (rc == OPPATH_NOT_REGULAR)
		return "not a regular file";
	return rc == -EPERM ? "refusing to follow a symlink owned by an "
	    "untrusted user (--insecure-links follows it)" : strerror(-rc);
}

/*
 * A merge file's name, as rsync resolves it: while the list is built,
 * as given (relative to the current directory); in a parent scan,
 * relative to the directory scanned; in a push, absolute names as they
 * are, names with a '/' relative to the directory entered, and bare
 * names relative to the transfer root (rsync's working directory).
 */
static char *merge_path(const struct pctx *pc, const char *pat, size_t len)
{
	if (pc->ps == NULL)
		return xstrndup(pat, len);
	if (pc->scan_abs != NULL)
		return join_abs(pc->scan_abs, pat, len);
	if (memchr(pat, '/', len) != NULL)
		return join_abs(pc->ps->d_abs, pat, len);
	return join_abs(pc->ps->root->abs, pat, len);
}

/* A '.' rule: reads PATH now and parses it with template F. */
static int merge_file(struct pctx *pc, const struct tok *t, char *path,
    uint32_t f)
{
	struct pctx sub = *pc;
	char *named;
	char *data = NULL;
	size_t len = 0;
	int rc;

	if (pc->depth >= MAX_MERGE_DEPTH) {
		/* rsync's words and its exit code (11: file I/O). */
		(void)t;
		set_err(pc->err, xasprintf("merge-file include depth limit "
		    "(%d) exceeded at '%s'", MAX_MERGE_DEPTH, path));
		free(path);
		return FILTER_DEPTH_EXCEEDED;
	}
	if (pc->ps != NULL)
		rc = pc->ps->rd->read(pc->ps->rd->arg, path, false, &data,
		    &len);
	else
		rc = read_path(pc->fl, path, &data, &len);
	if (rc < 0) {
		/* A name that comes from a file's content is not echoed. */
		if (pc->from == FROM_ARG)
			set_err(pc->err, xasprintf("cannot read merge file "
			    "'%s': %s", path, read_error(rc)));
		else if (pc->from == FROM_ARGFILE)
			set_err(pc->err, xasprintf("cannot read the merge file "
			    "named at %s line %u: %s", pc->origin, pc->line,
			    read_error(rc)));
		else
			set_err(pc->err, xasprintf("cannot read a merge file "
			    "named in a file read earlier: %s",
			    read_error(rc)));
		free(path);
		return rc;
	}
	/* Rules merged this way are anchored at the transfer root even
	 * inside a per-directory file (rsync reads them without its
	 * ANCHORED2ABS flag). */
	sub.xf = 0;
	sub.origin = path;
	sub.line = 1;
	sub.depth = pc->depth + 1;
	named = NULL;
	if (pc->from == FROM_ARG) {
		sub.from = FROM_ARGFILE;
	} else if (pc->from == FROM_ARGFILE) {
		sub.from = FROM_NESTED;
		sub.named_at = named = xasprintf("%s line %u", pc->origin,
		    pc->line);
	}
	rc = parse_buf(&sub, data, len, f, pc->fl->from0);
	free(named);
	free(data);
	free(path);
	return rc;
}

/* ---------------------------------------------------------------------
 * The rule parser.
 */

static const struct {
	const char *name;
	char ch;
} rule_names[] = {
	{ "clear", '!' }, { "dir-merge", ':' }, { "exclude", '-' },
	{ "hide", 'H' }, { "include", '+' }, { "merge", '.' },
	{ "protect", 'P' }, { "risk", 'R' }, { "show", 'S' },
};

/*
 * Reads the rule type at *SP.  A rule that starts with the first letter
 * of a long name must be that name, followed by a space, '_', ',' or
 * the end; then *SP is left on the last letter (or on the ','), so that
 * the modifier scan starts after it.  Anything else is a one-letter
 * rule, optionally followed by ','.  Returns the rule letter, or 0.
 */
static int rule_type(const unsigned char **sp)
{
	const unsigned char *s = *sp;
	size_t i;

	for (i = 0; i < TS_ARRAY_SIZE(rule_names); i++) {
		size_t n = strlen(rule_names[i].name);

		if (*s != (unsigned char)rule_names[i].name[0])
			continue;
		if (strncmp((const char *)s, rule_names[i].name, n) != 0)
			return 0;
		if (isspace(s[n]) || s[n] == '_' || s[n] == '\0')
			*sp = s + n - 1;
		else if (s[n] == ',')
			*sp = s + n;
		else
			return 0;
		return rule_names[i].ch;
	}
	if (s[1] == ',')
		*sp = s + 1;
	return *s;
}

/* One modifier letter M of the rule in *T (rsync's checks, our words). */
static int add_modifier(struct pctx *pc, struct tok *t, int m,
    bool side_prefix)
{
	uint32_t f = t->flags;

	switch (m) {
	case '-':
	case '+':
		if (!(f & R_MERGE))
			return bad_rule(pc, t, "modifier '%c' is only valid on "
			    "a merge rule", m);
		if (f & R_NO_PREFIXES)
			return bad_rule(pc, t, "modifier '%c' conflicts with "
			    "an earlier '-', '+' or 'C'", m);
		f |= R_NO_PREFIXES | (m == '+' ? R_INCLUDE : 0);
		break;
	case '/':
		f |= R_ABS;
		break;
	case '!':
		/* Negation goes with a pattern, not with a file of them. */
		if (f & R_MERGE)
			return bad_rule(pc, t, "a merge rule cannot be negated "
			    "with '!'");
		f |= R_NEGATE;
		break;
	case 'C':
		if (f & R_NO_PREFIXES)
			return bad_rule(pc, t, "modifier 'C' conflicts with an "
			    "earlier '-' or '+'");
		if (side_prefix)
			return bad_rule(pc, t, "modifier 'C' is not valid on "
			    "hide/show/protect/risk rules");
		f |= R_NO_PREFIXES | R_WORD_SPLIT | R_NO_INHERIT | R_CVS;
		break;
	case 'e':
	case 'n':
	case 'w':
		if (!(f & R_MERGE))
			return bad_rule(pc, t, "modifier '%c' is only valid on "
			    "a merge rule", m);
		f |= m == 'e' ? R_EXCLUDE_SELF :
		    m == 'n' ? R_NO_INHERIT : R_WORD_SPLIT;
		break;
	case 'p':
		f |= R_PERISH;
		break;
	case 'r':
	case 's':
		if (side_prefix)
			return bad_rule(pc, t, "modifier '%c' is not valid on "
			    "hide/show/protect/risk rules (they already choose "
			    "a side)", m);
		f |= m == 's' ? R_SENDER : R_RECEIVER;
		break;
	case 'x':
		f |= R_XATTR;
		break;
	default:
		if (isprint(m))
			return bad_rule(pc, t, "unknown modifier '%c'", m);
		return bad_rule(pc, t, "unknown modifier '\\x%02x'", m);
	}
	t->flags = f;
	return 0;
}

/*
 * The modifiers after the rule type, up to the ' ' or '_' that ends
 * them; *SP is on the character before the first one and is left on the
 * pattern.
 */
static int read_modifiers(struct pctx *pc, struct tok *t,
    const unsigned char **sp, uint32_t tmpl, bool side_prefix)
{
	const unsigned char *s = *sp;
	int rc;

	while (*++s != '\0' && *s != ' ' && *s != '_') {
		if ((tmpl & R_WORD_SPLIT) && isspace(*s)) {
			s--;
			break;
		}
		rc = add_modifier(pc, t, *s, side_prefix);
		if (rc < 0)
			return rc;
	}
	if (*s != '\0')
		s++;
	*sp = s;
	return 0;
}

/* The full syntax: "RULE[,MODIFIERS] PATTERN". */
static int read_rule_head(struct pctx *pc, struct tok *t,
    const unsigned char **sp, uint32_t tmpl)
{
	const unsigned char *s = *sp;
	bool side_prefix = false;
	int ch = rule_type(&s);

	switch (ch) {
	case ':':
		t->flags |= R_PERDIR | R_MERGE;
		break;
	case '.':
		t->flags |= R_MERGE;
		break;
	case '+':
		t->flags |= R_INCLUDE;
		break;
	case '-':
		break;
	case 'S':
		t->flags |= R_INCLUDE;
		/* FALLTHROUGH */
	case 'H':
		t->flags |= R_SENDER;
		side_prefix = true;
		break;
	case 'R':
		t->flags |= R_INCLUDE;
		/* FALLTHROUGH */
	case 'P':
		t->flags |= R_RECEIVER;
		side_prefix = true;
		break;
	case '!':
		t->flags |= R_CLEAR;
		break;
	default: {
		size_t n = strcspn((const char *)*sp, " _,");

		return bad_rule(pc, t, "unknown rule type '%.*s'", (int)n,
		    (const char *)*sp);
	}
	}
	if (ch == '!') {
		/* "!" and "clear" take no modifiers. */
		if (*s != '\0')
			s++;
		*sp = s;
		return 0;
	}
	*sp = s;
	return read_modifiers(pc, t, sp, tmpl, side_prefix);
}

/*
 * What comes before the pattern, in the three syntaxes: nothing in a
 * '-'/'+' merge file (but "!" clears a .cvsignore list), "- "/"+ "/"!"
 * for --exclude and --include, "RULE[,MODIFIERS] " for --filter.
 */
static int read_prefix(struct pctx *pc, struct tok *t,
    const unsigned char **sp, uint32_t tmpl)
{
	const unsigned char *s = *sp;
	int rc;

	if (tmpl & R_NO_PREFIXES) {
		if (*s == '!' && (tmpl & R_CVS))
			t->flags |= R_CLEAR;	/* if it is all there is */
		return 0;
	}
	if (pc->xf & X_OLD) {
		if ((*s == '-' || *s == '+') && s[1] == ' ') {
			if (*s == '+')
				t->flags |= R_INCLUDE;
			else
				t->flags &= ~R_INCLUDE;
			*sp = s + 2;
		} else if (*s == '!') {
			t->flags |= R_CLEAR;	/* if it is all there is */
		}
		return 0;
	}
	rc = read_rule_head(pc, t, sp, tmpl);
	if (rc < 0)
		return rc;
	s = *sp;
	if ((t->flags & R_CLEAR) && *s != '\0' &&
	    !((tmpl & R_WORD_SPLIT) && isspace(*s)))
		return bad_rule(pc, t, "'!' (clear) takes no pattern");
	return 0;
}

/*
 * Reads the next rule from *SP (rsync's parse_rule_tok): returns 1 with
 * *T filled and *SP past it, 0 at the end of the string, -EINVAL.
 */
static int next_rule(struct pctx *pc, const char **sp, uint32_t tmpl,
    struct tok *t)
{
	const unsigned char *s = (const unsigned char *)*sp;
	const unsigned char *e;
	int rc;

	if (tmpl & R_WORD_SPLIT) {
		while (isspace(*s))
			s++;
	}
	if (*s == '\0')
		return 0;
	memset(t, 0, sizeof(*t));
	t->text = (const char *)s;
	t->textlen = strlen(t->text);
	if (tmpl & R_WORD_SPLIT) {
		for (e = s; *e != '\0' && !isspace(*e); e++)
			;
		t->textlen = (size_t)(e - s);
	}
	t->flags = tmpl & R_FROM_CONTAINER;
	rc = read_prefix(pc, t, &s, tmpl);
	if (rc < 0)
		return rc;
	if (tmpl & R_SIDES) {
		if (t->flags & R_SIDES)
			return bad_rule(pc, t, "the merge rule already chose "
			    "a side ('s' or 'r'), so its rules may not");
		t->flags |= tmpl & R_SIDES;
	}

	e = s;
	if (tmpl & R_WORD_SPLIT) {
		while (*e != '\0' && !isspace(*e))
			e++;
	} else {
		e += strlen((const char *)s);
	}
	t->pat = (const char *)s;
	t->len = (size_t)(e - s);
	if (t->flags & R_CLEAR) {
		/* "!" in the old syntax and in .cvsignore files is a clear
		 * only when it stands alone; "!foo" is a pattern there. */
		if ((tmpl & R_NO_PREFIXES) || (pc->xf & X_OLD)) {
			if (t->len > 1)
				t->flags &= ~R_CLEAR;
		}
	} else if (t->len == 0 && !(t->flags & R_CVS)) {
		return bad_rule(pc, t, "missing pattern");
	}
	*sp = (const char *)e;
	return 1;
}

/* Acts on one parsed rule (rsync's parse_filter_str loop body). */
static int apply_rule(struct pctx *pc, const struct tok *t)
{
	uint32_t f = t->flags;
	const char *pat = t->pat;
	size_t len = t->len;
	int rc;

	if (f & R_CLEAR) {
		clear_list(pc);
		return 0;
	}
	if (!(f & R_MERGE)) {
		rc = add_pattern(pc, t, pat, len, f);
		if (rc == 0 && (f & R_CVS))
			rc = load_cvs(pc, f);
		return rc;
	}
	if (len == 0) {
		pat = ".cvsignore";
		len = strlen(pat);
	}
	if (f & R_EXCLUDE_SELF) {
		const char *b = base_name(pat, len);
		struct tok self = *t;

		self.flags = pc->ps != NULL ? R_BOTH_SIDES : 0;
		rc = add_pattern(pc, &self, b, (size_t)(pat + len - b),
		    self.flags);
		if (rc < 0)
			return rc;
		f &= ~R_EXCLUDE_SELF;
	}
	if (f & R_PERDIR) {
		char *spec;

		if (pc->scan_abs != NULL)
			spec = join_abs(pc->scan_abs, pat, len);
		else
			spec = xstrndup(pat, len);
		add_perdir(pc, spec, f);
		return 0;
	}
	return merge_file(pc, t, merge_path(pc, pat, len), f);
}

static int parse_str(struct pctx *pc, const char *str, uint32_t tmpl)
{
	for (;;) {
		struct tok t;
		int rc = next_rule(pc, &str, tmpl, &t);

		if (rc <= 0)
			return rc;
		rc = apply_rule(pc, &t);
		if (rc < 0)
			return rc;
	}
}

/*
 * Splits a rule file into records (lines, or NUL-terminated with FROM0,
 * or words with the 'w' modifier) and parses each; empty records and,
 * unless word-splitting, records starting with ';' or '#' are skipped.
 */
static int parse_buf(struct pctx *pc, const char *buf, size_t len,
    uint32_t tmpl, bool from0)
{
	bool words = (tmpl & R_WORD_SPLIT) != 0;
	size_t i = 0, rcap = 256;
	char *rec = xmalloc(rcap);
	unsigned line = 1;
	int rc = 0;

	while (i <= len) {
		size_t start = i, n;

		while (i < len) {
			unsigned char c = (unsigned char)buf[i];

			if (words && isspace(c))
				break;
			if (from0 ? c == '\0' : (c == '\n' || c == '\r'))
				break;
			i++;
		}
		n = i - start;
		if (n + 1 > rcap) {
			rcap = n + 1;
			rec = xrealloc(rec, rcap);
		}
		memcpy(rec, buf + start, n);
		rec[n] = '\0';
		pc->line = line;
		if (rec[0] != '\0' &&
		    (words || (rec[0] != ';' && rec[0] != '#'))) {
			rc = parse_str(pc, rec, tmpl);
			if (rc < 0)
				break;
		}
		if (i < len) {
			char c = buf[i];

			if (from0 ? c == '\0' :
			    (c == '\n' || (c == '\r' &&
			    (i + 1 >= len || buf[i + 1] != '\n'))))
				line++;
		}
		i++;
	}
	free(rec);
	return rc;
}

/*
 * The -C names: rsync's defaults (perishable), $HOME/.cvsignore and
 * $CVSIGNORE, read once, with the flags of the first "-C" rule.  After
 * the list is built (a "-C" in a per-directory file) this runs under
 * cvs_lock.
 */
static const char cvs_defaults[] =
    "RCS SCCS CVS CVS.adm RCSLOG cvslog.* tags TAGS .make.state "
    ".nse_depinfo *~ #* .#* ,* _$* *$ *.old *.bak *.BAK *.orig *.rej "
    ".del-* *.a *.olb *.o *.obj *.so *.exe *.Z *.elc *.ln core .svn/ "
    ".git/ .hg/ .bzr/";

static int load_cvs_now(struct filter_list *fl, uint32_t flags, char **err)
{
	struct pctx pc = { 0 };
	const char *home = getenv("HOME");
	const char *env = getenv("CVSIGNORE");
	int rc;

	pc.build = fl;
	pc.fl = fl;
	pc.rs = &fl->cvs;
	pc.origin = "the default CVS names";
	pc.err = err;
	rc = parse_str(&pc, cvs_defaults, flags | R_PERISH);
	if (rc == 0 && home != NULL) {
		char *path = xasprintf("%s/.cvsignore", home);
		char *data;
		size_t len;

		if (read_path(fl, path, &data, &len) == 0) {
			pc.origin = path;
			pc.from = FROM_ARGFILE;
			rc = parse_buf(&pc, data, len, flags, fl->from0);
			free(data);
		}
		free(path);
	}
	if (rc == 0 && env != NULL) {
		pc.origin = "$CVSIGNORE";
		pc.line = 0;
		rc = parse_str(&pc, env, flags);
	}
	return rc;
}

static int load_cvs(struct pctx *pc, uint32_t flags)
{
	/* The list is const to a push; loading the CVS names is the one
	 * write after the build, done once, under the lock. */
	struct filter_list *fl = (struct filter_list *)(uintptr_t)pc->fl;
	int rc = 0;

	if (atomic_load(&fl->cvs_loaded))
		return 0;
	pthread_mutex_lock(&fl->cvs_lock);
	if (!atomic_load(&fl->cvs_loaded)) {
		rc = load_cvs_now(fl, flags & ~(R_CLEAR | R_MERGE), pc->err);
		atomic_store(&fl->cvs_loaded, true);
	}
	pthread_mutex_unlock(&fl->cvs_lock);
	return rc;
}

/* ---------------------------------------------------------------------
 * Building the list.
 */

struct filter_list *filter_list_new(void)
{
	struct filter_list *fl = xcalloc(1, sizeof(*fl));

	atomic_init(&fl->cvs_loaded, false);
	pthread_mutex_init(&fl->cvs_lock, NULL);
	return fl;
}

void filter_list_free(struct filter_list *fl)
{
	if (fl == NULL)
		return;
	ruleset_free(&fl->rules);
	ruleset_free(&fl->cvs);
	pthread_mutex_destroy(&fl->cvs_lock);
	free(fl);
}

void filter_set_from0(struct filter_list *fl, bool on)
{
	fl->from0 = on;
}

void filter_set_insecure_links(struct filter_list *fl, bool on)
{
	fl->oppath_opts = on ? OPPATH_INSECURE : 0;
}

static void build_ctx(struct pctx *pc, struct filter_list *fl,
    enum filter_kind kind, const char *origin, char **err)
{
	memset(pc, 0, sizeof(*pc));
	pc->build = fl;
	pc->fl = fl;
	pc->rs = &fl->rules;
	pc->xf = kind == FILTER_RULE ? 0 : X_OLD;
	pc->origin = origin != NULL ? origin : "command line";
	pc->err = err;
}

int filter_add(struct filter_list *fl, const char *text,
    enum filter_kind kind, const char *origin, char **err)
{
	struct pctx pc;

	build_ctx(&pc, fl, kind, origin, err);
	return parse_str(&pc, text, kind == FILTER_INCLUDE ? R_INCLUDE : 0);
}

int filter_load_file(struct filter_list *fl, const char *path,
    enum filter_kind kind, bool from0, char **err)
{
	struct pctx pc;
	char *data;
	size_t len;
	int rc;

	rc = read_path(fl, path, &data, &len);
	if (rc < 0) {
		set_err(err, xasprintf("cannot read %s file '%s': %s",
		    kind == FILTER_INCLUDE ? "include" :
		    kind == FILTER_EXCLUDE ? "exclude" : "merge", path,
		    read_error(rc)));
		return rc;
	}
	build_ctx(&pc, fl, kind, path, err);
	pc.from = FROM_ARGFILE;
	rc = parse_buf(&pc, data, len, kind == FILTER_INCLUDE ? R_INCLUDE : 0,
	    from0);
	free(data);
	return rc;
}

void filter_add_F(struct filter_list *fl)
{
	static const char *const rules[] = {
		"dir-merge /.rsync-filter",
		"exclude .rsync-filter",
	};
	int n = fl->F_count++;

	if (n < 2 && filter_add(fl, rules[n], FILTER_RULE, "-F", NULL) < 0)
		abort();	/* constant, well-formed rules */
}

int filter_add_cvs_exclude(struct filter_list *fl, char **err)
{
	int rc = filter_add(fl, ":C", FILTER_RULE, "-C", err);

	if (rc == 0)
		rc = filter_add(fl, "-C", FILTER_RULE, "-C", err);
	return rc;
}

bool filter_list_empty(const struct filter_list *fl)
{
	return fl->rules.n == 0;
}

bool filter_has_xattr_rules(const struct filter_list *fl)
{
	return fl->xattr;
}

/* ---------------------------------------------------------------------
 * Layers.
 */

struct filter_layer *filter_layer_root(const struct filter_list *fl,
    const char *root_abs)
{
	struct filter_layer *l;
	struct froot *root;
	size_t i, n = 0;

	for (i = 0; i < fl->rules.n; i++)
		n += (fl->rules.v[i].flags & R_PERDIR) != 0;
	l = xcalloc(1, sizeof(*l) + n * sizeof(l->s[0]));
	atomic_init(&l->refs, 1);
	l->fl = fl;
	root = xcalloc(1, sizeof(*root));
	atomic_init(&root->refs, 1);
	root->abs = clean_abs(root_abs != NULL ? root_abs : "/");
	l->root = root;
	for (i = 0; i < fl->rules.n; i++) {
		if (fl->rules.v[i].flags & R_PERDIR)
			l->s[l->n++].def = slot_ref(fl->rules.v[i].slot);
	}
	return l;
}

struct filter_layer *filter_layer_ref(const struct filter_layer *cl)
{
	/* The count is the one mutable field of a shared layer. */
	struct filter_layer *l = (struct filter_layer *)(uintptr_t)cl;

	atomic_fetch_add(&l->refs, 1);
	return l;
}

static void slots_release(struct lslot *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		slot_unref(s[i].def);
		chain_unref(s[i].chain);
	}
}

void filter_layer_unref(struct filter_layer *l)
{
	if (l == NULL || atomic_fetch_sub(&l->refs, 1) != 1)
		return;
	slots_release(l->s, l->n);
	root_unref(l->root);
	free(l);
}

size_t filter_layer_merge_names(const struct filter_layer *l,
    const char **names, size_t max)
{
	size_t i;

	for (i = 0; i < l->n && i < max; i++)
		names[i] = l->s[i].def->name;
	return l->n;
}

/* How rules anchored in directory P_ABS see paths below the root. */
static void set_anchor(struct chain *c, const char *root, const char *p_abs)
{
	size_t rl = strlen(root), pl = strlen(p_abs);

	if (strcmp(root, p_abs) == 0)
		return;
	if (is_ancestor_or_self(p_abs, root))
		c->prepend = xstrdup(root + (pl == 1 ? 1 : pl + 1));
	else if (is_ancestor_or_self(root, p_abs))
		c->strip = xstrdup(p_abs + (rl == 1 ? 1 : rl + 1));
	else
		c->unrelated = true;
}

/*
 * Reads one merge file of slot I in directory P_ABS (IN_DIR: the
 * directory being entered, whose relative path is ps->dir) and puts its
 * rules in front of the slot's chain.
 */
static int read_slot_file(struct push *ps, size_t i, const char *p_abs,
    bool in_dir, char **err)
{
	struct slotdef *d = ps->s[i].def;
	struct chain *c;
	struct pctx pc = { 0 };
	char *path, *origin, *data = NULL;
	size_t len = 0;
	bool cleared = false;
	int rc;

	if (in_dir) {
		path = xstrdup(d->name);
		origin = *ps->dir != '\0' ?
		    xasprintf("%s/%s", ps->dir, d->name) : xstrdup(d->name);
	} else {
		path = xasprintf("%s%s%s", p_abs, strcmp(p_abs, "/") ? "/" : "",
		    d->name);
		origin = xstrdup(path);
	}
	rc = ps->rd->read(ps->rd->arg, path, in_dir, &data, &len);
	free(path);
	if (rc == -ENOENT || rc == -ENOTDIR) {
		free(origin);
		return 0;
	}
	if (rc < 0) {
		set_err(err, xasprintf("cannot read merge file '%s': %s",
		    origin, read_error(rc)));
		free(origin);
		return rc;
	}
	c = xcalloc(1, sizeof(*c));
	atomic_init(&c->refs, 1);
	pc.fl = ps->fl;
	pc.rs = &c->rs;
	pc.ps = ps;
	pc.cleared = &cleared;
	pc.xf = X_DIR_ANCHOR;
	pc.scan_abs = in_dir ? NULL : p_abs;
	pc.origin = origin;
	pc.err = err;
	pc.from = FROM_DIRFILE;
	rc = parse_buf(&pc, data, len, d->flags, ps->fl->from0);
	free(data);
	free(origin);
	if (rc < 0) {
		drop_slots_of(ps, &c->rs);
		chain_unref(c);
		return rc;
	}
	/* Slots may have moved: rules read above can add or drop some,
	 * never slot I itself or one before it. */
	if (c->rs.n == 0) {
		chain_unref(c);
		if (cleared) {
			chain_unref(ps->s[i].chain);
			ps->s[i].chain = NULL;
		}
		return 0;
	}
	set_anchor(c, ps->root->abs, p_abs);
	c->next = cleared ? NULL : ps->s[i].chain;
	if (cleared)
		chain_unref(ps->s[i].chain);
	ps->s[i].chain = c;
	return 0;
}

/*
 * rsync's setup on the first directory entered below a dir-merge rule:
 * when the rule's name has a directory part that is D or above it,
 * every directory from there down to D's parent is read for the file,
 * each one's rules in front of the ones above (or thrown away after
 * reading with 'n').
 */
static int setup_slot(struct push *ps, size_t i, char **err)
{
	const char *spec = ps->s[i].def->spec;
	char *x, *p, *cut;
	int rc = 0;

	ps->s[i].ready = true;
	if (strchr(spec, '/') == NULL)
		return 0;
	x = join_abs(ps->d_abs, spec, strlen(spec));
	cut = strrchr(x, '/');
	if (cut == x)
		cut[1] = '\0';
	else
		*cut = '\0';
	if (!is_ancestor_or_self(x, ps->d_abs) || strcmp(x, ps->d_abs) == 0) {
		free(x);
		return 0;
	}
	/* Directories from x down to (not including) d_abs. */
	p = xstrdup(x);
	for (;;) {
		size_t pl = strlen(p);
		const char *rest;
		char *next;

		rc = read_slot_file(ps, i, p, false, err);
		if (rc < 0)
			break;
		if (ps->s[i].def->flags & R_NO_INHERIT) {
			if (ps->s[i].chain != NULL)
				drop_slots_of(ps, &ps->s[i].chain->rs);
			chain_unref(ps->s[i].chain);
			ps->s[i].chain = NULL;
		}
		rest = ps->d_abs + (pl == 1 ? 1 : pl + 1);
		pl = strcspn(rest, "/");
		if (rest[pl] == '\0')
			break;	/* the next one is d_abs itself */
		next = xasprintf("%s%s%.*s", p, strcmp(p, "/") ? "/" : "",
		    (int)pl, rest);
		free(p);
		p = next;
	}
	free(p);
	free(x);
	return rc;
}

/* A push starts from the parent's slots: inherited chains, or none. */
static void push_init(struct push *ps, const struct filter_layer *parent,
    const char *dir, const struct filter_reader *rd)
{
	size_t i;

	ps->fl = parent->fl;
	ps->rd = rd;
	ps->root = parent->root;
	ps->dir = dir;
	ps->d_abs = join_abs(parent->root->abs, dir, strlen(dir));
	ps->cap = parent->n + 4;
	ps->s = xcalloc(ps->cap, sizeof(*ps->s));
	for (i = 0; i < parent->n; i++) {
		const struct lslot *s = &parent->s[i];

		ps->s[i].def = slot_ref(s->def);
		ps->s[i].ready = s->ready;
		if (!(s->def->flags & R_NO_INHERIT))
			ps->s[i].chain = chain_ref(s->chain);
	}
	ps->n = parent->n;
}

static void push_release(struct push *ps)
{
	slots_release(ps->s, ps->n);
	free(ps->s);
	free(ps->d_abs);
}

/* The finished push as a layer: the parent again if nothing changed. */
static struct filter_layer *push_finish(struct push *ps,
    const struct filter_layer *parent)
{
	struct filter_layer *l;
	bool same = ps->n == parent->n;
	size_t i;

	for (i = 0; same && i < ps->n; i++) {
		same = ps->s[i].def == parent->s[i].def &&
		    ps->s[i].chain == parent->s[i].chain &&
		    ps->s[i].ready == parent->s[i].ready;
	}
	if (same) {
		push_release(ps);
		return filter_layer_ref(parent);
	}
	l = xmalloc(sizeof(*l) + ps->n * sizeof(l->s[0]));
	atomic_init(&l->refs, 1);
	l->fl = parent->fl;
	l->root = parent->root;
	atomic_fetch_add(&l->root->refs, 1);
	l->n = ps->n;
	memcpy(l->s, ps->s, ps->n * sizeof(l->s[0]));
	free(ps->s);	/* the references moved to the layer */
	free(ps->d_abs);
	return l;
}

int filter_layer_push(const struct filter_layer *parent, const char *dir,
    const struct filter_reader *rd, struct filter_layer **out, char **err)
{
	struct push ps = { 0 };
	size_t i;
	int rc = 0;

	*out = NULL;
	if (parent->n == 0) {
		*out = filter_layer_ref(parent);
		return 0;
	}
	if (dir[0] == '.' && dir[1] == '\0')
		dir = "";
	push_init(&ps, parent, dir, rd);
	/* New slots that the files read here define are appended, and
	 * are read in this directory too, as rsync does. */
	for (i = 0; i < ps.n && rc == 0; i++) {
		if (!ps.s[i].ready)
			rc = setup_slot(&ps, i, err);
		if (rc == 0 && i < ps.n)
			rc = read_slot_file(&ps, i, ps.d_abs, true, err);
	}
	if (rc < 0) {
		push_release(&ps);
		return rc;
	}
	*out = push_finish(&ps, parent);
	return 0;
}

/* ---------------------------------------------------------------------
 * Evaluation.
 */

struct eval {
	const struct filter_layer *l;
	const char *path;	/* relative to the root, no leading '/' */
	const char *base;	/* its last component */
	unsigned flags;		/* enum filter_flags */
	const struct rule *hit;
};

/* Does rule R take part on this side, in this situation? */
static bool rule_applies(const struct rule *r, unsigned flags)
{
	uint32_t sides = r->flags & R_SIDES;

	if ((flags & FILTER_PERISHING) && (r->flags & R_PERISH))
		return false;
	if (!(flags & FILTER_RECEIVER))
		return sides != R_RECEIVER;
	if (sides == R_SENDER)
		return false;
	if (sides == 0 && (flags & FILTER_DELETE_EXCLUDED) &&
	    !(r->flags & R_BOTH_SIDES)) {
		/* rsync keeps a plain dir-merge rule on the receiver: its
		 * files may hold protect/risk rules. */
		if (!(r->flags & R_PERDIR) || (r->flags & R_NO_PREFIXES))
			return false;
	}
	return true;
}

/* Concatenates up to three parts into BUF (or a malloc'ed string). */
static char *concat(char *buf, size_t size, const char *a, const char *b,
    const char *c, const char *d)
{
	size_t la = strlen(a), lb = strlen(b), lc = strlen(c), ld = strlen(d);
	size_t n = la + lb + lc + ld + 1;
	char *p = n <= size ? buf : xmalloc(n);

	memcpy(p, a, la);
	memcpy(p + la, b, lb);
	memcpy(p + la + lb, c, lc);
	memcpy(p + la + lb + lc, d, ld + 1);
	return p;
}

/* rsync's rule_matches(): does R match the path (negation applied)? */
static bool rule_matches(const struct eval *ev, const struct rule *r,
    const struct chain *c)
{
	uint32_t f = r->flags;
	bool is_dir = (ev->flags & FILTER_DIR) != 0;
	bool anchored = r->pat[0] == '/';
	const char *pre1 = "", *pre2 = "", *name = ev->path;
	const char *dslash;
	char buf[512], *subj;
	int where;
	bool m;

	if (!(ev->flags & FILTER_XATTR) != !(f & R_XATTR))
		return false;
	if ((f & R_DIRONLY) && !is_dir)
		return (f & R_NEGATE) != 0;

	if (r->slash_cnt == 0 && !(f & R_WILD2)) {
		name = ev->base;
	} else if (f & R_DIR_ANCHOR) {
		if (c == NULL || c->unrelated)
			return (f & R_NEGATE) != 0;
		if (c->strip != NULL) {
			size_t sl = strlen(c->strip);

			if (strncmp(name, c->strip, sl) != 0 ||
			    name[sl] != '/')
				return (f & R_NEGATE) != 0;
			name += sl + 1;
		} else if (c->prepend != NULL && c->prepend[0] != '\0') {
			pre1 = c->prepend;
			pre2 = "/";
		}
	} else if ((f & R_ABS) && strcmp(ev->l->root->abs, "/") != 0) {
		pre1 = ev->l->root->abs + 1;
		pre2 = "/";
	} else if (f & R_WILD2_PREFIX) {
		pre1 = "/";
	}
	dslash = is_dir && (f & R_WILD3_SUFFIX) ? "/" : "";

	if (anchored)
		where = 0;
	else if (r->slash_cnt > 0 && !(f & R_WILD2))
		where = (int)r->slash_cnt + 1;
	else if (!(f & R_WILD2_PREFIX) && (f & R_WILD2))
		where = -1;
	else
		where = 0;

	subj = concat(buf, sizeof(buf), pre1, pre2, name, dslash);
	m = match_where(r, r->pat + anchored, subj, where);
	if (subj != buf)
		free(subj);
	return m != ((f & R_NEGATE) != 0);
}

static const struct chain *slot_chain(const struct filter_layer *l,
    const struct slotdef *d)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		if (l->s[i].def == d)
			return l->s[i].chain;
	}
	return NULL;
}

static int check_rules(struct eval *ev, const struct ruleset *rs,
    const struct chain *c)
{
	size_t i;

	for (i = 0; i < rs->n; i++) {
		const struct rule *r = &rs->v[i];
		const struct chain *sub;
		int res;

		if (!rule_applies(r, ev->flags))
			continue;
		if (r->flags & R_PERDIR) {
			for (sub = slot_chain(ev->l, r->slot); sub != NULL;
			    sub = sub->next) {
				res = check_rules(ev, &sub->rs, sub);
				if (res != FILTER_NO_MATCH)
					return res;
			}
			continue;
		}
		if (r->flags & R_CVS) {
			res = check_rules(ev, &ev->l->fl->cvs, NULL);
			if (res != FILTER_NO_MATCH)
				return res;
			continue;
		}
		if (rule_matches(ev, r, c)) {
			ev->hit = r;
			return (r->flags & R_INCLUDE) ? FILTER_INCLUDED :
			    FILTER_EXCLUDED;
		}
	}
	return FILTER_NO_MATCH;
}

int filter_check(const struct filter_layer *l, const char *path,
    unsigned flags, struct filter_match *m)
{
	struct eval ev = { 0 };
	const char *slash;
	int res;

	if (*path == '/')
		path++;
	if (*path == '\0' || strcmp(path, ".") == 0)
		return FILTER_NO_MATCH;
	ev.l = l;
	ev.path = path;
	slash = strrchr(path, '/');
	ev.base = slash != NULL ? slash + 1 : path;
	ev.flags = flags;
	res = check_rules(&ev, &l->fl->rules, NULL);
	if (res != FILTER_NO_MATCH && m != NULL) {
		m->pattern = ev.hit->pat;
		m->include = (ev.hit->flags & R_INCLUDE) != 0;
		m->dir_only = (ev.hit->flags & R_DIRONLY) != 0;
	}
	return res;
}

bool filter_excluded(const struct filter_layer *l, const char *path,
    unsigned flags)
{
	return filter_check(l, path, flags, NULL) == FILTER_EXCLUDED;
}
