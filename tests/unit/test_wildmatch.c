/*
 * Unit tests for wildmatch.c: rsync's wildcard matcher on its own ('*',
 * '**', '***', '?', classes and ranges, POSIX class names, escapes,
 * trailing '/'), the three ways of laying a pattern over a path
 * (wildmatch_where) and what makes a pattern malformed.
 *
 * Every expectation was checked against rsync 3.5.0: the tables through
 * lib/wildmatch.c of the v3.5.0 tag (wildmatch_array() with the same
 * WHERE), and the cases that a rule can reach through the installed
 * rsync binary (an anchored rule "- /PATTERN" over a tree holding TEXT;
 * for a trailing '/', "***" against a directory, which rsync matches
 * as "NAME/").  How patterns become rules is test_filter.c's business.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "wildmatch.h"

struct wcase {
	const char *pat, *text;
	bool match;
};

#define N_CASES(a) (sizeof(a) / sizeof((a)[0]))

/*
 * Runs a table through wildmatch() and, the same question asked the
 * other way, wildmatch_where(..., WILDMATCH_WHOLE).
 */
static void run_cases(const struct wcase *c, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (wildmatch(c[i].pat, c[i].text) != c[i].match)
			fail_msg("'%s' vs '%s': expected %s", c[i].pat,
			    c[i].text, c[i].match ? "match" : "none");
		if (wildmatch_where(c[i].pat, c[i].text, WILDMATCH_WHOLE) !=
		    c[i].match)
			fail_msg("where 0: '%s' vs '%s': expected %s",
			    c[i].pat, c[i].text,
			    c[i].match ? "match" : "none");
	}
}

/* ---------------------------------------------------------------------
 * The pattern language.
 */

static void test_literal(void **state)
{
	static const struct wcase cases[] = {
		{ "foo", "foo", true },
		{ "foo", "foobar", false },	/* all of the text ... */
		{ "foo", "xfoo", false },	/* ... from its start */
		{ "foo", "Foo", false },	/* no case folding */
		{ "", "", true },
		{ "", "a", false },
		{ "a/b", "a/b", true },
		{ "]", "]", true },		/* ']' alone is plain */
		{ "-", "-", true },
		{ "!", "!", true },
	};

	(void)state;
	run_cases(cases, N_CASES(cases));
}

static void test_star(void **state)
{
	static const struct wcase cases[] = {
		{ "*", "", true },
		{ "*", "anything", true },
		{ "*", ".hidden", true },	/* no dot-file rule */
		{ "*", "a/b", false },		/* '*' stops at '/' */
		{ "*", "/", false },
		{ "*", "a/", false },
		{ "*.c", "x.c", true },
		{ "*.c", ".c", true },
		{ "*.c", "dir/x.c", false },
		{ "*.c", "x.c/y", false },
		{ "a*", "a", true },
		{ "a*", "ab/c", false },
		{ "*a", "ba", true },
		{ "a*c", "ac", true },
		{ "a*b*c", "aXXbYYc", true },
		{ "a*b*c", "aXXbYYcZ", false },
		{ "*/*", "a/b", true },
		{ "*/*", "a/b/c", false },
		{ "*b", "a/b", false },
		{ "*/b", "a/x/b", false },
		{ "*/", "a/", true },
		{ "*\\*", "ab*", true },
		{ "*x/**", "a/bx/c", false },	/* '*' cannot reach "bx" */
	};

	(void)state;
	run_cases(cases, N_CASES(cases));
}

static void test_starstar(void **state)
{
	static const struct wcase cases[] = {
		{ "**", "", true },
		{ "**", "/", true },
		{ "**", "a/b/c", true },	/* '**' crosses '/' */
		{ "a/**", "a/b/c", true },
		{ "a/**", "a/", true },
		{ "a/**", "a", false },
		{ "a**", "a", true },
		{ "a**", "ab/c", true },
		{ "a**z", "a/b/z", true },	/* anywhere, not only whole
						 * components */
		{ "**.c", "a/b.c", true },
		{ "**/z", "z", false },		/* the '/' is still needed */
		{ "**/z", "a/b/z", true },
		{ "**/*.c", "x.c", false },
		{ "**/*.c", "d/x.c", true },
		{ "**/*.c", "d/e/x.c", true },
		{ "**/*.c", "d/x.c/y", false },	/* '*' after '**' still stops */
		{ "a/*/c", "a/b/c", true },
		{ "a/*/c", "a/b/x/c", false },
		{ "a/**/c", "a/b/x/c", true },
		{ "a/**/c", "a/c", false },
		{ "a/**/b", "a//b", true },
		{ "*/**", "a", false },
		{ "*/**", "a/", true },
		{ "x/**/y", "x/y", false },
		{ "x/**/y", "x/q/r/y", true },
	};

	(void)state;
	run_cases(cases, N_CASES(cases));
}

/*
 * Three or more '*' are "**".  A rule "dir/" + "***" uses that to match a
 * directory and everything in it: the filter code gives the directory's
 * own name a trailing '/' for such a pattern ("dir/"), which "**" then
 * matches as the empty string.
 */
static void test_triple_star(void **state)
{
	static const struct wcase cases[] = {
		{ "***", "", true },
		{ "***", "a/b", true },
		{ "a/***", "a/", true },
		{ "a/***", "a/b/c", true },
		{ "a/***", "a", false },
		{ "a/***", "ab", false },
		{ "a/***", "ab/", false },
		{ "a***", "a", true },
		{ "a***", "ab/c", true },
	};

	(void)state;
	run_cases(cases, N_CASES(cases));
}

static void test_question(void **state)
{
	static const struct wcase cases[] = {
		{ "?", "a", true },
		{ "?", "", false },
		{ "?", "/", false },		/* '?' never matches '/' */
		{ "?", "ab", false },
		{ "??", "ab", true },
		{ "??", "a", false },
		{ "a?c", "abc", true },
		{ "a?c", "a/c", false },
		{ "a?", "a/", false },
		{ "?*", "", false },
		{ "*?", "a", true },
		{ "?", "\xc3\xa9", false },	/* one byte, not one character */
		{ "??", "\xc3\xa9", true },
	};

	(void)state;
	run_cases(cases, N_CASES(cases));
}

/* Trailing '/' in the pattern or the text: a plain character. */
static void test_trailing_slash(void **state)
{
	static const struct wcase cases[] = {
		{ "a/", "a/", true },
		{ "a/", "a", false },
		{ "a", "a/", false },
		{ "*/", "a/", true },
		{ "*/", "a", false },
		{ "?/", "a/", true },
		{ "[a]/", "a/", true },
		{ "**/", "a/b/", true },
		{ "**/", "a/b", false },
	};

	(void)state;
	run_cases(cases, N_CASES(cases));
}

static void test_classes(void **state)
{
	static const struct wcase cases[] = {
		{ "[abc]", "b", true },
		{ "[abc]", "d", false },
		{ "[abc]", "", false },
		{ "[abc]", "ab", false },	/* one character */
		{ "[a-c]x", "bx", true },
		{ "[a-c]x", "dx", false },
		{ "[a-z]", "m", true },
		{ "[a-z]", "M", false },
		{ "[a-a]", "a", true },
		{ "[z-a]", "m", false },	/* a reversed range is empty, */
		{ "[z-a]", "z", true },		/* its start a plain member */
		{ "[!a-c]", "d", true },
		{ "[!a-c]", "a", false },
		{ "[^a-c]", "d", true },	/* '^' negates too */
		{ "[^a-c]", "b", false },
		{ "[]]", "]", true },		/* ']' first is literal */
		{ "[!]]", "]", false },
		{ "[!]]", "x", true },
		{ "[]-a]", "_", true },		/* a range from ']' */
		{ "[]-a]", "b", false },
		{ "[a-]", "-", true },		/* '-' last is literal */
		{ "[-a]", "-", true },
		{ "[--0]", ".", true },		/* '-' to '0' */
		{ "[--0]", "/", false },	/* ... but never '/' */
		{ "[a-c-e]", "-", true },	/* after a range, '-' is plain */
		{ "[a-c-e]", "d", false },
		{ "[[]", "[", true },		/* '[' not followed by ':' */
		{ "[!a]", "/", false },		/* never '/' */
		{ "a[/]b", "a/b", false },
		{ "[!a]", "\xc3", true },
		{ "[\\]]", "]", true },
		{ "[\\-]", "-", true },
		{ "[a\\-c]", "b", false },	/* escaped '-' is no range */
		{ "[a\\-c]", "-", true },
		{ "[\\!a]", "!", true },	/* escaped '!' does not negate */
		{ "[!\\]]", "]", false },
		{ "[Z-\\]]", "\\", true },	/* an escaped range end */
		{ "[Z-\\]]", "]", true },
		{ "[Z-\\]]", "^", false },
	};

	(void)state;
	run_cases(cases, N_CASES(cases));
}

/* "[:name:]" inside a class: the twelve POSIX names, ASCII only. */
static void test_posix_classes(void **state)
{
	static const struct wcase cases[] = {
		{ "[[:alpha:]]", "q", true },
		{ "[[:alpha:]]", "Q", true },
		{ "[[:alpha:]]", "1", false },
		{ "[[:alpha:]]", "\xc3", false },	/* ASCII only */
		{ "[![:alpha:]]", "\xc3", true },
		{ "[[:alnum:]]", "\xc3", false },
		{ "[[:alnum:]_]", "_", true },
		{ "[[:digit:]x]", "7", true },
		{ "[[:digit:]x]", "x", true },
		{ "[![:digit:]]", "7", false },
		{ "[x[:digit:]]", "5", true },
		{ "[[:digit:]-z]", "-", true },	/* no range from a class */
		{ "[[:digit:]-z]", "m", false },
		{ "[[:upper:][:digit:]]", "Q", true },
		{ "[[:lower:]]", "A", false },
		{ "[[:upper:]]", "a", false },
		{ "[[:space:]]", " ", true },
		{ "[[:blank:]]", "\t", true },
		{ "[[:blank:]]", "\n", false },
		{ "[[:cntrl:]]", "\x01", true },
		{ "[[:graph:]]", " ", false },
		{ "[[:print:]]", " ", true },
		{ "[[:xdigit:]]", "F", true },
		{ "[[:xdigit:]]", "g", false },
		{ "[[:punct:]]", "!", true },
		{ "[[:alpha]", "a", true },	/* not a class: "[:alph" */
		{ "[[:alpha]", ":", true },
		{ "[[:]", "[", true },
		{ "[[:]", ":", true },		/* '[' and ':' */
		{ "[[:]", "]", false },
	};

	(void)state;
	run_cases(cases, N_CASES(cases));
}

static void test_escapes(void **state)
{
	static const struct wcase cases[] = {
		{ "\\*", "*", true },
		{ "\\*", "x", false },
		{ "\\?x", "?x", true },
		{ "a\\?", "ab", false },
		{ "a\\[b", "a[b", true },
		{ "\\[a]", "[a]", true },
		{ "\\[a]", "a", false },
		{ "a\\bc", "abc", true },	/* '\b' is just 'b' */
		{ "\\\\", "\\", true },
		{ "a\\/b", "a/b", true },
		{ "\\**", "*ab", true },
	};

	(void)state;
	run_cases(cases, N_CASES(cases));
}

/* ---------------------------------------------------------------------
 * Malformed patterns: never a match, and a reason.
 */

static void test_malformed(void **state)
{
	static const struct {
		const char *pat, *text, *why;
	} cases[] = {
		{ "[", "[", "unterminated '[' in pattern" },
		{ "[abc", "a", "unterminated '[' in pattern" },
		{ "[!]", "]", "unterminated '[' in pattern" },
		{ "[\\", "\\", "unterminated '[' in pattern" },
		{ "[a\\]", "a", "unterminated '[' in pattern" },
		{ "[[:alpha:]", "a", "unterminated '[' in pattern" },
		{ "[[:alpha:", "a", "unterminated '[' in pattern" },
		{ "x[[:nope:]]", "xa",
		    "unknown character class in '[[:...:]]'" },
		{ "[[:ALPHA:]]", "a",
		    "unknown character class in '[[:...:]]'" },
		{ "[[::]]", ":", "unknown character class in '[[:...:]]'" },
		{ "x\\", "x\\", "pattern ends with a lone backslash" },
		{ "*\\", "a", "pattern ends with a lone backslash" },
	};
	static const char *const fine[] = {
		"", "abc", "*?", "]", "[a]", "\\[", "[[:alpha:]]", "[[:alpha]",
		"a\\\\", "[]]", "***",
	};
	size_t i;
	int w;

	(void)state;
	for (i = 0; i < N_CASES(cases); i++) {
		const char *why = wildmatch_problem(cases[i].pat);

		if (why == NULL || strcmp(why, cases[i].why) != 0)
			fail_msg("'%s': expected \"%s\", got \"%s\"",
			    cases[i].pat, cases[i].why, why ? why : "(null)");
		assert_false(wildmatch(cases[i].pat, cases[i].text));
		for (w = -1; w <= 2; w++)
			assert_false(wildmatch_where(cases[i].pat,
			    cases[i].text, w));
	}
	for (i = 0; i < N_CASES(fine); i++) {
		if (wildmatch_problem(fine[i]) != NULL)
			fail_msg("'%s': %s", fine[i],
			    wildmatch_problem(fine[i]));
	}
}

/* ---------------------------------------------------------------------
 * Where a pattern is laid over a path (rsync's "where").
 */

static void test_where(void **state)
{
	static const struct {
		const char *pat, *text;
		int where;
		bool match;
	} cases[] = {
		/* WHOLE: anchored at both ends. */
		{ "b", "a/b", WILDMATCH_WHOLE, false },
		{ "a/*", "a/b", WILDMATCH_WHOLE, true },
		{ "a/*", "x/a/b", WILDMATCH_WHOLE, false },
		/* N > 0: the last N elements, whole. */
		{ "b*", "a/bc", 1, true },
		{ "b*", "bc", 1, true },
		{ "b*", "a/bc/d", 1, false },
		{ "a/*.c", "x/a/y.c", 2, true },
		{ "a/*.c", "a/y.c", 2, true },
		{ "a/*.c", "y.c", 2, false },	/* fewer elements */
		{ "a/*.c", "x/za/y.c", 2, false },
		{ "a/*/c", "q/a/b/c", 3, true },
		{ "a/*/c", "a/b/c", 4, false },
		{ "*/b", "/b", 2, true },	/* an empty first element */
		/* ANY_TAIL: the whole, or from just after any '/'. */
		{ "b/**", "b/c", WILDMATCH_ANY_TAIL, true },
		{ "b/**", "a/b/c", WILDMATCH_ANY_TAIL, true },
		{ "b/**", "ab/c", WILDMATCH_ANY_TAIL, false },
		{ "b**", "x/b/c", WILDMATCH_ANY_TAIL, true },
		{ "b**", "xb/c", WILDMATCH_ANY_TAIL, false },
		{ "x/**/y", "p/x/q/y", WILDMATCH_ANY_TAIL, true },
		{ "x/**/y", "p/x/y", WILDMATCH_ANY_TAIL, false },
		{ "*x/**", "a/bx/c", WILDMATCH_ANY_TAIL, true },
		{ "s*/**/*.c", "x/sub/deep/foo/f.c", WILDMATCH_ANY_TAIL,
		    true },
		{ "s*/**/*.c", "sub/foo.c", WILDMATCH_ANY_TAIL, false },
		{ "d/x**", "a/d/x/y", WILDMATCH_ANY_TAIL, true },
		{ "d/x.?", "a/d/x.c", 2, true },	/* wildmatch.h's */
	};
	size_t i;

	(void)state;
	for (i = 0; i < N_CASES(cases); i++) {
		if (wildmatch_where(cases[i].pat, cases[i].text,
		    cases[i].where) != cases[i].match)
			fail_msg("'%s' vs '%s' where %d: expected %s",
			    cases[i].pat, cases[i].text, cases[i].where,
			    cases[i].match ? "match" : "none");
	}
}

static void test_last_elements(void **state)
{
	static const char text[] = "a/b/c";

	(void)state;
	assert_ptr_equal(wildmatch_last_elements(text, 1), text + 4);
	assert_ptr_equal(wildmatch_last_elements(text, 2), text + 2);
	assert_ptr_equal(wildmatch_last_elements(text, 3), text);
	assert_null(wildmatch_last_elements(text, 4));
	assert_string_equal(wildmatch_last_elements("c", 1), "c");
	assert_null(wildmatch_last_elements("c", 2));
	assert_string_equal(wildmatch_last_elements("/a", 1), "a");
	assert_string_equal(wildmatch_last_elements("/a", 2), "/a");
	assert_string_equal(wildmatch_last_elements("a/", 1), "");
	assert_string_equal(wildmatch_last_elements("", 1), "");
}

/* ---------------------------------------------------------------------
 * Cost.
 */

/* Patterns that look for trouble: deep backtracking stays fast (the
 * early ABORT answers), so a test run of this finishes at once. */
static void test_pathological(void **state)
{
	char text[200], deep[400];
	size_t i;

	(void)state;
	memset(text, 'a', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	assert_false(wildmatch("*a*a*a*a*a*a*a*a*a*a*a*b", text));
	assert_false(wildmatch("**a**a**a**a**a**a**a**a**b", text));
	assert_true(wildmatch("*a*a*a*a*a*a*a*a*a*a*a*", text));
	for (i = 0; i + 1 < sizeof(deep); i++)
		deep[i] = i % 2 ? '/' : 'a';
	deep[sizeof(deep) - 1] = '\0';
	assert_false(wildmatch_where("a/*a/*a/*a/*a/*a/*b", deep,
	    WILDMATCH_ANY_TAIL));
	assert_false(wildmatch_where("**/a/**/a/**/a/**/b", deep,
	    WILDMATCH_ANY_TAIL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_literal),
		cmocka_unit_test(test_star),
		cmocka_unit_test(test_starstar),
		cmocka_unit_test(test_triple_star),
		cmocka_unit_test(test_question),
		cmocka_unit_test(test_trailing_slash),
		cmocka_unit_test(test_classes),
		cmocka_unit_test(test_posix_classes),
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_where),
		cmocka_unit_test(test_last_elements),
		cmocka_unit_test(test_pathological),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
