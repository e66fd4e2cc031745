/*
 * Unit tests for meta.c: meta_plan()'s rsync rules as a pure function, and
 * meta_apply_fd() / meta_apply_fd_st() / meta_apply_at() on real files in a
 * mkdtemp dir.  Owner changes need root; those parts are skipped with a
 * message otherwise.
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

#include "meta.h"
#include "walk.h"
#include "xattr.h"

#include <treesync/treesync.h>

static char dir[] = "/tmp/ts-meta-XXXXXX";
static int dfd;
static bool am_root;

static int setup(void **state)
{
	(void)state;
	assert_non_null(mkdtemp(dir));
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	am_root = geteuid() == 0;
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

static void make_file(const char *name, mode_t mode)
{
	int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static struct stat lstat_of(const char *name)
{
	struct stat st;

	assert_int_equal(fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW), 0);
	return st;
}

static struct ts_entry entry(uint32_t mode)
{
	struct ts_entry e;

	memset(&e, 0, sizeof(e));
	e.mode = mode;
	e.uid = 1001;
	e.gid = 2002;
	e.mtime_sec = 1234567890;
	e.mtime_nsec = 987654321;
	return e;
}

/* --- meta_plan -------------------------------------------------------- */

/* -p copies every mode bit, special ones too, new or existing. */
static void test_plan_perms(void **state)
{
	struct ts_options o;
	struct ts_entry src = entry(S_IFREG | 04751), dst = entry(S_IFREG | 0600);
	struct meta_target m;

	(void)state;
	ts_options_init(&o);
	o.perms = true;
	meta_plan(&o, false, NULL, &src, NULL, 0755, &m);
	assert_true(m.set_mode);
	assert_int_equal(m.mode, 04751);
	meta_plan(&o, false, NULL, &src, &dst, 0755, &m);
	assert_int_equal(m.mode, 04751);
}

/* Without -p an existing entry of the same type keeps its mode; a new one
 * (or one replacing another type) gets the source's bits masked by the
 * default permissions, never a special bit. */
static void test_plan_no_perms(void **state)
{
	struct ts_options o;
	struct ts_entry src = entry(S_IFREG | 04777);
	struct ts_entry dst = entry(S_IFREG | 02640);
	struct ts_entry dst_dir = entry(S_IFDIR | 0700);
	struct ts_entry dsrc = entry(S_IFDIR | 01777);
	struct meta_target m;

	(void)state;
	ts_options_init(&o);
	meta_plan(&o, false, NULL, &src, &dst, 0755, &m);
	assert_true(m.set_mode);
	assert_int_equal(m.mode, 02640);	/* existing: kept as it is */

	meta_plan(&o, false, NULL, &src, NULL, 0755, &m);
	assert_int_equal(m.mode, 0755);		/* new: 04777 & 0755 */
	meta_plan(&o, false, NULL, &src, NULL, 0700, &m);
	assert_int_equal(m.mode, 0700);
	src.mode = S_IFREG | 0644;
	meta_plan(&o, false, NULL, &src, NULL, 0750, &m);
	assert_int_equal(m.mode, 0640);

	/* A directory where a file was: as new. */
	meta_plan(&o, false, NULL, &dsrc, &dst, 0775, &m);
	assert_int_equal(m.mode, 0775);
	/* A file where a directory was: as new. */
	meta_plan(&o, false, NULL, &src, &dst_dir, 0755, &m);
	assert_int_equal(m.mode, 0644);
}

/* -o only as root (rsync: a user cannot give files away), -g always;
 * the ids are the source's. */
static void test_plan_owner_group(void **state)
{
	struct ts_options o;
	struct ts_entry src = entry(S_IFREG | 0644);
	struct meta_target m;

	(void)state;
	ts_options_init(&o);
	meta_plan(&o, true, NULL, &src, NULL, 0755, &m);
	assert_false(m.set_owner);
	assert_false(m.set_group);

	o.owner = true;
	meta_plan(&o, false, NULL, &src, NULL, 0755, &m);
	assert_false(m.set_owner);
	meta_plan(&o, true, NULL, &src, NULL, 0755, &m);
	assert_true(m.set_owner);
	assert_int_equal(m.uid, 1001);
	assert_true(m.am_root);

	o.owner = false;
	o.group = true;
	meta_plan(&o, true, NULL, &src, NULL, 0755, &m);
	assert_false(m.set_owner);
	assert_true(m.set_group);
	assert_int_equal(m.gid, 2002);
	/* A plain user gives only a group it is in (rsync: the others are
	 * left alone, silently). */
	meta_plan(&o, false, NULL, &src, NULL, 0755, &m);
	assert_false(m.set_group);
	assert_false(meta_may_set_group(2002, false));
	assert_true(meta_may_set_group(2002, true));
	src.gid = getegid();
	meta_plan(&o, false, NULL, &src, NULL, 0755, &m);
	assert_true(m.set_group);
	assert_int_equal(m.gid, getegid());
}

/* -t copies mtime, except directories with -O and links with -J. */
static void test_plan_times(void **state)
{
	struct ts_options o;
	struct ts_entry f = entry(S_IFREG | 0644), d = entry(S_IFDIR | 0755);
	struct ts_entry l = entry(S_IFLNK | 0777);
	struct meta_target m;

	(void)state;
	ts_options_init(&o);
	meta_plan(&o, false, NULL, &f, NULL, 0755, &m);
	assert_false(m.set_times);

	o.times = true;
	meta_plan(&o, false, NULL, &f, NULL, 0755, &m);
	assert_true(m.set_times);
	assert_int_equal(m.mtime.tv_sec, 1234567890);
	assert_int_equal(m.mtime.tv_nsec, 987654321);
	meta_plan(&o, false, NULL, &d, NULL, 0755, &m);
	assert_true(m.set_times);
	meta_plan(&o, false, NULL, &l, NULL, 0755, &m);
	assert_true(m.set_times);

	o.omit_dir_times = true;
	meta_plan(&o, false, NULL, &d, NULL, 0755, &m);
	assert_false(m.set_times);
	meta_plan(&o, false, NULL, &f, NULL, 0755, &m);
	assert_true(m.set_times);
	meta_plan(&o, false, NULL, &l, NULL, 0755, &m);
	assert_true(m.set_times);

	o.omit_dir_times = false;
	o.omit_link_times = true;
	meta_plan(&o, false, NULL, &l, NULL, 0755, &m);
	assert_false(m.set_times);
	meta_plan(&o, false, NULL, &d, NULL, 0755, &m);
	assert_true(m.set_times);
}

/* -X and -A choose the attribute classes; the set itself comes later. */
static void test_plan_xattr_which(void **state)
{
	struct ts_options o;
	struct ts_entry f = entry(S_IFREG | 0644);
	struct meta_target m;

	(void)state;
	ts_options_init(&o);
	meta_plan(&o, false, NULL, &f, NULL, 0755, &m);
	assert_int_equal(m.xa_which, 0);
	o.xattrs = true;
	meta_plan(&o, false, NULL, &f, NULL, 0755, &m);
	assert_int_equal(m.xa_which, XA_PLAIN);
	o.acls = true;
	meta_plan(&o, false, NULL, &f, NULL, 0755, &m);
	assert_int_equal(m.xa_which, XA_PLAIN | XA_ACL);
	assert_null(m.xattrs);
}

/* --- meta_apply_fd ---------------------------------------------------- */

/* Owner, mode and times land; a set-id bit survives the chown that
 * clears it, because the mode comes after the owner. */
static void test_apply_fd(void **state)
{
	struct meta_target m = { .set_mode = true, .mode = 0640,
		.set_times = true, .mtime = { 1000000000, 123456789 } };
	const char *what = NULL;
	struct stat st;
	int fd;

	(void)state;
	make_file("f", 0600);
	fd = openat(dfd, "f", O_RDONLY);
	assert_int_equal(meta_apply_fd(fd, &m, &what), 0);
	st = lstat_of("f");
	assert_int_equal(st.st_mode & 07777, 0640);
	assert_int_equal(st.st_mtim.tv_sec, 1000000000);
	assert_int_equal(st.st_mtim.tv_nsec, 123456789);
	assert_null(what);

	if (!am_root) {
		close(fd);
		print_message("not root: owner cases skipped\n");
		return;
	}
	m.set_owner = m.set_group = true;
	m.uid = 4321;
	m.gid = 8765;
	m.mode = 06755;
	assert_int_equal(meta_apply_fd(fd, &m, &what), 0);
	st = lstat_of("f");
	assert_int_equal(st.st_uid, 4321);
	assert_int_equal(st.st_gid, 8765);
	assert_int_equal(st.st_mode & 07777, 06755);
	/* Again to another owner: chown clears 06000, the mode is redone. */
	m.uid = 4322;
	assert_int_equal(meta_apply_fd(fd, &m, &what), 0);
	st = lstat_of("f");
	assert_int_equal(st.st_uid, 4322);
	assert_int_equal(st.st_mode & 07777, 06755);
	/* The times are set last: nothing after them moved mtime. */
	assert_int_equal(st.st_mtim.tv_sec, 1000000000);
	assert_int_equal(st.st_mtim.tv_nsec, 123456789);
	/* Only the group. */
	m.set_owner = false;
	m.gid = 99;
	assert_int_equal(meta_apply_fd(fd, &m, &what), 0);
	st = lstat_of("f");
	assert_int_equal(st.st_uid, 4322);
	assert_int_equal(st.st_gid, 99);
	close(fd);
}

/* Nothing asked, nothing changed. */
static void test_apply_fd_nothing(void **state)
{
	struct meta_target m = { .mode = 0777 };
	const char *what = NULL;
	struct stat before, after;
	int fd;

	(void)state;
	make_file("n", 0604);
	before = lstat_of("n");
	fd = openat(dfd, "n", O_RDONLY);
	assert_int_equal(meta_apply_fd(fd, &m, &what), 0);
	close(fd);
	after = lstat_of("n");
	assert_int_equal(after.st_mode, before.st_mode);
	assert_int_equal(after.st_mtim.tv_sec, before.st_mtim.tv_sec);
	assert_int_equal(after.st_mtim.tv_nsec, before.st_mtim.tv_nsec);
	assert_int_equal(after.st_uid, before.st_uid);
}

/* A failure names the operation: an O_PATH fd cannot be chmod'ed. */
static void test_apply_fd_error(void **state)
{
	struct meta_target m = { .set_mode = true, .mode = 0600,
		.set_times = true };
	const char *what = NULL;
	int fd;

	(void)state;
	make_file("e", 0644);
	fd = openat(dfd, "e", O_PATH);
	assert_int_equal(meta_apply_fd(fd, &m, &what), -EBADF);
	assert_string_equal(what, "cannot change mode of");
	close(fd);
	assert_int_equal(lstat_of("e").st_mode & 07777, 0644);

	if (!am_root)
		return;
	fd = openat(dfd, "e", O_PATH);
	m.set_owner = true;
	m.uid = 1;
	assert_int_equal(meta_apply_fd(fd, &m, &what), -EBADF);
	assert_string_equal(what, "cannot change owner of");
	close(fd);
}

/* meta_apply_fd_st: what HAVE shows in place is not redone (HAVE here
 * lies on purpose, so a skipped call shows). */
static void test_apply_fd_st(void **state)
{
	struct meta_target m = { .set_mode = true, .mode = 0640 };
	const char *what = NULL;
	struct stat have;
	int fd;

	(void)state;
	make_file("s", 0600);
	fd = openat(dfd, "s", O_RDONLY);
	assert_int_equal(fstat(fd, &have), 0);
	have.st_mode = S_IFREG | 0640;	/* "already 0640" */
	assert_int_equal(meta_apply_fd_st(fd, &m, &have, &what), 0);
	assert_int_equal(lstat_of("s").st_mode & 07777, 0600);

	have.st_mode = S_IFREG | 0600;	/* the truth: the chmod is made */
	assert_int_equal(meta_apply_fd_st(fd, &m, &have, &what), 0);
	assert_int_equal(lstat_of("s").st_mode & 07777, 0640);

	if (am_root) {
		/* An owner to change: chown, then the mode again even though
		 * HAVE says it is right (chown may have cleared bits). */
		assert_int_equal(fchmod(fd, 06755), 0);
		assert_int_equal(fstat(fd, &have), 0);
		m.mode = 06755;
		m.set_owner = true;
		m.uid = 777;
		assert_int_equal(meta_apply_fd_st(fd, &m, &have, &what), 0);
		assert_int_equal(lstat_of("s").st_uid, 777);
		assert_int_equal(lstat_of("s").st_mode & 07777, 06755);
		/* HAVE shows the owner in place: no chown. */
		assert_int_equal(fstat(fd, &have), 0);
		have.st_uid = 778;
		m.uid = 778;
		assert_int_equal(meta_apply_fd_st(fd, &m, &have, &what), 0);
		assert_int_equal(lstat_of("s").st_uid, 777);
	}
	close(fd);
}

/* --- meta_apply_at ---------------------------------------------------- */

static void test_apply_at_file_and_dir(void **state)
{
	struct meta_target m = { .set_mode = true, .mode = 0751,
		.set_times = true, .mtime = { 2000000000, 5 },
		.set_owner = am_root, .uid = 1234,
		.set_group = am_root, .gid = 5678 };
	const char *what = NULL;
	struct stat st;

	(void)state;
	make_file("af", 0600);
	assert_int_equal(meta_apply_at(dfd, "af", false, &m, &what), 0);
	st = lstat_of("af");
	assert_int_equal(st.st_mode & 07777, 0751);
	assert_int_equal(st.st_mtim.tv_sec, 2000000000);
	assert_int_equal(st.st_mtim.tv_nsec, 5);
	if (am_root) {
		assert_int_equal(st.st_uid, 1234);
		assert_int_equal(st.st_gid, 5678);
	}

	assert_int_equal(mkdirat(dfd, "ad", 0700), 0);
	m.mode = 02775;
	assert_int_equal(meta_apply_at(dfd, "ad", false, &m, &what), 0);
	st = lstat_of("ad");
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 02775);
	assert_int_equal(st.st_mtim.tv_sec, 2000000000);

	/* A missing name: the first operation fails, and says which. */
	assert_true(meta_apply_at(dfd, "missing", false, &m, &what) ==
	    -ENOENT);
	assert_string_equal(what, am_root ? "cannot change owner of" :
	    "cannot change mode of");
}

/* A symlink's owner and times are its own; its target is untouched,
 * whether the caller knows it is a link or not. */
static void test_apply_at_symlink(void **state)
{
	struct meta_target m = { .set_mode = true, .mode = 0600,
		.set_times = true, .mtime = { 1500000000, 42 },
		.set_owner = am_root, .uid = 4242,
		.set_group = am_root, .gid = 4343 };
	const char *what = NULL;
	struct stat tgt_before, tgt, ln;
	int r;

	(void)state;
	make_file("target", 0644);
	assert_int_equal(symlinkat("target", dfd, "ln"), 0);
	tgt_before = lstat_of("target");

	assert_int_equal(meta_apply_at(dfd, "ln", true, &m, &what), 0);
	ln = lstat_of("ln");
	tgt = lstat_of("target");
	assert_true(S_ISLNK(ln.st_mode));
	assert_int_equal(ln.st_mtim.tv_sec, 1500000000);
	assert_int_equal(ln.st_mtim.tv_nsec, 42);
	if (am_root) {
		assert_int_equal(ln.st_uid, 4242);
		assert_int_equal(ln.st_gid, 4343);
	}
	assert_int_equal(tgt.st_mode, tgt_before.st_mode);
	assert_int_equal(tgt.st_uid, tgt_before.st_uid);
	assert_int_equal(tgt.st_gid, tgt_before.st_gid);
	assert_int_equal(tgt.st_mtim.tv_sec, tgt_before.st_mtim.tv_sec);
	assert_int_equal(tgt.st_mtim.tv_nsec, tgt_before.st_mtim.tv_nsec);

	/* Taken for a file (it was swapped for a link meanwhile): the mode
	 * cannot be set on a link, and the target's is not set instead. */
	r = meta_apply_at(dfd, "ln", false, &m, &what);
	assert_true(r < 0);
	assert_string_equal(what, "cannot change mode of");
	tgt = lstat_of("target");
	assert_int_equal(tgt.st_mode, tgt_before.st_mode);
	assert_int_equal(tgt.st_mtim.tv_sec, tgt_before.st_mtim.tv_sec);
	assert_int_equal(tgt.st_mtim.tv_nsec, tgt_before.st_mtim.tv_nsec);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plan_perms),
		cmocka_unit_test(test_plan_no_perms),
		cmocka_unit_test(test_plan_owner_group),
		cmocka_unit_test(test_plan_times),
		cmocka_unit_test(test_plan_xattr_which),
		cmocka_unit_test(test_apply_fd),
		cmocka_unit_test(test_apply_fd_nothing),
		cmocka_unit_test(test_apply_fd_error),
		cmocka_unit_test(test_apply_fd_st),
		cmocka_unit_test(test_apply_at_file_and_dir),
		cmocka_unit_test(test_apply_at_symlink),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
