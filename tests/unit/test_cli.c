/* Unit tests for cli.c: rsync's option names and meanings, popt's argument
 * forms, remote operands, usage errors, the table's outputs. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli.h"

#define ARGC(v) ((int)(sizeof(v) / sizeof((v)[0])) - 1)

static enum cli_action parse(struct cli *c, int argc, const char **argv)
{
	return cli_parse(argc, (char **)argv, c);
}

/* Parses "treesync OPT... a b"; OPTS ends with NULL. */
static enum cli_action parse_opts(struct cli *c, const char *const *opts)
{
	const char *argv[32] = { "treesync" };
	int n = 1;

	while (*opts && n < 29)
		argv[n++] = *opts++;
	argv[n++] = "a";
	argv[n++] = "b";
	argv[n] = NULL;
	return parse(c, n, argv);
}

static void test_archive_and_no(void **state)
{
	const char *argv[] = { "treesync", "-a", "--no-perms", "--no-D",
		"src/", "dst", NULL };
	struct cli c;

	(void)state;
	assert_int_equal(parse(&c, ARGC(argv), argv), CLI_RUN);
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
	assert_int_equal(parse(&c, ARGC(argv), argv), CLI_RUN);
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
	const char *none[] = { "treesync", "-a", NULL };
	const char *badj[] = { "treesync", "-j", "0", "a", "b", NULL };
	const char *conflict[] = { "treesync", "-c", "--size-only", "a", "b",
		NULL };
	struct cli c;

	(void)state;
	assert_int_equal(parse(&c, ARGC(unknown), unknown), CLI_ERROR);
	cli_free(&c);
	assert_int_equal(parse(&c, ARGC(none), none), CLI_ERROR);
	cli_free(&c);
	assert_int_equal(parse(&c, ARGC(badj), badj), CLI_ERROR);
	cli_free(&c);
	assert_int_equal(parse(&c, ARGC(conflict), conflict), CLI_ERROR);
	cli_free(&c);
}

/* rsync: one operand is a source to list; --list-only lists with DEST. */
static void test_list_only(void **state)
{
	const char *one[] = { "treesync", "-a", "a/", NULL };
	const char *two[] = { "treesync", "--list-only", "a/", "b", NULL };
	struct cli c;

	(void)state;
	assert_int_equal(parse(&c, ARGC(one), one), CLI_RUN);
	assert_true(c.opts.list_only);
	assert_int_equal(c.opts.nsrcs, 1);
	assert_null(c.opts.dest);
	cli_free(&c);
	assert_int_equal(parse(&c, ARGC(two), two), CLI_RUN);
	assert_true(c.opts.list_only);
	assert_int_equal(c.opts.nsrcs, 1);
	assert_string_equal(c.opts.dest, "b");
	cli_free(&c);
}

static void test_h(void **state)
{
	const char *alone[] = { "treesync", "-h", NULL };
	const char *human[] = { "treesync", "-h", "a", "b", NULL };
	struct cli c;

	(void)state;
	/* rsync: -h is help on its own, --human-readable otherwise. */
	assert_int_equal(parse(&c, ARGC(alone), alone), CLI_HELP);
	cli_free(&c);
	assert_int_equal(parse(&c, ARGC(human), human), CLI_RUN);
	assert_int_equal(c.opts.human, 1);
	cli_free(&c);
}

/*
 * getopt_long took any unambiguous prefix; rsync (popt) takes exact names
 * only.  Each of these is an unknown option (the first four are issue
 * 10's: getopt made them --no-xattrs, --no-hard-links, --delete-excluded
 * and --dry-run).
 */
static void test_prefixes_rejected(void **state)
{
	static const char *const prefixes[] = {
		"--no-xa", "--no-ha", "--delete-e", "--dry", "--dry-ru",
		"--delete-exclude", "--verb", "--recurs", "--arch", "--ex",
		"--exclude-fr", "--no-perm", "--no-hard-link", "--hel",
		"--vers", "--itemize", "--one-file", "--max-del", "--del-",
		"--delete-a", "--no-", "--no",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		const char *opts[] = { prefixes[i], NULL };
		struct cli c;

		if (parse_opts(&c, opts) != CLI_ERROR)
			fail_msg("prefix '%s' was accepted", prefixes[i]);
		cli_free(&c);
	}
	/* The full names are taken (the test can fail). */
	{
		const char *opts[] = { "-r", "--dry-run", "--delete-excluded",
			"--no-xattrs", "--no-hard-links", NULL };
		struct cli c;

		assert_int_equal(parse_opts(&c, opts), CLI_RUN);
		assert_true(c.opts.dry_run && c.opts.delete_excluded);
		cli_free(&c);
	}
}

/* --no-x and --no-h are rsync's own short forms: -x and -h, not prefixes
 * of --no-xattrs and --no-hard-links. */
static void test_no_x_no_h(void **state)
{
	const char *x[] = { "-xXH", "-hh", "--no-x", "--no-h", NULL };
	struct cli c;

	(void)state;
	assert_int_equal(parse_opts(&c, x), CLI_RUN);
	assert_int_equal(c.opts.one_fs, 0);
	/* rsync's human_readable 0: digits without separators (the default,
	 * 0 here, has them). */
	assert_int_equal(c.opts.human, -1);
	assert_true(c.opts.xattrs);
	assert_true(c.opts.hard_links);
	cli_free(&c);
}

/* -x counts, as rsync's one_file_system: -xx also leaves mount points out. */
static void test_xx(void **state)
{
	const char *xx[] = { "-xx", NULL };
	const char *x_x[] = { "-x", "--one-file-system", NULL };
	struct cli c;

	(void)state;
	assert_int_equal(parse_opts(&c, xx), CLI_RUN);
	assert_int_equal(c.opts.one_fs, 2);
	cli_free(&c);
	assert_int_equal(parse_opts(&c, x_x), CLI_RUN);
	assert_int_equal(c.opts.one_fs, 2);
	cli_free(&c);
}

/* Each --no-OPTION form, with the option it turns off: the option alone
 * sets the field, the option then its --no form clears it. */
struct no_case {
	const char *on, *off;
	size_t field;	/* offset in struct ts_options */
	int size;	/* sizeof the field: bool or int */
};
#define F(name) offsetof(struct ts_options, name), \
	(int)sizeof(((struct ts_options *)0)->name)

static const struct no_case no_cases[] = {
	{ "-v", "--no-verbose", F(verbose) }, { "-v", "--no-v", F(verbose) },
	{ "-i", "--no-itemize-changes", F(itemize) },
	{ "-i", "--no-i", F(itemize) },
	{ "--progress", "--no-progress", F(progress) },
	{ "-P", "--no-progress", F(progress) },
	{ "-r", "--no-recursive", F(recursive) }, { "-r", "--no-r", F(recursive) },
	{ "-d", "--no-dirs", F(dirs) }, { "-d", "--no-d", F(dirs) },
	{ "-0", "--no-from0", F(from0) },
	{ "-l", "--no-links", F(links) }, { "-l", "--no-l", F(links) },
	{ "-H", "--no-hard-links", F(hard_links) },
	{ "-H", "--no-H", F(hard_links) },
	{ "-p", "--no-perms", F(perms) }, { "-p", "--no-p", F(perms) },
	{ "-t", "--no-times", F(times) }, { "-t", "--no-t", F(times) },
	{ "-O", "--no-omit-dir-times", F(omit_dir_times) },
	{ "-O", "--no-O", F(omit_dir_times) },
	{ "-J", "--no-omit-link-times", F(omit_link_times) },
	{ "-J", "--no-J", F(omit_link_times) },
	{ "--numeric-ids", "--no-numeric-ids", F(numeric_ids) },
	{ "-g", "--no-group", F(group) }, { "-g", "--no-g", F(group) },
	{ "-A", "--no-acls", F(acls) }, { "-A", "--no-A", F(acls) },
	{ "-X", "--no-xattrs", F(xattrs) }, { "-X", "--no-X", F(xattrs) },
	{ "-o", "--no-owner", F(owner) }, { "-o", "--no-o", F(owner) },
	{ "-D", "--no-D", F(devices) }, { "-D", "--no-D", F(specials) },
	{ "--devices", "--no-devices", F(devices) },
	{ "--specials", "--no-specials", F(specials) },
	{ "-c", "--no-checksum", F(checksum) }, { "-c", "--no-c", F(checksum) },
	{ "--force", "--no-force", F(force) },
	{ "--ignore-errors", "--no-ignore-errors", F(ignore_errors) },
	{ "-x", "--no-one-file-system", F(one_fs) },
	{ "-x", "--no-x", F(one_fs) },
	{ "-S", "--no-sparse", F(sparse) }, { "-S", "--no-S", F(sparse) },
	{ "-m", "--no-prune-empty-dirs", F(prune_empty_dirs) },
	{ "-m", "--no-m", F(prune_empty_dirs) },
	{ "-y", "--no-fuzzy", F(fuzzy) }, { "-y", "--no-y", F(fuzzy) },
};
/* Accepted and without effect: files are always copied whole. */
static const char *const no_whole_file[] = { "--no-whole-file", "--no-W" };

static int field_of(const struct ts_options *o, const struct no_case *nc)
{
	const char *p = (const char *)o + nc->field;

	if (nc->size == (int)sizeof(bool))
		return *(const bool *)(const void *)p;
	return *(const int *)(const void *)p;
}

static void test_no_forms(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(no_cases) / sizeof(no_cases[0]); i++) {
		const struct no_case *nc = &no_cases[i];
		const char *on[] = { nc->on, NULL };
		const char *off[] = { nc->on, nc->off, NULL };
		struct cli c;

		if (parse_opts(&c, on) != CLI_RUN || !field_of(&c.opts, nc))
			fail_msg("%s does not set its field", nc->on);
		cli_free(&c);
		if (parse_opts(&c, off) != CLI_RUN)
			fail_msg("%s is not accepted", nc->off);
		if (field_of(&c.opts, nc))
			fail_msg("%s does not turn off %s", nc->off, nc->on);
		cli_free(&c);
	}
	for (i = 0; i < 2; i++) {
		const char *opts[] = { "-W", no_whole_file[i], NULL };
		struct cli c;

		assert_int_equal(parse_opts(&c, opts), CLI_RUN);
		cli_free(&c);
	}
}

/* The --no names of the table are exactly rsync 3.5.0's for the options
 * treesync takes (rsync's options.c long_options[]): none missing, none
 * invented (rsync rejects --no-dry-run, --no-stats, --no-delete). */
static void test_no_names_are_rsyncs(void **state)
{
	static const char *const rsyncs[] = {
		"no-verbose", "no-v", "no-itemize-changes", "no-i",
		"no-progress", "no-human-readable", "no-h", "no-recursive",
		"no-r", "no-dirs", "no-d", "no-from0", "no-links", "no-l",
		"no-hard-links", "no-H", "no-perms", "no-p", "no-times", "no-t",
		"no-omit-dir-times", "no-O", "no-omit-link-times", "no-J",
		"no-numeric-ids", "no-group", "no-g", "no-acls", "no-A",
		"no-xattrs", "no-X", "no-owner", "no-o", "no-D", "no-devices",
		"no-specials", "no-checksum", "no-c", "no-force",
		"no-ignore-errors", "no-one-file-system", "no-x",
		"no-whole-file", "no-W", "no-sparse", "no-S",
		"no-insecure-links", "no-8-bit-output", "no-8",
		"no-msgs2stderr", "no-timeout", "no-contimeout",
		"no-inc-recursive", "no-i-r", "no-blocking-io", "no-compress",
		"no-z", "no-bwlimit", "no-backup", "no-mkpath", "no-relative",
		"no-R", "no-prune-empty-dirs", "no-m", "no-implied-dirs",
		"no-i-d", "no-fuzzy", "no-y",
		"no-munge-links", "no-secluded-args", "no-protect-args",
		"no-s", "no-old-args", "no-partial", "no-inplace",
		"no-append", "no-delay-updates",
		"no-super", "no-atimes", "no-U", "no-open-noatime",
		"no-crtimes", "no-N", "no-iconv", "no-drop-D",
		"no-motd",	/* an option of its own, not a --no form */
	};
	size_t i, j, n = sizeof(rsyncs) / sizeof(rsyncs[0]), table = 0;

	(void)state;
	for (i = 0; cli_options[i].lname || cli_options[i].sname; i++) {
		const char *l = cli_options[i].lname;

		if (!l || strncmp(l, "no-", 3) != 0)
			continue;
		table++;
		for (j = 0; j < n && strcmp(rsyncs[j], l) != 0; j++)
			;
		if (j == n)
			fail_msg("--%s is not one of rsync's --no forms", l);
	}
	assert_int_equal(table, n);
	for (i = 0; i < 3; i++) {
		static const char *const invented[] = { "--no-dry-run",
			"--no-stats", "--no-delete" };
		const char *opts[] = { invented[i], NULL };
		struct cli c;

		assert_int_equal(parse_opts(&c, opts), CLI_ERROR);
		cli_free(&c);
	}
}

/* --bwlimit: rsync's units, rounded to whole KiB a second. */
static void test_bwlimit(void **state)
{
	static const struct {
		const char *arg;
		long long want;	/* bytes a second; -1: refused */
	} v[] = {
		{ "--bwlimit=100", 100 * 1024 }, { "--bwlimit=1.5m", 1536 * 1024 },
		{ "--bwlimit=1000KB", 977 * 1024 }, { "--bwlimit=512b", 1024 },
		{ "--bwlimit=1g", 1024LL * 1024 * 1024 }, { "--bwlimit=0", 0 },
		{ "--bwlimit=", 0 }, { "--bwlimit=511b", -1 },
		{ "--bwlimit=1x", -1 }, { "--bwlimit=-5", -1 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		const char *opts[] = { v[i].arg, NULL };
		struct cli c;
		enum cli_action r = parse_opts(&c, opts);

		if (v[i].want < 0) {
			assert_int_equal(r, CLI_ERROR);
		} else {
			assert_int_equal(r, CLI_RUN);
			assert_int_equal(c.opts.bwlimit, v[i].want);
		}
		cli_free(&c);
	}
}

/* popt's argument forms, as rsync takes them. */
static void test_argument_forms(void **state)
{
	static const struct {
		const char *argv[6];
		int window;
	} forms[] = {
		{ { "--modify-window=5" }, 5 },
		{ { "--modify-window", "5" }, 5 },
		{ { "--modify-window", "-1" }, -1 },	/* next word, even "-1" */
		{ { "-@5" }, 5 },
		{ { "-@=5" }, 5 },			/* popt skips the '=' */
		{ { "-@", "5" }, 5 },
		{ { "-@-1" }, -1 },
		{ { "-n@7" }, 7 },			/* the rest of a bundle */
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		struct cli c;

		if (parse_opts(&c, forms[i].argv) != CLI_RUN)
			fail_msg("form %zu (%s) rejected", i, forms[i].argv[0]);
		assert_int_equal(c.opts.modify_window, forms[i].window);
		cli_free(&c);
	}
	{
		static const char *const jobs[][3] = {
			{ "-j4" }, { "-j", "4" }, { "-j=4" }, { "--jobs=4" },
			{ "--jobs", "4" }, { "-avj4" },
		};

		for (i = 0; i < sizeof(jobs) / sizeof(jobs[0]); i++) {
			struct cli c;

			assert_int_equal(parse_opts(&c, jobs[i]), CLI_RUN);
			assert_int_equal(c.opts.jobs, 4);
			cli_free(&c);
		}
	}
}

static void test_bundles_and_operands(void **state)
{
	const char *bundle[] = { "treesync", "-avn", "s", "d", NULL };
	const char *mixed[] = { "treesync", "s", "-n", "d", "-v", NULL };
	const char *dashdash[] = { "treesync", "-n", "--", "-x", "-", "--",
		"d", NULL };
	const char *excl[] = { "treesync", "--exclude", "-x", "-f", "-y",
		"s", "d", NULL };
	struct cli c;

	(void)state;
	assert_int_equal(parse(&c, ARGC(bundle), bundle), CLI_RUN);
	assert_true(c.opts.recursive && c.opts.dry_run);
	assert_int_equal(c.opts.verbose, 1);
	cli_free(&c);

	/* Options after operands (popt and GNU getopt permute). */
	assert_int_equal(parse(&c, ARGC(mixed), mixed), CLI_RUN);
	assert_true(c.opts.dry_run);
	assert_int_equal(c.opts.verbose, 1);
	assert_int_equal(c.noperands, 2);
	assert_string_equal(c.opts.srcs[0], "s");
	assert_string_equal(c.opts.dest, "d");
	cli_free(&c);

	/* After "--" every word is an operand, "-" and "--" too. */
	assert_int_equal(parse(&c, ARGC(dashdash), dashdash), CLI_RUN);
	assert_false(c.opts.one_fs);
	assert_int_equal(c.noperands, 4);
	assert_string_equal(c.operands[0], "-x");
	assert_string_equal(c.operands[1], "-");
	assert_string_equal(c.operands[2], "--");
	assert_string_equal(c.opts.dest, "d");
	cli_free(&c);

	/* A required argument is the next word, whatever it looks like
	 * (the rule "-y" is the run's to judge: a malformed one exits 1
	 * before anything is read). */
	assert_int_equal(parse(&c, ARGC(excl), excl), CLI_RUN);
	assert_int_equal(c.opts.nfilters, 2);
	assert_int_equal(c.opts.filters[1].kind, TS_FILTER_RULE);
	assert_string_equal(c.opts.filters[1].arg, "-y");
	assert_false(c.opts.one_fs);
	cli_free(&c);
	excl[4] = "- y";
	assert_int_equal(parse(&c, ARGC(excl), excl), CLI_RUN);
	assert_false(c.opts.one_fs);
	assert_int_equal(c.noperands, 2);
	cli_free(&c);
}

static void test_posixly_correct(void **state)
{
	const char *argv[] = { "treesync", "-n", "s", "-v", "d", NULL };
	struct cli c;

	(void)state;
	setenv("POSIXLY_CORRECT", "1", 1);
	assert_int_equal(parse(&c, ARGC(argv), argv), CLI_RUN);
	unsetenv("POSIXLY_CORRECT");
	assert_true(c.opts.dry_run);
	assert_int_equal(c.opts.verbose, 0);	/* "-v" is an operand */
	assert_int_equal(c.noperands, 3);
	cli_free(&c);
	assert_int_equal(parse(&c, ARGC(argv), argv), CLI_RUN);
	assert_int_equal(c.opts.verbose, 1);
	cli_free(&c);
}

/* rsync's wording cases: each is a usage error. */
static void test_argument_errors(void **state)
{
	static const char *const cases[][3] = {
		{ "--dry-run=1" },		/* does not take an argument */
		{ "--dry-run=" },
		{ "-a=x" },
		{ "-av=x" },
		{ "--no-D=1" },
		{ "--help=x" },
		{ "-Y" },			/* unknown short */
		{ "-avY" },
		{ "-a-v" },			/* '-' is not an option letter */
		{ "---dry-run" },
		{ "--=x" },
		{ "--progress=sometimes" },	/* bad values */
		{ "--modify-window=abc" },
	};
	const char *missing[][4] = {
		{ "treesync", "a", "b", "--exclude" },
		{ "treesync", "a", "b", "-@" },
		{ "treesync", "a", "b", "-avf" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cli c;

		if (parse_opts(&c, cases[i]) != CLI_ERROR)
			fail_msg("'%s' was accepted", cases[i][0]);
		cli_free(&c);
	}
	for (i = 0; i < sizeof(missing) / sizeof(missing[0]); i++) {
		struct cli c;

		assert_int_equal(parse(&c, 4, missing[i]), CLI_ERROR);
		cli_free(&c);
	}
}

/* An optional argument only after '=': "--lock FILE" is an operand. */
static void test_optional_argument(void **state)
{
	const char *sep[] = { "treesync", "--lock", "s", "d", NULL };
	const char *eq[] = { "treesync", "--lock=/run/x", "s", "d", NULL };
	struct cli c;

	(void)state;
	assert_int_equal(parse(&c, ARGC(sep), sep), CLI_RUN);
	assert_string_equal(c.opts.lock_file, "");
	assert_int_equal(c.noperands, 2);
	cli_free(&c);
	assert_int_equal(parse(&c, ARGC(eq), eq), CLI_RUN);
	assert_string_equal(c.opts.lock_file, "/run/x");
	cli_free(&c);
}

/* --progress, -P and --no-progress against --info (rsync: an explicit
 * --info=progress0 wins wherever it is; --no-progress leaves
 * --info=progress2 alone). */
static void test_progress(void **state)
{
	static const struct {
		const char *argv[4];
		int progress;
	} cases[] = {
		{ { "--progress" }, 1 },
		{ { "--progress=always" }, 2 },
		{ { "--progress=always", "-P" }, 2 },
		{ { "-P", "--no-progress" }, 0 },
		{ { "--info=progress2" }, 1 },
		{ { "--info=progress2", "--no-progress" }, 1 },
		{ { "--progress", "--info=progress0" }, 0 },
		{ { "--info=progress0", "--progress" }, 0 },
		{ { "--info=progress0", "--info=progress2" }, 1 },
		{ { "--info=none", "-P" }, 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cli c;

		assert_int_equal(parse_opts(&c, cases[i].argv), CLI_RUN);
		if (c.opts.progress != cases[i].progress)
			fail_msg("case %zu: progress %d, want %d", i,
			    c.opts.progress, cases[i].progress);
		cli_free(&c);
	}
}

/* The parse context does not outlive a call: -r in one parse does not make
 * -a imply -r with --files-from in the next. */
static void test_no_state_between_parses(void **state)
{
	const char *r[] = { "-r", "--files-from=list", NULL };
	const char *a[] = { "-a", "--files-from=list", NULL };
	const char *cvs[] = { "-C", NULL };
	struct cli c;

	(void)state;
	assert_int_equal(parse_opts(&c, r), CLI_RUN);
	assert_true(c.opts.recursive);
	cli_free(&c);
	assert_int_equal(parse_opts(&c, a), CLI_RUN);
	assert_false(c.opts.recursive);
	cli_free(&c);
	assert_int_equal(parse_opts(&c, cvs), CLI_RUN);
	assert_true(c.opts.cvs_exclude);
	cli_free(&c);
	assert_int_equal(parse_opts(&c, r), CLI_RUN);
	assert_false(c.opts.cvs_exclude);	/* no -C left over */
	assert_int_equal(c.opts.nfilters, 0);
	cli_free(&c);
}

/* rsync's check_for_hostspec, case by case (each checked against rsync
 * 3.5.0 with a fake --rsh: remote ones ran it, local ones did not). */
static void test_is_remote(void **state)
{
	static const struct {
		const char *s;
		bool remote;
	} cases[] = {
		{ "host:path", true },
		{ "host:", true },
		{ "host::mod", true },
		{ "host::", true },
		{ "user@host:path", true },
		{ "@:x", true },
		{ ":x", true },			/* an empty host is still one */
		{ "rsync://h/m", true },
		{ "RSYNC://h/m", true },
		{ "rsync://h", true },
		{ "rsync://h:873/m", true },
		{ "rsync:x", true },
		{ "c:\\foo", true },
		{ "[::1]:x", true },
		{ "user@[fe80::1]:x", true },
		{ "x]:y", true },
		{ "./host:x", false },
		{ "/abs/a:b", false },
		{ "a/b:c", false },
		{ "[ab]/c:d", false },
		{ "[x]y:z", false },		/* ']' not followed by ':' */
		{ "a[1]:b", false },		/* '[' not at the host start */
		{ "[]:x", false },		/* empty brackets */
		{ "[x", false },
		{ "plain", false },
		{ "", false },
		{ "-", false },
		{ "dir/", false },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (cli_is_remote(cases[i].s) != cases[i].remote)
			fail_msg("'%s': remote %d, want %d", cases[i].s,
			    !cases[i].remote, cases[i].remote);
	}
}

static void test_remote_operands_refused(void **state)
{
	static const char *const ops[][3] = {
		{ "src/", "host:mirror/" },		/* DEST */
		{ "host:src/", "dst" },			/* SRC */
		{ "a", "host::mod", "dst" },		/* one of several */
		{ "src/", "rsync://h/m" },
		{ "src/", ":x" },
	};
	const char *local[] = { "treesync", "src/", "./host:mirror/", NULL };
	const char *ff[] = { "treesync", "--files-from=h:list", "s", "d",
		NULL };
	size_t i;
	struct cli c;

	(void)state;
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		const char *argv[] = { "treesync", "-a", ops[i][0], ops[i][1],
			ops[i][2], NULL };
		int argc = ops[i][2] ? 5 : 4;

		if (parse(&c, argc, argv) != CLI_ERROR)
			fail_msg("remote operand case %zu accepted", i);
		cli_free(&c);
	}
	assert_int_equal(parse(&c, ARGC(local), local), CLI_RUN);
	assert_string_equal(c.opts.dest, "./host:mirror/");
	cli_free(&c);
	assert_int_equal(parse(&c, ARGC(ff), ff), CLI_ERROR);
	cli_free(&c);
	ff[1] = "--files-from=./h:list";
	assert_int_equal(parse(&c, ARGC(ff), ff), CLI_RUN);
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
	assert_null(strstr(buf, "completion-helper"));
	free(buf);
}

/* --completion-helper: every name of the table once, five fields a line,
 * --no-x described as turning off -x; the helper itself not offered. */
static void test_completion_list(void **state)
{
	const char *argv[] = { "treesync", "--completion-helper", NULL };
	char *buf = NULL, *line, *save = NULL;
	size_t len = 0, rows = 0, names = 0, i;
	FILE *f = open_memstream(&buf, &len);
	struct cli c;

	(void)state;
	assert_int_equal(parse(&c, ARGC(argv), argv), CLI_COMPLETION);
	cli_free(&c);
	cli_completion_list(f);
	fclose(f);
	for (i = 0; cli_options[i].lname || cli_options[i].sname; i++)
		names++;
	for (line = strtok_r(buf, "\n", &save); line;
	    line = strtok_r(NULL, "\n", &save)) {
		size_t tabs = 0;
		const char *p;

		for (p = line; *p; p++)
			tabs += *p == '\t';
		assert_int_equal(tabs, 4);
		rows++;
	}
	assert_int_equal(rows, names - 1);	/* all but the helper */
	free(buf);
	buf = NULL;
	f = open_memstream(&buf, &len);
	cli_completion_list(f);
	fclose(f);
	assert_non_null(strstr(buf, "-\tno-x\tnone\t-\tturn off -x\n"));
	assert_non_null(strstr(buf, "-\tdel\tnone\t-\tsame as --delete-during\n"));
	assert_non_null(strstr(buf, "j\tjobs\treq\tN\t"));
	assert_null(strstr(buf, "completion-helper"));
	free(buf);
}

/* No long name or short letter is taken twice; every alias names an
 * option row; the --no rows have no short letter. */
static void test_table_unique(void **state)
{
	size_t i, j;

	(void)state;
	for (i = 0; cli_options[i].lname || cli_options[i].sname; i++) {
		const struct cli_option *a = &cli_options[i];
		bool target = false;

		for (j = i + 1; cli_options[j].lname || cli_options[j].sname;
		    j++) {
			const struct cli_option *b = &cli_options[j];

			if (a->lname && b->lname &&
			    strcmp(a->lname, b->lname) == 0)
				fail_msg("--%s twice", a->lname);
			if (a->sname && a->sname == b->sname)
				fail_msg("-%c twice", a->sname);
		}
		for (j = 0; cli_options[j].lname || cli_options[j].sname; j++)
			target |= cli_options[j].id == a->id &&
			    !cli_options[j].alias;
		assert_true(target);
		if (a->alias)
			assert_null(a->help);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_archive_and_no),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_list_only),
		cmocka_unit_test(test_h),
		cmocka_unit_test(test_prefixes_rejected),
		cmocka_unit_test(test_no_x_no_h),
		cmocka_unit_test(test_xx),
		cmocka_unit_test(test_no_forms),
		cmocka_unit_test(test_no_names_are_rsyncs),
		cmocka_unit_test(test_bwlimit),
		cmocka_unit_test(test_argument_forms),
		cmocka_unit_test(test_bundles_and_operands),
		cmocka_unit_test(test_posixly_correct),
		cmocka_unit_test(test_argument_errors),
		cmocka_unit_test(test_optional_argument),
		cmocka_unit_test(test_progress),
		cmocka_unit_test(test_no_state_between_parses),
		cmocka_unit_test(test_is_remote),
		cmocka_unit_test(test_remote_operands_refused),
		cmocka_unit_test(test_help_lists_every_option),
		cmocka_unit_test(test_completion_list),
		cmocka_unit_test(test_table_unique),
	};

	unsetenv("POSIXLY_CORRECT");
	unsetenv("POSIX_ME_HARDER");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
