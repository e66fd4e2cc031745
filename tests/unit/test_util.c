/* Unit tests for util.c: path joining, name escaping, unsafe symlinks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util.h"

static void test_join(void **state)
{
	char *p;

	(void)state;
	p = util_path_join("", "a");
	assert_string_equal(p, "a");
	free(p);
	p = util_path_join("d/e", "a");
	assert_string_equal(p, "d/e/a");
	free(p);
}

static void test_escape(void **state)
{
	char b[64];

	(void)state;
	util_set_utf8(1);
	util_escape_name(b, sizeof(b), "plain name");
	assert_string_equal(b, "plain name");
	/* rsync leaves tab and DEL alone, escapes other controls. */
	util_escape_name(b, sizeof(b), "new\nline\ttab\x7f");
	assert_string_equal(b, "new\\#012line\ttab\x7f");
	util_escape_name(b, sizeof(b), "esc\x1b[31m");
	assert_string_equal(b, "esc\\#033[31m");
	/* In a UTF-8 locale valid UTF-8 passes, invalid bytes are escaped,
	 * and so are C1 controls. */
	util_escape_name(b, sizeof(b), "caf\xc3\xa9");
	assert_string_equal(b, "caf\xc3\xa9");
	util_escape_name(b, sizeof(b), "bad\xff\xc3");
	assert_string_equal(b, "bad\\#377\\#303");
	util_escape_name(b, sizeof(b), "c1\xc2\x9b");
	assert_string_equal(b, "c1\\#302\\#233");
	/* Outside one every high byte is escaped. */
	util_set_utf8(0);
	util_escape_name(b, sizeof(b), "caf\xc3\xa9");
	assert_string_equal(b, "caf\\#303\\#251");
	/* A backslash is escaped only where it would read as an escape. */
	util_escape_name(b, sizeof(b), "a\\b\\#12c\\#123");
	assert_string_equal(b, "a\\b\\#12c\\#134#123");
	/* Never overflows: the output is cut at a whole unit. */
	util_escape_name(b, 8, "\n\n\n");
	assert_string_equal(b, "\\#012");
}

/* rsync 3.5.0's verdicts (--safe-links -v on these links, at these
 * depths below the top of the transfer). */
static void test_unsafe_symlink(void **state)
{
	static const struct {
		const char *target, *path;
		bool unsafe;
	} c[] = {
		{ "x", "l", false },
		{ "", "l", true },
		{ "/etc/passwd", "a/b/l", true },
		{ "../x", "l", true },
		{ "../x", "a/l", false },
		{ "../../x", "a/b/l", false },
		{ "../../x", "b/l", true },
		{ "../../../x", "s/a/b/l", false },
		{ "./x", "l", false },
		{ ".././x", "a/l", false },
		{ "..", "a/l", false },
		{ "..", "l", true },
		{ "..//../x", "a/b/l", false },
		{ "b//x", "l", false },
		/* a ".." after another name, or a last "/..": unsafe at
		 * any depth (rsync 3.5's hardening) */
		{ "b/../x", "s/a/b/l", true },
		{ "b/./../x", "s/a/b/l", true },
		{ "b//../x", "s/a/b/l", true },
		{ "../b/../x", "s/a/b/l", true },
		{ "../..", "s/a/b/l", true },
		{ "b/..", "s/a/b/l", true },
		/* ".." in the link's own path starts its depth over */
		{ "../x", "a/../l", true },
		{ "../x", "./a/l", false },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		if (util_unsafe_symlink(c[i].target, c[i].path) != c[i].unsafe)
			fail_msg("%s in %s: expected %s", c[i].target,
			    c[i].path, c[i].unsafe ? "unsafe" : "safe");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_join),
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_unsafe_symlink),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
