/*
 * filter.c -- rsync's filter rules: the global list and the
 * include/exclude decision.
 *
 * The filter module owns everything about filter rules, with rsync
 * 3.5.0's semantics as the specification (man rsync, FILTER RULES and
 * after; where the manual is silent, what rsync does).  Must not touch
 * the tree being synchronised: the only I/O is reading rule files while
 * the global list is built (the CLI's --exclude-from and friends, '.'
 * merge rules, $HOME/.cvsignore); per-directory files are read by the
 * engine through a filter_reader.
 *
 * This file owns the list (filter_list_new() to filter_add_cvs_exclude():
 * the CLI's calls) and evaluation (filter_check(): first match wins,
 * sides, perishable rules, anchoring).  It must not parse rule text or
 * read files itself; the other parts of the module, one concern per file
 * (the map is at the top of filter_int.h):
 *
 *	wildmatch.c	the pattern matcher
 *	filter_parse.c	rule syntax and its error messages
 *	filter_rules.c	rules in memory and their lifetimes
 *	filter_merge.c	'.' merge files, rule files, the -C names
 *	filter_layer.c	per-directory layers (dir-merge)
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
 * The matcher (wildmatch.c) is rsync's wildmatch semantics, written
 * afresh.  Where rsync silently never matches a malformed pattern (an
 * unterminated '[', an unknown [:class:], a trailing '\'), adding the
 * rule is an error instead (filter_rules.c).
 */
#define _GNU_SOURCE
#include "filter_int.h"

#include "oppath.h"
#include "wildmatch.h"

#include <errno.h>

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

void filter_set_oppath_how(struct filter_list *fl, struct oppath_how how)
{
	fl->oppath_how = how;
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

	rc = merge_read_path(fl, path, &data, &len);
	if (rc < 0) {
		set_err(err, xasprintf("cannot read %s file '%s': %s",
		    kind == FILTER_INCLUDE ? "include" :
		    kind == FILTER_EXCLUDE ? "exclude" : "merge", path,
		    merge_strerror(rc)));
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

/* FNV-1a of LEN bytes of P into H. */
static uint64_t digest_bytes(uint64_t h, const void *p, size_t len)
{
	const unsigned char *b = p;

	while (len-- > 0)
		h = (h ^ *b++) * 0x100000001b3ULL;
	return h;
}

static uint64_t digest_str(uint64_t h, const char *s)
{
	return digest_bytes(h, s ? s : "", s ? strlen(s) + 1 : 1);
}

/* Every rule of RS into H: flags, pattern, the file a dir-merge names. */
static uint64_t digest_rules(uint64_t h, const struct ruleset *rs)
{
	size_t i;

	h = digest_bytes(h, &rs->n, sizeof(rs->n));
	for (i = 0; i < rs->n; i++) {
		const struct rule *r = &rs->v[i];

		h = digest_bytes(h, &r->flags, sizeof(r->flags));
		h = digest_str(h, r->pat);
		if (r->slot) {
			h = digest_bytes(h, &r->slot->flags,
			    sizeof(r->slot->flags));
			h = digest_str(h, r->slot->name);
			h = digest_str(h, r->slot->spec);
		}
	}
	return h;
}

uint64_t filter_list_digest(const struct filter_list *fl)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	h = digest_rules(h, &fl->rules);
	if (atomic_load(&fl->cvs_loaded))
		h = digest_rules(h, &fl->cvs);
	return h;
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

/* Concatenates A, B, C and D into BUF (or a malloc'ed string). */
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

/*
 * rsync's three ways to apply a pattern to a path: WHERE 0 matches the
 * whole of S, N > 0 its last N elements, -1 the whole or any part that
 * starts after a '/'.  A literal pattern is compared as it is (a '\'
 * in it is no escape), as rsync's litmatch_array() does.
 */
static bool match_where(const struct rule *r, const char *pat, const char *s,
    int where)
{
	if (r->flags & R_WILD)
		return wildmatch_where(pat, s, where);
	if (where > 0) {
		s = wildmatch_last_elements(s, (unsigned)where);
		if (s == NULL)
			return false;
	}
	return strcmp(pat, s) == 0;
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

bool filter_wildmatch(const char *pattern, const char *text)
{
	return wildmatch(pattern, text);
}
