/*
 * Unit tests for walk.c: real directories in a mkdtemp dir, read back
 * through walk_dir() and walk_stat() and compared with what was made.
 *
 * walk.c calls statx() and syscall(SYS_getdents64) directly, not through
 * the seam of sys.h, so this file interposes both (a definition in the
 * executable wins over libc's) to fail one name's statx or the Nth
 * getdents64 with a chosen errno.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "report.h"
#include "walk.h"

static char dir[] = "/tmp/ts-walk-XXXXXX";
static int dfd;

/* --- interposed syscalls --------------------------------------------- */

static const char *statx_fail_name;	/* fail statx of this name... */
static int statx_fail_errno;		/* ...with this errno */
static unsigned getdents_calls;		/* getdents64 calls so far */
static unsigned getdents_fail_at;	/* fail this call (0: none) */

int statx(int dirfd, const char *restrict path, int flags, unsigned mask,
    struct statx *restrict buf)
{
	static int (*real)(int, const char *, int, unsigned, struct statx *);

	if (statx_fail_name && strcmp(path, statx_fail_name) == 0) {
		errno = statx_fail_errno;
		return -1;
	}
	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "statx");
	return real(dirfd, path, flags, mask, buf);
}

long syscall(long nr, ...)
{
	static long (*real)(long, ...);
	long a[6];
	va_list ap;
	int i;

	va_start(ap, nr);
	for (i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	if (nr == SYS_getdents64 && ++getdents_calls == getdents_fail_at) {
		errno = EIO;
		return -1;
	}
	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "syscall");
	return real(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
}

static void faults_reset(void)
{
	statx_fail_name = NULL;
	statx_fail_errno = 0;
	getdents_calls = 0;
	getdents_fail_at = 0;
}

/* --- a report whose errors are captured ------------------------------ */

struct capture {
	char err[4096];		/* every stderr line, in order */
	unsigned nerrors;
	struct ts_error last;	/* the last error callback (strings lost) */
	char last_path[256];
};

static struct capture cap;
static struct ts_options opts;

static void cap_write(void *arg, enum ts_out out, const char *text,
    size_t len)
{
	struct capture *c = arg;

	if (out == TS_OUT_STDERR)
		strncat(c->err, text, len < sizeof(c->err) - strlen(c->err) - 1
		    ? len : sizeof(c->err) - strlen(c->err) - 1);
}

static void cap_error(void *arg, const struct ts_error *e)
{
	struct capture *c = arg;

	c->nerrors++;
	c->last = *e;
	snprintf(c->last_path, sizeof(c->last_path), "%s",
	    e->path ? e->path : "");
}

static struct report *new_report(void)
{
	struct ts_host host = { .arg = &cap, .write = cap_write,
		.error = cap_error };

	memset(&cap, 0, sizeof(cap));
	ts_options_init(&opts);
	return report_new(&opts, &host);
}

/* --- helpers --------------------------------------------------------- */

static void make_file(int at, const char *name, size_t size)
{
	int fd = openat(at, name, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	char *p = calloc(1, size ? size : 1);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, p, size), (ssize_t)size);
	close(fd);
	free(p);
}

static int make_dir(const char *name)
{
	int fd;

	assert_int_equal(mkdirat(dfd, name, 0755), 0);
	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY);
	assert_true(fd >= 0);
	return fd;
}

/* NAME with N files of long names, made in a shuffled order. */
static int make_many(const char *name, size_t n)
{
	char buf[128];
	int fd = make_dir(name);
	size_t i;

	for (i = 0; i < n; i++) {
		snprintf(buf, sizeof(buf), "%04zu-%0100d", (i * 7919) % n, 0);
		make_file(fd, buf, i % 3);
	}
	return fd;
}

/* Entry I of L, decoded (valid until the next call). */
static const struct ts_entry *ent(const struct dirlist *l, size_t i)
{
	static struct ts_entry e;

	dirlist_get(l, i, &e);
	return &e;
}

static const struct ts_entry *find(const struct dirlist *l, const char *n)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strcmp(dirlist_name(l, i), n) == 0)
			return ent(l, i);
	return NULL;
}

/* The entry NAME of L; the case fails without it. */
static const struct ts_entry *must_find(const struct dirlist *l,
    const char *n)
{
	const struct ts_entry *e = find(l, n);

	if (!e) {
		fail_msg("no entry '%s'", n);
		abort();
	}
	return e;
}

static void assert_sorted(const struct dirlist *l)
{
	size_t i;

	for (i = 1; i < l->n; i++)
		assert_true(strcmp(dirlist_name(l, i - 1), dirlist_name(l, i)) < 0);
}

static int setup(void **state)
{
	(void)state;
	assert_non_null(mkdtemp(dir));
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
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

/* --- cases ----------------------------------------------------------- */

/* Every type, with its attributes as statx gives them, sorted by name;
 * "." and ".." left out; a symlink is the link, not its target. */
static void test_types_and_attributes(void **state)
{
	struct report *rep = new_report();
	struct timespec t[2] = { { 0, UTIME_OMIT }, { 1000000123, 456789 } };
	struct dirlist l;
	struct walk_result wr;
	const struct ts_entry *e;
	struct stat st;
	int fd = make_dir("types");
	bool have_dev;

	(void)state;
	make_file(fd, "zfile", 1234);
	assert_int_equal(utimensat(fd, "zfile", t, 0), 0);
	assert_int_equal(fchownat(fd, "zfile", 1234, 5678, 0), 0);
	assert_int_equal(linkat(fd, "zfile", fd, "hard", 0), 0);
	assert_int_equal(mkdirat(fd, "sub", 0700), 0);
	assert_int_equal(symlinkat("sub", fd, "link"), 0);
	assert_int_equal(mkfifoat(fd, "fifo", 0600), 0);
	have_dev = mknodat(fd, "null", S_IFCHR | 0600, makedev(1, 3)) == 0;

	dirlist_init(&l);
	wr = walk_dir(rep, fd, "types", WALK_NEED_OWNER | WALK_NEED_INO, &l);
	assert_int_equal(wr.err, 0);
	assert_int_equal(wr.vanished, 0);
	assert_int_equal(wr.stat_errors, 0);
	assert_int_equal(l.n, have_dev ? 6 : 5);
	assert_sorted(&l);
	assert_null(find(&l, "."));
	assert_null(find(&l, ".."));

	e = must_find(&l, "zfile");
	assert_true(S_ISREG(e->mode));
	assert_int_equal(e->mode & 07777, 0644);
	assert_int_equal(e->size, 1234);
	assert_int_equal(e->mtime_sec, 1000000123);
	assert_int_equal(e->mtime_nsec, 456789);
	assert_int_equal(e->uid, 1234);
	assert_int_equal(e->gid, 5678);
	assert_int_equal(e->nlink, 2);
	assert_int_equal(fstatat(fd, "zfile", &st, 0), 0);
	assert_int_equal(e->ino, st.st_ino);
	assert_int_equal(e->dev, st.st_dev);
	assert_int_equal(must_find(&l, "hard")->ino, st.st_ino);

	e = must_find(&l, "sub");
	assert_true(S_ISDIR(e->mode));
	assert_int_equal(e->mode & 07777, 0700);

	e = must_find(&l, "link");
	assert_true(S_ISLNK(e->mode));
	assert_int_equal(e->size, 3);	/* strlen("sub") */

	e = must_find(&l, "fifo");
	assert_true(S_ISFIFO(e->mode));
	if (have_dev) {
		e = must_find(&l, "null");
		assert_true(S_ISCHR(e->mode));
		assert_int_equal(e->rdev, makedev(1, 3));
	}
	assert_int_equal(cap.nerrors, 0);
	dirlist_free(&l);
	dirlist_free(NULL);
	report_free(rep);
	close(fd);
}

static void test_empty_dir(void **state)
{
	struct report *rep = new_report();
	struct dirlist l;
	struct walk_result wr;
	int fd = make_dir("empty");

	(void)state;
	dirlist_init(&l);
	wr = walk_dir(rep, fd, "empty", 0, &l);
	assert_int_equal(wr.err, 0);
	assert_int_equal(l.n, 0);
	dirlist_free(&l);
	report_free(rep);
	close(fd);
}

/* Enough long names for several getdents64 buffers, several growths of
 * the entry array and of the name buffer: every name intact, sorted; and
 * a list reused for a smaller directory holds that directory alone. */
static void test_many_entries_and_reuse(void **state)
{
	struct report *rep = new_report();
	struct dirlist l;
	struct walk_result wr;
	char name[128];
	int fd = make_many("many", 2000), small = make_dir("small");
	size_t i;

	(void)state;
	dirlist_init(&l);
	wr = walk_dir(rep, fd, "many", 0, &l);
	assert_int_equal(wr.err, 0);
	assert_int_equal(l.n, 2000);
	assert_sorted(&l);
	for (i = 0; i < l.n; i++) {
		snprintf(name, sizeof(name), "%04zu-%0100d", i, 0);
		assert_string_equal(dirlist_name(&l, i), name);
	}

	make_file(small, "b", 2);
	make_file(small, "a", 1);
	wr = walk_dir(rep, small, "small", 0, &l);
	assert_int_equal(wr.err, 0);
	assert_int_equal(l.n, 2);
	assert_string_equal(dirlist_name(&l, 0), "a");
	assert_int_equal(ent(&l, 0)->size, 1);
	assert_string_equal(dirlist_name(&l, 1), "b");
	assert_int_equal(ent(&l, 1)->size, 2);
	dirlist_free(&l);
	report_free(rep);
	close(fd);
	close(small);
}

/* Checks that entry I of L says what statx of its name says. */
static void assert_entry_is_file(const struct dirlist *l, size_t i, int fd)
{
	struct ts_entry e;
	struct stat st;

	dirlist_get(l, i, &e);
	assert_int_equal(fstatat(fd, e.name, &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_int_equal(e.mode, st.st_mode);
	assert_int_equal(e.size, st.st_size);
	assert_int_equal(e.uid, st.st_uid);
	assert_int_equal(e.gid, st.st_gid);
	assert_int_equal(e.ino, st.st_ino);
	assert_int_equal(e.nlink, st.st_nlink);
	assert_int_equal(e.mtime_sec, st.st_mtim.tv_sec);
	assert_int_equal(e.mtime_nsec, st.st_mtim.tv_nsec);
	assert_int_equal(e.dev, st.st_dev);
	assert_int_equal(e.rdev, st.st_rdev);
}

static bool keep_not_x(void *arg, const char *name, uint32_t mode)
{
	(void)arg;
	(void)mode;
	return name[0] != 'x';
}

/*
 * The columns: values that are all the same, then one that is not (the
 * column is filled in); mtimes that do not fit the packing, and devices
 * (odd entries) at every position, their places kept through the sort
 * and through dirlist_filter().
 */
static void test_columns_and_odd_entries(void **state)
{
	struct report *rep = new_report();
	struct dirlist l;
	struct walk_result wr;
	int fd = make_dir("cols");
	char name[64];
	size_t i;

	(void)state;
	for (i = 0; i < 300; i++) {
		/* Made in an order far from the sorted one. */
		size_t k = (i * 37) % 300;
		struct timespec ts[2] = { { 0, UTIME_OMIT },
			{ 1500000000 + (time_t)k, (long)k * 1000 } };

		snprintf(name, sizeof(name), "%c%03zu", k % 5 ? 'f' : 'x', k);
		make_file(fd, name, k > 250 ? k : 0);	/* sizes vary late */
		if (k == 120 || k == 7)		/* after 2242: odd */
			ts[1].tv_sec = (time_t)11000000000LL;
		if (k == 199)			/* before 1698: odd */
			ts[1].tv_sec = -(time_t)9000000000LL;
		utimensat(fd, name, ts, 0);	/* ext4 may clamp: fine */
		if (k == 150 && geteuid() == 0)
			assert_int_equal(fchownat(fd, name, 4242, 4343, 0), 0);
	}
	if (geteuid() == 0) {
		assert_int_equal(mknodat(fd, "f050-dev", S_IFCHR | 0600,
		    makedev(1, 3)), 0);
		assert_int_equal(mknodat(fd, "x260-dev", S_IFCHR | 0600,
		    makedev(1, 5)), 0);
	}
	dirlist_init(&l);
	wr = walk_dir(rep, fd, "cols", WALK_NEED_OWNER | WALK_NEED_INO, &l);
	assert_int_equal(wr.err, 0);
	assert_int_equal(l.n, geteuid() == 0 ? 302 : 300);
	assert_sorted(&l);
	assert_non_null(l.size.v);	/* sizes differ */
	assert_non_null(l.ino.v);
	if (geteuid() == 0)
		assert_true(l.nodd >= 2);
	for (i = 0; i < l.n; i++)
		assert_entry_is_file(&l, i, fd);

	/* Without the optional columns: owners and inodes read as 0, the
	 * link count as 1. */
	wr = walk_dir(rep, fd, "cols", 0, &l);
	assert_int_equal(wr.err, 0);
	assert_null(l.uid.v);
	assert_null(l.ino.v);
	assert_int_equal(ent(&l, 0)->uid, 0);
	assert_int_equal(ent(&l, 0)->nlink, 1);

	wr = walk_dir(rep, fd, "cols", WALK_NEED_OWNER | WALK_NEED_INO, &l);
	dirlist_filter(&l, keep_not_x, NULL);
	assert_int_equal(l.n, geteuid() == 0 ? 241 : 240);
	assert_sorted(&l);
	for (i = 0; i < l.n; i++) {
		assert_int_not_equal(dirlist_name(&l, i)[0], 'x');
		assert_entry_is_file(&l, i, fd);
	}
	dirlist_free(&l);
	report_free(rep);
	close(fd);
}

/* Every value the same: no column is allocated, and each entry still
 * reads back whole. */
static void test_uniform_columns(void **state)
{
	struct report *rep = new_report();
	struct dirlist l;
	struct walk_result wr;
	int fd = make_dir("uniform");
	struct timespec ts[2] = { { 0, UTIME_OMIT }, { 1600000000, 5 } };
	char name[32];
	size_t i;

	(void)state;
	for (i = 0; i < 100; i++) {
		snprintf(name, sizeof(name), "u%03zu", 99 - i);
		make_file(fd, name, 3);
		assert_int_equal(utimensat(fd, name, ts, 0), 0);
	}
	dirlist_init(&l);
	wr = walk_dir(rep, fd, "uniform", WALK_NEED_OWNER, &l);
	assert_int_equal(wr.err, 0);
	assert_int_equal(l.n, 100);
	assert_null(l.mode.v);
	assert_null(l.size.v);
	assert_null(l.mtime.v);
	assert_null(l.uid.v);
	assert_int_equal(l.nodd, 0);
	for (i = 0; i < l.n; i++) {
		snprintf(name, sizeof(name), "u%03zu", i);
		assert_string_equal(dirlist_name(&l, i), name);
		assert_int_equal(ent(&l, i)->size, 3);
		assert_int_equal(ent(&l, i)->mtime_sec, 1600000000);
		assert_int_equal(ent(&l, i)->mtime_nsec, 5);
	}
	dirlist_free(&l);
	report_free(rep);
	close(fd);
}

/* A getdents64 that fails part-way leaves no half listing behind. */
static void test_getdents_fails_part_way(void **state)
{
	struct report *rep = new_report();
	struct dirlist l;
	struct walk_result wr;
	int many = make_many("many2", 2000);

	(void)state;
	dirlist_init(&l);
	faults_reset();
	getdents_fail_at = 2;
	wr = walk_dir(rep, many, "many2", 0, &l);
	faults_reset();
	assert_int_equal(wr.err, -EIO);
	assert_int_equal(l.n, 0);
	assert_int_equal(l.nlen, 0);
	/* Without the fault the same list reads the whole directory. */
	wr = walk_dir(rep, many, "many2", 0, &l);
	assert_int_equal(wr.err, 0);
	assert_int_equal(l.n, 2000);
	dirlist_free(&l);
	report_free(rep);
	close(many);
}

/* A name gone before its statx is counted as vanished and said so; any
 * other statx error is reported with the path and counted apart; both
 * are left out of the list, the others are all there. */
static void test_vanished_and_stat_errors(void **state)
{
	struct report *rep = new_report();
	struct dirlist l;
	struct walk_result wr;
	int fd = make_dir("vanish");

	(void)state;
	make_file(fd, "a", 0);
	make_file(fd, "b", 0);
	make_file(fd, "c", 0);
	dirlist_init(&l);

	statx_fail_name = "b";
	statx_fail_errno = ENOENT;
	wr = walk_dir(rep, fd, "sub/dir", 0, &l);
	faults_reset();
	assert_int_equal(wr.err, 0);
	assert_int_equal(wr.vanished, 1);
	assert_int_equal(wr.stat_errors, 0);
	assert_int_equal(l.n, 2);
	assert_string_equal(dirlist_name(&l, 0), "a");
	assert_string_equal(dirlist_name(&l, 1), "c");
	assert_int_equal(cap.nerrors, 1);
	assert_int_equal(cap.last.side, TS_SIDE_SRC);
	assert_int_equal(cap.last.err, ENOENT);
	assert_string_equal(cap.last_path, "sub/dir/b");
	assert_string_equal(cap.err,
	    "treesync: file has vanished: 'sub/dir/b'\n");

	cap.err[0] = '\0';
	statx_fail_name = "c";
	statx_fail_errno = EIO;
	wr = walk_dir(rep, fd, "", 0, &l);
	faults_reset();
	assert_int_equal(wr.vanished, 0);
	assert_int_equal(wr.stat_errors, 1);
	assert_int_equal(l.n, 2);
	assert_string_equal(dirlist_name(&l, 0), "a");
	assert_string_equal(dirlist_name(&l, 1), "b");
	assert_int_equal(cap.nerrors, 2);
	assert_int_equal(cap.last.side, TS_SIDE_SRC);
	assert_int_equal(cap.last.err, EIO);
	assert_string_equal(cap.last_path, "c");
	assert_string_equal(cap.err,
	    "treesync: cannot stat 'c': Input/output error\n");
	dirlist_free(&l);
	report_free(rep);
	close(fd);
}

/* A descriptor that is not a directory: an error, not a listing. */
static void test_not_a_directory(void **state)
{
	struct report *rep = new_report();
	struct dirlist l;
	struct walk_result wr;
	int fd;

	(void)state;
	make_file(dfd, "plain", 10);
	fd = openat(dfd, "plain", O_RDONLY);
	dirlist_init(&l);
	wr = walk_dir(rep, fd, "plain", 0, &l);
	assert_int_equal(wr.err, -ENOTDIR);
	assert_int_equal(l.n, 0);
	close(fd);
	wr = walk_dir(rep, fd, "plain", 0, &l);	/* closed: lseek fails */
	assert_int_equal(wr.err, -EBADF);
	dirlist_free(&l);
	report_free(rep);
}

/* walk_stat: "" is the directory itself; a final symlink is followed only
 * when asked; a missing name is -ENOENT. */
static void test_walk_stat(void **state)
{
	struct ts_entry e;
	struct stat st;

	(void)state;
	make_file(dfd, "target", 77);
	assert_int_equal(symlinkat("target", dfd, "tlink"), 0);
	assert_int_equal(symlinkat("types", dfd, "dlink"), 0);

	assert_int_equal(walk_stat(dfd, "", false, &e), 0);
	assert_int_equal(fstat(dfd, &st), 0);
	assert_true(S_ISDIR(e.mode));
	assert_int_equal(e.ino, st.st_ino);

	assert_int_equal(walk_stat(dfd, "tlink", false, &e), 0);
	assert_true(S_ISLNK(e.mode));
	assert_int_equal(e.size, 6);
	assert_int_equal(walk_stat(dfd, "tlink", true, &e), 0);
	assert_true(S_ISREG(e.mode));
	assert_int_equal(e.size, 77);

	assert_int_equal(walk_stat(dfd, "dlink", true, &e), 0);
	assert_true(S_ISDIR(e.mode));
	assert_int_equal(fstatat(dfd, "types", &st, 0), 0);
	assert_int_equal(e.ino, st.st_ino);
	assert_int_equal(e.nlink, st.st_nlink);
	assert_int_equal(e.mtime_sec, st.st_mtim.tv_sec);
	assert_int_equal(e.mtime_nsec, st.st_mtim.tv_nsec);

	assert_int_equal(walk_stat(dfd, "no-such", false, &e), -ENOENT);
	assert_int_equal(walk_stat(dfd, "target/x", false, &e), -ENOTDIR);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_types_and_attributes),
		cmocka_unit_test(test_empty_dir),
		cmocka_unit_test(test_many_entries_and_reuse),
		cmocka_unit_test(test_columns_and_odd_entries),
		cmocka_unit_test(test_uniform_columns),
		cmocka_unit_test(test_getdents_fails_part_way),
		cmocka_unit_test(test_vanished_and_stat_errors),
		cmocka_unit_test(test_not_a_directory),
		cmocka_unit_test(test_walk_stat),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
