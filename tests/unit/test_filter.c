/*
 * Unit tests for the filter module (filter.h): how patterns meet paths,
 * rule parsing and its error messages, the man page's examples, rule
 * files, per-directory merge layers (with an in-memory reader), sides,
 * --delete-excluded, perishable rules and -C.  The wildcard matcher on
 * its own is test_wildmatch.c's.  The expectations were checked against
 * rsync 3.5.0 (see filter-vs-rsync.sh, which runs rsync itself).
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>

#include <cmocka.h>

#include "filter.h"

/* ---------------------------------------------------------------------
 * Helpers.
 */

/* A list from FILTER_RULE rules; the test fails on a parse error. */
static struct filter_list *rules(const char *first, ...)
{
	struct filter_list *fl = filter_list_new();
	const char *r;
	va_list ap;

	va_start(ap, first);
	for (r = first; r != NULL; r = va_arg(ap, const char *)) {
		char *err = NULL;

		if (filter_add(fl, r, FILTER_RULE, NULL, &err) < 0)
			fail_msg("rule '%s': %s", r, err);
	}
	va_end(ap);
	return fl;
}

/* Is PATH excluded by the global rules (root "/top/root")? */
static bool ex(const struct filter_list *fl, const char *path,
    unsigned flags)
{
	struct filter_layer *l = filter_layer_root(fl, "/top/root");
	bool r = filter_excluded(l, path, flags);

	filter_layer_unref(l);
	return r;
}

#define EXCL(fl, p)	assert_true(ex((fl), (p), 0))
#define INCL(fl, p)	assert_false(ex((fl), (p), 0))
#define EXCLD(fl, p)	assert_true(ex((fl), (p), FILTER_DIR))
#define INCLD(fl, p)	assert_false(ex((fl), (p), FILTER_DIR))

/* The error message filter_add() gives for RULE (KIND). */
static char *add_error(const char *rule, enum filter_kind kind)
{
	struct filter_list *fl = filter_list_new();
	char *err = NULL;

	assert_int_equal(filter_add(fl, rule, kind, "--filter", &err),
	    -EINVAL);
	assert_non_null(err);
	filter_list_free(fl);
	return err;
}

static void assert_add_error(const char *rule, const char *msg)
{
	char *err = add_error(rule, FILTER_RULE);

	assert_string_equal(err, msg);
	free(err);
}

/* An in-memory tree of rule files for the reader. */
struct memfile {
	const char *path;	/* relative to the root, or absolute */
	const char *data;	/* NULL: unreadable (EACCES) */
};

struct memfs {
	const struct memfile *files;
	const char *dir;	/* the directory being pushed (relative) */
	int reads;		/* how many reads were asked */
	char asked[16][600];	/* the first paths asked */
};

static int mem_read(void *arg, const char *path, bool in_dir, char **data,
    size_t *len)
{
	struct memfs *fs = arg;
	char full[512];
	const struct memfile *f;

	if (in_dir && *fs->dir != '\0' && strcmp(fs->dir, ".") != 0)
		snprintf(full, sizeof(full), "%s/%s", fs->dir, path);
	else
		snprintf(full, sizeof(full), "%s", path);
	if (fs->reads < 16)
		snprintf(fs->asked[fs->reads], sizeof(fs->asked[0]), "%s%s",
		    in_dir ? "" : "abs:", full);
	fs->reads++;
	for (f = fs->files; f->path != NULL; f++) {
		if (strcmp(f->path, full) != 0)
			continue;
		if (f->data == NULL)
			return -EACCES;
		*len = strlen(f->data);
		*data = malloc(*len + 1);
		memcpy(*data, f->data, *len + 1);
		return 0;
	}
	return -ENOENT;
}

/* Pushes DIR below PARENT; the test fails on an error. */
static struct filter_layer *push(const struct filter_layer *parent,
    struct memfs *fs, const char *dir)
{
	struct filter_reader rd = { mem_read, fs };
	struct filter_layer *l = NULL;
	char *err = NULL;

	fs->dir = dir;
	if (filter_layer_push(parent, dir, &rd, &l, &err) < 0)
		fail_msg("push '%s': %s", dir, err);
	assert_non_null(l);
	return l;
}

/* ---------------------------------------------------------------------
 * The matcher through filter.h (its own tests: test_wildmatch.c).
 */

static void test_wildmatch_public(void **state)
{
	(void)state;
	assert_true(filter_wildmatch("*.c", "x.c"));
	assert_false(filter_wildmatch("*.c", "dir/x.c"));	/* whole */
	assert_true(filter_wildmatch("**.c", "dir/x.c"));
	assert_true(filter_wildmatch("[[:digit:]]?", "7x"));
	assert_true(filter_wildmatch("\\*", "*"));
	assert_false(filter_wildmatch("\\*", "x"));
	assert_false(filter_wildmatch("[", "["));	/* malformed */
	assert_false(filter_wildmatch("x\\", "x\\"));
}

/* ---------------------------------------------------------------------
 * How patterns meet paths.
 */

static void test_last_component(void **state)
{
	struct filter_list *fl = rules("- foo", NULL);

	(void)state;
	EXCL(fl, "foo");
	EXCL(fl, "a/b/foo");
	EXCLD(fl, "a/foo");
	INCL(fl, "foo/bar");	/* only the name is matched ... */
	INCL(fl, "a/foobar");
	INCL(fl, "xfoo");
	filter_list_free(fl);

	fl = rules("- *.o", NULL);
	EXCL(fl, "x.o");
	EXCL(fl, "deep/dir/x.o");
	INCL(fl, "x.o/y");	/* ... never a directory on the way */
	filter_list_free(fl);
}

static void test_multi_component(void **state)
{
	/* A '/' inside the pattern: the trailing components of the path,
	 * at a component boundary. */
	struct filter_list *fl = rules("- foo/bar", NULL);

	(void)state;
	EXCL(fl, "foo/bar");
	EXCL(fl, "x/foo/bar");
	EXCL(fl, "x/y/foo/bar");
	INCL(fl, "xfoo/bar");
	INCL(fl, "foo/bar/baz");
	INCL(fl, "bar");
	filter_list_free(fl);

	fl = rules("- foo/*/bar", NULL);	/* the man page's */
	EXCL(fl, "foo/x/bar");
	EXCL(fl, "top/foo/x/bar");
	INCL(fl, "foo/bar");
	INCL(fl, "foo/x/y/bar");
	filter_list_free(fl);

	fl = rules("- f*/b?r", NULL);
	EXCL(fl, "a/foo/bar");
	INCL(fl, "a/foo/x/bar");
	filter_list_free(fl);
}

static void test_anchoring(void **state)
{
	struct filter_list *fl = rules("- /foo", NULL);

	(void)state;
	EXCL(fl, "foo");
	EXCLD(fl, "foo");
	INCL(fl, "a/foo");
	INCL(fl, "foo/x");	/* the directory's contents are simply never
				 * reached: an excluded directory is not
				 * descended */
	filter_list_free(fl);

	fl = rules("- /foo/**/bar", NULL);	/* the man page's */
	EXCL(fl, "foo/x/bar");
	EXCL(fl, "foo/x/y/bar");
	INCL(fl, "foo/bar");		/* "note that /foo/bar is not" */
	INCL(fl, "a/foo/x/bar");
	filter_list_free(fl);

	fl = rules("- /a/*", NULL);
	EXCL(fl, "a/b");
	INCL(fl, "a/b/c");
	INCL(fl, "x/a/b");
	filter_list_free(fl);

	/* A leading slash on the path is ignored, as rsync does. */
	fl = rules("- /foo", NULL);
	EXCL(fl, "/foo");
	filter_list_free(fl);
}

static void test_starstar(void **state)
{
	struct filter_list *fl = rules("- sub/**", NULL);

	(void)state;
	EXCL(fl, "sub/x");
	EXCL(fl, "a/sub/x/y");		/* tried after every '/' */
	INCLD(fl, "sub");
	filter_list_free(fl);

	fl = rules("- **/path/*.o", NULL);	/* "**" first: from the start */
	EXCL(fl, "path/a.o");
	EXCL(fl, "x/y/path/a.o");
	INCL(fl, "x/path/y/a.o");
	filter_list_free(fl);

	fl = rules("- **.o", NULL);
	EXCL(fl, "a.o");
	EXCL(fl, "d/a.o");
	filter_list_free(fl);

	fl = rules("- s*/**/*.c", NULL);
	EXCL(fl, "some/path/f.c");
	EXCL(fl, "x/sub/deep/foo/f.c");
	INCL(fl, "sub/foo.c");
	filter_list_free(fl);
}

static void test_dir_only(void **state)
{
	struct filter_list *fl = rules("- foo/", NULL);

	(void)state;
	EXCLD(fl, "foo");
	EXCLD(fl, "a/b/foo");
	INCL(fl, "foo");		/* a file named foo stays */
	INCL(fl, "a/foo");
	filter_list_free(fl);

	fl = rules("- /sub/deep/", NULL);
	EXCLD(fl, "sub/deep");
	INCL(fl, "sub/deep");
	filter_list_free(fl);

	/* The negated "any directory" rule: every non-directory. */
	fl = rules("-! */", NULL);
	EXCL(fl, "file");
	EXCL(fl, "a/b/file");
	INCLD(fl, "dir");
	INCLD(fl, "a/dir");
	filter_list_free(fl);
}

static void test_wild3(void **state)
{
	struct filter_list *fl = rules("+ /dir_name/***", "- *", NULL);

	(void)state;
	INCLD(fl, "dir_name");
	INCL(fl, "dir_name/top.c");
	INCLD(fl, "dir_name/inner");
	INCL(fl, "dir_name/inner/file");
	EXCL(fl, "dir_name");		/* a file of that name: "dir/" */
	EXCL(fl, "other");
	filter_list_free(fl);

	fl = rules("- dir_name/***", NULL);	/* unanchored: anywhere */
	EXCLD(fl, "x/dir_name");
	EXCL(fl, "x/dir_name/f");
	INCL(fl, "x/dir_name_2/f");
	filter_list_free(fl);
}

static void test_negate(void **state)
{
	struct filter_list *fl = rules("-! *.c", NULL);

	(void)state;
	INCL(fl, "a.c");
	EXCL(fl, "a.o");
	EXCLD(fl, "dir");
	filter_list_free(fl);

	/* A negated directory-only rule matches every non-directory. */
	fl = rules("+! foo/", "- *", NULL);
	INCL(fl, "foo");
	EXCLD(fl, "foo");
	INCL(fl, "bar");
	filter_list_free(fl);
}

static void test_literal_vs_wild(void **state)
{
	/* Without a wildcard a backslash is literal; with one it escapes. */
	struct filter_list *fl = rules("- foo\\bar", "- x\\y*", NULL);

	(void)state;
	EXCL(fl, "foo\\bar");
	INCL(fl, "foobar");
	EXCL(fl, "xy1");
	INCL(fl, "x\\y1");
	filter_list_free(fl);

	fl = rules("- br[a]ck", "- c\\[d\\]", NULL);
	EXCL(fl, "brack");
	INCL(fl, "br[a]ck");
	EXCL(fl, "c[d]");
	filter_list_free(fl);

	/* Spaces belong to the pattern, trailing ones too. */
	fl = rules("- with space", "- core ", NULL);
	EXCL(fl, "with space");
	INCL(fl, "core");
	EXCL(fl, "core ");
	filter_list_free(fl);
}

static void test_root_never_excluded(void **state)
{
	struct filter_list *fl = rules("- *", "-! *", NULL);

	(void)state;
	INCLD(fl, ".");
	INCLD(fl, "");
	EXCL(fl, "x");
	filter_list_free(fl);
}

/* ---------------------------------------------------------------------
 * The man page's examples.
 */

static void test_man_examples(void **state)
{
	struct filter_list *fl;

	(void)state;
	/* "+ *\/", "+ *.c", "- *": all directories and .c files. */
	fl = rules("+ */", "+ *.c", "- *", NULL);
	INCLD(fl, "a");
	INCLD(fl, "a/b");
	INCL(fl, "a/b/x.c");
	EXCL(fl, "a/b/x.h");
	EXCL(fl, "README");
	filter_list_free(fl);

	/* -f'+ foo/' -f'+ foo/bar.c' -f'- *' */
	fl = rules("+ foo/", "+ foo/bar.c", "- *", NULL);
	INCLD(fl, "foo");
	INCL(fl, "foo/bar.c");
	EXCL(fl, "foo/bar");
	EXCL(fl, "baz.c");
	filter_list_free(fl);

	/* "+ /some/", "+ /some/path/", "- /some/STAR", "- /STAR": only some/path. */
	fl = rules("+ /some/", "+ /some/path/", "- /some/*", "- /*", NULL);
	INCLD(fl, "some");
	INCLD(fl, "some/path");
	INCL(fl, "some/path/f.c");	/* deeper: no rule matches */
	EXCLD(fl, "some/other");
	EXCL(fl, "some/file");
	EXCL(fl, "top.c");
	EXCLD(fl, "other");
	filter_list_free(fl);

	/* "+ /a/b/" needs "+ /a/": "a" itself is excluded otherwise, and
	 * an excluded directory is never entered. */
	fl = rules("+ /some/path/", "- /*", NULL);
	EXCLD(fl, "some");
	filter_list_free(fl);

	/* The SIMPLE INCLUDE/EXCLUDE EXAMPLE, with "x" as a top-level
	 * item of the transfer. */
	fl = rules("+ x/", "+ x/y/", "+ x/y/file.txt", "- *", NULL);
	INCLD(fl, "x");
	INCLD(fl, "x/y");
	INCL(fl, "x/y/file.txt");
	EXCL(fl, "x/y/zzz.txt");
	EXCL(fl, "x/file.txt");
	EXCLD(fl, "x/z");
	filter_list_free(fl);

	/* - /file-list: a top-level file of that name only. */
	fl = rules("- /file-list", NULL);
	EXCL(fl, "file-list");
	INCL(fl, "sub/file-list");
	filter_list_free(fl);

	/* First match wins: an include after the exclude is too late. */
	fl = rules("- *.c", "+ foo.c", NULL);
	EXCL(fl, "foo.c");
	filter_list_free(fl);
	fl = rules("+ foo.c", "- *.c", NULL);
	INCL(fl, "foo.c");
	EXCL(fl, "bar.c");
	filter_list_free(fl);
}

/* ---------------------------------------------------------------------
 * Parsing.
 */

static void test_rule_forms(void **state)
{
	struct filter_list *fl;

	(void)state;
	fl = rules("exclude *.o", "include y.c", "exclude,! */", NULL);
	EXCL(fl, "x.o");
	INCL(fl, "y.c");
	EXCL(fl, "z.c");
	INCLD(fl, "d");
	filter_list_free(fl);

	/* '_' separates like a space; ',' before the modifiers. */
	fl = rules("-_*.o", "+,_*.c", "-,! */", NULL);
	EXCL(fl, "x.o");
	INCL(fl, "x.c");
	EXCL(fl, "x.h");
	filter_list_free(fl);

	/* Only the first space or '_' separates. */
	fl = rules("-  two", "-__under", NULL);
	EXCL(fl, " two");
	INCL(fl, "two");
	EXCL(fl, "_under");
	filter_list_free(fl);

	/* An empty rule string adds nothing. */
	fl = rules("", NULL);
	assert_true(filter_list_empty(fl));
	filter_list_free(fl);
}

static void test_parse_errors(void **state)
{
	(void)state;
	assert_add_error("-q foo", "invalid filter rule '-q foo' "
	    "(--filter): unknown modifier 'q'");
	assert_add_error("x foo", "invalid filter rule 'x foo' "
	    "(--filter): unknown rule type 'x'");
	assert_add_error("excludes foo", "invalid filter rule 'excludes foo' "
	    "(--filter): unknown rule type 'excludes'");
	assert_add_error("-foo", "invalid filter rule '-foo' (--filter): "
	    "unknown modifier 'f'");
	assert_add_error("- ", "invalid filter rule '- ' (--filter): "
	    "missing pattern");
	assert_add_error("-", "invalid filter rule '-' (--filter): "
	    "missing pattern");
	assert_add_error("!x", "invalid filter rule '!x' (--filter): "
	    "'!' (clear) takes no pattern");
	assert_add_error("clear ", "invalid filter rule 'clear ' "
	    "(--filter): '!' (clear) takes no pattern");
	assert_add_error("-e foo", "invalid filter rule '-e foo' "
	    "(--filter): modifier 'e' is only valid on a merge rule");
	assert_add_error("+n foo", "invalid filter rule '+n foo' "
	    "(--filter): modifier 'n' is only valid on a merge rule");
	assert_add_error("-- foo", "invalid filter rule '-- foo' "
	    "(--filter): modifier '-' is only valid on a merge rule");
	assert_add_error(".! m", "invalid filter rule '.! m' (--filter): "
	    "a merge rule cannot be negated with '!'");
	assert_add_error(".-+ m", "invalid filter rule '.-+ m' "
	    "(--filter): modifier '+' conflicts with an earlier '-', '+' "
	    "or 'C'");
	assert_add_error("H,s foo", "invalid filter rule 'H,s foo' "
	    "(--filter): modifier 's' is not valid on hide/show/protect/risk "
	    "rules (they already choose a side)");
	assert_add_error("PC", "invalid filter rule 'PC' (--filter): "
	    "modifier 'C' is not valid on hide/show/protect/risk rules");
	assert_add_error("exclude\tfoo", "invalid filter rule 'exclude\tfoo' "
	    "(--filter): unknown modifier '\\x09'");
	assert_add_error("- foo[", "invalid filter rule '- foo[' "
	    "(--filter): unterminated '[' in pattern");
	assert_add_error("- [!]", "invalid filter rule '- [!]' "
	    "(--filter): unterminated '[' in pattern");
	assert_add_error("- *[[:nope:]]", "invalid filter rule "
	    "'- *[[:nope:]]' (--filter): unknown character class in "
	    "'[[:...:]]'");
	assert_add_error("- x*\\", "invalid filter rule '- x*\\' "
	    "(--filter): pattern ends with a lone backslash");
	/* Without a wildcard the backslash is an ordinary character. */
	{
		struct filter_list *fl = rules("- x\\", NULL);

		EXCL(fl, "x\\");
		filter_list_free(fl);
	}
}

static void test_origin_default(void **state)
{
	struct filter_list *fl = filter_list_new();
	char *err = NULL;

	(void)state;
	assert_int_equal(filter_add(fl, "?", FILTER_RULE, NULL, &err),
	    -EINVAL);
	assert_string_equal(err, "invalid filter rule '?' (command line): "
	    "unknown rule type '?'");
	free(err);
	/* NULL ERR is allowed. */
	assert_int_equal(filter_add(fl, "?", FILTER_RULE, NULL, NULL),
	    -EINVAL);
	filter_list_free(fl);
}

static void test_old_style(void **state)
{
	struct filter_list *fl = filter_list_new();
	char *err = NULL;

	(void)state;
	/* --exclude takes a bare pattern, but "+ "/"- " still work. */
	assert_int_equal(filter_add(fl, "+ foo", FILTER_EXCLUDE, NULL, &err),
	    0);
	assert_int_equal(filter_add(fl, "foo*", FILTER_EXCLUDE, NULL, &err),
	    0);
	assert_int_equal(filter_add(fl, "-! */", FILTER_EXCLUDE, NULL, &err),
	    0);	/* no modifiers: a pattern */
	INCL(fl, "foo");
	EXCL(fl, "foobar");
	EXCLD(fl, "-! x");	/* a directory-only pattern */
	INCL(fl, "bar");
	filter_list_free(fl);

	fl = filter_list_new();
	assert_int_equal(filter_add(fl, "- *.o", FILTER_INCLUDE, NULL, &err),
	    0);
	assert_int_equal(filter_add(fl, "x.o", FILTER_INCLUDE, NULL, &err),
	    0);
	assert_int_equal(filter_add(fl, "*", FILTER_EXCLUDE, NULL, &err), 0);
	EXCL(fl, "x.o");
	EXCL(fl, "y.c");
	filter_list_free(fl);

	/* A lone "!" clears the list; "!x" is a pattern. */
	fl = filter_list_new();
	assert_int_equal(filter_add(fl, "*.o", FILTER_EXCLUDE, NULL, &err), 0);
	assert_int_equal(filter_add(fl, "!", FILTER_EXCLUDE, NULL, &err), 0);
	assert_true(filter_list_empty(fl));
	assert_int_equal(filter_add(fl, "!x", FILTER_EXCLUDE, NULL, &err), 0);
	EXCL(fl, "!x");
	INCL(fl, "a.o");
	/* "- " with nothing after it is an error, as in rsync. */
	assert_int_equal(filter_add(fl, "- ", FILTER_EXCLUDE, "--exclude",
	    &err), -EINVAL);
	assert_string_equal(err, "invalid filter rule '- ' (--exclude): "
	    "missing pattern");
	free(err);
	filter_list_free(fl);
}

static void test_clear(void **state)
{
	struct filter_list *fl = rules("- *.o", ": .rules", "!", "- core",
	    NULL);
	struct filter_layer *l = filter_layer_root(fl, "/r");
	const char *names[2];

	(void)state;
	INCL(fl, "x.o");
	EXCL(fl, "core");
	/* The dir-merge rule went with the rest. */
	assert_int_equal(filter_layer_merge_names(l, names, 2), 0);
	filter_layer_unref(l);
	filter_list_free(fl);

	fl = rules("- a", "clear", "- b", NULL);
	INCL(fl, "a");
	EXCL(fl, "b");
	filter_list_free(fl);
}

static void test_match_info(void **state)
{
	struct filter_list *fl = rules("+ keep.o", "- *.o", "- tmp/", NULL);
	struct filter_layer *l = filter_layer_root(fl, "/r");
	struct filter_match m;

	(void)state;
	assert_int_equal(filter_check(l, "a/keep.o", 0, &m), FILTER_INCLUDED);
	assert_string_equal(m.pattern, "keep.o");
	assert_true(m.include);
	assert_int_equal(filter_check(l, "a/x.o", 0, &m), FILTER_EXCLUDED);
	assert_string_equal(m.pattern, "*.o");
	assert_false(m.include);
	assert_int_equal(filter_check(l, "tmp", FILTER_DIR, &m),
	    FILTER_EXCLUDED);
	assert_string_equal(m.pattern, "tmp");
	assert_true(m.dir_only);
	assert_int_equal(filter_check(l, "a/x.c", 0, &m), FILTER_NO_MATCH);
	filter_layer_unref(l);
	filter_list_free(fl);
}

/* ---------------------------------------------------------------------
 * Rule files and merge rules.
 */

static char *write_tmp(const char *data, size_t len)
{
	char tmpl[] = "/tmp/test_filter.XXXXXX";
	int fd = mkstemp(tmpl);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
	return strdup(tmpl);
}

static void test_load_file(void **state)
{
	static const char text[] =
	    "; a comment\n# another\n\n*.o\n+ y.c\n- *.c\r\ncore\r\n \n";
	char *path = write_tmp(text, sizeof(text) - 1);
	struct filter_list *fl = filter_list_new();
	char *err = NULL;

	(void)state;
	assert_int_equal(filter_load_file(fl, path, FILTER_EXCLUDE, false,
	    &err), 0);
	EXCL(fl, "a.o");
	INCL(fl, "y.c");
	EXCL(fl, "x.c");
	EXCL(fl, "core");
	EXCL(fl, " ");		/* a line of one space is a pattern */
	INCL(fl, "; a comment");
	filter_list_free(fl);

	/* --include-from: include by default. */
	fl = filter_list_new();
	assert_int_equal(filter_load_file(fl, path, FILTER_INCLUDE, false,
	    &err), 0);
	assert_int_equal(filter_add(fl, "*", FILTER_EXCLUDE, NULL, &err), 0);
	INCL(fl, "a.o");
	EXCL(fl, "x.c");
	EXCL(fl, "other");
	filter_list_free(fl);
	unlink(path);
	free(path);
}

static void test_load_file_from0(void **state)
{
	static const char text[] = "*.o\0with space\0# not a comment?\0"
	    "line\nfeed\0";
	char *path = write_tmp(text, sizeof(text) - 1);
	struct filter_list *fl = filter_list_new();
	char *err = NULL;

	(void)state;
	assert_int_equal(filter_load_file(fl, path, FILTER_EXCLUDE, true,
	    &err), 0);
	EXCL(fl, "x.o");
	EXCL(fl, "with space");
	INCL(fl, "# not a comment?");	/* it is one: skipped */
	EXCL(fl, "line\nfeed");
	filter_list_free(fl);
	unlink(path);
	free(path);
}

static void test_load_file_stdin(void **state)
{
	static const char text[] = "*.o\n- core\n";
	struct filter_list *fl = filter_list_new();
	char *err = NULL;
	int fds[2], saved = dup(STDIN_FILENO);

	(void)state;
	assert_int_equal(pipe(fds), 0);
	assert_int_equal(write(fds[1], text, sizeof(text) - 1),
	    (ssize_t)sizeof(text) - 1);
	close(fds[1]);
	assert_int_equal(dup2(fds[0], STDIN_FILENO), STDIN_FILENO);
	close(fds[0]);
	assert_int_equal(filter_load_file(fl, "-", FILTER_INCLUDE, false,
	    &err), 0);
	dup2(saved, STDIN_FILENO);
	close(saved);
	assert_int_equal(filter_add(fl, "*", FILTER_EXCLUDE, NULL, &err), 0);
	INCL(fl, "x.o");	/* --include-from=-: include */
	EXCL(fl, "core");	/* "- " still excludes */
	EXCL(fl, "other");
	filter_list_free(fl);
}

static void test_load_file_errors(void **state)
{
	static const char text[] = "- ok\n\n# c\n-q bad\n";
	char *path = write_tmp(text, sizeof(text) - 1);
	struct filter_list *fl = filter_list_new();
	char *err = NULL, *want;

	(void)state;
	assert_int_equal(filter_load_file(fl, path, FILTER_RULE, false, &err),
	    -EINVAL);
	/* A file's content is never echoed (issue 10; rsync 3.5): only
	 * where the bad line is, and the reason without its quotes. */
	if (asprintf(&want, "invalid filter rule from %s line 4: unknown "
	    "modifier", path) < 0)
		fail();
	assert_string_equal(err, want);
	free(want);
	free(err);

	assert_int_equal(filter_load_file(fl, "/nonexistent/x",
	    FILTER_EXCLUDE, false, &err), -ENOENT);
	assert_string_equal(err, "cannot read exclude file '/nonexistent/x': "
	    "No such file or directory");
	free(err);
	assert_int_equal(filter_add(fl, ". /nonexistent/m", FILTER_RULE,
	    NULL, &err), -ENOENT);
	assert_string_equal(err, "cannot read merge file '/nonexistent/m': "
	    "No such file or directory");
	free(err);
	filter_list_free(fl);
	unlink(path);
	free(path);
}

static void test_merge_rules(void **state)
{
	static const char m1[] = "- *.o\n. %s\n+ foo.c\n- *.c\n";
	static const char m2[] = "+ keep.o\n";
	char *p2 = write_tmp(m2, sizeof(m2) - 1);
	char *text, *p1, *rule;
	struct filter_list *fl;
	char *err = NULL;

	(void)state;
	if (asprintf(&text, m1, p2) < 0)
		fail();
	p1 = write_tmp(text, strlen(text));
	free(text);

	/* A merge file's rules take the merge rule's place; a nested
	 * merge is read in its place in turn. */
	if (asprintf(&rule, ". %s", p1) < 0)
		fail();
	fl = rules("+ a.o", rule, "- core", NULL);
	free(rule);
	INCL(fl, "a.o");
	EXCL(fl, "b.o");
	EXCL(fl, "keep.o");	/* after "- *.o": too late */
	INCL(fl, "foo.c");
	EXCL(fl, "x.c");
	EXCL(fl, "core");
	filter_list_free(fl);

	/* merge,- : every line is an exclude pattern. */
	if (asprintf(&rule, "merge,- %s", p2) < 0)
		fail();
	fl = rules(rule, NULL);
	free(rule);
	INCL(fl, "keep.o");	/* the pattern is "+ keep.o" */
	EXCL(fl, "+ keep.o");
	filter_list_free(fl);

	/* merge,+ : include patterns. */
	if (asprintf(&rule, ".+ %s", p2) < 0)
		fail();
	fl = rules(rule, "- *", NULL);
	free(rule);
	EXCL(fl, "keep.o");	/* the pattern is "+ keep.o" */
	INCL(fl, "+ keep.o");
	filter_list_free(fl);

	/* A side on the merge rule goes to its rules, which then must not
	 * choose one themselves. */
	if (asprintf(&rule, ".s %s", p2) < 0)
		fail();
	fl = rules(rule, NULL);
	free(rule);
	assert_false(ex(fl, "keep.o", 0));
	filter_list_free(fl);
	{
		char *p3 = write_tmp("H foo\n", 6), *want;

		fl = filter_list_new();
		if (asprintf(&rule, "merge,s %s", p3) < 0)
			fail();
		assert_int_equal(filter_add(fl, rule, FILTER_RULE, "-f",
		    &err), -EINVAL);
		if (asprintf(&want, "invalid filter rule from %s line 1: the "
		    "merge rule already chose a side", p3) < 0)
			fail();
		assert_string_equal(err, want);
		free(want);
		free(err);
		free(rule);
		filter_list_free(fl);
		unlink(p3);
		free(p3);
	}
	unlink(p1);
	unlink(p2);
	free(p1);
	free(p2);
}

static void test_merge_modifiers(void **state)
{
	char *pw = write_tmp("-_foo +_bar\n-_*.o\n", 18);
	char *px = write_tmp("- *.o\n- /sub\n", 13);
	struct filter_list *fl;
	char *rule;

	(void)state;
	/* w: split on whitespace (comments off). */
	if (asprintf(&rule, "merge,w %s", pw) < 0)
		fail();
	fl = rules(rule, NULL);
	free(rule);
	EXCL(fl, "foo");
	EXCL(fl, "a.o");
	INCL(fl, "bar");
	filter_list_free(fl);

	/* e: the merge file's own name is excluded too. */
	if (asprintf(&rule, ".e %s", px) < 0)
		fail();
	fl = rules(rule, NULL);
	free(rule);
	EXCL(fl, strrchr(px, '/') + 1);
	EXCL(fl, "x.o");
	filter_list_free(fl);

	/* /: absolute-path rules; p: perishable. */
	if (asprintf(&rule, "merge,/p %s", px) < 0)
		fail();
	fl = rules(rule, NULL);
	free(rule);
	INCLD(fl, "sub");	/* "/sub" is now "/sub" on the disk */
	EXCL(fl, "x.o");
	assert_false(ex(fl, "x.o", FILTER_RECEIVER | FILTER_PERISHING));
	assert_true(ex(fl, "x.o", FILTER_RECEIVER));
	filter_list_free(fl);
	unlink(pw);
	unlink(px);
	free(pw);
	free(px);
}

static void test_abs_modifier(void **state)
{
	struct filter_list *fl = rules("-/ /top/root/sub/foo.c",
	    "-/ some/path", "-/ root", NULL);

	(void)state;
	EXCL(fl, "sub/foo.c");		/* the root is "/top/root" */
	INCL(fl, "x/sub/foo.c");
	EXCLD(fl, "x/some/path");
	EXCL(fl, "root");		/* no '/': the name only */
	INCL(fl, "path");
	filter_list_free(fl);

	/* "subdir/foo" matches even when subdir is above the root. */
	fl = rules("-/ root/foo", NULL);
	EXCL(fl, "foo");
	filter_list_free(fl);
}

/* ---------------------------------------------------------------------
 * Sides, --delete-excluded, perishable.
 */

static void test_sides(void **state)
{
	struct filter_list *fl = rules("P keep.txt", "R risky.o", "H *.c",
	    "S y.c", "- *.o", "-s hidden", "-r prot", "+sr both", "- both",
	    NULL);
	const unsigned R = FILTER_RECEIVER;

	(void)state;
	/* Sender: hide/show and unsided rules; protect/risk do nothing. */
	INCL(fl, "keep.txt");
	EXCL(fl, "risky.o");	/* R is receiver-only: "- *.o" decides */
	EXCL(fl, "x.c");
	EXCL(fl, "y.c");	/* "H *.c" comes first */
	EXCL(fl, "x.o");
	EXCL(fl, "hidden");
	INCL(fl, "prot");
	INCL(fl, "both");
	/* Receiver: protect/risk and unsided rules. */
	assert_true(ex(fl, "keep.txt", R));
	assert_false(ex(fl, "risky.o", R));
	assert_false(ex(fl, "x.c", R));	/* hidden, but not protected */
	assert_true(ex(fl, "x.o", R));	/* "- *.o": protected */
	assert_false(ex(fl, "hidden", R));
	assert_true(ex(fl, "prot", R));
	assert_false(ex(fl, "both", R));
	filter_list_free(fl);
}

static void test_delete_excluded(void **state)
{
	struct filter_list *fl = rules("P keep.txt", "-r rkeep", "-sr sr",
	    "- *.o", "- *.txt", NULL);
	const unsigned RD = FILTER_RECEIVER | FILTER_DELETE_EXCLUDED;

	(void)state;
	assert_true(ex(fl, "x.o", FILTER_RECEIVER));
	assert_false(ex(fl, "x.o", RD));	/* unsided: sender-only now */
	assert_false(ex(fl, "a.txt", RD));
	assert_true(ex(fl, "keep.txt", RD));	/* explicit sides stay */
	assert_true(ex(fl, "rkeep", RD));
	assert_true(ex(fl, "sr", RD));
	/* The sender is unaffected. */
	assert_true(ex(fl, "x.o", FILTER_DELETE_EXCLUDED));
	filter_list_free(fl);
}

static void test_perishable(void **state)
{
	struct filter_list *fl = rules("-p *.o", "- keep", NULL);
	const unsigned R = FILTER_RECEIVER;

	(void)state;
	assert_true(ex(fl, "x.o", R));
	assert_false(ex(fl, "x.o", R | FILTER_PERISHING));
	assert_false(ex(fl, "gone/x.o", R | FILTER_PERISHING));
	assert_true(ex(fl, "gone/keep", R | FILTER_PERISHING));
	filter_list_free(fl);
}

static void test_xattr_rules(void **state)
{
	struct filter_list *fl = rules("-x user.*", "- core", NULL);
	struct filter_list *plain = rules("- core", NULL);

	(void)state;
	assert_true(filter_has_xattr_rules(fl));
	assert_false(filter_has_xattr_rules(plain));
	INCL(fl, "user.x");		/* file names: 'x' rules ignored */
	EXCL(fl, "core");
	assert_true(ex(fl, "user.mime", FILTER_XATTR));
	assert_false(ex(fl, "core", FILTER_XATTR));
	filter_list_free(fl);
	filter_list_free(plain);
}

/* ---------------------------------------------------------------------
 * Per-directory merge files.
 */

static void test_dirmerge_layers(void **state)
{
	static const struct memfile files[] = {
		{ ".rules", "- *.o\n+ keep.c\n" },
		{ "sub/.rules", "+ g.o\n- /foo.h\n- *.c\n" },
		{ "sub/deep/.rules", "- /f.c\n" },
		{ NULL, NULL },
	};
	struct memfs fs = { files, "", 0, { { 0 } } };
	struct filter_list *fl = rules("+ x.o", ": .rules", "- core", NULL);
	struct filter_layer *root = filter_layer_root(fl, "/r");
	struct filter_layer *top, *sub, *deep, *other, *other2;
	const char *names[4];

	(void)state;
	assert_int_equal(filter_layer_merge_names(root, names, 4), 1);
	assert_string_equal(names[0], ".rules");

	top = push(root, &fs, "");
	assert_true(filter_excluded(top, "a.o", 0));
	assert_false(filter_excluded(top, "x.o", 0));	/* global first */
	assert_true(filter_excluded(top, "core", 0));	/* global after */
	assert_false(filter_excluded(top, "foo.c", 0));

	sub = push(top, &fs, "sub");
	/* The subdirectory's rules come before the inherited ones. */
	assert_false(filter_excluded(sub, "sub/g.o", 0));
	assert_true(filter_excluded(sub, "sub/h.o", 0));
	/* A leading '/' anchors at the merge file's directory. */
	assert_true(filter_excluded(sub, "sub/foo.h", 0));
	assert_false(filter_excluded(sub, "sub/x/foo.h", 0));
	assert_false(filter_excluded(sub, "foo.h", 0));
	assert_true(filter_excluded(sub, "sub/x.c", 0));
	/* "- *.c" in sub comes before the inherited "+ keep.c". */
	assert_true(filter_excluded(sub, "sub/keep.c", 0));

	deep = push(sub, &fs, "sub/deep");
	assert_true(filter_excluded(deep, "sub/deep/f.c", 0));
	assert_true(filter_excluded(deep, "sub/deep/foo.c", 0)); /* "*.c" */
	assert_false(filter_excluded(deep, "sub/deep/g.o", 0));

	/* A directory without a merge file shares its parent's layer. */
	other = push(top, &fs, "other");
	assert_ptr_equal(other, top);
	other2 = push(other, &fs, "other/x");
	assert_ptr_equal(other2, top);
	assert_true(filter_excluded(other2, "other/x/a.o", 0));
	/* The sibling does not see sub's rules. */
	assert_false(filter_excluded(other2, "other/x/foo.c", 0));

	filter_layer_unref(other2);
	filter_layer_unref(other);
	filter_layer_unref(deep);
	filter_layer_unref(sub);
	/* Layers outlive the ones they came from. */
	filter_layer_unref(root);
	assert_true(filter_excluded(top, "a.o", 0));
	filter_layer_unref(top);
	filter_list_free(fl);
}

static void test_dirmerge_root_layer(void **state)
{
	static const struct memfile files[] = {
		{ ".rules", "- *.o\n" },
		{ NULL, NULL },
	};
	struct memfs fs = { files, "", 0, { { 0 } } };
	struct filter_list *fl = rules(": .rules", NULL);
	struct filter_layer *root = filter_layer_root(fl, "/r");
	struct filter_layer *top;

	(void)state;
	/* Before the root is entered, only the global rules apply (what a
	 * top-level "src" of an "src" operand is tested with). */
	assert_false(filter_excluded(root, "a.o", 0));
	top = push(root, &fs, ".");
	assert_true(filter_excluded(top, "a.o", 0));
	filter_layer_unref(top);
	filter_layer_unref(root);
	filter_list_free(fl);
}

static void test_dirmerge_modifiers(void **state)
{
	static const struct memfile files[] = {
		{ ".excl", "*.o\n; comment\n" },
		{ "sub/.excl", "foo.c\n" },
		{ ".w", "-_*.o +_foo.c\n-_*.c\n" },
		{ "sub/.n", "- *.c\n" },
		{ "sub/deep/.n", "- *.h\n" },
		{ NULL, NULL },
	};
	struct memfs fs = { files, "", 0, { { 0 } } };
	struct filter_list *fl;
	struct filter_layer *root, *top, *sub, *deep;

	(void)state;
	/* ":-": exclude patterns only; 'e': the files themselves too. */
	fl = rules(":-e .excl", NULL);
	root = filter_layer_root(fl, "/r");
	top = push(root, &fs, "");
	sub = push(top, &fs, "sub");
	assert_true(filter_excluded(sub, "sub/x.o", 0));
	assert_true(filter_excluded(sub, "sub/foo.c", 0));
	assert_true(filter_excluded(sub, "sub/.excl", 0));
	assert_false(filter_excluded(sub, "sub/; comment", 0));
	filter_layer_unref(sub);
	filter_layer_unref(top);
	filter_layer_unref(root);
	filter_list_free(fl);

	/* ":w": words. */
	fl = rules(":w .w", NULL);
	root = filter_layer_root(fl, "/r");
	top = push(root, &fs, "");
	assert_true(filter_excluded(top, "a.o", 0));
	assert_false(filter_excluded(top, "foo.c", 0));
	assert_true(filter_excluded(top, "bar.c", 0));
	filter_layer_unref(top);
	filter_layer_unref(root);
	filter_list_free(fl);

	/* ":n": not inherited by subdirectories. */
	fl = rules(":n .n", NULL);
	root = filter_layer_root(fl, "/r");
	top = push(root, &fs, "");
	sub = push(top, &fs, "sub");
	deep = push(sub, &fs, "sub/deep");
	assert_true(filter_excluded(sub, "sub/x.c", 0));
	assert_false(filter_excluded(deep, "sub/deep/x.c", 0));
	assert_true(filter_excluded(deep, "sub/deep/x.h", 0));
	filter_layer_unref(deep);
	filter_layer_unref(sub);
	filter_layer_unref(top);
	filter_layer_unref(root);
	filter_list_free(fl);
}

static void test_dirmerge_clear(void **state)
{
	static const struct memfile files[] = {
		{ ".rules", "- *.c\n- core\n" },
		{ "sub/.rules", "- a\n!\n- *.o\n" },
		{ "sub/deep/.rules", "- x\n" },
		{ NULL, NULL },
	};
	struct memfs fs = { files, "", 0, { { 0 } } };
	struct filter_list *fl = rules(": .rules", "- glob", NULL);
	struct filter_layer *root = filter_layer_root(fl, "/r");
	struct filter_layer *top, *sub, *deep;

	(void)state;
	top = push(root, &fs, "");
	sub = push(top, &fs, "sub");
	deep = push(sub, &fs, "sub/deep");
	/* '!' in a per-directory file clears only its own list: what came
	 * before it and what was inherited, not the global rules. */
	assert_false(filter_excluded(sub, "sub/x.c", 0));
	assert_false(filter_excluded(sub, "sub/a", 0));
	assert_true(filter_excluded(sub, "sub/y.o", 0));
	assert_true(filter_excluded(sub, "sub/glob", 0));
	assert_true(filter_excluded(deep, "sub/deep/y.o", 0));
	assert_true(filter_excluded(deep, "sub/deep/x", 0));
	assert_false(filter_excluded(deep, "sub/deep/core", 0));
	assert_true(filter_excluded(top, "core", 0));
	filter_layer_unref(deep);
	filter_layer_unref(sub);
	filter_layer_unref(top);
	filter_layer_unref(root);
	filter_list_free(fl);
}

static void test_dirmerge_nested(void **state)
{
	static const struct memfile files[] = {
		{ ".rules", ": .more\n" },
		{ ".more", "- core\n" },
		{ "sub/.more", "- foo.c\n" },
		{ "sub/.rules", ". ./inc\n. plain\n: .rules\n" },
		{ "/r/sub/inc", "- /sub/bar.c\n- f.c\n" },
		{ "/r/plain", "- foo\n" },
		{ NULL, NULL },
	};
	struct memfs fs = { files, "", 0, { { 0 } } };
	struct filter_list *fl = rules(": .rules", NULL);
	struct filter_layer *root = filter_layer_root(fl, "/r");
	struct filter_layer *top, *sub;
	const char *names[4];

	(void)state;
	top = push(root, &fs, "");
	/* A dir-merge rule in a per-directory file: a new file name,
	 * read in that directory too and below it. */
	assert_int_equal(filter_layer_merge_names(top, names, 4), 2);
	assert_string_equal(names[1], ".more");
	assert_true(filter_excluded(top, "core", 0));
	sub = push(top, &fs, "sub");
	assert_true(filter_excluded(sub, "sub/foo.c", 0));
	assert_true(filter_excluded(sub, "sub/core", 0));
	/* '.' merges: a name with '/' is relative to the directory, a bare
	 * name to the transfer root; their rules anchor at the root. */
	assert_true(filter_excluded(sub, "sub/bar.c", 0));
	assert_true(filter_excluded(sub, "sub/x/f.c", 0));
	assert_true(filter_excluded(sub, "sub/foo", FILTER_DIR));
	/* ": .rules" again: already active, ignored (no third name). */
	assert_int_equal(filter_layer_merge_names(sub, names, 4), 2);
	filter_layer_unref(sub);
	filter_layer_unref(top);
	filter_layer_unref(root);
	filter_list_free(fl);
}

static void test_dirmerge_errors(void **state)
{
	static const struct memfile files[] = {
		{ "sub/.rules", "- ok\n\nq bad\n" },
		{ "locked/.rules", NULL },
		{ "m/.rules", ". /missing\n" },
		{ NULL, NULL },
	};
	struct memfs fs = { files, "", 0, { { 0 } } };
	struct filter_reader rd = { mem_read, &fs };
	struct filter_list *fl = rules(": .rules", NULL);
	struct filter_layer *root = filter_layer_root(fl, "/r");
	struct filter_layer *top, *l = NULL;
	char *err = NULL;

	(void)state;
	top = push(root, &fs, "");
	fs.dir = "sub";
	assert_int_equal(filter_layer_push(top, "sub", &rd, &l, &err),
	    -EINVAL);
	assert_null(l);
	assert_string_equal(err, "invalid filter rule from a file read "
	    "earlier (per-directory merge file sub/.rules line 3): unknown "
	    "rule type");
	free(err);
	fs.dir = "locked";
	assert_int_equal(filter_layer_push(top, "locked", &rd, &l, &err),
	    -EACCES);
	assert_string_equal(err, "cannot read merge file 'locked/.rules': "
	    "Permission denied");
	free(err);
	fs.dir = "m";
	assert_int_equal(filter_layer_push(top, "m", &rd, &l, &err),
	    -ENOENT);
	/* Named in a per-directory file: the name is its content, not
	 * echoed. */
	assert_string_equal(err, "cannot read a merge file named in a file "
	    "read earlier: No such file or directory");
	free(err);
	filter_layer_unref(top);
	filter_layer_unref(root);
	filter_list_free(fl);
}

static void test_dirmerge_sides(void **state)
{
	static const struct memfile files[] = {
		{ ".s", "- *.o\n" },
		{ ".r", "P keep\n- *.o\n" },
		{ NULL, NULL },
	};
	struct memfs fs = { files, "", 0, { { 0 } } };
	struct filter_list *fl = rules(":s .s", NULL);
	struct filter_layer *root = filter_layer_root(fl, "/r");
	struct filter_layer *top = push(root, &fs, "");
	const unsigned R = FILTER_RECEIVER, D = FILTER_DELETE_EXCLUDED;

	(void)state;
	assert_true(filter_excluded(top, "a.o", 0));
	assert_false(filter_excluded(top, "a.o", R));
	filter_layer_unref(top);
	filter_layer_unref(root);
	filter_list_free(fl);

	/* --delete-excluded: a plain dir-merge rule stays on the receiver
	 * for the protect rules in its files; its unsided rules go. */
	fl = rules(":e .r", NULL);
	root = filter_layer_root(fl, "/r");
	top = push(root, &fs, "");
	assert_true(filter_excluded(top, "keep", R | D));
	assert_false(filter_excluded(top, "a.o", R | D));
	assert_true(filter_excluded(top, "a.o", R));
	/* The global 'e' exclude is an unsided rule like any other. */
	assert_false(filter_excluded(top, ".r", R | D));
	assert_true(filter_excluded(top, ".r", 0));
	filter_layer_unref(top);
	filter_layer_unref(root);
	filter_list_free(fl);
}

static void test_F(void **state)
{
	static const struct memfile files[] = {
		{ "/.rsync-filter", "- core\n" },
		{ "/top/.rsync-filter", "- /root/cmd\n- /cmd\n" },
		{ "/top/root/.rsync-filter", "- never-read-by-scan\n" },
		{ ".rsync-filter", "- *.o\n" },
		{ "sub/.rsync-filter", "- /foo.c\n" },
		{ NULL, NULL },
	};
	struct memfs fs = { files, "", 0, { { 0 } } };
	struct filter_list *fl = filter_list_new();
	struct filter_layer *root, *top, *sub;

	(void)state;
	filter_add_F(fl);
	root = filter_layer_root(fl, "/top/root");
	top = push(root, &fs, "");
	/* "dir-merge /.rsync-filter": every directory from / down to the
	 * parent of the first one entered is read first. */
	assert_int_equal(fs.reads, 3);
	assert_string_equal(fs.asked[0], "abs:/.rsync-filter");
	assert_string_equal(fs.asked[1], "abs:/top/.rsync-filter");
	assert_string_equal(fs.asked[2], ".rsync-filter");
	assert_true(filter_excluded(top, "core", 0));
	assert_true(filter_excluded(top, "a.o", 0));
	/* Anchored rules of a parent directory are anchored there. */
	assert_true(filter_excluded(top, "cmd", 0));
	assert_false(filter_excluded(top, ".rsync-filter", 0));
	sub = push(top, &fs, "sub");
	assert_true(filter_excluded(sub, "sub/foo.c", 0));
	assert_true(filter_excluded(sub, "sub/core", 0));
	assert_false(filter_excluded(sub, "foo.c", 0));
	filter_layer_unref(sub);
	filter_layer_unref(top);
	filter_layer_unref(root);

	/* -F -F: the files themselves are excluded; a third -F: nothing. */
	filter_add_F(fl);
	filter_add_F(fl);
	root = filter_layer_root(fl, "/top/root");
	top = push(root, &fs, "");
	assert_true(filter_excluded(top, ".rsync-filter", 0));
	filter_layer_unref(top);
	filter_layer_unref(root);
	filter_list_free(fl);
}

static void test_F_noslash(void **state)
{
	/* "treesync -F /top/src dst": the root is /top, "src" a top-level
	 * item; /top's file is read by the scan, anchored at the root. */
	static const struct memfile files[] = {
		{ "/top/.rsync-filter", "- src\n- /src/sub\n" },
		{ NULL, NULL },
	};
	struct memfs fs = { files, "", 0, { { 0 } } };
	struct filter_list *fl = filter_list_new();
	struct filter_layer *root, *src;

	(void)state;
	filter_add_F(fl);
	root = filter_layer_root(fl, "/top");
	/* The top-level item is tested before any scan (as rsync does). */
	assert_false(filter_excluded(root, "src", FILTER_DIR));
	src = push(root, &fs, "src");
	assert_true(filter_excluded(src, "src/sub", FILTER_DIR));
	assert_false(filter_excluded(src, "src/other", FILTER_DIR));
	filter_layer_unref(src);
	filter_layer_unref(root);
	filter_list_free(fl);
}

static void test_cvs(void **state)
{
	char dir[] = "/tmp/test_filter_home.XXXXXX";
	char *hp;
	static const struct memfile files[] = {
		{ "sub/.cvsignore", "foo.c !\n  f.c *.h\n" },
		{ ".cvsignore", "*.txt\n" },
		{ NULL, NULL },
	};
	struct memfs fs = { files, "", 0, { { 0 } } };
	struct filter_list *fl = filter_list_new();
	struct filter_layer *root, *top, *sub, *deep;
	char *err = NULL;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	if (asprintf(&hp, "%s/.cvsignore", dir) < 0)
		fail();
	f = fopen(hp, "w");
	assert_non_null(f);
	fputs("*.home\n", f);
	fclose(f);
	setenv("HOME", dir, 1);
	setenv("CVSIGNORE", "*.env", 1);

	assert_int_equal(filter_add(fl, "+ x.o", FILTER_RULE, NULL, &err), 0);
	assert_int_equal(filter_add_cvs_exclude(fl, &err), 0);
	root = filter_layer_root(fl, "/r");
	top = push(root, &fs, "");
	sub = push(top, &fs, "sub");
	deep = push(sub, &fs, "sub/deep");
	EXCL(fl, "y.o");		/* the defaults */
	EXCLD(fl, "a/CVS");
	EXCLD(fl, ".git");
	INCL(fl, ".git");		/* ".git/": directories only */
	EXCL(fl, "old~");
	INCL(fl, "x.o");		/* earlier rules win */
	EXCL(fl, "a.home");		/* $HOME/.cvsignore */
	EXCL(fl, "a.env");		/* $CVSIGNORE */
	assert_true(filter_excluded(top, "a.txt", 0));
	assert_false(filter_excluded(sub, "sub/a.txt", 0)); /* 'n' */
	assert_false(filter_excluded(sub, "sub/foo.c", 0)); /* '!' */
	assert_true(filter_excluded(sub, "sub/f.c", 0));
	assert_true(filter_excluded(sub, "sub/x.h", 0));
	assert_false(filter_excluded(deep, "sub/deep/f.c", 0));
	/* The default names are perishable, the others are not. */
	assert_false(ex(fl, "y.o", FILTER_RECEIVER | FILTER_PERISHING));
	assert_true(ex(fl, "a.env", FILTER_RECEIVER | FILTER_PERISHING));
	filter_layer_unref(deep);
	filter_layer_unref(sub);
	filter_layer_unref(top);
	filter_layer_unref(root);
	filter_list_free(fl);

	/* "!" in $CVSIGNORE clears what came before it. */
	setenv("CVSIGNORE", "*.env ! *.two", 1);
	fl = filter_list_new();
	assert_int_equal(filter_add(fl, "-C", FILTER_RULE, NULL, &err), 0);
	INCL(fl, "y.o");
	INCL(fl, "a.env");
	EXCL(fl, "a.two");
	filter_list_free(fl);
	unsetenv("CVSIGNORE");
	unlink(hp);
	rmdir(dir);
	free(hp);
}

/* Whether B's digest is A's; B is freed. */
static bool same_digest(const struct filter_list *a, struct filter_list *b)
{
	bool same = filter_list_digest(a) == filter_list_digest(b);

	filter_list_free(b);
	return same;
}

/* treesync-mpi compares its ranks' lists by digest: the same rules give
 * the same digest wherever they were read from; any difference in a
 * pattern, a modifier, the order, a dir-merge file's name or -C's
 * $CVSIGNORE gives another. */
static void test_digest(void **state)
{
	struct filter_list *a, *b;
	char *err = NULL;

	(void)state;
	a = rules("- *.o", "+ keep/", ": .rules", NULL);
	b = filter_list_new();
	assert_int_equal(filter_add(b, "- *.o", FILTER_RULE, "a file", &err), 0);
	assert_int_equal(filter_add(b, "+ keep/", FILTER_RULE, "a file", &err),
	    0);
	assert_int_equal(filter_add(b, ": .rules", FILTER_RULE, "a file", &err),
	    0);
	assert_true(same_digest(a, b));
	assert_false(same_digest(a, rules("- *.o", "+ keep/", ": .other", NULL)));
	assert_false(same_digest(a, rules("+ keep/", "- *.o", ": .rules", NULL)));
	assert_false(same_digest(a, rules("- *.o", "+ keep/", ":n .rules",
	    NULL)));
	assert_false(same_digest(a, rules("-s *.o", "+ keep/", ": .rules",
	    NULL)));
	filter_list_free(a);

	unsetenv("CVSIGNORE");
	a = rules("-C", NULL);
	assert_true(same_digest(a, rules("-C", NULL)));
	setenv("CVSIGNORE", "*.env", 1);
	assert_false(same_digest(a, rules("-C", NULL)));
	filter_list_free(a);
	unsetenv("CVSIGNORE");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wildmatch_public),
		cmocka_unit_test(test_last_component),
		cmocka_unit_test(test_multi_component),
		cmocka_unit_test(test_anchoring),
		cmocka_unit_test(test_starstar),
		cmocka_unit_test(test_dir_only),
		cmocka_unit_test(test_wild3),
		cmocka_unit_test(test_negate),
		cmocka_unit_test(test_literal_vs_wild),
		cmocka_unit_test(test_root_never_excluded),
		cmocka_unit_test(test_man_examples),
		cmocka_unit_test(test_rule_forms),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_origin_default),
		cmocka_unit_test(test_old_style),
		cmocka_unit_test(test_clear),
		cmocka_unit_test(test_match_info),
		cmocka_unit_test(test_load_file),
		cmocka_unit_test(test_load_file_from0),
		cmocka_unit_test(test_load_file_stdin),
		cmocka_unit_test(test_load_file_errors),
		cmocka_unit_test(test_merge_rules),
		cmocka_unit_test(test_merge_modifiers),
		cmocka_unit_test(test_abs_modifier),
		cmocka_unit_test(test_sides),
		cmocka_unit_test(test_delete_excluded),
		cmocka_unit_test(test_perishable),
		cmocka_unit_test(test_xattr_rules),
		cmocka_unit_test(test_dirmerge_layers),
		cmocka_unit_test(test_dirmerge_root_layer),
		cmocka_unit_test(test_dirmerge_modifiers),
		cmocka_unit_test(test_dirmerge_clear),
		cmocka_unit_test(test_dirmerge_nested),
		cmocka_unit_test(test_dirmerge_errors),
		cmocka_unit_test(test_dirmerge_sides),
		cmocka_unit_test(test_F),
		cmocka_unit_test(test_F_noslash),
		cmocka_unit_test(test_cvs),
		cmocka_unit_test(test_digest),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
