/*
 * Unit tests for delete.c: trees made in a mkdtemp dir and removed through
 * delete_entry() and delete_dir_contents(), with the report's lines
 * captured.  The rules under test: children before parents, a dry run
 * counts but removes nothing, protected entries keep their parents, a
 * symlink is removed as a link and never followed.
 *
 * unlinkat() and syscall(SYS_openat2) are interposed (a definition in the
 * executable wins over libc's) to fail one name's unlink and to take
 * delete_open_beneath() down its pre-openat2 path.
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
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "delete.h"
#include "report.h"

static char dir[] = "/tmp/ts-delete-XXXXXX";
static int dfd;

/* --- interposed syscalls --------------------------------------------- */

static const char *unlink_fail_name;	/* fail unlinkat of this name */
static bool openat2_enosys;		/* openat2 "does not exist" */

int unlinkat(int dirfd, const char *name, int flags)
{
	static int (*real)(int, const char *, int);

	if (unlink_fail_name && strcmp(name, unlink_fail_name) == 0) {
		errno = EIO;
		return -1;
	}
	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "unlinkat");
	return real(dirfd, name, flags);
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
	if (nr == SYS_openat2 && openat2_enosys) {
		errno = ENOSYS;
		return -1;
	}
	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "syscall");
	return real(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
}

/* --- a report whose output is captured ------------------------------- */

struct capture {
	char out[8192], err[4096];
};

static struct capture cap;
static struct ts_options ropts;
static int info_del;	/* --info=delN for opts_init(), 0: -v's */

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

/* Options for one delete call, with -v lines into cap. */
static void opts_init(struct del_opts *o, bool dry_run)
{
	struct ts_host host = { .arg = &cap, .write = cap_write };

	memset(&cap, 0, sizeof(cap));
	ts_options_init(&ropts);
	ropts.verbose = 1;
	ropts.dry_run = dry_run;
	if (info_del) {
		ropts.info_levels = true;
		ropts.info[TS_INFO_DEL] = info_del;
	}
	memset(o, 0, sizeof(*o));
	o->rep = report_new(&ropts, &host);
	o->dry_run = dry_run;
}

static void opts_done(struct del_opts *o)
{
	report_flush(o->rep);
	report_free(o->rep);
	o->rep = NULL;
}

/* --- helpers --------------------------------------------------------- */

static void mk_file(const char *path)
{
	int fd = openat(dfd, path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, "x", 1), 1);
	close(fd);
}

static void mk_dir(const char *path)
{
	assert_int_equal(mkdirat(dfd, path, 0755), 0);
}

static bool exists(const char *path)
{
	struct stat st;

	return fstatat(dfd, path, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

static ino_t ino_of(const char *path)
{
	struct stat st;

	assert_int_equal(fstatat(dfd, path, &st, AT_SYMLINK_NOFOLLOW), 0);
	return st.st_ino;
}

static ino_t ino_of_fd(int fd)
{
	struct stat st;

	assert_int_equal(fstat(fd, &st), 0);
	return st.st_ino;
}

/*
 * ROOT/a, ROOT/b/c, ROOT/b/d/ (empty), ROOT/l -> the directory "outside"
 * (holding "o"), ROOT/p (a FIFO).  ROOT is one component.
 */
static void make_tree(const char *root)
{
	char p[256];

	snprintf(p, sizeof(p), "rm -rf %s", root);	/* a failed case's */
	assert_int_equal(system(p), 0);
	if (!exists("outside"))
		mk_dir("outside");
	mk_file("outside/o");
	mk_dir(root);
	snprintf(p, sizeof(p), "%s/a", root);
	mk_file(p);
	snprintf(p, sizeof(p), "%s/b", root);
	mk_dir(p);
	snprintf(p, sizeof(p), "%s/b/c", root);
	mk_file(p);
	snprintf(p, sizeof(p), "%s/b/d", root);
	mk_dir(p);
	snprintf(p, sizeof(p), "%s/l", root);
	assert_int_equal(symlinkat("../outside", dfd, p), 0);
	snprintf(p, sizeof(p), "%s/p", root);
	assert_int_equal(mkfifoat(dfd, p, 0600), 0);
}

static void assert_outside_intact(void)
{
	assert_true(exists("outside"));
	assert_true(exists("outside/o"));
}

static char mounted[128];	/* a tmpfs mounted by a case, or "" */

/* The test runs inside DIR, so that system("rm -rf t") is below it. */
static int setup(void **state)
{
	(void)state;
	assert_non_null(mkdtemp(dir));
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	assert_int_equal(chdir(dir), 0);
	return 0;
}

static int teardown(void **state)
{
	char cmd[64];

	(void)state;
	if (mounted[0])
		umount2(mounted, MNT_DETACH);
	assert_int_equal(chdir("/"), 0);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	close(dfd);
	return 0;
}

/* --- cases ----------------------------------------------------------- */

static const char tree_lines[] =
    "deleting t/a\n"
    "deleting t/b/c\n"
    "deleting t/b/d/\n"
    "deleting t/b/\n"
    "deleting t/l\n"
    "deleting t/p\n"
    "deleting t/\n";

/* A whole tree, children before their parent, every type counted; the
 * symlink to a directory outside goes as a link: its target stays. */
static void test_delete_tree(void **state)
{
	struct del_opts o;
	struct del_counts c = { 0 };

	(void)state;
	make_tree("t");
	opts_init(&o, false);
	assert_int_equal(delete_entry(&o, dfd, "t", "t", S_IFDIR, &c), 0);
	opts_done(&o);
	assert_false(exists("t"));
	assert_outside_intact();
	assert_int_equal(c.reg, 2);
	assert_int_equal(c.dir, 3);
	assert_int_equal(c.link, 1);
	assert_int_equal(c.special, 1);
	assert_int_equal(c.dev, 0);
	assert_int_equal(c.errors, 0);
	assert_string_equal(cap.out, tree_lines);
	assert_string_equal(cap.err, "");
}

/* A device node counts as a device (as root; skipped otherwise). */
static void test_delete_device(void **state)
{
	struct del_opts o;
	struct del_counts c = { 0 };

	(void)state;
	if (mknodat(dfd, "dev", S_IFCHR | 0600, makedev(1, 3)) < 0) {
		print_message("no mknod here (%s): skipped\n", strerror(errno));
		skip();
	}
	opts_init(&o, false);
	assert_int_equal(delete_entry(&o, dfd, "dev", "dev", S_IFCHR, &c), 0);
	opts_done(&o);
	assert_false(exists("dev"));
	assert_int_equal(c.dev, 1);
	assert_int_equal(c.reg + c.special, 0);
}

/* A dry run removes nothing but counts and says all of it, sorted. */
static void test_dry_run(void **state)
{
	struct del_opts o;
	struct del_counts c = { 0 };

	(void)state;
	make_tree("t");
	opts_init(&o, true);
	assert_int_equal(delete_entry(&o, dfd, "t", "t", S_IFDIR, &c), 0);
	opts_done(&o);
	assert_true(exists("t/a"));
	assert_true(exists("t/b/c"));
	assert_true(exists("t/b/d"));
	assert_true(exists("t/l"));
	assert_true(exists("t/p"));
	assert_outside_intact();
	assert_int_equal(c.reg, 2);
	assert_int_equal(c.dir, 3);
	assert_int_equal(c.link, 1);
	assert_int_equal(c.special, 1);
	assert_string_equal(cap.out,
	    "deleting t/\n"
	    "deleting t/a\n"
	    "deleting t/b/\n"
	    "deleting t/b/c\n"
	    "deleting t/b/d/\n"
	    "deleting t/l\n"
	    "deleting t/p\n");

	/* The real thing afterwards. */
	opts_init(&o, false);
	memset(&c, 0, sizeof(c));
	assert_int_equal(delete_entry(&o, dfd, "t", "t", S_IFDIR, &c), 0);
	opts_done(&o);
	assert_false(exists("t"));
}

struct protect_log {
	char seen[1024];	/* "path:is_dir " for every question */
};

/* Keeps t/b/c (a file) and t/keep (a directory). */
static bool protect(void *arg, const char *relpath, bool is_dir)
{
	struct protect_log *pl = arg;
	char one[128];

	snprintf(one, sizeof(one), "%s:%d ", relpath, is_dir);
	append(pl->seen, sizeof(pl->seen), one, strlen(one));
	return strcmp(relpath, "t/b/c") == 0 || strcmp(relpath, "t/keep") == 0;
}

/* A protected entry stays, and so does every directory above it, each
 * with rsync's line; a protected directory is not even entered. */
static void run_protect(bool dry_run)
{
	struct protect_log pl = { { 0 } };
	struct del_opts o;
	struct del_counts c = { 0 };

	make_tree("t");
	mk_dir("t/keep");
	mk_file("t/keep/inside");
	opts_init(&o, dry_run);
	o.protect = protect;
	o.protect_arg = &pl;
	assert_int_equal(delete_entry(&o, dfd, "t", "t", S_IFDIR, &c),
	    -ENOTEMPTY);
	opts_done(&o);
	assert_true(exists("t/b/c"));
	assert_true(exists("t/keep/inside"));
	assert_int_equal(exists("t/a"), dry_run);
	assert_int_equal(exists("t/b/d"), dry_run);
	assert_int_equal(exists("t/l"), dry_run);
	assert_outside_intact();
	assert_int_equal(c.reg, 1);	/* t/a */
	assert_int_equal(c.dir, 1);	/* t/b/d */
	assert_int_equal(c.link, 1);
	assert_int_equal(c.special, 1);
	assert_int_equal(c.errors, 0);
	assert_string_equal(pl.seen, "t/a:0 t/b:1 t/b/c:0 t/b/d:1 t/keep:1 "
	    "t/l:0 t/p:0 ");
	if (dry_run)
		assert_string_equal(cap.out,
		    "cannot delete non-empty directory: t/b\n"
		    "cannot delete non-empty directory: t\n"
		    "deleting t/a\n"
		    "deleting t/b/d/\n"
		    "deleting t/l\n"
		    "deleting t/p\n");
	else
		assert_string_equal(cap.out,
		    "deleting t/a\n"
		    "deleting t/b/d/\n"
		    "cannot delete non-empty directory: t/b\n"
		    "deleting t/l\n"
		    "deleting t/p\n"
		    "cannot delete non-empty directory: t\n");
	assert_string_equal(cap.err, "");
	assert_int_equal(system("rm -rf t"), 0);
}

static void test_protect(void **state)
{
	(void)state;
	run_protect(false);
	run_protect(true);
}

/* A symlink where a directory was scanned (it was swapped meanwhile) is
 * not followed: the open fails, is reported, and nothing outside goes. */
static void test_symlink_never_followed(void **state)
{
	struct del_opts o;
	struct del_counts c = { 0 };
	int r;

	(void)state;
	make_tree("t");
	opts_init(&o, false);
	r = delete_entry(&o, dfd, "t/l", "t/l", S_IFDIR, &c);
	opts_done(&o);
	assert_true(r == -ELOOP || r == -ENOTDIR);
	assert_true(exists("t/l"));
	assert_outside_intact();
	assert_int_equal(c.errors, 1);
	assert_int_equal(c.dir + c.reg, 0);
	assert_non_null(strstr(cap.err, "treesync: cannot open directory "
	    "'t/l': "));
	assert_string_equal(cap.out, "");

	/* As a link, it is unlinked; the target stays. */
	opts_init(&o, false);
	memset(&c, 0, sizeof(c));
	assert_int_equal(delete_entry(&o, dfd, "t/l", "t/l", S_IFLNK, &c), 0);
	opts_done(&o);
	assert_false(exists("t/l"));
	assert_outside_intact();
	assert_int_equal(c.link, 1);
	assert_int_equal(system("rm -rf t"), 0);
}

/* The contents go, the directory stays; quiet_report says nothing. */
static void test_dir_contents_quiet(void **state)
{
	struct del_opts o;
	struct del_counts c = { 0 };
	int fd;

	(void)state;
	make_tree("t");
	fd = openat(dfd, "t", O_RDONLY | O_DIRECTORY);
	assert_true(fd >= 0);
	opts_init(&o, false);
	o.quiet_report = true;
	assert_int_equal(delete_dir_contents(&o, fd, "t", &c), 0);
	opts_done(&o);
	assert_true(exists("t"));
	assert_false(exists("t/a"));
	assert_false(exists("t/b"));
	assert_false(exists("t/l"));
	assert_outside_intact();
	assert_int_equal(c.reg, 2);
	assert_int_equal(c.dir, 2);
	assert_string_equal(cap.out, "");

	/* An empty directory: nothing to do. */
	opts_init(&o, false);
	memset(&c, 0, sizeof(c));
	assert_int_equal(delete_dir_contents(&o, fd, "t", &c), 0);
	opts_done(&o);
	assert_int_equal(c.reg + c.dir + c.link + c.special + c.errors, 0);
	close(fd);
	assert_int_equal(unlinkat(dfd, "t", AT_REMOVEDIR), 0);
}

/* What a listing sees at PATH: its type, device and inode. */
static struct del_seen seen_of(const char *path)
{
	struct stat st;

	assert_int_equal(fstatat(dfd, path, &st, AT_SYMLINK_NOFOLLOW), 0);
	return (struct del_seen){ st.st_mode, st.st_dev, st.st_ino };
}

/* Puts a new entry at PATH, as a run does: a file renamed over it, or a
 * directory holding "x" (DIR) where PATH was moved away. */
static void replace_at(const char *path, bool dir)
{
	char away[64];

	snprintf(away, sizeof(away), "%s.away", path);
	assert_int_equal(renameat(dfd, path, dfd, away), 0);
	if (dir) {
		char p[64];

		mk_dir(path);
		snprintf(p, sizeof(p), "%s/x", path);
		mk_file(p);
	} else {
		mk_file(path);
	}
}

/*
 * The deletion pass: an entry goes only if it is still what the listing
 * saw.  One replaced since (another inode: a file renamed over it, a
 * directory put there, another type) is kept, not counted, not said (but
 * at --info=del2), and no error; so are a new directory's contents.  The
 * entries still the same go; one whose inode was not known, by type.
 */
static void test_seen(void **state)
{
	struct del_seen s[6];
	struct del_opts o;
	struct del_counts c = { 0 };
	const char *names[] = { "s-file", "s-type", "s-dir", "s-same",
		"s-samedir", "s-noino" };
	size_t i;

	(void)state;
	mk_file("s-file");
	mk_file("s-type");
	mk_dir("s-dir");
	mk_file("s-dir/old");
	mk_file("s-same");
	mk_dir("s-samedir");
	mk_file("s-samedir/in");
	mk_file("s-noino");
	for (i = 0; i < 6; i++)
		s[i] = seen_of(names[i]);
	s[5].ino = 0;
	replace_at("s-file", false);
	replace_at("s-type", true);
	replace_at("s-dir", true);
	assert_int_equal(system("rm -f s-noino && mkfifo s-noino"), 0);
	s[5].mode = S_IFIFO;	/* listed a FIFO, inode unknown */
	info_del = 2;
	opts_init(&o, false);
	info_del = 0;
	for (i = 0; i < 6; i++)
		assert_int_equal(delete_seen(&o, dfd, names[i], names[i], &s[i],
		    &c), i < 3 ? 1 : 0);
	opts_done(&o);
	assert_true(exists("s-file"));
	assert_true(exists("s-type/x"));
	assert_true(exists("s-dir/x"));
	assert_false(exists("s-same"));
	assert_false(exists("s-samedir"));
	assert_false(exists("s-noino"));
	assert_int_equal(c.reg, 2);
	assert_int_equal(c.dir, 1);
	assert_int_equal(c.special, 1);
	assert_int_equal(c.errors, 0);
	assert_string_equal(cap.out,
	    "not deleting s-file: not the entry listed\n"
	    "not deleting s-type: not the entry listed\n"
	    "not deleting s-dir: not the entry listed\n"
	    "deleting s-same\n"
	    "deleting s-samedir/in\n"
	    "deleting s-samedir/\n"
	    "deleting s-noino\n");
	assert_string_equal(cap.err, "");
	/* Gone meanwhile: nothing to do, as delete_entry(). */
	opts_init(&o, false);
	assert_int_equal(delete_seen(&o, dfd, "s-same", "s-same", &s[3], &c),
	    0);
	opts_done(&o);
	assert_string_equal(cap.out, "");
	assert_int_equal(system("rm -rf s-*"), 0);
}

/* -b's hook as backup_removed() does it: NAME~ is an old backup, removed;
 * anything else is moved aside to NAME~. */
static int move_aside(void *arg, int dirfd, const char *name,
    const char *relpath, uint32_t mode)
{
	char to[256];
	size_t n = strlen(name);

	(void)arg;
	(void)relpath;
	(void)mode;
	if (n && name[n - 1] == '~')
		return unlinkat(dirfd, name, 0) < 0 ? -errno : 0;
	snprintf(to, sizeof(to), "%s~", name);
	return renameat(dirfd, name, dirfd, to) < 0 ? -errno : 0;
}

/*
 * -b inside a directory being deleted: x is moved aside to x~, over the
 * old backup x~ listed after it; that name then holds x, not the entry
 * listed, so it stays (x's only copy), and so does the directory.
 */
static void test_backup_takes_name(void **state)
{
	struct del_opts o;
	struct del_counts c = { 0 };
	ino_t x;

	(void)state;
	mk_dir("t2");
	mk_file("t2/x");
	mk_file("t2/x~");
	mk_file("t2/y~");
	x = ino_of("t2/x");
	opts_init(&o, false);
	o.backup = move_aside;
	assert_int_equal(delete_entry(&o, dfd, "t2", "t2", S_IFDIR, &c),
	    -ENOTEMPTY);
	opts_done(&o);
	assert_int_equal(ino_of("t2/x~"), x);
	assert_false(exists("t2/x"));
	assert_false(exists("t2/y~"));
	assert_int_equal(c.reg, 2);
	assert_int_equal(c.dir + c.errors, 0);
	assert_string_equal(cap.out, "deleting t2/x\n"
	    "deleting t2/y~\n"
	    "cannot delete non-empty directory: t2\n");
	assert_int_equal(system("rm -rf t2"), 0);
}

/* An entry already gone is not an error. */
static void test_already_gone(void **state)
{
	struct del_opts o;
	struct del_counts c = { 0 };

	(void)state;
	opts_init(&o, false);
	assert_int_equal(delete_entry(&o, dfd, "nope", "nope", S_IFREG, &c), 0);
	assert_int_equal(delete_entry(&o, dfd, "nope", "nope", S_IFDIR, &c), 0);
	opts_done(&o);
	assert_int_equal(c.reg + c.dir + c.errors, 0);
	assert_string_equal(cap.out, "");
	assert_string_equal(cap.err, "");
}

/* A failed unlink is reported with its path and counted; its siblings
 * still go, its parent stays; the first error is returned. */
static void test_unlink_error(void **state)
{
	struct del_opts o;
	struct del_counts c = { 0 };

	(void)state;
	mk_dir("e");
	mk_file("e/a");
	mk_file("e/bad");
	mk_file("e/z");
	opts_init(&o, false);
	unlink_fail_name = "bad";
	assert_int_equal(delete_entry(&o, dfd, "e", "e", S_IFDIR, &c), -EIO);
	unlink_fail_name = NULL;
	opts_done(&o);
	assert_true(exists("e/bad"));
	assert_false(exists("e/a"));
	assert_false(exists("e/z"));
	assert_int_equal(c.reg, 2);
	assert_int_equal(c.dir, 0);
	assert_int_equal(c.errors, 1);
	assert_string_equal(cap.err,
	    "treesync: cannot delete 'e/bad': Input/output error\n");
	assert_string_equal(cap.out, "deleting e/a\ndeleting e/z\n");
	assert_int_equal(system("rm -rf e"), 0);
}

/* -x: a file system mounted inside is neither entered nor removed; its
 * parent is then "non-empty".  Needs root (tmpfs); skipped otherwise. */
static void test_one_fs_mount_point(void **state)
{
	struct del_opts o;
	struct del_counts c = { 0 };
	char *mnt = mounted;
	int fd;

	(void)state;
	mk_dir("m");
	mk_dir("m/mnt");
	mk_file("m/other");
	snprintf(mnt, sizeof(mounted), "%s/m/mnt", dir);
	if (mount("none", mnt, "tmpfs", 0, NULL) < 0) {
		mnt[0] = '\0';
		print_message("cannot mount tmpfs (%s): skipped\n",
		    strerror(errno));
		skip();
	}
	mk_file("m/mnt/x");
	opts_init(&o, false);
	o.one_fs = true;
	assert_int_equal(delete_entry(&o, dfd, "m", "m", S_IFDIR, &c),
	    -ENOTEMPTY);
	assert_true(exists("m/mnt/x"));
	assert_false(exists("m/other"));
	/* The mount point itself: -EXDEV, silently. */
	fd = openat(dfd, "m", O_RDONLY | O_DIRECTORY);
	assert_int_equal(delete_entry(&o, fd, "mnt", "m/mnt", S_IFDIR, &c),
	    -EXDEV);
	close(fd);
	opts_done(&o);
	assert_true(exists("m/mnt/x"));
	assert_int_equal(c.reg, 1);
	assert_int_equal(c.dir, 0);
	assert_int_equal(c.errors, 0);
	assert_string_equal(cap.out, "deleting m/other\n"
	    "cannot delete non-empty directory: m\n");
	assert_int_equal(umount(mnt), 0);
	mnt[0] = '\0';
}

/* Both ways of opening below a root: openat2, and the walk one component
 * at a time that stands in for it on older kernels. */
static void check_open_beneath(bool fallback)
{
	int root = openat(dfd, "ob", O_RDONLY | O_DIRECTORY), fd;

	openat2_enosys = fallback;
	fd = delete_open_beneath(root, "");
	assert_true(fd >= 0);
	assert_true(fd != root);
	assert_int_equal(ino_of_fd(fd), ino_of("ob"));
	close(fd);

	fd = delete_open_beneath(root, "a/b");
	assert_true(fd >= 0);
	assert_int_equal(ino_of_fd(fd), ino_of("ob/a/b"));
	close(fd);

	fd = delete_open_beneath(root, "a//b/");
	assert_true(fd >= 0);
	assert_int_equal(ino_of_fd(fd), ino_of("ob/a/b"));
	close(fd);

	/* A symlink, last or on the way, is refused. */
	fd = delete_open_beneath(root, "lnk");
	assert_true(fd == -ELOOP || fd == -ENOTDIR);
	fd = delete_open_beneath(root, "lnk/b");
	assert_true(fd == -ELOOP || fd == -ENOTDIR);
	fd = delete_open_beneath(root, "a/up/a");
	assert_true(fd == -ELOOP || fd == -ENOTDIR);

	assert_int_equal(delete_open_beneath(root, "missing"), -ENOENT);
	assert_int_equal(delete_open_beneath(root, "a/f"), -ENOTDIR);
	openat2_enosys = false;
	close(root);
}

static void test_open_beneath(void **state)
{
	(void)state;
	mk_dir("ob");
	mk_dir("ob/a");
	mk_dir("ob/a/b");
	mk_file("ob/a/f");
	assert_int_equal(symlinkat("a", dfd, "ob/lnk"), 0);
	assert_int_equal(symlinkat("..", dfd, "ob/a/up"), 0);
	check_open_beneath(false);
	check_open_beneath(true);

	/* openat2 also keeps ".." and absolute paths below the root. */
	{
		int root = openat(dfd, "ob", O_RDONLY | O_DIRECTORY);

		assert_int_equal(delete_open_beneath(root, ".."), -EXDEV);
		assert_int_equal(delete_open_beneath(root, "a/../.."), -EXDEV);
		assert_int_equal(delete_open_beneath(root, "/tmp"), -EXDEV);
		close(root);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_delete_tree),
		cmocka_unit_test(test_delete_device),
		cmocka_unit_test(test_dry_run),
		cmocka_unit_test(test_protect),
		cmocka_unit_test(test_symlink_never_followed),
		cmocka_unit_test(test_dir_contents_quiet),
		cmocka_unit_test(test_already_gone),
		cmocka_unit_test(test_seen),
		cmocka_unit_test(test_backup_takes_name),
		cmocka_unit_test(test_unlink_error),
		cmocka_unit_test(test_one_fs_mount_point),
		cmocka_unit_test(test_open_beneath),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
