/*
 * Unit tests for sys.c: the table of real calls (every build), and in a
 * build with fault injection the TREESYNC_FAULTS grammar -- what
 * sys_inject() accepts and refuses -- and what an installed fault does:
 * the Nth call fails with the errno asked for and does nothing, "*" fails
 * every call, a pattern picks calls by name (or by the file an fd is open
 * on), "short" and "zero" shape the data calls, close() still closes.
 * Real calls in a mkdtemp directory.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sys.h"

static char dir[] = "/tmp/ts-sys-XXXXXX";
static int dfd;

static int setup(void **state)
{
	(void)state;
	assert_non_null(mkdtemp(dir));
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	assert_true(dfd >= 0);
	return 0;
}

static int teardown(void **state)
{
	char cmd[64];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	close(dfd);
	return 0;
}

static bool exists(const char *name)
{
	struct stat st;

	return fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

static int make(const char *name)
{
	int fd = sys.openat(dfd, name, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0644);

	assert_true(fd >= 0);
	return fd;
}

/* In every build: the table holds calls that work. */
static void test_real_table(void **state)
{
	struct timespec t[2] = { { 0, UTIME_OMIT }, { 1000000000, 0 } };
	struct stat st;
	int fd;

	(void)state;
	assert_int_equal(sys.mkdirat(dfd, "d", 0700), 0);
	assert_true(exists("d"));
	fd = make("f");
	assert_int_equal(sys.pwrite(fd, "abcd", 4, 0), 4);
	assert_int_equal(sys.ftruncate(fd, 2), 0);
	assert_int_equal(sys.fchmod(fd, 0600), 0);
	assert_int_equal(sys.futimens(fd, t), 0);
	assert_int_equal(sys.fsync(fd), 0);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_size, 2);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_mtim.tv_sec, 1000000000);
	assert_int_equal(sys.close(fd), 0);
	assert_int_equal(sys.symlinkat("f", dfd, "l"), 0);
	assert_int_equal(sys.linkat(dfd, "f", dfd, "h", 0), 0);
	assert_int_equal(sys.renameat(dfd, "h", dfd, "h2"), 0);
	assert_int_equal(sys.utimensat(dfd, "l", t, AT_SYMLINK_NOFOLLOW), 0);
	assert_int_equal(sys.unlinkat(dfd, "h2", 0), 0);
	assert_int_equal(sys.unlinkat(dfd, "l", 0), 0);
	assert_int_equal(sys.unlinkat(dfd, "d", AT_REMOVEDIR), 0);
	assert_false(exists("h2"));
	assert_false(exists("d"));
	/* The raw contract: -1 and errno. */
	assert_int_equal(sys.unlinkat(dfd, "no-such", 0), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(sys.unlinkat(dfd, "f", 0), 0);
}

#ifdef TS_FAULT_INJECTION

static void test_grammar(void **state)
{
	static const char *const good[] = {
		"", "pwrite@1=EIO", "copy_file_range@*=EXDEV,sendfile@2=zero",
		"pread@3=short", "mkdirat@1=ENOSPC", "fchown@*=EPERM",
		"unlinkat@2=EBUSY:old*", "fsetxattr@1=ENOTSUP",
		"linkat@1=EMLINK", "openat@1=EACCES:.f.*.tstmp",
		"pwrite@1=EIO,pwrite@2=EIO,pwrite@3=EIO,pwrite@4=EIO",
	};
	static const char *const bad[] = {
		"nosuch@1=EIO", "pwrite@0=EIO", "pwrite@-1=EIO", "pwrite@x=EIO",
		"pwrite@=EIO", "pwrite@1=", "pwrite@1=EBOGUS", "pwrite=EIO@1",
		"pwrite1=EIO", "pwrite@1EIO", "mkdirat@1=short",
		"fsync@1=zero", "unlinkat@1=EIO:", "unlinkat@1=EIO:a/b",
		"pwrite@1=EIO,,pwrite@2=EIO",
		"pwrite@1=EIO,pwrite@2=EIO,pwrite@3=EIO,pwrite@4=EIO,"
		    "pwrite@5=EIO",
		"unlinkat@1=EIO:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		int r = sys_inject(good[i]);

		if (r != 0)
			fail_msg("refused: %s", good[i]);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = sys_inject(bad[i]);

		if (r != -EINVAL)
			fail_msg("accepted (%d): %s", r, bad[i]);
	}
	sys_reset();
}

/* Every member of the table can be named. */
static void test_every_call_named(void **state)
{
	static const char *const names[] = {
		"copy_file_range", "sendfile", "pread", "pwrite", "ftruncate",
		"fallocate", "ficlone", "fsync", "close", "openat", "openat2", "mkdirat",
		"mknodat", "symlinkat", "linkat", "renameat", "unlinkat",
		"fchown", "fchownat", "fchmod", "fchmodat", "futimens",
		"utimensat", "fsetxattr", "fremovexattr", "setxattrat",
		"removexattrat", "setxattr", "removexattr",
	};
	char spec[64];
	size_t i;

	(void)state;
	/* One name per function pointer of the table. */
	assert_int_equal(sizeof(names) / sizeof(names[0]),
	    sizeof(struct sys_ops) / sizeof(void (*)(void)));
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(spec, sizeof(spec), "%s@1=EIO", names[i]);
		if (sys_inject(spec) != 0)
			fail_msg("refused: %s", spec);
	}
	sys_reset();
}

/* A refused specification leaves the faults as they were. */
static void test_refused_changes_nothing(void **state)
{
	(void)state;
	assert_int_equal(sys_inject("mkdirat@2=EIO"), 0);
	assert_int_equal(sys_inject("mkdirat@1=ENOSPC,nosuch@1=EIO"), -EINVAL);
	assert_int_equal(sys.mkdirat(dfd, "a", 0700), 0);
	assert_int_equal(sys.mkdirat(dfd, "b", 0700), -1);
	assert_int_equal(errno, EIO);
	sys_reset();
	assert_int_equal(sys.mkdirat(dfd, "b", 0700), 0);
	assert_int_equal(unlinkat(dfd, "a", AT_REMOVEDIR), 0);
	assert_int_equal(unlinkat(dfd, "b", AT_REMOVEDIR), 0);
}

/* The Nth call fails, does nothing, and the others work; a new spec
 * restarts the count; sys_reset() ends it. */
static void test_nth_call(void **state)
{
	(void)state;
	assert_int_equal(sys_inject("mkdirat@2=ENOSPC"), 0);
	assert_int_equal(sys.mkdirat(dfd, "d1", 0700), 0);
	assert_int_equal(sys.mkdirat(dfd, "d2", 0700), -1);
	assert_int_equal(errno, ENOSPC);
	assert_false(exists("d2"));
	assert_int_equal(sys.mkdirat(dfd, "d3", 0700), 0);
	assert_int_equal(sys_inject("mkdirat@1=EMLINK"), 0);
	assert_int_equal(sys.mkdirat(dfd, "d4", 0700), -1);
	assert_int_equal(errno, EMLINK);
	sys_reset();
	assert_int_equal(sys.mkdirat(dfd, "d4", 0700), 0);
	assert_int_equal(sys.unlinkat(dfd, "d1", AT_REMOVEDIR), 0);
	assert_int_equal(sys.unlinkat(dfd, "d3", AT_REMOVEDIR), 0);
	assert_int_equal(sys.unlinkat(dfd, "d4", AT_REMOVEDIR), 0);
}

static void test_every_call(void **state)
{
	int i;

	(void)state;
	assert_int_equal(sys_inject("symlinkat@*=EACCES"), 0);
	for (i = 0; i < 3; i++) {
		errno = 0;
		assert_int_equal(sys.symlinkat("t", dfd, "l"), -1);
		assert_int_equal(errno, EACCES);
	}
	assert_false(exists("l"));
	sys_reset();
}

/* errno names: any that strerrorname_np() knows, and the aliases. */
static void test_errno_names(void **state)
{
	(void)state;
	assert_int_equal(sys_inject("fsetxattr@1=ENOTSUP,linkat@1=EMLINK,"
	    "unlinkat@1=EBUSY,openat@1=ENAMETOOLONG"), 0);
	assert_int_equal(sys.fsetxattr(-1, "user.x", "v", 1, 0), -1);
	assert_int_equal(errno, EOPNOTSUPP);
	assert_int_equal(sys.linkat(dfd, "a", dfd, "b", 0), -1);
	assert_int_equal(errno, EMLINK);
	assert_int_equal(sys.unlinkat(dfd, "a", 0), -1);
	assert_int_equal(errno, EBUSY);
	assert_int_equal(sys.openat(dfd, "a", O_RDONLY, 0), -1);
	assert_int_equal(errno, ENAMETOOLONG);
	sys_reset();
}

/* A pattern counts only the calls whose name matches. */
static void test_name_pattern(void **state)
{
	char path[64];
	int fd;

	(void)state;
	close(make("a"));
	close(make("b1"));
	close(make("b2"));
	assert_int_equal(sys_inject("unlinkat@1=EBUSY:b*"), 0);
	assert_int_equal(sys.unlinkat(dfd, "a", 0), 0);
	assert_int_equal(sys.unlinkat(dfd, "b1", 0), -1);
	assert_int_equal(errno, EBUSY);
	assert_int_equal(sys.unlinkat(dfd, "b2", 0), 0);
	assert_int_equal(sys.unlinkat(dfd, "b1", 0), 0);
	/* renameat: either name; the last component of a path. */
	close(make("x"));
	assert_int_equal(sys_inject("renameat@*=EIO:final"), 0);
	assert_int_equal(sys.renameat(dfd, "x", dfd, "y"), 0);
	assert_int_equal(sys.renameat(dfd, "y", dfd, "final"), -1);
	assert_int_equal(errno, EIO);
	assert_int_equal(sys_inject("openat@1=EACCES:y"), 0);
	fd = sys.openat(AT_FDCWD, dir, O_RDONLY, 0);
	assert_true(fd >= 0);
	close(fd);
	snprintf(path, sizeof(path), "%s/y", dir);
	assert_int_equal(sys.openat(AT_FDCWD, path, O_RDONLY, 0), -1);
	assert_int_equal(errno, EACCES);
	sys_reset();
	assert_int_equal(sys.unlinkat(dfd, "y", 0), 0);
}

/* For an fd call, the pattern is matched against the file it is open on. */
static void test_fd_pattern(void **state)
{
	int a = make("other"), b = make(".victim.AbCdEf.tstmp");

	(void)state;
	assert_int_equal(sys_inject("fchmod@*=EPERM:.victim.*.tstmp,"
	    "futimens@1=EIO:other"), 0);
	assert_int_equal(sys.fchmod(a, 0600), 0);
	assert_int_equal(sys.fchmod(b, 0600), -1);
	assert_int_equal(errno, EPERM);
	assert_int_equal(sys.futimens(b, NULL), 0);
	assert_int_equal(sys.futimens(a, NULL), -1);
	assert_int_equal(errno, EIO);
	sys_reset();
	close(a);
	close(b);
}

/* "short" halves a data call's count, "zero" returns 0 and does nothing;
 * several rules of one call: the first that fires wins. */
static void test_short_and_zero(void **state)
{
	int fd = make("data");
	struct stat st;

	(void)state;
	assert_int_equal(sys_inject("pwrite@1=short,pwrite@2=zero,"
	    "pwrite@3=ENOSPC"), 0);
	assert_int_equal(sys.pwrite(fd, "abcdefgh", 8, 0), 4);
	assert_int_equal(sys.pwrite(fd, "abcdefgh", 8, 4), 0);
	assert_int_equal(sys.pwrite(fd, "abcdefgh", 8, 4), -1);
	assert_int_equal(errno, ENOSPC);
	assert_int_equal(sys.pwrite(fd, "efgh", 4, 4), 4);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_size, 8);
	sys_reset();
	close(fd);
}

/* A failed close closes the fd all the same (as on NFS). */
static void test_close_fault_closes(void **state)
{
	int fd = make("c");

	(void)state;
	assert_int_equal(sys_inject("close@1=EIO"), 0);
	assert_int_equal(sys.close(fd), -1);
	assert_int_equal(errno, EIO);
	assert_int_equal(fcntl(fd, F_GETFD), -1);
	assert_int_equal(errno, EBADF);
	sys_reset();
}

#endif /* TS_FAULT_INJECTION */

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_table),
#ifdef TS_FAULT_INJECTION
		cmocka_unit_test(test_grammar),
		cmocka_unit_test(test_every_call_named),
		cmocka_unit_test(test_refused_changes_nothing),
		cmocka_unit_test(test_nth_call),
		cmocka_unit_test(test_every_call),
		cmocka_unit_test(test_errno_names),
		cmocka_unit_test(test_name_pattern),
		cmocka_unit_test(test_fd_pattern),
		cmocka_unit_test(test_short_and_zero),
		cmocka_unit_test(test_close_fault_closes),
#endif
	};

	int failed = cmocka_run_group_tests(tests, setup, teardown);

#ifndef TS_FAULT_INJECTION
	/* Said, not hidden: this build cannot test the injector, so a clean
	 * run is a skip (77) for CTest, not a pass. */
	printf("[  SKIPPED ] fault injection: built without "
	    "TREESYNC_FAULT_INJECTION (only the real table is tested)\n");
	if (failed == 0)
		return 77;
#endif
	return failed;
}
