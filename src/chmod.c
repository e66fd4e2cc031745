/*
 * chmod.c -- rsync's --chmod rules.
 *
 * Each item is "[DF][ugoa...][+-=][rwxXst...|u|g|o]" (several operators may
 * follow one who-list, as in chmod(1): "u+w-x") or "[DF]octal".  Rules
 * apply in order.  'X' sets execute for directories, and for files only
 * when some execute bit is already set.  An empty who-list means "a",
 * except for the bits set in the umask, which it leaves alone (chmod(1)).
 */
#include "chmod.h"

#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum { ONLY_ANY, ONLY_DIRS, ONLY_FILES };

struct chmod_rule {
	struct chmod_rule *next;
	int only;		/* ONLY_* */
	bool octal;
	uint32_t value;		/* octal: the new permission bits */
	uint32_t who;		/* symbolic: mask of bits the rule touches */
	char op;		/* '+', '-', '=' */
	uint32_t perm;		/* r/w/x/s/t bits before the who mask */
	bool cap_x;		/* 'X' */
	char copy;		/* 'u', 'g', 'o': that class's current bits
				 * (chmod(1)'s "g=u"), or 0 */
	bool who_given;		/* explicit ugoa: umask is not consulted */
};

static void append(struct chmod_rule **rules, struct chmod_rule *r)
{
	while (*rules)
		rules = &(*rules)->next;
	*rules = r;
}

static uint32_t who_mask(char c)
{
	switch (c) {
	case 'u': return S_ISUID | S_IRWXU;
	case 'g': return S_ISGID | S_IRWXG;
	case 'o': return S_ISVTX | S_IRWXO;
	case 'a': return S_ISUID | S_ISGID | S_ISVTX | 0777;
	default: return 0;
	}
}

/* An octal item's digits [P, END), for ONLY: a rule appended, 0; or -1
 * (not octal, or above 07777). */
static int parse_octal(struct chmod_rule **rules, int only, const char *p,
    const char *end)
{
	struct chmod_rule *r;
	uint32_t v = 0;

	for (; p < end; p++) {
		if (*p < '0' || *p > '7' || v > 07777)
			return -1;
		v = v * 8 + (uint32_t)(*p - '0');
	}
	if (v > 07777)
		return -1;
	r = xcalloc(1, sizeof(*r));
	r->only = only;
	r->octal = true;
	r->value = v;
	append(rules, r);
	return 0;
}

/* Parses one comma-free item.  0 or -1 (ERR set). */
static int parse_item(struct chmod_rule **rules, const char *p, size_t len,
    char *err, size_t errlen)
{
	const char *end = p + len, *start = p;
	int only = ONLY_ANY;
	uint32_t who = 0;
	bool who_given = false;

	if (p < end && (*p == 'D' || *p == 'F'))
		only = *p++ == 'D' ? ONLY_DIRS : ONLY_FILES;
	if (p < end && *p >= '0' && *p <= '7') {
		if (parse_octal(rules, only, p, end) < 0)
			goto bad;
		return 0;
	}
	for (; p < end && strchr("ugoa", *p); p++) {
		who |= who_mask(*p);
		who_given = true;
	}
	if (!who_given)
		who = who_mask('a');
	if (p == end)
		goto bad;
	while (p < end) {
		struct chmod_rule *r;

		if (*p != '+' && *p != '-' && *p != '=')
			goto bad;
		r = xcalloc(1, sizeof(*r));
		r->only = only;
		r->who = who;
		r->who_given = who_given;
		r->op = *p++;
		for (; p < end && !strchr("+-=", *p); p++) {
			if (r->copy) {
				/* "g=u" takes nothing more ("g=ur" is bad). */
				free(r);
				goto bad;
			}
			switch (*p) {
			case 'r': r->perm |= 0444; break;
			case 'w': r->perm |= 0222; break;
			case 'x': r->perm |= 0111; break;
			case 'X': r->cap_x = true; break;
			case 's': r->perm |= S_ISUID | S_ISGID; break;
			case 't': r->perm |= S_ISVTX; break;
			case 'u': case 'g': case 'o':
				if (r->copy || r->perm || r->cap_x) {
					free(r);
					goto bad;
				}
				r->copy = *p;
				break;
			default:
				free(r);
				goto bad;
			}
		}
		append(rules, r);
	}
	return 0;
bad:
	snprintf(err, errlen, "invalid --chmod item '%.*s'", (int)len, start);
	return -1;
}

int chmod_parse(struct chmod_rule **rules, const char *spec, char *err,
    size_t errlen)
{
	const char *p = spec;

	if (!*p) {
		snprintf(err, errlen, "empty --chmod value");
		return -1;
	}
	while (*p) {
		size_t len = strcspn(p, ",");

		if (len == 0 || parse_item(rules, p, len, err, errlen) < 0) {
			if (len == 0)
				snprintf(err, errlen, "empty item in --chmod '%s'",
				    spec);
			return -1;
		}
		p += len;
		if (*p == ',')
			p++;
	}
	return 0;
}

uint32_t chmod_apply(const struct chmod_rule *r, uint32_t mode,
    uint32_t umask)
{
	uint32_t type = mode & S_IFMT, perm = mode & 07777;
	bool dir = S_ISDIR(mode);

	for (; r; r = r->next) {
		uint32_t bits;

		if ((r->only == ONLY_DIRS && !dir) ||
		    (r->only == ONLY_FILES && dir))
			continue;
		if (r->octal) {
			perm = r->value;
			continue;
		}
		bits = r->perm;
		if (r->copy) {
			/* The class's rwx as they are now, for every class. */
			uint32_t v = (perm >> (r->copy == 'u' ? 6 :
			    r->copy == 'g' ? 3 : 0)) & 7;

			bits = v << 6 | v << 3 | v;
		}
		if (r->cap_x && (dir || (perm & 0111)))
			bits |= 0111;
		bits &= r->who;
		/* No u/g/o/a: as chmod(1), bits set in the umask are left
		 * alone (rsync does the same). */
		if (!r->who_given)
			bits &= ~(umask & 0777);
		switch (r->op) {
		case '+':
			perm |= bits;
			break;
		case '-':
			perm &= ~bits;
			break;
		default:
			perm = (perm & ~r->who) | bits;
			break;
		}
	}
	return type | perm;
}

void chmod_free(struct chmod_rule *r)
{
	while (r) {
		struct chmod_rule *next = r->next;

		free(r);
		r = next;
	}
}
