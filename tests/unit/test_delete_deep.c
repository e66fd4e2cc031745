/*
 * Unit tests for delete.c at depth (issue 16, items 3 and 8): trees far
 * deeper than the C stack, the fd limit or PATH_MAX allow a recursion to
 * go, removed through delete_entry() on a thread with a small stack and
 * under a low RLIMIT_NOFILE; a directory renamed away while it is being
 * emptied; delete_open_beneath() on a path longer than PATH_MAX; an error
 * line longer than 8 KB.  (tests/unit/test_delete.c has the rules at
 * ordinary depth.)
 *
 * The trees go under /dev/shm when it is there: 30,000 mkdir calls on a
 * disk file system cost seconds.  unlinkat() is interposed (a definition
 * in the executable wins over libc's) to fail one name.
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
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "delete.h"
#include "report.h"

#define DEEP 30000		/* levels of the deep chain */
#define SMALL_STACK (256 * 1024)	/* the deletion thread's stack */
#define LOW_NOFILE 64		/* RLIMIT_NOFILE while deleting */

static char dir[64];
static int dfd;

/* --- interposed unlinkat ----------------------------------------------- */

static const char *unlink_fail_name;	/* fail unlinkat of this name */

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

/* --- captured output --------------------------------------------------- */

/* Everything a report writes, in growing buffers. */
struct capture {
	char *out, *err;
	size_t nout, nerr;
};

static struct capture cap;
static struct ts_options ropts;

static void append(char **buf, size_t *n, const char *text, size_t len)
{
	*buf = realloc(*buf, *n + len + 1);
	assert_non_null(*buf);
	memcpy(*buf + *n, text, len);
	*n += len;
	(*buf)[*n] = '\0';
}

static void cap_write(void *arg, enum ts_out out, const char *text,
    size_t len)
{
	struct capture *c = arg;

	if (out == TS_OUT_STDOUT)
		append(&c->out, &c->nout, text, len);
	else
		append(&c->err, &c->nerr, text, len);
}

static void cap_reset(void)
{
	free(cap.out);
	free(cap.err);
	memset(&cap, 0, sizeof(cap));
	append(&cap.out, &cap.nout, "", 0);
	append(&cap.err, &cap.nerr, "", 0);
}

/* Options for one delete call; VERBOSE: "deleting" lines into cap. */
static void opts_init(struct del_opts *o, bool dry_run, bool verbose)
{
	struct ts_host host = { .arg = &cap, .write = cap_write };

	cap_reset();
	ts_options_init(&ropts);
	ropts.verbose = verbose;
	ropts.dry_run = dry_run;
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

/* --- trees ------------------------------------------------------------- */

static bool exists(const char *path)
{
	struct stat st;

	return fstatat(dfd, path, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

static void mk_file_at(int at, const char *name)
{
	int fd = openat(at, name, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	assert_true(fd >= 0);
	close(fd);
}

/*
 * TOP (below dfd) and DEPTH directories NAME inside it, one in the other;
 * a file "f" in every EVERY-th one and in the last.  Returns the files
 * made.  Made through fds: the paths are far longer than PATH_MAX.
 */
static unsigned mk_chain(const char *top, unsigned depth, const char *name,
    unsigned every)
{
	int fd, next;
	unsigned i, files = 0;

	assert_int_equal(mkdirat(dfd, top, 0755), 0);
	fd = openat(dfd, top, O_RDONLY | O_DIRECTORY);
	assert_true(fd >= 0);
	for (i = 1; i <= depth; i++) {
		assert_int_equal(mkdirat(fd, name, 0755), 0);
		next = openat(fd, name, O_RDONLY | O_DIRECTORY);
		assert_true(next >= 0);
		close(fd);
		fd = next;
		if ((every && i % every == 0) || i == depth) {
			mk_file_at(fd, "f");
			files++;
		}
	}
	close(fd);
	return files;
}

/* The fd of the directory at DEPTH in the chain TOP/NAME/NAME/... */
static int chain_fd(const char *top, unsigned depth, const char *name)
{
	int fd = openat(dfd, top, O_RDONLY | O_DIRECTORY), next;
	unsigned i;

	assert_true(fd >= 0);
	for (i = 0; i < depth; i++) {
		next = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
		assert_true(next >= 0);
		close(fd);
		fd = next;
	}
	return fd;
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "%s/ts-delete-deep-XXXXXX",
	    access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	assert_non_null(mkdtemp(dir));
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	assert_true(dfd >= 0);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	close(dfd);
	free(cap.out);
	free(cap.err);
	memset(&cap, 0, sizeof(cap));
	return 0;
}

/* --- delete_entry() on a thread with a small stack, few fds ------------- */

struct job {
	const struct del_opts *o;
	const char *name;
	struct del_counts c;
	int r;
	rlim_t nofile;		/* RLIMIT_NOFILE while deleting, or 0 */
};

static void *job_run(void *arg)
{
	struct job *j = arg;
	struct rlimit old, low;

	if (j->nofile) {
		assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
		low = old;
		low.rlim_cur = j->nofile;
		assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	}
	j->r = delete_entry(j->o, dfd, j->name, j->name, S_IFDIR, &j->c);
	if (j->nofile)
		assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
	return NULL;
}

/* Runs delete_entry(O, dfd, NAME) on a SMALL_STACK thread. */
static struct job run_small_stack(const struct del_opts *o,
    const char *name, rlim_t nofile)
{
	struct job j = { .o = o, .name = name, .nofile = nofile };
	pthread_attr_t a;
	pthread_t t;

	assert_int_equal(pthread_attr_init(&a), 0);
	assert_int_equal(pthread_attr_setstacksize(&a, SMALL_STACK), 0);
	assert_int_equal(pthread_create(&t, &a, job_run, &j), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	pthread_attr_destroy(&a);
	return j;
}

/* 30,000 levels on a 256 KiB stack: recursion overflowed it at about
 * 1,500 levels (SIGSEGV); every directory goes, children first. */
static void test_deep_small_stack(void **state)
{
	struct del_opts o;
	unsigned files;
	struct job j;

	(void)state;
	files = mk_chain("deep", DEEP, "d", 1000);
	opts_init(&o, false, false);
	j = run_small_stack(&o, "deep", 0);
	opts_done(&o);
	assert_int_equal(j.r, 0);
	assert_int_equal(j.c.errors, 0);
	assert_int_equal(j.c.dir, DEEP + 1);
	assert_int_equal(j.c.reg, files);
	assert_false(exists("deep"));
	assert_string_equal(cap.err, "");
}

/* The same with RLIMIT_NOFILE at 64: one fd held per level ran out at
 * about 60 levels ("Too many open files"). */
static void test_deep_few_fds(void **state)
{
	struct del_opts o;
	unsigned files;
	struct job j;

	(void)state;
	files = mk_chain("deep", DEEP, "d", 1000);
	opts_init(&o, false, false);
	j = run_small_stack(&o, "deep", LOW_NOFILE);
	opts_done(&o);
	assert_string_equal(cap.err, "");
	assert_int_equal(j.r, 0);
	assert_int_equal(j.c.errors, 0);
	assert_int_equal(j.c.dir, DEEP + 1);
	assert_int_equal(j.c.reg, files);
	assert_false(exists("deep"));
}

/* A dry run at depth removes nothing and counts what the real run then
 * removes. */
static void test_deep_dry_run(void **state)
{
	struct del_opts o;
	unsigned files;
	struct job dry, real;

	(void)state;
	files = mk_chain("deep", DEEP, "d", 1000);
	opts_init(&o, true, false);
	dry = run_small_stack(&o, "deep", LOW_NOFILE);
	opts_done(&o);
	assert_int_equal(dry.r, 0);
	assert_int_equal(dry.c.dir, DEEP + 1);
	assert_int_equal(dry.c.reg, files);
	close(chain_fd("deep", DEEP, "d"));	/* all still there */

	opts_init(&o, false, false);
	real = run_small_stack(&o, "deep", LOW_NOFILE);
	opts_done(&o);
	assert_int_equal(real.r, 0);
	assert_int_equal(real.c.dir, dry.c.dir);
	assert_int_equal(real.c.reg, dry.c.reg);
	assert_int_equal(real.c.errors, 0);
	assert_false(exists("deep"));
}

static int cmp_line(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Splits TEXT (modified) into lines, sorted; returns how many. */
static size_t sorted_lines(char *text, char ***out)
{
	size_t n = 0, cap_lines = 0;
	char *save = NULL, *l;
	char **v = NULL;

	for (l = strtok_r(text, "\n", &save); l;
	    l = strtok_r(NULL, "\n", &save)) {
		if (n == cap_lines) {
			cap_lines = cap_lines ? 2 * cap_lines : 1024;
			v = realloc(v, cap_lines * sizeof(*v));
			assert_non_null(v);
		}
		v[n++] = l;
	}
	qsort(v, n, sizeof(*v), cmp_line);
	*out = v;
	return n;
}

/* 2,000 levels (paths of 4,000 bytes) with -v: the dry run prints the
 * real run's lines; the real run prints each directory after its
 * contents. */
static void test_deep_lines(void **state)
{
	enum { N = 2000 };
	struct del_opts o;
	char *dry_out, **a, **b;
	size_t na, nb, i;
	unsigned files;
	struct job j;

	(void)state;
	files = mk_chain("deep", N, "d", 100);
	opts_init(&o, true, true);
	j = run_small_stack(&o, "deep", LOW_NOFILE);
	opts_done(&o);
	assert_int_equal(j.r, 0);
	dry_out = strdup(cap.out);
	assert_non_null(dry_out);

	opts_init(&o, false, true);
	j = run_small_stack(&o, "deep", LOW_NOFILE);
	opts_done(&o);
	assert_int_equal(j.r, 0);
	assert_false(exists("deep"));
	/* Children first: the bottom file, then its directory, ... */
	assert_true(strncmp(cap.out, "deleting deep/d/d/", 18) == 0);
	assert_non_null(strstr(cap.out, "/d/f\ndeleting deep/d/"));
	assert_true(cap.nout > 15);
	assert_string_equal(cap.out + cap.nout - 15, "deleting deep/\n");

	na = sorted_lines(dry_out, &a);
	nb = sorted_lines(cap.out, &b);
	assert_int_equal(na, N + 1 + files);
	assert_int_equal(na, nb);
	for (i = 0; i < na; i++)
		assert_string_equal(a[i], b[i]);
	free(a);
	free(b);
	free(dry_out);
}

/* --- a directory renamed away while it is emptied ---------------------- */

/* Renames deep/d{HALF} to outside/moved and plants a symlink to outside
 * in its place, the first time the deletion asks about anything at the
 * bottom of the chain. */
struct mover {
	unsigned half;
	int done;
};

static bool move_half(void *arg, const char *relpath, bool is_dir)
{
	struct mover *m = arg;
	int fd;

	(void)is_dir;
	if (m->done || strcmp(relpath + strlen(relpath) - 2, "/f") != 0)
		return false;
	m->done = 1;
	fd = chain_fd("deep", m->half - 1, "d");
	assert_int_equal(renameat(fd, "d", dfd, "outside/moved"), 0);
	assert_int_equal(symlinkat("../../outside", fd, "d"), 0);
	close(fd);
	return false;
}

/*
 * 1,000 levels; at the bottom, level 500 is renamed out of the tree and a
 * symlink to "outside" takes its name.  Going back up from level 500 --
 * its parent's fd long closed -- finds a ".." that is not the parent:
 * the deletion stops there with an error, never follows the symlink, and
 * leaves everything above level 500 (and the canary outside) in place.
 */
static void test_renamed_while_inside(void **state)
{
	struct mover m = { .half = 500 };
	struct del_opts o;
	struct job j;
	int fd;

	(void)state;
	assert_int_equal(mkdirat(dfd, "outside", 0755), 0);
	mk_file_at(dfd, "outside/canary");
	mk_chain("deep", 1000, "d", 0);
	opts_init(&o, false, false);
	o.protect = move_half;
	o.protect_arg = &m;
	j = run_small_stack(&o, "deep", LOW_NOFILE);
	opts_done(&o);
	assert_int_equal(m.done, 1);
	assert_true(j.r < 0);
	assert_int_equal(j.c.errors, 1);
	assert_non_null(strstr(cap.err, "treesync: cannot return to the "
	    "parent directory of 'deep/d/d/d/"));
	assert_true(exists("outside/canary"));
	assert_true(exists("outside/moved"));	/* emptied, not removed */
	assert_false(exists("outside/moved/d"));
	/* Levels 1..499 and the planted symlink are all there. */
	fd = chain_fd("deep", m.half - 1, "d");
	{
		struct stat st;

		assert_int_equal(fstatat(fd, "d", &st, AT_SYMLINK_NOFOLLOW), 0);
		assert_true(S_ISLNK(st.st_mode));
	}
	close(fd);
	assert_int_equal(system("rm -rf deep outside"), 0);
}

/* --- paths beyond PATH_MAX --------------------------------------------- */

/* 20 names of 240 bytes: a relative path of 4,820 bytes. */
static char *long_rel(unsigned levels, char **name)
{
	size_t nl = 240, i;
	char *p = malloc(levels * (nl + 1));

	*name = malloc(nl + 1);
	assert_non_null(p);
	assert_non_null(*name);
	memset(*name, 'n', nl);
	(*name)[nl] = '\0';
	for (i = 0; i < levels; i++) {
		memcpy(p + i * (nl + 1), *name, nl);
		p[i * (nl + 1) + nl] = '/';
	}
	p[levels * (nl + 1) - 1] = '\0';
	return p;
}

/* delete_open_beneath() of a path longer than PATH_MAX: openat2 says
 * ENAMETOOLONG, the walk one name at a time opens it; an absolute one
 * is still refused. */
static void test_open_beneath_long(void **state)
{
	char *name, *rel = long_rel(20, &name), *abs;
	struct stat a, b;
	int root, fd, want;

	(void)state;
	assert_true(strlen(rel) > PATH_MAX);
	mk_chain("lp", 20, name, 0);
	root = openat(dfd, "lp", O_RDONLY | O_DIRECTORY);
	want = chain_fd("lp", 20, name);
	fd = delete_open_beneath(root, rel);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &a), 0);
	assert_int_equal(fstat(want, &b), 0);
	assert_true(a.st_ino == b.st_ino && a.st_dev == b.st_dev);
	close(fd);
	close(want);

	abs = malloc(strlen(rel) + 2);
	assert_non_null(abs);
	abs[0] = '/';
	strcpy(abs + 1, rel);
	assert_int_equal(delete_open_beneath(root, abs), -EXDEV);
	close(root);
	free(abs);
	free(rel);
	free(name);
}

/* An error about a path of 9,640 bytes is one whole line with its errno
 * (it was cut at 8 KB, errno and all). */
static void test_long_error_line(void **state)
{
	char *name, *rel = long_rel(40, &name), *want;
	struct del_opts o;
	struct del_counts c = { 0 };
	int fd;

	(void)state;
	mk_chain("lp", 40, name, 0);
	fd = chain_fd("lp", 40, name);
	mk_file_at(fd, "victim");
	opts_init(&o, false, true);
	unlink_fail_name = "victim";
	assert_int_equal(delete_dir_contents(&o, fd, rel, &c), -EIO);
	unlink_fail_name = NULL;
	opts_done(&o);
	close(fd);
	assert_int_equal(c.errors, 1);
	want = malloc(strlen(rel) + 100);
	assert_non_null(want);
	sprintf(want, "treesync: cannot delete '%s/victim': Input/output "
	    "error\n", rel);
	assert_true(strlen(want) > 8192);
	assert_string_equal(cap.err, want);
	free(want);
	free(rel);
	free(name);
}

/* ARGV[1], when given, runs only the tests whose names match it. */
int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_deep_small_stack, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_deep_few_fds, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_deep_dry_run, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_deep_lines, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_renamed_while_inside,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_beneath_long, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_long_error_line, setup,
		    teardown),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
