/*
 * Unit tests for partial.c's directories: --partial-dir (relative to each
 * directory, or absolute: one for all) as --delay-updates' staging dir
 * (partial_stage_dir()).  A directory that cannot be opened or made is a
 * negative errno every time it is asked for -- never 0, a valid fd
 * number, whatever errno held before the call.
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

#include "partial.h"
#include "sys.h"
#include "treesync/treesync.h"

static char dir[] = "/tmp/ts-partial-XXXXXX";
static int dfd;

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(dir))
		return -1;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return dfd < 0 ? -1 : 0;
}

static int teardown(void **state)
{
	char cmd[64];

	(void)state;
	close(dfd);
	snprintf(cmd, sizeof(cmd), "rm -rf -- '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* The run's partial state for --partial-dir=PDIR --delay-updates. */
static struct partial *staging(const char *pdir)
{
	struct ts_options o;
	struct partial *p;
	int code;

	ts_options_init(&o);
	o.partial_dir = pdir;
	o.delay_updates = true;
	p = partial_new(&o, dfd, NULL, &code);
	assert_non_null(p);
	assert_int_equal(code, 0);
	return p;
}

/* partial_stage_dir(P, CREATE) with errno 0 before the call (a stale 0
 * once made a failure read as fd 0): the fd (closed) or -errno. */
static int stage_dir(struct partial *p, bool create)
{
	int fd;

	errno = 0;
	fd = partial_stage_dir(p, dfd, create);
	if (fd >= 0) {
		struct stat st;

		assert_int_equal(fstat(fd, &st), 0);
		assert_true(S_ISDIR(st.st_mode));
		close(fd);
	}
	return fd;
}

/* An absolute dir that is missing: looked up once, then told from what
 * was found, -ENOENT each time (it was 0 the second time). */
static void test_absolute_missing(void **state)
{
	char pdir[64];
	struct partial *p;

	(void)state;
	snprintf(pdir, sizeof(pdir), "%s/none/stage", dir);
	p = staging(pdir);
	assert_int_equal(stage_dir(p, false), -ENOENT);
	assert_int_equal(stage_dir(p, false), -ENOENT);
	assert_int_equal(stage_dir(p, false), -ENOENT);
	/* CREATE still cannot make it: its parent is missing. */
	assert_int_equal(stage_dir(p, true), -ENOENT);
	assert_int_equal(stage_dir(p, false), -ENOENT);
	partial_free(p);
}

/* An absolute dir made on first use, then found without CREATE too. */
static void test_absolute_made(void **state)
{
	char pdir[64];
	struct partial *p;
	struct stat st;

	(void)state;
	snprintf(pdir, sizeof(pdir), "%s/abs", dir);
	p = staging(pdir);
	assert_int_equal(stage_dir(p, false), -ENOENT);
	assert_true(stage_dir(p, true) >= 0);
	assert_int_equal(stat(pdir, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_true(stage_dir(p, false) >= 0);
	partial_free(p);
}

/* A relative dir whose name holds a file: not a directory without
 * CREATE; with it the file is replaced by the directory. */
static void test_relative(void **state)
{
	struct partial *p;
	int fd;

	(void)state;
	fd = openat(dfd, "rel", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	close(fd);
	p = staging("rel");
	assert_int_equal(stage_dir(p, false), -ENOTDIR);
	assert_true(stage_dir(p, true) >= 0);
	assert_true(stage_dir(p, false) >= 0);
	partial_free(p);
}

#ifdef TS_FAULT_INJECTION
/* mkdirat failing (the seam): its errno, then the same when the dir is
 * asked for without CREATE. */
static void test_absolute_mkdir_fails(void **state)
{
	char pdir[64];
	struct partial *p;

	(void)state;
	snprintf(pdir, sizeof(pdir), "%s/denied", dir);
	p = staging(pdir);
	assert_int_equal(sys_inject("mkdirat@*=EACCES"), 0);
	assert_int_equal(stage_dir(p, true), -EACCES);
	assert_int_equal(stage_dir(p, false), -EACCES);
	sys_reset();
	assert_true(stage_dir(p, true) >= 0);
	partial_free(p);
}

static void test_relative_mkdir_fails(void **state)
{
	struct partial *p;

	(void)state;
	p = staging(".~stage~");
	assert_int_equal(sys_inject("mkdirat@*=ENOSPC"), 0);
	assert_int_equal(stage_dir(p, true), -ENOSPC);
	sys_reset();
	assert_int_equal(stage_dir(p, false), -ENOENT);
	partial_free(p);
}
#else
/* Built without fault injection: said, not passed. */
static void test_absolute_mkdir_fails(void **state)
{
	(void)state;
	skip();
}

static void test_relative_mkdir_fails(void **state)
{
	(void)state;
	skip();
}
#endif

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_absolute_missing),
		cmocka_unit_test(test_absolute_made),
		cmocka_unit_test(test_relative),
		cmocka_unit_test(test_absolute_mkdir_fails),
		cmocka_unit_test(test_relative_mkdir_fails),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
