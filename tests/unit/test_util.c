/* Unit tests for util.c: path joining and name escaping. */
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
	util_escape_name(b, sizeof(b), "plain name");
	assert_string_equal(b, "plain name");
	util_escape_name(b, sizeof(b), "new\nline\ttab");
	assert_string_equal(b, "new\\#012line\\#011tab");
	util_escape_name(b, sizeof(b), "esc\x1b[31m");
	assert_string_equal(b, "esc\\#033[31m");
	/* Valid UTF-8 passes, invalid bytes are escaped. */
	util_escape_name(b, sizeof(b), "caf\xc3\xa9");
	assert_string_equal(b, "caf\xc3\xa9");
	util_escape_name(b, sizeof(b), "bad\xff\xc3");
	assert_string_equal(b, "bad\\#377\\#303");
	/* A backslash only needs escaping before '#'. */
	util_escape_name(b, sizeof(b), "a\\b\\#c");
	assert_string_equal(b, "a\\b\\#134#c");
	/* Never overflows: the output is cut at a whole unit. */
	util_escape_name(b, 8, "\n\n\n");
	assert_string_equal(b, "\\#012");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_join),
		cmocka_unit_test(test_escape),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
