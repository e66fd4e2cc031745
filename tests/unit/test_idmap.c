/* Unit tests for idmap.c: rsync's --usermap/--groupmap syntax and
 * matching (the cases checked against rsync 3.5.0 by t1325). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "idmap.h"

static uint32_t map1(const char *spec, bool users, uint32_t id, bool numeric)
{
	struct idmap *m = NULL;
	char err[160];
	uint32_t to;

	assert_int_equal(idmap_parse(spec, users, &m, err, sizeof(err), NULL,
	    NULL), 0);
	to = idmap_map(m, id, numeric);
	assert_int_equal(idmap_map(m, id, numeric), to);	/* cached */
	idmap_free(m);
	return to;
}

static void test_numbers_and_ranges(void **state)
{
	(void)state;
	assert_int_equal(map1("0:1", false, 0, false), 1);
	assert_int_equal(map1("0:1", false, 2, false), 2);
	assert_int_equal(map1("5000-5001:9,*:8", true, 5001, false), 9);
	assert_int_equal(map1("5000-5001:9,*:8", true, 5002, false), 8);
	/* A range whose top is 0 is the one id (rsync). */
	assert_int_equal(map1("7-0:3", true, 7, false), 3);
	assert_int_equal(map1("7-0:3", true, 8, false), 8);
}

static void test_names_and_wildcards(void **state)
{
	(void)state;
	assert_int_equal(map1("root:5", true, 0, false), 5);
	assert_int_equal(map1("r??t:5", true, 0, false), 5);
	assert_int_equal(map1("x*:5,*:6", true, 0, false), 6);
	/* An empty FROM matches ids without a name; --numeric-ids sends
	 * no names, so it then matches every id. */
	assert_int_equal(map1(":3", false, 0, false), 0);
	assert_int_equal(map1(":3", false, 0, true), 3);
	assert_int_equal(map1(":3", false, 4000000, false), 3);
	/* The first rule that matches wins. */
	assert_int_equal(map1("0:1,0:2", true, 0, false), 1);
}

static void count_warn(void *arg, const char *to)
{
	(*(int *)arg)++;
	assert_string_equal(to, "no-such-user-at-all");
}

static void test_errors(void **state)
{
	static const char *const bad[][2] = {
		{ "x", "No colon found in --usermap: x" },
		{ "0:", "No name found after colon --usermap: 0:" },
		{ "1-x:0", "Invalid number in --usermap: 1-x" },
		{ "1-2-3:0", "Invalid number in --usermap: 1-2-3" },
		{ "1-:0", "Invalid number in --usermap: 1-" },
		{ "0:1,y", "No colon found in --usermap: y" },
	};
	struct idmap *m = NULL;
	char err[160];
	size_t i;
	int warned = 0;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(idmap_parse(bad[i][0], true, &m, err,
		    sizeof(err), NULL, NULL), -EINVAL);
		assert_null(m);
		assert_string_equal(err, bad[i][1]);
	}
	/* A TO that names nobody: warned about, its rule left out. */
	assert_int_equal(idmap_parse("0:no-such-user-at-all,*:4", true, &m,
	    err, sizeof(err), count_warn, &warned), 0);
	assert_int_equal(warned, 1);
	assert_int_equal(idmap_map(m, 0, false), 4);
	idmap_free(m);
	idmap_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_numbers_and_ranges),
		cmocka_unit_test(test_names_and_wildcards),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
