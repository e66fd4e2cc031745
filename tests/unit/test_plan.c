/*
 * Unit tests for plan.c: rsync's operand rules on real trees in a mkdtemp
 * dir (the test runs inside it, so operands are relative as typed), and
 * the --files-from list reader.  Each case checks which directory every fd
 * is (by inode), what was created, and what the host was told.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "plan.h"
#include "report.h"

static char dir[] = "/tmp/ts-plan-XXXXXX";

/* --- a report whose output is captured ------------------------------- */

struct capture {
	char out[4096], err[4096];
	unsigned nerrors;
	int last_err;
	enum ts_side last_side;
	char last_path[256];
};

static struct capture cap;

static void append(char *buf, size_t size, const char *text, size_t len)
{
	size_t have = strlen(buf);

	if (len > size - have - 1)
		len = size - have - 1;
	memcpy(buf + have, text, len);
	buf[have + len] = '\0';
}

static void cap_write(void *arg, enum ts_out out, const char *text,
    size_t len)
{
	struct capture *c = arg;

	if (out == TS_OUT_STDOUT)
		append(c->out, sizeof(c->out), text, len);
	else
		append(c->err, sizeof(c->err), text, len);
}

static void cap_error(void *arg, const struct ts_error *e)
{
	struct capture *c = arg;

	c->nerrors++;
	c->last_err = e->err;
	c->last_side = e->side;
	snprintf(c->last_path, sizeof(c->last_path), "%s",
	    e->path ? e->path : "");
}

/* One plan_build() of SRCS (NULL-terminated) to DEST with options O
 * (srcs and dest filled in here); the output flushed into cap. */
static int build(struct ts_options *o, const char *const *srcs,
    const char *dest, struct plan *p)
{
	struct ts_host host = { .arg = &cap, .write = cap_write,
		.error = cap_error };
	struct report *rep;
	size_t n = 0;
	int r;

	while (srcs[n])
		n++;
	o->srcs = srcs;
	o->nsrcs = n;
	o->dest = dest;
	memset(&cap, 0, sizeof(cap));
	rep = report_new(o, &host);
	r = plan_build(o, rep, p, false);
	report_flush(rep);
	p->rep = NULL;
	report_free(rep);
	return r;
}

/* --- helpers --------------------------------------------------------- */

static void make_file(const char *name)
{
	int fd = open(name, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, "data", 4), 4);
	close(fd);
}

static void write_text(const char *name, const char *text, size_t len)
{
	int fd = open(name, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
}

static ino_t ino_of_path(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return st.st_ino;
}

static ino_t ino_of_fd(int fd)
{
	struct stat st;

	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	return st.st_ino;
}

static bool exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

static void free_lines(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static int setup(void **state)
{
	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(chdir(dir), 0);
	assert_int_equal(mkdir("src", 0755), 0);
	assert_int_equal(mkdir("src/sub", 0755), 0);
	make_file("src/f");
	make_file("file");
	make_file("other");
	assert_int_equal(mkdir("dest", 0755), 0);
	return 0;
}

static int teardown(void **state)
{
	char cmd[64];

	(void)state;
	assert_int_equal(chdir("/"), 0);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

/* --- plan_build ------------------------------------------------------ */

/* "src/", "src/." and "." copy a directory's contents: the fd is that
 * directory, there is no name, and the stat is the directory's. */
static void test_contents_operands(void **state)
{
	static const char *const forms[] = { "src/", "src//", "src/.",
		"src/sub/../" };
	struct ts_options o;
	struct plan p;
	size_t i;

	(void)state;
	for (i = 0; i < 4; i++) {
		const char *srcs[] = { forms[i], NULL };

		ts_options_init(&o);
		assert_int_equal(build(&o, srcs, "dest", &p), 0);
		assert_int_equal(p.nsrcs, 1);
		assert_true(p.srcs[0].contents);
		assert_true(p.any_contents);
		assert_null(p.srcs[0].name);
		assert_int_equal(ino_of_fd(p.srcs[0].fd), ino_of_path("src"));
		assert_int_equal(p.srcs[0].st.ino, ino_of_path("src"));
		assert_true(S_ISDIR(p.srcs[0].st.mode));
		assert_string_equal(p.srcs[0].operand, forms[i]);
		assert_int_equal(ino_of_fd(p.dst_fd), ino_of_path("dest"));
		assert_false(p.dst_new);
		assert_null(p.single_name);
		assert_int_equal(p.missing, 0);
		assert_false(p.network_fs);	/* /tmp is local */
		plan_free(&p);
	}
	{
		const char *srcs[] = { ".", NULL };

		ts_options_init(&o);
		assert_int_equal(build(&o, srcs, "dest", &p), 0);
		assert_true(p.srcs[0].contents);
		assert_int_equal(ino_of_fd(p.srcs[0].fd), ino_of_path("."));
		plan_free(&p);
	}
}

/* "src" and "src/sub" copy the entry itself: the fd is its parent and
 * the name its last component. */
static void test_entry_operands(void **state)
{
	const char *srcs[] = { "src", "src/sub", "file", NULL };
	struct ts_options o;
	struct plan p;

	(void)state;
	ts_options_init(&o);
	assert_int_equal(build(&o, srcs, "dest", &p), 0);
	assert_int_equal(p.nsrcs, 3);
	assert_false(p.any_contents);

	assert_false(p.srcs[0].contents);
	assert_string_equal(p.srcs[0].name, "src");
	assert_int_equal(ino_of_fd(p.srcs[0].fd), ino_of_path("."));
	assert_true(S_ISDIR(p.srcs[0].st.mode));

	assert_string_equal(p.srcs[1].name, "sub");
	assert_int_equal(ino_of_fd(p.srcs[1].fd), ino_of_path("src"));
	assert_int_equal(p.srcs[1].st.ino, ino_of_path("src/sub"));

	assert_string_equal(p.srcs[2].name, "file");
	assert_true(S_ISREG(p.srcs[2].st.mode));
	assert_int_equal(p.srcs[2].st.size, 4);

	/* Several sources: DEST is a directory, even for files. */
	assert_int_equal(ino_of_fd(p.dst_fd), ino_of_path("dest"));
	assert_null(p.single_name);
	plan_free(&p);
	plan_free(&p);	/* a freed plan frees again harmlessly */
	plan_free(NULL);
}

/* A symlink operand is the link itself (lstat), as rsync without -L. */
static void test_symlink_operand_is_the_link(void **state)
{
	const char *srcs[] = { "srclink", NULL };
	struct ts_options o;
	struct plan p;

	(void)state;
	assert_int_equal(symlink("src", "srclink"), 0);
	ts_options_init(&o);
	assert_int_equal(build(&o, srcs, "dest", &p), 0);
	assert_true(S_ISLNK(p.srcs[0].st.mode));
	assert_string_equal(p.srcs[0].name, "srclink");
	plan_free(&p);
	assert_int_equal(unlink("srclink"), 0);
}

/* One file to a name that is not a directory: dst_fd is the parent and
 * single_name the new name; nothing is created yet. */
static void test_single_file_to_new_name(void **state)
{
	const char *srcs[] = { "file", NULL };
	struct ts_options o;
	struct plan p;

	(void)state;
	ts_options_init(&o);
	assert_int_equal(build(&o, srcs, "newname", &p), 0);
	assert_string_equal(p.single_name, "newname");
	assert_int_equal(ino_of_fd(p.dst_fd), ino_of_path("."));
	assert_false(p.dst_new);
	assert_false(exists("newname"));
	plan_free(&p);

	/* An existing file is replaced by name. */
	assert_int_equal(build(&o, srcs, "other", &p), 0);
	assert_string_equal(p.single_name, "other");
	plan_free(&p);

	/* In a subdirectory. */
	assert_int_equal(build(&o, srcs, "src/sub/copy", &p), 0);
	assert_string_equal(p.single_name, "copy");
	assert_int_equal(ino_of_fd(p.dst_fd), ino_of_path("src/sub"));
	assert_false(exists("src/sub/copy"));
	plan_free(&p);

	/* Its parent must exist. */
	assert_int_equal(build(&o, srcs, "nodir/copy", &p), TS_EXIT_SELECT);
	assert_string_equal(cap.err, "treesync: cannot open destination "
	    "directory 'nodir': No such file or directory\n");
	plan_free(&p);

	/* rsync counts the sources it could stat: one file and a missing
	 * operand is still one file to a new name. */
	{
		const char *two[] = { "file", "missing", NULL };

		assert_int_equal(build(&o, two, "single2", &p), 0);
		assert_int_equal(p.missing, 1);
		assert_string_equal(p.single_name, "single2");
		plan_free(&p);
	}
}

/* One file to an existing directory goes inside it; with a trailing
 * slash on a missing DEST, DEST is made as a directory. */
static void test_single_file_to_directory(void **state)
{
	const char *srcs[] = { "file", NULL };
	struct ts_options o;
	struct plan p;
	struct stat st;

	(void)state;
	ts_options_init(&o);
	assert_int_equal(build(&o, srcs, "dest", &p), 0);
	assert_null(p.single_name);
	assert_int_equal(ino_of_fd(p.dst_fd), ino_of_path("dest"));
	plan_free(&p);

	assert_int_equal(build(&o, srcs, "slashdir/", &p), 0);
	assert_null(p.single_name);
	assert_true(p.dst_new);
	assert_int_equal(stat("slashdir", &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(ino_of_fd(p.dst_fd), st.st_ino);
	plan_free(&p);

	/* DEST a symlink to a directory (the operator's own): the directory. */
	assert_int_equal(symlink("dest", "destlink"), 0);
	assert_int_equal(build(&o, srcs, "destlink", &p), 0);
	assert_null(p.single_name);
	assert_int_equal(ino_of_fd(p.dst_fd), ino_of_path("dest"));
	plan_free(&p);
	assert_int_equal(unlink("destlink"), 0);
}

/* A missing DEST for a directory source is created (its last component
 * only), said so with -v, named without its trailing slashes. */
static void test_dest_missing_created(void **state)
{
	const char *srcs[] = { "src", NULL };
	struct ts_options o;
	struct plan p;

	(void)state;
	ts_options_init(&o);
	assert_int_equal(build(&o, srcs, "made", &p), 0);
	assert_true(p.dst_new);
	assert_int_equal(ino_of_fd(p.dst_fd), ino_of_path("made"));
	assert_string_equal(cap.out, "");	/* not without -v or -i */
	plan_free(&p);

	o.verbose = 1;
	assert_int_equal(build(&o, srcs, "made2///", &p), 0);
	assert_true(p.dst_new);
	assert_int_equal(ino_of_fd(p.dst_fd), ino_of_path("made2"));
	assert_string_equal(cap.out, "created directory made2\n");
	plan_free(&p);

	/* Existing: not new, nothing said. */
	assert_int_equal(build(&o, srcs, "made2", &p), 0);
	assert_false(p.dst_new);
	assert_string_equal(cap.out, "");
	plan_free(&p);

	/* Only the last component is made. */
	assert_int_equal(build(&o, srcs, "nodir/deeper", &p), TS_EXIT_FILEIO);
	assert_false(exists("nodir"));
	assert_string_equal(cap.err, "treesync: cannot create destination "
	    "directory 'nodir/deeper': No such file or directory\n");
	assert_int_equal(cap.last_err, ENOENT);
	plan_free(&p);
}

/* A dry run creates nothing: DEST is new and has no fd. */
static void test_dest_missing_dry_run(void **state)
{
	const char *srcs[] = { "src/", NULL };
	struct ts_options o;
	struct plan p;

	(void)state;
	ts_options_init(&o);
	o.dry_run = true;
	o.itemize = 1;
	assert_int_equal(build(&o, srcs, "drydest/", &p), 0);
	assert_true(p.dst_new);
	assert_int_equal(p.dst_fd, -1);
	assert_false(exists("drydest"));
	assert_string_equal(cap.out, "created directory drydest\n");
	plan_free(&p);
}

/* DEST an existing file where a directory is needed: rsync's exit 3. */
static void test_dest_is_a_file(void **state)
{
	const char *dir_src[] = { "src", NULL };
	const char *two[] = { "file", "src/f", NULL };
	const char *one[] = { "file", NULL };
	struct ts_options o;
	struct plan p;

	(void)state;
	ts_options_init(&o);
	assert_int_equal(build(&o, dir_src, "other", &p), TS_EXIT_SELECT);
	assert_string_equal(cap.err, "treesync: destination must be a "
	    "directory 'other': Not a directory\n");
	assert_int_equal(cap.last_err, ENOTDIR);
	plan_free(&p);

	assert_int_equal(build(&o, two, "other", &p), TS_EXIT_SELECT);
	plan_free(&p);

	/* A trailing slash says "a directory" even for one file. */
	assert_int_equal(build(&o, one, "other/", &p), TS_EXIT_SELECT);
	assert_null(p.single_name);
	plan_free(&p);
}

/* Missing sources are reported and counted, not fatal; when none is
 * left the run has nothing to do and DEST is left alone. */
static void test_missing_sources(void **state)
{
	const char *some[] = { "missing", "src/", "gone/", "file/", NULL };
	const char *none[] = { "missing", "gone/", NULL };
	struct ts_options o;
	struct plan p;

	(void)state;
	ts_options_init(&o);
	assert_int_equal(build(&o, some, "dest", &p), 0);
	assert_int_equal(p.missing, 3);
	assert_int_equal(p.nsrcs, 1);
	assert_string_equal(p.srcs[0].operand, "src/");
	assert_int_equal(cap.nerrors, 3);
	assert_string_equal(cap.err,
	    "treesync: cannot stat source 'missing': No such file or "
	    "directory\n"
	    "treesync: cannot open source 'gone/': No such file or "
	    "directory\n"
	    "treesync: source is not a directory 'file/': Not a directory\n");
	assert_int_equal(cap.last_err, ENOTDIR);
	assert_int_equal(cap.last_side, TS_SIDE_NONE);
	assert_string_equal(cap.last_path, "file/");
	plan_free(&p);

	assert_int_equal(build(&o, none, "notmade", &p), TS_EXIT_PARTIAL);
	assert_int_equal(p.missing, 2);
	assert_int_equal(p.nsrcs, 0);
	assert_false(exists("notmade"));
	plan_free(&p);

	/* A source whose parent is missing. */
	{
		const char *deep[] = { "nodir/x", "src/", NULL };

		assert_int_equal(build(&o, deep, "dest", &p), 0);
		assert_int_equal(p.missing, 1);
		assert_string_equal(cap.last_path, "nodir");
		plan_free(&p);
	}
}

/* With --files-from every operand is a base directory. */
static void test_files_from_operands_are_bases(void **state)
{
	const char *srcs[] = { "src", NULL };
	struct ts_options o;
	struct plan p;

	(void)state;
	ts_options_init(&o);
	o.files_from = "list";
	assert_int_equal(build(&o, srcs, "dest", &p), 0);
	assert_true(p.srcs[0].contents);
	assert_int_equal(ino_of_fd(p.srcs[0].fd), ino_of_path("src"));
	plan_free(&p);
}

/* DEST inside a source directory (or that directory itself) is said, so
 * that the walk does not meet DEST's own entries again. */
static void test_dest_inside_source(void **state)
{
	const char *contents[] = { "src/", NULL };
	const char *entry[] = { "src", NULL };
	const char *file[] = { "file", NULL };
	struct ts_options o;
	struct plan p;

	(void)state;
	ts_options_init(&o);
	assert_int_equal(build(&o, contents, "dest", &p), 0);
	assert_false(p.overlap);
	plan_free(&p);
	assert_int_equal(build(&o, contents, "src/sub", &p), 0);
	assert_true(p.overlap);
	plan_free(&p);
	assert_int_equal(build(&o, contents, "src/sub/inner/", &p), 0);
	assert_true(p.overlap);	/* made, then found inside */
	plan_free(&p);
	assert_int_equal(build(&o, entry, "src/sub", &p), 0);
	assert_true(p.overlap);
	plan_free(&p);
	assert_int_equal(build(&o, contents, "src", &p), 0);
	assert_true(p.overlap);	/* the source itself */
	plan_free(&p);
	/* A file source has no inside. */
	assert_int_equal(build(&o, file, "dest", &p), 0);
	assert_false(p.overlap);
	plan_free(&p);
	assert_int_equal(rmdir("src/sub/inner"), 0);
}

/* --- plan_read_files_from ------------------------------------------- */

static int read_list(const char *file, bool from0, char ***v, size_t *n)
{
	struct ts_host host = { .arg = &cap, .write = cap_write,
		.error = cap_error };
	struct ts_options o;
	struct report *rep;
	int r;

	ts_options_init(&o);
	memset(&cap, 0, sizeof(cap));
	rep = report_new(&o, &host);
	*v = NULL;
	*n = 0;
	r = plan_read_files_from(rep, file, from0,
	    (struct oppath_how){ 0, NULL }, v, n);
	report_free(rep);
	return r;
}

/* Comments and blank lines left out, CRLF taken as LF, spaces kept. */
static void test_files_from_lines(void **state)
{
	static const char text[] =
	    "a\n"
	    "# a comment\n"
	    "; another\n"
	    "\n"
	    "b c\r\n"
	    "\r\n"
	    "  d\n"
	    " #not a comment\n"
	    "e\\f\n"
	    "last";
	char **v;
	size_t n;

	(void)state;
	write_text("list", text, sizeof(text) - 1);
	assert_int_equal(read_list("list", false, &v, &n), 0);
	assert_int_equal(n, 6);
	assert_string_equal(v[0], "a");
	assert_string_equal(v[1], "b c");
	assert_string_equal(v[2], "  d");
	assert_string_equal(v[3], " #not a comment");
	assert_string_equal(v[4], "e\\f");
	assert_string_equal(v[5], "last");
	free_lines(v, n);

	write_text("empty-list", "", 0);
	assert_int_equal(read_list("empty-list", false, &v, &n), 0);
	assert_int_equal(n, 0);
	free_lines(v, n);
}

/* --from0: NUL-separated, a newline or CR is part of a name. */
static void test_files_from_nul(void **state)
{
	static const char text[] = "a\0#c\0\0b\nc\0x\r\0;d\0tail";
	char **v;
	size_t n;

	(void)state;
	write_text("list0", text, sizeof(text) - 1);
	assert_int_equal(read_list("list0", true, &v, &n), 0);
	assert_int_equal(n, 4);
	assert_string_equal(v[0], "a");
	assert_string_equal(v[1], "b\nc");
	assert_string_equal(v[2], "x\r");
	assert_string_equal(v[3], "tail");
	free_lines(v, n);
}

/* More lines than one growth of the array, in file order. */
static void test_files_from_long_list(void **state)
{
	FILE *f = fopen("biglist", "w");
	char want[32];
	char **v;
	size_t n, i;

	(void)state;
	assert_non_null(f);
	for (i = 0; i < 3000; i++)
		fprintf(f, "dir/file-%zu\n", i);
	fclose(f);
	assert_int_equal(read_list("biglist", false, &v, &n), 0);
	assert_int_equal(n, 3000);
	for (i = 0; i < n; i++) {
		snprintf(want, sizeof(want), "dir/file-%zu", i);
		assert_string_equal(v[i], want);
	}
	free_lines(v, n);
}

/* "-" is standard input. */
static void test_files_from_stdin(void **state)
{
	char **v;
	size_t n;

	(void)state;
	write_text("stdin-list", "x\n#y\nz\n", 7);
	assert_non_null(freopen("stdin-list", "r", stdin));
	assert_int_equal(read_list("-", false, &v, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(v[0], "x");
	assert_string_equal(v[1], "z");
	free_lines(v, n);
}

static void test_files_from_missing(void **state)
{
	char **v;
	size_t n;

	(void)state;
	/* rsync's codes: 1 when the list cannot be opened, 12 when it
	 * cannot be read. */
	assert_int_equal(read_list("no-such-list", false, &v, &n),
	    TS_EXIT_SYNTAX);
	assert_null(v);
	assert_string_equal(cap.err, "treesync: cannot open --files-from file "
	    "'no-such-list': No such file or directory\n");
	assert_int_equal(cap.last_err, ENOENT);
	/* A directory cannot be read as a list. */
	assert_int_equal(read_list("src", false, &v, &n), TS_EXIT_STREAM);
	assert_int_equal(cap.nerrors, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_contents_operands),
		cmocka_unit_test(test_entry_operands),
		cmocka_unit_test(test_symlink_operand_is_the_link),
		cmocka_unit_test(test_single_file_to_new_name),
		cmocka_unit_test(test_single_file_to_directory),
		cmocka_unit_test(test_dest_missing_created),
		cmocka_unit_test(test_dest_missing_dry_run),
		cmocka_unit_test(test_dest_is_a_file),
		cmocka_unit_test(test_missing_sources),
		cmocka_unit_test(test_files_from_operands_are_bases),
		cmocka_unit_test(test_dest_inside_source),
		cmocka_unit_test(test_files_from_lines),
		cmocka_unit_test(test_files_from_nul),
		cmocka_unit_test(test_files_from_long_list),
		cmocka_unit_test(test_files_from_stdin),
		cmocka_unit_test(test_files_from_missing),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
