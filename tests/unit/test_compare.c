/* Unit tests for compare.c: decisions and itemize strings, no disk. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "compare.h"

#include <treesync/treesync.h>

static struct ts_options archive(void)
{
	struct ts_options o;

	ts_options_init(&o);
	o.recursive = o.links = o.perms = o.times = true;
	o.group = o.owner = o.devices = o.specials = true;
	return o;
}

static struct ts_entry ent(uint32_t mode, uint64_t size, int64_t mtime)
{
	struct ts_entry e;

	memset(&e, 0, sizeof(e));
	e.name = "x";
	e.mode = mode;
	e.size = size;
	e.mtime_sec = mtime;
	e.uid = 1000;
	e.gid = 1000;
	return e;
}

/* Decides and formats; returns the itemize string in BUF. */
static enum cmp_action decide(const struct ts_options *o,
    const struct ts_entry *s, const struct ts_entry *d, int differs,
    char *buf)
{
	struct cmp_in in = { .src = s, .dst = d, .content_differs = differs,
		.am_root = true };
	struct cmp_out out;

	cmp_decide(o, &in, &out);
	cmp_itemize_string(o, out.iflags, s->mode, buf);
	return out.action;
}

static void test_new_file(void **state)
{
	struct ts_options o = archive();
	struct ts_entry s = ent(S_IFREG | 0644, 10, 100);
	char b[12];

	(void)state;
	assert_int_equal(decide(&o, &s, NULL, -1, b), CMP_COPY);
	assert_string_equal(b, ">f+++++++++");
}

static void test_up_to_date(void **state)
{
	struct ts_options o = archive();
	struct ts_entry s = ent(S_IFREG | 0644, 10, 100), d = s;
	char b[12];

	(void)state;
	assert_int_equal(decide(&o, &s, &d, -1, b), CMP_NONE);
	/* Same second, other nanoseconds: rsync's default says equal. */
	d.mtime_nsec = 5;
	assert_int_equal(decide(&o, &s, &d, -1, b), CMP_NONE);
	o.modify_window = -1;
	assert_int_equal(decide(&o, &s, &d, -1, b), CMP_COPY);
	assert_string_equal(b, ">f..t......");
}

static void test_size_and_time(void **state)
{
	struct ts_options o = archive();
	struct ts_entry s = ent(S_IFREG | 0644, 10, 100);
	struct ts_entry d = ent(S_IFREG | 0644, 11, 100);
	char b[12];

	(void)state;
	assert_int_equal(decide(&o, &s, &d, -1, b), CMP_COPY);
	assert_string_equal(b, ">f.s.......");
	d.size = 10;
	d.mtime_sec = 99;
	assert_int_equal(decide(&o, &s, &d, -1, b), CMP_COPY);
	assert_string_equal(b, ">f..t......");
	/* Without -t a transferred file's time is reported as 'T'. */
	o.times = false;
	d.mtime_sec = 100;
	o.ignore_times = true;
	assert_int_equal(decide(&o, &s, &d, -1, b), CMP_COPY);
	assert_string_equal(b, ">f..T......");
}

static void test_attrs_only(void **state)
{
	struct ts_options o = archive();
	struct ts_entry s = ent(S_IFREG | 0644, 10, 100), d = s;
	char b[12];

	(void)state;
	d.mode = S_IFREG | 0600;
	assert_int_equal(decide(&o, &s, &d, -1, b), CMP_ATTRS);
	assert_string_equal(b, ".f...p.....");
	d.mode = s.mode;
	d.uid = 0;
	d.gid = 0;
	assert_int_equal(decide(&o, &s, &d, -1, b), CMP_ATTRS);
	assert_string_equal(b, ".f....og...");
	/* Without -p/-o/-g nothing is compared but data. */
	o.perms = o.owner = o.group = false;
	assert_int_equal(decide(&o, &s, &d, -1, b), CMP_NONE);
}

static void test_checksum(void **state)
{
	struct ts_options o = archive();
	struct ts_entry s = ent(S_IFREG | 0644, 10, 100), d = s;
	char b[12];

	(void)state;
	o.checksum = true;
	assert_true(cmp_needs_checksum(&o, &s, &d));
	assert_int_equal(decide(&o, &s, &d, 1, b), CMP_COPY);
	assert_string_equal(b, ">fc........");
	assert_int_equal(decide(&o, &s, &d, 0, b), CMP_NONE);
	d.size = 3;
	assert_false(cmp_needs_checksum(&o, &s, &d));
	assert_int_equal(decide(&o, &s, &d, -1, b), CMP_COPY);
	assert_string_equal(b, ">fcs.......");
}

static void test_selectors(void **state)
{
	struct ts_options o = archive();
	struct ts_entry s = ent(S_IFREG | 0644, 10, 100);
	struct ts_entry d = ent(S_IFREG | 0644, 20, 200);
	char b[12];

	(void)state;
	o.update = true;	/* destination newer: skipped */
	assert_int_equal(decide(&o, &s, &d, -1, b), CMP_SKIP);
	o.update = false;
	o.ignore_existing = true;
	assert_int_equal(decide(&o, &s, &d, -1, b), CMP_SKIP);
	o.ignore_existing = false;
	o.existing = true;
	assert_int_equal(decide(&o, &s, NULL, -1, b), CMP_SKIP);
	assert_int_equal(decide(&o, &s, &d, -1, b), CMP_COPY);
	o.existing = false;
	o.size_only = true;
	d.size = 10;
	assert_int_equal(decide(&o, &s, &d, -1, b), CMP_ATTRS);
	assert_string_equal(b, ".f..t......");
	o.size_only = false;
	o.modify_window = 100;
	assert_int_equal(decide(&o, &s, &d, -1, b), CMP_NONE);
}

static void test_types(void **state)
{
	struct ts_options o = archive();
	struct ts_entry dir = ent(S_IFDIR | 0755, 4096, 100);
	struct ts_entry lnk = ent(S_IFLNK | 0777, 3, 100);
	struct ts_entry reg = ent(S_IFREG | 0644, 3, 100);
	struct ts_entry fifo = ent(S_IFIFO | 0644, 0, 100);
	struct cmp_in in = { .am_root = true };
	struct cmp_out out;
	char b[12];

	(void)state;
	assert_int_equal(decide(&o, &dir, NULL, -1, b), CMP_MKDIR);
	assert_string_equal(b, "cd+++++++++");
	assert_int_equal(decide(&o, &fifo, NULL, -1, b), CMP_MKNOD);
	assert_string_equal(b, "cS+++++++++");
	/* A directory where a file was: the file goes, the dir is new. */
	in.src = &dir;
	in.dst = &reg;
	cmp_decide(&o, &in, &out);
	assert_int_equal(out.action, CMP_MKDIR);
	assert_true(out.remove_dst);
	assert_false(out.dst_is_dir);
	/* A file where a directory was. */
	in.src = &reg;
	in.dst = &dir;
	cmp_decide(&o, &in, &out);
	assert_int_equal(out.action, CMP_COPY);
	assert_true(out.remove_dst && out.dst_is_dir);
	/* Symlinks: same target is up to date, another target changes. */
	in.src = &lnk;
	in.dst = &lnk;
	in.src_target = "a";
	in.dst_target = "a";
	cmp_decide(&o, &in, &out);
	assert_int_equal(out.action, CMP_NONE);
	in.dst_target = "b";
	cmp_decide(&o, &in, &out);
	assert_int_equal(out.action, CMP_SYMLINK);
	cmp_itemize_string(&o, out.iflags, lnk.mode, b);
	assert_string_equal(b, "cLc........");
	/* Types not asked for are skipped. */
	o.links = false;
	assert_int_equal(decide(&o, &lnk, NULL, -1, b), CMP_SKIP_TYPE);
	o.recursive = false;
	assert_int_equal(decide(&o, &dir, NULL, -1, b), CMP_SKIP_DIR);
}

static void test_itemize_format(void **state)
{
	struct ts_options o = archive();
	char b[12];

	(void)state;
	cmp_itemize_string(&o, IT_DELETED, S_IFREG, b);
	assert_string_equal(b, "*deleting  ");
	/* All-dots attribute columns of a local change print as spaces. */
	cmp_itemize_string(&o, IT_LOCAL_CHANGE, S_IFDIR, b);
	assert_string_equal(b, "cd         ");
	cmp_itemize_string(&o, IT_REPORT_TIME, S_IFDIR, b);
	assert_string_equal(b, ".d..t......");
	cmp_itemize_string(&o, IT_TRANSFER | IT_REPORT_SIZE | IT_REPORT_TIME |
	    IT_REPORT_PERMS | IT_REPORT_OWNER | IT_REPORT_GROUP, S_IFREG, b);
	assert_string_equal(b, ">f.stpog...");
	cmp_itemize_string(&o, IT_LOCAL_CHANGE | IT_REPORT_CHANGE, S_IFCHR, b);
	assert_string_equal(b, "cDc........");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_file),
		cmocka_unit_test(test_up_to_date),
		cmocka_unit_test(test_size_and_time),
		cmocka_unit_test(test_attrs_only),
		cmocka_unit_test(test_checksum),
		cmocka_unit_test(test_selectors),
		cmocka_unit_test(test_types),
		cmocka_unit_test(test_itemize_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
