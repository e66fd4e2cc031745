/*
 * Unit tests for report.c: a struct report over a host whose write, item
 * and error callbacks capture everything, checked against rsync's output
 * rules (-i, -v, -q, dry-run order, error lines, --json-items).
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compare.h"
#include "report.h"
#include "util.h"

#include <treesync/treesync.h>

/* --- the capturing host ---------------------------------------------- */

#define MAX_CALLS 64

struct write_call {
	enum ts_out out;
	char *text;
};

struct item_call {
	char *path, *target;
	char itemize[12];
	uint32_t mode;
	bool deleted, dry_run;
	uint64_t bytes;
};

struct error_call {
	enum ts_side side;
	int err;
	char *what, *path, *message;
};

struct capture {
	struct write_call writes[MAX_CALLS];
	size_t nwrites;
	struct item_call items[MAX_CALLS];
	size_t nitems;
	struct error_call errors[MAX_CALLS];
	size_t nerrors;
	char out[8192], err[8192];	/* all of each stream */
};

static struct capture cap;

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

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

	assert_true(c->nwrites < MAX_CALLS);
	c->writes[c->nwrites].out = out;
	c->writes[c->nwrites].text = strndup(text, len);
	c->nwrites++;
	if (out == TS_OUT_STDOUT)
		append(c->out, sizeof(c->out), text, len);
	else
		append(c->err, sizeof(c->err), text, len);
}

static void cap_item(void *arg, const struct ts_item *it)
{
	struct capture *c = arg;
	struct item_call *k = &c->items[c->nitems++];

	assert_true(c->nitems <= MAX_CALLS);
	k->path = strdup(it->path);
	k->target = dup_or_null(it->target);
	memcpy(k->itemize, it->itemize, sizeof(k->itemize));
	k->mode = it->mode;
	k->deleted = it->deleted;
	k->dry_run = it->dry_run;
	k->bytes = it->bytes;
}

static void cap_error(void *arg, const struct ts_error *e)
{
	struct capture *c = arg;
	struct error_call *k = &c->errors[c->nerrors++];

	assert_true(c->nerrors <= MAX_CALLS);
	k->side = e->side;
	k->err = e->err;
	k->what = dup_or_null(e->what);
	k->path = dup_or_null(e->path);
	k->message = dup_or_null(e->message);
}

static void cap_reset(void)
{
	size_t i;

	for (i = 0; i < cap.nwrites; i++)
		free(cap.writes[i].text);
	for (i = 0; i < cap.nitems; i++) {
		free(cap.items[i].path);
		free(cap.items[i].target);
	}
	for (i = 0; i < cap.nerrors; i++) {
		free(cap.errors[i].what);
		free(cap.errors[i].path);
		free(cap.errors[i].message);
	}
	memset(&cap, 0, sizeof(cap));
}

static struct ts_options opts;

/* A report over the capturing host; OPTS is set up by the case. */
static struct report *new_report(void)
{
	struct ts_host host = { .arg = &cap, .write = cap_write,
		.item = cap_item, .error = cap_error };

	cap_reset();
	return report_new(&opts, &host);
}

static int setup_case(void **state)
{
	(void)state;
	ts_options_init(&opts);
	return 0;
}

static int teardown_case(void **state)
{
	(void)state;
	cap_reset();
	return 0;
}

#define NEW_FILE (IT_TRANSFER | IT_IS_NEW)
#define NEW_DIR (IT_LOCAL_CHANGE | IT_IS_NEW)

/* --- cases ----------------------------------------------------------- */

/* -i: rsync's "%i %n%L" lines; directories with '/', links with their
 * target, hard links with " => ", the root as "./". */
static void test_itemize_lines(void **state)
{
	struct report *r;

	(void)state;
	opts.itemize = 1;
	r = new_report();
	report_item(r, NEW_FILE, S_IFREG | 0644, "a/b", NULL, NULL);
	report_item(r, NEW_DIR, S_IFDIR | 0755, "d", NULL, NULL);
	report_item(r, IT_LOCAL_CHANGE | IT_IS_NEW, S_IFLNK | 0777, "l",
	    "../t", NULL);
	report_item(r, IT_LOCAL_CHANGE | IT_HARDLINK, S_IFREG | 0644, "h",
	    "a/b", NULL);
	report_item(r, IT_TRANSFER | IT_REPORT_SIZE | IT_REPORT_TIME,
	    S_IFREG | 0644, "changed", NULL, NULL);
	report_item(r, IT_REPORT_TIME, S_IFDIR | 0755, ".", NULL, NULL);
	report_item(r, 0, S_IFREG | 0644, "unchanged", NULL, NULL);
	report_delete(r, "old", false);
	report_delete(r, "olddir", true);
	report_flush(r);
	assert_string_equal(cap.out,
	    ">f+++++++++ a/b\n"
	    "cd+++++++++ d/\n"
	    "cL+++++++++ l -> ../t\n"
	    "hf          h => a/b\n"
	    ">f.sT...... changed\n"
	    ".d..T...... ./\n"
	    "*deleting   old\n"
	    "*deleting   olddir/\n");
	assert_string_equal(cap.err, "");
	assert_int_equal(report_changes(r), 8);
	report_free(r);
}

/* -ii shows unchanged items too. */
static void test_itemize_twice(void **state)
{
	struct report *r;

	(void)state;
	opts.itemize = 2;
	r = new_report();
	report_item(r, 0, S_IFREG | 0644, "same", NULL, NULL);
	report_flush(r);
	assert_string_equal(cap.out, ".f          same\n");
	report_free(r);
}

/* -v alone: names of transferred files, new directories and deletions;
 * a file whose attributes alone change is not shown. */
static void test_verbose_lines(void **state)
{
	struct report *r;

	(void)state;
	opts.verbose = 1;
	r = new_report();
	report_item(r, NEW_FILE, S_IFREG | 0644, "f", NULL, NULL);
	report_item(r, IT_REPORT_PERMS, S_IFREG | 0644, "perms-only", NULL,
	    NULL);
	report_item(r, NEW_DIR, S_IFDIR | 0755, "d", NULL, NULL);
	report_item(r, IT_REPORT_TIME, S_IFDIR | 0755, "dtime", NULL, NULL);
	report_item(r, IT_LOCAL_CHANGE | IT_IS_NEW, S_IFLNK | 0777, "l", "t",
	    NULL);
	report_delete(r, "gone", false);
	report_flush(r);
	assert_string_equal(cap.out,
	    "f\n"
	    "d/\n"
	    "dtime/\n"
	    "l -> t\n"
	    "deleting gone\n");
	/* Every item reached the host and counts, shown or not. */
	assert_int_equal(cap.nitems, 6);
	assert_int_equal(report_changes(r), 6);
	assert_string_equal(cap.items[1].path, "perms-only");
	report_free(r);
}

/* Nothing but the host's callbacks without -v or -i. */
static void test_no_output_options(void **state)
{
	struct report *r;

	(void)state;
	r = new_report();
	report_item(r, NEW_FILE, S_IFREG | 0644, "f", NULL, NULL);
	report_delete(r, "g", false);
	report_flush(r);
	assert_string_equal(cap.out, "");
	assert_int_equal(cap.nitems, 2);
	report_free(r);
}

/* -q silences -i, -v and notes, not errors; items still count and still
 * reach the host. */
static void test_quiet(void **state)
{
	struct report *r;

	(void)state;
	opts.quiet = true;
	opts.itemize = 1;
	opts.verbose = 1;
	r = new_report();
	report_item(r, NEW_FILE, S_IFREG | 0644, "f", NULL, NULL);
	report_delete(r, "g", true);
	report_info(r, "skipping %s", "x");
	report_note(r, "created directory %s", "d");
	report_errno(r, EIO, "cannot read", "f");
	report_flush(r);
	assert_string_equal(cap.out, "");
	assert_string_equal(cap.err,
	    "treesync: cannot read 'f': Input/output error\n");
	assert_int_equal(cap.nitems, 2);
	assert_int_equal(report_changes(r), 2);
	report_free(r);
}

/* A dry run holds item lines and writes them sorted by path at the end,
 * whatever order the workers reported them in; a real run writes them in
 * the order of events.  The host's items say dry_run. */
static void test_dry_run_sorted(void **state)
{
	struct report *r;
	size_t i;

	(void)state;
	opts.verbose = 1;
	opts.dry_run = true;
	r = new_report();
	report_item(r, NEW_FILE, S_IFREG | 0644, "c", NULL, NULL);
	report_delete(r, "b/z", false);
	report_item(r, NEW_FILE, S_IFREG | 0644, "a", NULL, NULL);
	report_item(r, NEW_FILE, S_IFREG | 0644, "b/x", NULL, NULL);
	report_item(r, NEW_DIR, S_IFDIR | 0755, "b", NULL, NULL);
	report_item(r, NEW_FILE, S_IFREG | 0644, "b-", NULL, NULL);
	assert_int_equal(cap.nwrites, 0);	/* held */
	report_flush(r);
	assert_string_equal(cap.out,
	    "a\n"
	    "b/\n"
	    "b-\n"
	    "b/x\n"
	    "deleting b/z\n"
	    "c\n");
	for (i = 0; i < cap.nitems; i++)
		assert_true(cap.items[i].dry_run);
	report_free(r);

	opts.dry_run = false;
	r = new_report();
	report_item(r, NEW_FILE, S_IFREG | 0644, "c", NULL, NULL);
	report_item(r, NEW_FILE, S_IFREG | 0644, "a", NULL, NULL);
	report_flush(r);
	assert_string_equal(cap.out, "c\na\n");
	assert_false(cap.items[0].dry_run);
	report_free(r);
}

/* Error lines: "treesync: WHAT 'PATH': strerror", escaped whole; the
 * host's callback gets the side, errno, what, the raw path and the line
 * without prefix and newline. */
static void test_error_lines(void **state)
{
	struct report *r;
	struct error_call *e;

	(void)state;
	r = new_report();
	report_errno_side(r, TS_SIDE_DST, EACCES, "cannot create", "dst/a");
	report_errno_at(r, EIO, "cannot stat", "dir", "n");
	report_errno_at(r, EIO, "cannot stat", "", "top");
	report_vanished(r, "d", "x");
	report_errno(r, ENOENT, "cannot open source", "op");
	report_error(r, "bad rule %d in %s", 5, "list");
	assert_string_equal(cap.err,
	    "treesync: cannot create 'dst/a': Permission denied\n"
	    "treesync: cannot stat 'dir/n': Input/output error\n"
	    "treesync: cannot stat 'top': Input/output error\n"
	    "treesync: file has vanished: 'd/x'\n"
	    "treesync: cannot open source 'op': No such file or directory\n"
	    "treesync: bad rule 5 in list\n");
	assert_string_equal(cap.out, "");
	assert_int_equal(cap.nerrors, 6);

	e = &cap.errors[0];
	assert_int_equal(e->side, TS_SIDE_DST);
	assert_int_equal(e->err, EACCES);
	assert_string_equal(e->what, "cannot create");
	assert_string_equal(e->path, "dst/a");
	assert_string_equal(e->message,
	    "cannot create 'dst/a': Permission denied");
	e = &cap.errors[1];
	assert_int_equal(e->side, TS_SIDE_SRC);
	assert_int_equal(e->err, EIO);
	assert_string_equal(e->path, "dir/n");
	assert_string_equal(cap.errors[2].path, "top");
	e = &cap.errors[3];
	assert_int_equal(e->side, TS_SIDE_SRC);
	assert_int_equal(e->err, ENOENT);
	assert_string_equal(e->path, "d/x");
	e = &cap.errors[4];
	assert_int_equal(e->side, TS_SIDE_NONE);
	assert_string_equal(e->what, "cannot open source");
	e = &cap.errors[5];
	assert_int_equal(e->side, TS_SIDE_NONE);
	assert_int_equal(e->err, 0);
	assert_null(e->what);
	assert_null(e->path);
	assert_string_equal(e->message, "bad rule 5 in list");
	/* Errors are not changes. */
	assert_int_equal(report_changes(r), 0);
	report_free(r);
}

/* A name with a newline (or an escape sequence) cannot forge a line:
 * it prints as \#012, everywhere, while the host gets the raw bytes. */
static void test_newline_name_escaped(void **state)
{
	struct report *r;

	(void)state;
	opts.itemize = 1;
	r = new_report();
	report_item(r, IT_LOCAL_CHANGE | IT_IS_NEW, S_IFLNK | 0777,
	    "evil\nname", "t\x1b[2J", NULL);
	report_errno_side(r, TS_SIDE_DST, EPERM, "cannot create",
	    "evil\nname");
	report_note(r, "created directory %s", "new\rdir");
	report_delete(r, "a\\#012b", false);
	report_flush(r);
	assert_string_equal(cap.out,
	    "cL+++++++++ evil\\#012name -> t\\#033[2J\n"
	    "created directory new\\#015dir\n"
	    "*deleting   a\\#134#012b\n");
	assert_string_equal(cap.err, "treesync: cannot create "
	    "'evil\\#012name': Operation not permitted\n");
	assert_string_equal(cap.items[0].path, "evil\nname");
	assert_string_equal(cap.items[0].target, "t\x1b[2J");
	assert_string_equal(cap.errors[0].path, "evil\nname");
	assert_string_equal(cap.errors[0].message, "cannot create "
	    "'evil\\#012name': Operation not permitted");
	report_free(r);
}

/* Output reaches the host in the order of events: buffered item lines
 * go before an error line that follows them. */
static void test_order_of_streams(void **state)
{
	struct report *r;

	(void)state;
	opts.itemize = 1;
	r = new_report();
	report_item(r, NEW_FILE, S_IFREG | 0644, "first", NULL, NULL);
	report_errno(r, EIO, "cannot read", "second");
	report_item(r, NEW_FILE, S_IFREG | 0644, "third", NULL, NULL);
	report_flush(r);
	assert_int_equal(cap.nwrites, 3);
	assert_int_equal(cap.writes[0].out, TS_OUT_STDOUT);
	assert_string_equal(cap.writes[0].text, ">f+++++++++ first\n");
	assert_int_equal(cap.writes[1].out, TS_OUT_STDERR);
	assert_int_equal(cap.writes[2].out, TS_OUT_STDOUT);
	assert_string_equal(cap.writes[2].text, ">f+++++++++ third\n");
	report_free(r);
}

/* The host's item: the itemize string, mode, target, bytes, deletion. */
static void test_item_callback(void **state)
{
	struct report_xfer x = { 4096, "copy_file_range 4096 bytes" };
	struct report *r;

	(void)state;
	r = new_report();
	report_item(r, NEW_FILE, S_IFREG | 0640, "f", NULL, &x);
	report_item(r, IT_LOCAL_CHANGE | IT_IS_NEW, S_IFLNK | 0777, "l", "t",
	    NULL);
	report_delete(r, "d", true);
	assert_int_equal(cap.nitems, 3);
	assert_string_equal(cap.items[0].path, "f");
	assert_string_equal(cap.items[0].itemize, ">f+++++++++");
	assert_int_equal(cap.items[0].mode, S_IFREG | 0640);
	assert_int_equal(cap.items[0].bytes, 4096);
	assert_false(cap.items[0].deleted);
	assert_null(cap.items[0].target);
	assert_string_equal(cap.items[1].target, "t");
	assert_int_equal(cap.items[1].bytes, 0);
	assert_true(cap.items[2].deleted);
	assert_true(S_ISDIR(cap.items[2].mode));
	assert_string_equal(cap.items[2].itemize, "*deleting  ");
	report_free(r);
}

static json_t *parse_line(const char *line)
{
	json_error_t jerr;
	json_t *j = json_loads(line, 0, &jerr);

	if (!j)
		print_error("bad JSON (%s): %s\n", jerr.text, line);
	assert_non_null(j);
	return j;
}

static const char *jstr(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	assert_non_null(v);
	assert_true(json_is_string(v));
	return json_string_value(v);
}

/* --json-items: exactly one JSON object per line per item, instead of
 * the human lines; names that are not UTF-8 are escaped. */
static void test_json_items(void **state)
{
	struct report_xfer x = { 123, "copy_file_range 123 bytes" };
	struct report *r;
	char *lines[8], *save = NULL, *p;
	size_t n = 0;
	json_t *j, *reasons;

	(void)state;
	opts.json_items = true;
	opts.itemize = 1;
	opts.verbose = 1;
	r = new_report();
	report_item(r, NEW_FILE, S_IFREG | 0644, "a/b", NULL, &x);
	report_item(r, IT_TRANSFER | IT_REPORT_SIZE | IT_REPORT_TIME,
	    S_IFREG | 0644, "two\nlines", NULL, NULL);
	report_item(r, IT_LOCAL_CHANGE | IT_IS_NEW, S_IFLNK | 0777, "l", "t",
	    NULL);
	report_item(r, IT_REPORT_PERMS, S_IFDIR | 0755, "bad\xff", NULL, NULL);
	report_delete(r, "gone", false);
	report_info(r, "not in JSON %d", 1);
	report_flush(r);

	for (p = strtok_r(cap.out, "\n", &save); p && n < 8;
	    p = strtok_r(NULL, "\n", &save))
		lines[n++] = p;
	assert_int_equal(n, 5);

	j = parse_line(lines[0]);
	assert_string_equal(jstr(j, "path"), "a/b");
	assert_string_equal(jstr(j, "type"), "file");
	assert_string_equal(jstr(j, "action"), "create");
	assert_string_equal(jstr(j, "itemize"), ">f+++++++++");
	assert_string_equal(jstr(j, "method"), "copy_file_range 123 bytes");
	assert_int_equal(json_integer_value(json_object_get(j, "bytes")), 123);
	assert_true(json_is_false(json_object_get(j, "dry_run")));
	reasons = json_object_get(j, "reasons");
	assert_int_equal(json_array_size(reasons), 1);
	assert_string_equal(json_string_value(json_array_get(reasons, 0)),
	    "new");
	json_decref(j);

	j = parse_line(lines[1]);
	assert_string_equal(jstr(j, "path"), "two\nlines");
	assert_string_equal(jstr(j, "action"), "update");
	reasons = json_object_get(j, "reasons");
	assert_int_equal(json_array_size(reasons), 2);
	assert_string_equal(json_string_value(json_array_get(reasons, 0)),
	    "size");
	assert_string_equal(json_string_value(json_array_get(reasons, 1)),
	    "mtime");
	assert_null(json_object_get(j, "bytes"));
	json_decref(j);

	j = parse_line(lines[2]);
	assert_string_equal(jstr(j, "type"), "symlink");
	assert_string_equal(jstr(j, "target"), "t");
	json_decref(j);

	j = parse_line(lines[3]);
	assert_string_equal(jstr(j, "path"), "bad\\#377");
	assert_string_equal(jstr(j, "type"), "dir");
	assert_string_equal(jstr(j, "action"), "attrs");
	json_decref(j);

	j = parse_line(lines[4]);
	assert_string_equal(jstr(j, "path"), "gone");
	assert_string_equal(jstr(j, "action"), "delete");
	assert_null(json_object_get(j, "itemize"));
	json_decref(j);
	assert_int_equal(report_changes(r), 5);
	report_free(r);
}

/* --log-file: item lines and error lines, timestamped. */
static void test_log_file(void **state)
{
	char path[] = "/tmp/ts-report-log-XXXXXX";
	char buf[4096];
	struct report *r;
	ssize_t n;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	r = new_report();
	assert_int_equal(report_open_log(r, path,
	    (struct oppath_how){ 0, NULL }), 0);
	unlink(path);	/* FD still reads it */
	report_item(r, NEW_FILE, S_IFREG | 0644, "logged", NULL, NULL);
	report_errno(r, EIO, "cannot read", "bad\nname");
	report_free(r);	/* closes the log */
	n = read(fd, buf, sizeof(buf) - 1);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_non_null(strstr(buf, "] >f+++++++++ logged\n"));
	assert_non_null(strstr(buf,
	    "] cannot read 'bad\\#012name': Input/output error\n"));
	assert_string_equal(cap.out, "");	/* no -v, -i */
	close(fd);
}

/* Counts as treesync-mpi's rank 0 sees them: 64 MiB, all copied by the
 * other ranks (3 files), none by this one. */
static void others_snapshot(struct report_progress *p, void *arg)
{
	(void)arg;
	memset(p, 0, sizeof(*p));
	p->files_seen = p->files_done = 4;
	p->bytes_todo = p->bytes_done = (uint64_t)64 << 20;
	p->others_bytes = (uint64_t)64 << 20;
	p->others_xfers = 3;
}

static bool not_terminal(void *arg, enum ts_out out)
{
	(void)arg;
	(void)out;
	return false;
}

/* --info=progress2 on treesync-mpi's rank 0, off a terminal: the run's
 * line counts the bytes and files the other ranks copied, and its rate
 * is that of those bytes too (it was this rank's own bytes over the
 * time: "0.00kB/s" here, where this rank copied none). */
static void test_progress2_others(void **state)
{
	struct ts_host host = { .arg = &cap, .write = cap_write,
		.item = cap_item, .error = cap_error,
		.is_terminal = not_terminal };
	struct report *r;

	(void)state;
	opts.info_levels = true;
	opts.info[TS_INFO_PROGRESS] = 2;
	cap_reset();
	r = report_new(&opts, &host);
	report_progress_start(r, others_snapshot, NULL, false);
	usleep(20000);		/* the rate needs some time gone by */
	report_progress_total(r);
	report_flush(r);
	assert_non_null(strstr(cap.out, " 100% "));
	assert_non_null(strstr(cap.out, "(xfr#3, ir-chk=0/4)"));
	assert_null(strstr(cap.out, " 0.00kB/s"));
	assert_true(strstr(cap.out, "MB/s") || strstr(cap.out, "GB/s"));
	report_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_itemize_lines, setup_case,
		    teardown_case),
		cmocka_unit_test_setup_teardown(test_itemize_twice, setup_case,
		    teardown_case),
		cmocka_unit_test_setup_teardown(test_verbose_lines, setup_case,
		    teardown_case),
		cmocka_unit_test_setup_teardown(test_no_output_options,
		    setup_case, teardown_case),
		cmocka_unit_test_setup_teardown(test_quiet, setup_case,
		    teardown_case),
		cmocka_unit_test_setup_teardown(test_dry_run_sorted, setup_case,
		    teardown_case),
		cmocka_unit_test_setup_teardown(test_error_lines, setup_case,
		    teardown_case),
		cmocka_unit_test_setup_teardown(test_newline_name_escaped,
		    setup_case, teardown_case),
		cmocka_unit_test_setup_teardown(test_order_of_streams,
		    setup_case, teardown_case),
		cmocka_unit_test_setup_teardown(test_item_callback, setup_case,
		    teardown_case),
		cmocka_unit_test_setup_teardown(test_json_items, setup_case,
		    teardown_case),
		cmocka_unit_test_setup_teardown(test_log_file, setup_case,
		    teardown_case),
		cmocka_unit_test_setup_teardown(test_progress2_others,
		    setup_case, teardown_case),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
