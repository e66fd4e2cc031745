/* Unit tests for cli.c: rsync's option meanings and usage errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli.h"

static enum cli_action parse(struct cli *c, int argc, const char **argv)
{
	return cli_parse(argc, (char **)argv, c);
}

static void test_archive_and_no(void **state)
{
	const char *argv[] = { "treesync", "-a", "--no-perms", "--no-D",
		"src/", "dst", NULL };
	struct cli c;

	(void)state;
	assert_int_equal(parse(&c, 6, argv), CLI_RUN);
	assert_true(c.opts.recursive && c.opts.links && c.opts.times);
	assert_true(c.opts.group && c.opts.owner);
	assert_false(c.opts.perms);
	assert_false(c.opts.devices || c.opts.specials);
	assert_int_equal(c.opts.nsrcs, 1);
	assert_string_equal(c.opts.srcs[0], "src/");
	assert_string_equal(c.opts.dest, "dst");
	cli_free(&c);
}

static void test_values(void **state)
{
	const char *argv[] = { "treesync", "-rvvi", "-j", "3",
		"--modify-window=-1", "--copy-method=sendfile", "--delete-after",
		"a", "b", "c", NULL };
	struct cli c;

	(void)state;
	assert_int_equal(parse(&c, 10, argv), CLI_RUN);
	assert_int_equal(c.opts.verbose, 2);
	assert_int_equal(c.opts.itemize, 1);
	assert_int_equal(c.opts.jobs, 3);
	assert_int_equal(c.opts.modify_window, -1);
	assert_int_equal(c.opts.copy_method, TS_COPY_SENDFILE);
	assert_true(c.opts.del);
	assert_int_equal(c.opts.nsrcs, 2);
	cli_free(&c);
}

static void test_errors(void **state)
{
	const char *unknown[] = { "treesync", "--bogus", "a", "b", NULL };
	const char *nodest[] = { "treesync", "-a", "a", NULL };
	const char *badj[] = { "treesync", "-j", "0", "a", "b", NULL };
	const char *conflict[] = { "treesync", "-c", "--size-only", "a", "b",
		NULL };
	struct cli c;

	(void)state;
	assert_int_equal(parse(&c, 4, unknown), CLI_ERROR);
	cli_free(&c);
	assert_int_equal(parse(&c, 3, nodest), CLI_ERROR);
	cli_free(&c);
	assert_int_equal(parse(&c, 5, badj), CLI_ERROR);
	cli_free(&c);
	assert_int_equal(parse(&c, 5, conflict), CLI_ERROR);
	cli_free(&c);
}

static void test_h(void **state)
{
	const char *alone[] = { "treesync", "-h", NULL };
	const char *human[] = { "treesync", "-h", "a", "b", NULL };
	struct cli c;

	(void)state;
	/* rsync: -h is help on its own, --human-readable otherwise. */
	assert_int_equal(parse(&c, 2, alone), CLI_HELP);
	cli_free(&c);
	assert_int_equal(parse(&c, 4, human), CLI_RUN);
	assert_int_equal(c.opts.human, 1);
	cli_free(&c);
}

static void test_help_lists_every_option(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	size_t i;

	(void)state;
	cli_help(f);
	fclose(f);
	for (i = 0; cli_options[i].lname || cli_options[i].sname; i++) {
		char want[64];

		if (!cli_options[i].help || !cli_options[i].lname)
			continue;
		snprintf(want, sizeof(want), "--%s", cli_options[i].lname);
		assert_non_null(strstr(buf, want));
	}
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_archive_and_no),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_h),
		cmocka_unit_test(test_help_lists_every_option),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
