/*
 * Unit tests for xattr.c: user.* attributes and POSIX ACLs (as their raw
 * system.posix_acl_* values, written here byte by byte) on real files in a
 * mkdtemp dir.  A file system without user xattrs or ACLs skips the cases
 * that need them, saying so.
 *
 * xattr.c reaches names below a directory fd through the *xattrat()
 * syscalls, or an O_PATH fd when the kernel lacks them.  syscall() is
 * interposed (a definition in the executable wins over libc's) so that the
 * last cases run again down the O_PATH path; xattr.c remembers ENOSYS for
 * the rest of the process, so those cases come last.  The calls that set
 * a value (setxattrat, fsetxattr, setxattr) are counted the same way.
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
#include <sys/xattr.h>
#include <unistd.h>

#include "xattr.h"

static char dir[] = "/tmp/ts-xattr-XXXXXX";
static int dfd;
static int user_xattrs_errno;	/* 0: user.* can be set here */
static int acls_errno;		/* 0: ACLs can be set here */
static bool am_root;

/* --- interposed syscall ---------------------------------------------- */

static bool xattrat_enosys;	/* the *xattrat() syscalls "do not exist" */
static unsigned set_calls;	/* values written, by any of the three */

int fsetxattr(int fd, const char *name, const void *value, size_t size,
    int flags)
{
	static int (*real)(int, const char *, const void *, size_t, int);

	set_calls++;
	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "fsetxattr");
	return real(fd, name, value, size, flags);
}

int setxattr(const char *path, const char *name, const void *value,
    size_t size, int flags)
{
	static int (*real)(const char *, const char *, const void *, size_t,
	    int);

	set_calls++;
	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "setxattr");
	return real(path, name, value, size, flags);
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
	/* setxattrat .. removexattrat on x86_64 (Linux 6.13). */
	if (xattrat_enosys && nr >= 463 && nr <= 466) {
		errno = ENOSYS;
		return -1;
	}
	if (nr == 463)
		set_calls++;
	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "syscall");
	return real(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
}

/* --- helpers --------------------------------------------------------- */

#define TAG_USER_OBJ 0x01
#define TAG_USER 0x02
#define TAG_GROUP_OBJ 0x04
#define TAG_MASK 0x10
#define TAG_OTHER 0x20

struct acl_ent {
	unsigned tag, perm, id;
};

/* The Linux xattr form of an ACL: version 2, then { le16 tag, le16 perm,
 * le32 id } per entry.  Returns its length. */
static size_t acl_blob(unsigned char *buf, const struct acl_ent *e, size_t n)
{
	size_t i, o = 4;

	memcpy(buf, "\x02\x00\x00\x00", 4);
	for (i = 0; i < n; i++, o += 8) {
		buf[o] = (unsigned char)e[i].tag;
		buf[o + 1] = (unsigned char)(e[i].tag >> 8);
		buf[o + 2] = (unsigned char)e[i].perm;
		buf[o + 3] = 0;
		buf[o + 4] = (unsigned char)e[i].id;
		buf[o + 5] = (unsigned char)(e[i].id >> 8);
		buf[o + 6] = (unsigned char)(e[i].id >> 16);
		buf[o + 7] = (unsigned char)(e[i].id >> 24);
	}
	return o;
}

static void set_default_acl(int fd, const struct acl_ent *e, size_t n)
{
	unsigned char buf[4 + 8 * 128];
	size_t len = acl_blob(buf, e, n);

	assert_int_equal(fsetxattr(fd, "system.posix_acl_default", buf, len,
	    0), 0);
}

static void make_file(const char *name)
{
	int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	assert_true(fd >= 0);
	close(fd);
}

static int make_dir(const char *name)
{
	int fd;

	assert_int_equal(mkdirat(dfd, name, 0755), 0);
	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY);
	assert_true(fd >= 0);
	return fd;
}

static void fset(const char *file, const char *name, const void *v,
    size_t len)
{
	int fd = openat(dfd, file, O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(fsetxattr(fd, name, v, len, 0), 0);
	close(fd);
}

static ssize_t fget(const char *file, const char *name, char *buf,
    size_t size)
{
	int fd = openat(dfd, file, O_RDONLY);
	ssize_t n;

	assert_true(fd >= 0);
	n = fgetxattr(fd, name, buf, size);
	if (n < 0)
		n = -errno;
	close(fd);
	return n;
}

static void need_user_xattrs(void)
{
	if (user_xattrs_errno) {
		print_message("%s has no user xattrs (%s): skipped\n", dir,
		    strerror(user_xattrs_errno));
		skip();
	}
}

static void need_acls(void)
{
	if (acls_errno) {
		print_message("%s has no POSIX ACLs (%s): skipped\n", dir,
		    strerror(acls_errno));
		skip();
	}
}

/* Index of NAME in S, or -1. */
static int idx(const struct xattr_set *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (strcmp(s->names[i], name) == 0)
			return (int)i;
	return -1;
}

static int setup(void **state)
{
	static const struct acl_ent probe[] = { { TAG_USER_OBJ, 7, 0 },
		{ TAG_GROUP_OBJ, 5, 0 }, { TAG_OTHER, 5, 0 } };
	unsigned char buf[64];
	size_t len = acl_blob(buf, probe, 3);
	int fd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	am_root = geteuid() == 0;
	make_file("probe");
	fd = openat(dfd, "probe", O_RDONLY);
	if (fsetxattr(fd, "user.probe", "1", 1, 0) < 0)
		user_xattrs_errno = errno;
	close(fd);
	fd = make_dir("probedir");
	if (fsetxattr(fd, "system.posix_acl_default", buf, len, 0) < 0)
		acls_errno = errno;
	close(fd);
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

/* Sorted by name, values as bytes (NULs included), only the classes
 * asked for; through a name below the directory or through an fd. */
static void check_read(void)
{
	struct xattr_set s;
	int fd, i;

	unlinkat(dfd, "r", 0);	/* left by a failed case */
	make_file("r");
	fset("r", "user.b", "2", 1);
	fset("r", "user.a", "one", 3);
	fset("r", "user.bin", "\0\1\0", 3);
	if (am_root)
		fset("r", "trusted.t", "x", 1);

	assert_int_equal(xattr_read(dfd, "r", -1, XA_PLAIN, false, NULL, &s), 0);
	assert_int_equal(s.n, 3);
	assert_string_equal(s.names[0], "user.a");
	assert_int_equal(s.lens[0], 3);
	assert_memory_equal(s.values[0], "one", 3);
	assert_string_equal(s.names[1], "user.b");
	assert_memory_equal(s.values[1], "2", 1);
	assert_string_equal(s.names[2], "user.bin");
	assert_int_equal(s.lens[2], 3);
	assert_memory_equal(s.values[2], "\0\1\0", 3);
	xattr_set_free(&s);
	xattr_set_free(&s);	/* a freed set frees again harmlessly */
	xattr_set_free(NULL);

	fd = openat(dfd, "r", O_RDONLY);
	assert_int_equal(xattr_read(-1, "r", fd, XA_PLAIN, false, NULL, &s), 0);
	assert_int_equal(s.n, 3);
	assert_string_equal(s.names[2], "user.bin");
	xattr_set_free(&s);
	close(fd);

	/* -A alone: no user.* (and no ACL here). */
	assert_int_equal(xattr_read(dfd, "r", -1, XA_ACL, false, NULL, &s), 0);
	assert_int_equal(s.n, 0);
	xattr_set_free(&s);

	if (am_root) {
		/* Root's -X also carries trusted.* (and security.*). */
		assert_int_equal(xattr_read(dfd, "r", -1, XA_PLAIN, true, NULL, &s),
		    0);
		assert_true((i = idx(&s, "trusted.t")) >= 0);
		assert_memory_equal(s.values[i], "x", 1);
		assert_true(idx(&s, "user.bin") >= 0);
		for (i = 1; i < (int)s.n; i++)
			assert_true(strcmp(s.names[i - 1], s.names[i]) < 0);
		xattr_set_free(&s);
	}
	assert_int_equal(unlinkat(dfd, "r", 0), 0);
}

static void test_read(void **state)
{
	(void)state;
	need_user_xattrs();
	check_read();
}

/* An entry without attributes reads as an empty set. */
static void test_read_none(void **state)
{
	struct xattr_set s;

	(void)state;
	make_file("bare");
	assert_int_equal(xattr_read(dfd, "bare", -1, XA_PLAIN | XA_ACL, false, NULL,
	    &s), 0);
	assert_int_equal(s.n, 0);
	xattr_set_free(&s);
	assert_true(xattr_read(dfd, "no-such", -1, XA_PLAIN, false, NULL, &s) ==
	    -ENOENT);
}

/* A symlink's attributes are its own: the target's are not read through
 * it, nor written through it. */
static void check_symlink(void)
{
	struct xattr_set s, want = { 0 };
	char *names[] = { (char *)"user.new" }, *values[] = { (char *)"v" };
	size_t lens[] = { 1 };
	const char *what = NULL;
	char buf[16];

	unlinkat(dfd, "ln", 0);	/* left by a failed case */
	make_file("tgt");
	fset("tgt", "user.x", "target's", 8);
	assert_int_equal(symlinkat("tgt", dfd, "ln"), 0);
	assert_int_equal(xattr_read(dfd, "ln", -1, XA_PLAIN, false, NULL, &s), 0);
	assert_int_equal(s.n, 0);
	xattr_set_free(&s);

	want.n = 1;
	want.names = names;
	want.values = values;
	want.lens = lens;
	assert_true(xattr_apply(dfd, "ln", -1, XA_PLAIN, false, NULL, &want,
	    &what) < 0);	/* user.* is not allowed on a link */
	assert_string_equal(what, "cannot set extended attribute of");
	assert_int_equal(fget("tgt", "user.new", buf, sizeof(buf)), -ENODATA);
	/* Nor does an empty wanted set remove the target's. */
	want.n = 0;
	assert_int_equal(xattr_apply(dfd, "ln", -1, XA_PLAIN, false, NULL, &want,
	    &what), 0);
	assert_int_equal(fget("tgt", "user.x", buf, sizeof(buf)), 8);
	assert_int_equal(unlinkat(dfd, "ln", 0), 0);
	assert_int_equal(unlinkat(dfd, "tgt", 0), 0);
}

static void test_symlink_not_followed(void **state)
{
	(void)state;
	need_user_xattrs();
	check_symlink();
}

/* Hand-made sets: equal only with the same names, lengths and bytes. */
static void test_equal(void **state)
{
	char *na[] = { (char *)"user.a", (char *)"user.b" };
	char *nb[] = { (char *)"user.a", (char *)"user.c" };
	char *va[] = { (char *)"1", (char *)"ab\0x" };
	char *vb[] = { (char *)"1", (char *)"ab\0y" };
	size_t la[] = { 1, 4 }, lshort[] = { 1, 3 };
	struct xattr_set a = { 2, na, va, la }, b = { 2, na, va, la };
	struct xattr_set e1 = { 0 }, e2 = { 0 };

	(void)state;
	assert_true(xattr_equal(&a, &b));
	assert_true(xattr_equal(&e1, &e2));
	assert_false(xattr_equal(&a, &e1));
	b.n = 1;
	assert_false(xattr_equal(&a, &b));	/* one fewer */
	b.n = 2;
	b.values = vb;				/* a byte after a NUL */
	assert_false(xattr_equal(&a, &b));
	b.values = va;
	b.lens = lshort;			/* a prefix */
	assert_false(xattr_equal(&a, &b));
	b.lens = la;
	b.names = nb;				/* another name */
	assert_false(xattr_equal(&a, &b));
}

/* xattr_apply makes the target's set exactly WANT: changed values set,
 * missing names added, extra names removed, other classes left alone. */
static void check_apply(bool by_fd)
{
	char *names[] = { (char *)"user.a", (char *)"user.b",
		(char *)"user.same" };
	char *values[] = { (char *)"1", (char *)"\0two", (char *)"s" };
	size_t lens[] = { 1, 4, 1 };
	struct xattr_set want = { 3, names, values, lens }, got;
	const char *what = NULL;
	char buf[16];
	int fd;

	unlinkat(dfd, "ap", 0);	/* left by a failed case */
	make_file("ap");
	fset("ap", "user.a", "old", 3);
	fset("ap", "user.c", "gone", 4);
	fset("ap", "user.same", "s", 1);
	if (am_root)
		fset("ap", "trusted.keep", "k", 1);
	fd = by_fd ? openat(dfd, "ap", O_RDONLY) : -1;

	set_calls = 0;
	assert_int_equal(xattr_apply(dfd, "ap", fd, XA_PLAIN, false, NULL, &want,
	    &what), 0);
	assert_int_equal(set_calls, 2);	/* user.a and user.b, not user.same */
	assert_int_equal(xattr_read(dfd, "ap", -1, XA_PLAIN, false, NULL, &got), 0);
	assert_true(xattr_equal(&got, &want));
	xattr_set_free(&got);
	assert_int_equal(fget("ap", "user.c", buf, sizeof(buf)), -ENODATA);
	if (am_root)	/* not in -X without root: neither kept nor removed */
		assert_int_equal(fget("ap", "trusted.keep", buf, sizeof(buf)),
		    1);

	/* Nothing to change: nothing written. */
	set_calls = 0;
	assert_int_equal(xattr_apply(dfd, "ap", fd, XA_PLAIN, false, NULL, &want,
	    &what), 0);
	assert_int_equal(set_calls, 0);

	/* An empty set removes every user.* attribute. */
	want.n = 0;
	assert_int_equal(xattr_apply(dfd, "ap", fd, XA_PLAIN, false, NULL, &want,
	    &what), 0);
	assert_int_equal(xattr_read(dfd, "ap", -1, XA_PLAIN, false, NULL, &got), 0);
	assert_int_equal(got.n, 0);
	xattr_set_free(&got);
	if (fd >= 0)
		close(fd);
	assert_int_equal(unlinkat(dfd, "ap", 0), 0);
}

static void test_apply(void **state)
{
	(void)state;
	need_user_xattrs();
	check_apply(false);
	check_apply(true);
}

/* No default ACL: the umask decides. */
static void test_default_perms_umask(void **state)
{
	int fd = make_dir("plain");

	(void)state;
	assert_int_equal(xattr_default_perms(fd, 022), 0755);
	assert_int_equal(xattr_default_perms(fd, 077), 0700);
	assert_int_equal(xattr_default_perms(fd, 0), 0777);
	assert_int_equal(xattr_default_perms(fd, 0227), 0550);
	close(fd);
}

/* A default ACL replaces the umask: user and other from their entries,
 * the group class from the mask when there is one. */
static void test_default_perms_acl(void **state)
{
	static const struct acl_ent no_mask[] = { { TAG_USER_OBJ, 7, 0 },
		{ TAG_GROUP_OBJ, 5, 0 }, { TAG_OTHER, 0, 0 } };
	static const struct acl_ent with_mask[] = { { TAG_USER_OBJ, 6, 0 },
		{ TAG_USER, 7, 1000 }, { TAG_GROUP_OBJ, 7, 0 },
		{ TAG_MASK, 4, 0 }, { TAG_OTHER, 4, 0 } };
	int fd, fd2;

	(void)state;
	need_acls();
	fd = make_dir("acl1");
	set_default_acl(fd, no_mask, 3);
	assert_int_equal(xattr_default_perms(fd, 022), 0750);
	assert_int_equal(xattr_default_perms(fd, 077), 0750);
	assert_int_equal(xattr_default_perms(fd, 0), 0750);
	close(fd);

	fd = make_dir("acl2");
	set_default_acl(fd, with_mask, 5);
	assert_int_equal(xattr_default_perms(fd, 022), 0644);
	close(fd);

	/* An access ACL is not a default ACL. */
	fd = make_dir("acl3");
	{
		unsigned char buf[64];
		size_t len = acl_blob(buf, with_mask, 5);

		assert_int_equal(fsetxattr(fd, "system.posix_acl_access", buf,
		    len, 0), 0);
	}
	assert_int_equal(xattr_default_perms(fd, 022), 0755);

	/* -A reads both ACLs as attributes, and copies them. */
	{
		struct xattr_set s;
		const char *what = NULL;

		assert_int_equal(xattr_read(dfd, "acl2", -1, XA_ACL, false, NULL, &s),
		    0);
		assert_int_equal(s.n, 1);
		assert_string_equal(s.names[0], "system.posix_acl_default");
		xattr_set_free(&s);
		assert_int_equal(xattr_read(dfd, "acl2", -1, XA_PLAIN, false, NULL,
		    &s), 0);
		assert_int_equal(s.n, 0);
		xattr_set_free(&s);

		assert_int_equal(xattr_read(dfd, "acl2", -1, XA_ACL, false, NULL, &s),
		    0);
		fd2 = make_dir("acl-copy");
		assert_int_equal(xattr_apply(dfd, "acl-copy", -1, XA_ACL, false, NULL,
		    &s, &what), 0);
		assert_int_equal(xattr_default_perms(fd2, 022), 0644);
		xattr_set_free(&s);
		close(fd2);
	}
	close(fd);
}

/* An ACL longer than the first read's 512 bytes. */
static void test_default_perms_long_acl(void **state)
{
	struct acl_ent e[84];
	size_t n = 0;
	unsigned i;
	int fd;

	(void)state;
	need_acls();
	e[n++] = (struct acl_ent){ TAG_USER_OBJ, 5, 0 };
	for (i = 1; i <= 80; i++)
		e[n++] = (struct acl_ent){ TAG_USER, 6, 1000 + i };
	e[n++] = (struct acl_ent){ TAG_GROUP_OBJ, 7, 0 };
	e[n++] = (struct acl_ent){ TAG_MASK, 2, 0 };
	e[n++] = (struct acl_ent){ TAG_OTHER, 1, 0 };
	assert_true(4 + 8 * n > 512);
	fd = make_dir("longacl");
	set_default_acl(fd, e, n);
	assert_int_equal(xattr_default_perms(fd, 022), 0521);
	close(fd);
}

/* The same ACL as setfacl(1) writes it, when setfacl is here. */
static void test_default_perms_setfacl(void **state)
{
	char cmd[256];
	int fd;

	(void)state;
	need_acls();
	if (access("/usr/bin/setfacl", X_OK) != 0 &&
	    access("/bin/setfacl", X_OK) != 0) {
		print_message("no setfacl: skipped\n");
		skip();
	}
	fd = make_dir("facl");
	snprintf(cmd, sizeof(cmd), "setfacl -d -m u::rwx,g::rwx,o::r-x,"
	    "u:1234:r--,m::r-x %s/facl", dir);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(xattr_default_perms(fd, 077), 0755);
	close(fd);
}

/* The same again without the *xattrat() syscalls (kernels before 6.13):
 * the O_PATH stand-in must behave the same. */
static void test_without_xattrat(void **state)
{
	(void)state;
	need_user_xattrs();
	xattrat_enosys = true;
	check_read();
	check_symlink();
	check_apply(false);
	xattrat_enosys = false;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read),
		cmocka_unit_test(test_read_none),
		cmocka_unit_test(test_symlink_not_followed),
		cmocka_unit_test(test_equal),
		cmocka_unit_test(test_apply),
		cmocka_unit_test(test_default_perms_umask),
		cmocka_unit_test(test_default_perms_acl),
		cmocka_unit_test(test_default_perms_long_acl),
		cmocka_unit_test(test_default_perms_setfacl),
		/* Last: xattr.c remembers the ENOSYS. */
		cmocka_unit_test(test_without_xattrat),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
