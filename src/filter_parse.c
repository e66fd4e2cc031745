/*
 * filter_parse.c -- rule text: rsync's filter rule syntax.
 *
 * Owns the three syntaxes (--filter's "RULE[,MODIFIERS] PATTERN", the
 * --exclude/--include "- "/"+ "/"!" forms, and the bare patterns of a
 * '-' or '+' merge file), the rule names and modifier letters with
 * rsync's checks, splitting a rule file into records, and the error
 * message for a malformed rule.  Must not keep rules itself (it hands a
 * struct tok to filter_rules.c, '.' merges to filter_merge.c) and must
 * not open files.
 *
 * What an error may show depends on where the text came from (struct
 * pctx's FROM_*): an option's own text is echoed; a file's never is,
 * since a merge file can name /etc/shadow; only where the bad line is.
 */
#define _GNU_SOURCE
#include "filter_int.h"

#include <ctype.h>
#include <errno.h>

/* ---------------------------------------------------------------------
 * Errors.
 */

int parse_bad_rule(struct pctx *pc, const struct tok *t, const char *fmt,
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
			return parse_bad_rule(pc, t, "modifier '%c' is only "
			    "valid on a merge rule", m);
		if (f & R_NO_PREFIXES)
			return parse_bad_rule(pc, t, "modifier '%c' conflicts "
			    "with an earlier '-', '+' or 'C'", m);
		f |= R_NO_PREFIXES | (m == '+' ? R_INCLUDE : 0);
		break;
	case '/':
		f |= R_ABS;
		break;
	case '!':
		/* Negation goes with a pattern, not with a file of them. */
		if (f & R_MERGE)
			return parse_bad_rule(pc, t, "a merge rule cannot be "
			    "negated with '!'");
		f |= R_NEGATE;
		break;
	case 'C':
		if (f & R_NO_PREFIXES)
			return parse_bad_rule(pc, t, "modifier 'C' conflicts "
			    "with an earlier '-' or '+'");
		if (side_prefix)
			return parse_bad_rule(pc, t, "modifier 'C' is not "
			    "valid on hide/show/protect/risk rules");
		f |= R_NO_PREFIXES | R_WORD_SPLIT | R_NO_INHERIT | R_CVS;
		break;
	case 'e':
	case 'n':
	case 'w':
		if (!(f & R_MERGE))
			return parse_bad_rule(pc, t, "modifier '%c' is only "
			    "valid on a merge rule", m);
		f |= m == 'e' ? R_EXCLUDE_SELF :
		    m == 'n' ? R_NO_INHERIT : R_WORD_SPLIT;
		break;
	case 'p':
		f |= R_PERISH;
		break;
	case 'r':
	case 's':
		if (side_prefix)
			return parse_bad_rule(pc, t, "modifier '%c' is not "
			    "valid on hide/show/protect/risk rules (they "
			    "already choose a side)", m);
		f |= m == 's' ? R_SENDER : R_RECEIVER;
		break;
	case 'x':
		f |= R_XATTR;
		break;
	default:
		if (isprint(m))
			return parse_bad_rule(pc, t, "unknown modifier '%c'",
			    m);
		return parse_bad_rule(pc, t, "unknown modifier '\\x%02x'",
		    m);
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

		return parse_bad_rule(pc, t, "unknown rule type '%.*s'",
		    (int)n, (const char *)*sp);
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
		return parse_bad_rule(pc, t, "'!' (clear) takes no pattern");
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
			return parse_bad_rule(pc, t, "the merge rule already "
			    "chose a side ('s' or 'r'), so its rules may not");
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
		return parse_bad_rule(pc, t, "missing pattern");
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
		rules_clear(pc);
		return 0;
	}
	if (!(f & R_MERGE)) {
		rc = rules_add_pattern(pc, t, pat, len, f);
		if (rc == 0 && (f & R_CVS))
			rc = merge_load_cvs(pc, f);
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
		rc = rules_add_pattern(pc, &self, b, (size_t)(pat + len - b),
		    self.flags);
		if (rc < 0)
			return rc;
		f &= ~R_EXCLUDE_SELF;
	}
	if (f & R_PERDIR) {
		char *spec;

		if (pc->scan_abs != NULL)
			spec = layer_join_abs(pc->scan_abs, pat, len);
		else
			spec = xstrndup(pat, len);
		rules_add_perdir(pc, spec, f);
		return 0;
	}
	return merge_file(pc, t, merge_path(pc, pat, len), f);
}

int parse_str(struct pctx *pc, const char *str, uint32_t tmpl)
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
int parse_buf(struct pctx *pc, const char *buf, size_t len,
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
