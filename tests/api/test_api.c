/*
 * test_api.c -- the library as a host program uses it: several runs in
 * one process, a cancelled one, the host's callbacks, the host's own
 * signal handler left alone (issue 11), and two runs alive at once each
 * keeping its own --confine-root (issue 12).
 *
 * Links the engine library only (no CLI, no main.c).
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <treesync/treesync.h>

static char top[] = "/tmp/ts-api-XXXXXX";
static char src[PATH_MAX], dst[PATH_MAX], srcslash[PATH_MAX];

static void put(const char *rel, size_t size)
{
	char p[PATH_MAX];
	FILE *f;
	size_t i;

	snprintf(p, sizeof(p), "%s/%s", src, rel);
	f = fopen(p, "w");
	assert_non_null(f);
	for (i = 0; i < size; i++)
		fputc((int)(i % 251), f);
	fclose(f);
}

static int count_temps(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	if (!d)
		return 0;
	while ((de = readdir(d)))
		n += strstr(de->d_name, ".tstmp") != NULL;
	closedir(d);
	return n;
}

static int setup(void **state)
{
	char p[PATH_MAX];
	int i;

	(void)state;
	assert_non_null(mkdtemp(top));
	snprintf(src, sizeof(src), "%s/src", top);
	snprintf(srcslash, sizeof(srcslash), "%s/src/", top);
	snprintf(dst, sizeof(dst), "%s/dst", top);
	mkdir(src, 0755);
	snprintf(p, sizeof(p), "%s/sub", src);
	mkdir(p, 0755);
	for (i = 0; i < 50; i++) {
		snprintf(p, sizeof(p), "sub/f%02d", i);
		put(p, 1000 + (size_t)i);
	}
	put("big", 64u << 20);
	return 0;
}

static int teardown(void **state)
{
	char cmd[PATH_MAX + 16];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", top);
	return system(cmd) == 0 ? 0 : -1;
}

/* A host that keeps what it is told instead of printing it. */
struct host_log {
	unsigned items, errors, lines;
	int last_err;
	enum ts_side last_side;
	char last_path[PATH_MAX];
	struct ts_run *cancel_after_first;	/* cancel from a callback */
};

static void on_write(void *arg, enum ts_out out, const char *text,
    size_t len)
{
	struct host_log *h = arg;

	(void)out;
	(void)text;
	(void)len;
	h->lines++;
}

static void on_item(void *arg, const struct ts_item *it)
{
	struct host_log *h = arg;

	h->items++;
	assert_non_null(it->path);
	assert_int_equal(strlen(it->itemize), 11);
	if (h->cancel_after_first)
		ts_run_cancel(h->cancel_after_first, 0);
}

static void on_error(void *arg, const struct ts_error *e)
{
	struct host_log *h = arg;

	h->errors++;
	h->last_err = e->err;
	h->last_side = e->side;
	snprintf(h->last_path, sizeof(h->last_path), "%s",
	    e->path ? e->path : "");
	assert_non_null(e->message);
}

static void options(struct ts_options *o, const char *const *srcs)
{
	ts_options_init(o);
	o->recursive = o->times = o->perms = o->links = true;
	o->itemize = 1;
	o->srcs = srcs;
	o->nsrcs = 1;
	o->dest = dst;
}

static int run_with(const struct ts_options *o, struct host_log *h,
    struct ts_stats *st)
{
	struct ts_host host = { .arg = h, .write = on_write, .item = on_item,
		.error = on_error };
	struct ts_run *run = ts_run_new(o, &host);
	int code;

	if (h->cancel_after_first)
		h->cancel_after_first = run;
	code = ts_run_exec(run, st);
	ts_run_free(run);
	return code;
}

static void dummy_handler(int sig)
{
	(void)sig;
}

/* Two syncs, then a cancelled one, then one more: each starts afresh. */
static void test_runs_in_one_process(void **state)
{
	const char *srcs[] = { srcslash };
	struct ts_options o;
	struct ts_stats st;
	struct host_log h;
	struct sigaction sa, now;
	char p[PATH_MAX];
	int code;

	(void)state;
	/* The host's SIGINT handler must still be the host's afterwards. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = dummy_handler;
	sigaction(SIGINT, &sa, NULL);

	options(&o, srcs);
	memset(&h, 0, sizeof(h));
	code = run_with(&o, &h, &st);
	assert_int_equal(code, TS_EXIT_OK);
	assert_int_equal(st.reg_transferred, 51);
	assert_true(h.items >= 52);	/* 51 files, the sub dir, the root */
	assert_true(h.lines > 0);
	assert_int_equal(h.errors, 0);

	/* In sync now: --check says so (exit 0, not 28: nothing counted
	 * from the first run). */
	o.check = o.dry_run = true;
	memset(&h, 0, sizeof(h));
	code = run_with(&o, &h, &st);
	assert_int_equal(code, TS_EXIT_OK);
	assert_int_equal(h.items, 0);
	assert_int_equal(st.changes, 0);

	/* A run cancelled by the host at its first item: exit 20, no temp
	 * left, nothing beyond what was done. */
	o.check = o.dry_run = false;
	snprintf(p, sizeof(p), "%s/big", dst);
	unlink(p);
	snprintf(p, sizeof(p), "%s/sub/f00", dst);
	unlink(p);
	memset(&h, 0, sizeof(h));
	h.cancel_after_first = (struct ts_run *)1;	/* set by run_with */
	code = run_with(&o, &h, &st);
	assert_int_equal(code, TS_EXIT_SIGNAL);
	assert_int_equal(count_temps(dst), 0);
	snprintf(p, sizeof(p), "%s/sub", dst);
	assert_int_equal(count_temps(p), 0);

	/* And the next run completes: the cancel did not outlive its run. */
	memset(&h, 0, sizeof(h));
	code = run_with(&o, &h, &st);
	assert_int_equal(code, TS_EXIT_OK);
	snprintf(p, sizeof(p), "%s/big", dst);
	assert_int_equal(access(p, F_OK), 0);

	sigaction(SIGINT, NULL, &now);
	assert_ptr_equal(now.sa_handler, dummy_handler);
}

/* Errors reach the host as values: errno, side, path. */
static void test_error_callback(void **state)
{
	char missing[PATH_MAX];
	const char *srcs[] = { missing };
	struct ts_options o;
	struct ts_stats st;
	struct host_log h;

	(void)state;
	snprintf(missing, sizeof(missing), "%s/no-such-source", top);
	options(&o, srcs);
	memset(&h, 0, sizeof(h));
	assert_int_equal(run_with(&o, &h, &st), TS_EXIT_PARTIAL);
	assert_int_equal(h.errors, 1);
	assert_int_equal(h.last_err, ENOENT);
	assert_non_null(strstr(h.last_path, "no-such-source"));
}

/*
 * Two runs made before either runs, one with --confine-root and one
 * without: each keeps its own.  The confined run's --log-file is outside
 * its root and refused; the other's, in the same place, is written.
 */
static void test_confine_per_run(void **state)
{
	const char *srcs[] = { srcslash };
	struct ts_host host = { .write = on_write, .error = on_error };
	struct ts_options oa, ob;
	struct ts_run *a, *b;
	struct ts_stats st;
	struct host_log h;
	char logs[] = "/tmp/ts-api-log-XXXXXX", la[PATH_MAX], lb[PATH_MAX];

	(void)state;
	memset(&h, 0, sizeof(h));
	host.arg = &h;
	assert_non_null(mkdtemp(logs));
	snprintf(la, sizeof(la), "%s/a.log", logs);
	snprintf(lb, sizeof(lb), "%s/b.log", logs);
	options(&oa, srcs);
	ob = oa;
	oa.confine_root = top;	/* SRC and DEST below it, the logs not */
	oa.log_file = la;
	ob.log_file = lb;
	a = ts_run_new(&oa, &host);
	b = ts_run_new(&ob, &host);
	ts_run_exec(a, &st);
	ts_run_free(a);
	assert_int_equal(access(la, F_OK), -1);
	assert_true(h.errors >= 1);
	assert_int_equal(ts_run_exec(b, &st), TS_EXIT_OK);
	ts_run_free(b);
	assert_int_equal(access(lb, F_OK), 0);
	unlink(la);
	unlink(lb);
	rmdir(logs);
}

/* ts_sync(): the defaults (fds 1 and 2), the same result. */
static void test_ts_sync(void **state)
{
	const char *srcs[] = { srcslash };
	struct ts_options o;
	struct ts_stats st;

	(void)state;
	options(&o, srcs);
	o.itemize = 0;
	assert_int_equal(ts_sync(&o, &st), TS_EXIT_OK);
	assert_int_equal(st.reg_transferred, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_runs_in_one_process),
		cmocka_unit_test(test_error_callback),
		cmocka_unit_test(test_confine_per_run),
		cmocka_unit_test(test_ts_sync),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
