/*
 * filter_rules.c -- filter rules in memory: rulesets, the per-directory
 * file slots and chains and their reference counts, and what adding a
 * parsed rule does to a ruleset.
 *
 * Owns struct rule and struct ruleset, the lifetimes of struct slotdef,
 * struct chain and struct froot, and rsync's add_rule(): the flags a
 * pattern's shape implies (R_WILD, R_WILD2, "***", a trailing '/', a
 * per-directory anchor), a dir-merge rule becoming a slot, and the '!'
 * rule.  Must not read text (filter_parse.c turns it into a struct tok)
 * or files, and must not match anything (filter.c).
 *
 * Where rsync silently never matches a malformed pattern (an
 * unterminated '[', an unknown [:class:], a trailing '\'), adding the
 * rule is an error instead (wildmatch_problem() says why).  The pattern
 * of a "-C" rule itself is not checked: evaluation never looks at it.
 */
#define _GNU_SOURCE
#include "filter_int.h"

#include "wildmatch.h"

#include <limits.h>

/* ---------------------------------------------------------------------
 * Rules, slots, chains.
 */

void slot_unref(struct slotdef *d)
{
	if (d == NULL || atomic_fetch_sub(&d->refs, 1) != 1)
		return;
	free(d->name);
	free(d->spec);
	free(d);
}

struct slotdef *slot_ref(struct slotdef *d)
{
	atomic_fetch_add(&d->refs, 1);
	return d;
}

void ruleset_clear(struct ruleset *rs)
{
	size_t i;

	for (i = 0; i < rs->n; i++) {
		free(rs->v[i].pat);
		slot_unref(rs->v[i].slot);
	}
	rs->n = 0;
}

void ruleset_free(struct ruleset *rs)
{
	ruleset_clear(rs);
	free(rs->v);
	rs->v = NULL;
	rs->cap = 0;
}

void ruleset_push(struct ruleset *rs, const struct rule *r)
{
	if (rs->n == rs->cap) {
		rs->cap = rs->cap ? rs->cap * 2 : 8;
		rs->v = xrealloc(rs->v, rs->cap * sizeof(*rs->v));
	}
	rs->v[rs->n++] = *r;
}

void chain_unref(struct chain *c)
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

struct chain *chain_ref(struct chain *c)
{
	if (c != NULL)
		atomic_fetch_add(&c->refs, 1);
	return c;
}

void froot_unref(struct froot *r)
{
	if (r == NULL || atomic_fetch_sub(&r->refs, 1) != 1)
		return;
	free(r->abs);
	free(r);
}

/* ---------------------------------------------------------------------
 * Adding rules.
 */

/* rsync's add_rule() for a pattern rule: derive the matching flags. */
int rules_add_pattern(struct pctx *pc, const struct tok *t, const char *pat,
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
		return parse_bad_rule(pc, t, "pattern longer than %d bytes",
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
		if (!(f & R_CVS) && (why = wildmatch_problem(r.pat)) != NULL) {
			free(r.pat);
			return parse_bad_rule(pc, t, "%s", why);
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
void rules_add_perdir(struct pctx *pc, char *spec, uint32_t f)
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
void rules_drop_slots(struct push *ps, const struct ruleset *rs)
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
void rules_clear(struct pctx *pc)
{
	rules_drop_slots(pc->ps, pc->rs);
	ruleset_clear(pc->rs);
	if (pc->cleared != NULL)
		*pc->cleared = true;
}
