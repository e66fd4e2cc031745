/* Unit tests for chmod.c: rsync's --chmod items (checked against rsync). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "chmod.h"

static uint32_t apply_umask(const char *spec, uint32_t mode, uint32_t umask)
{
	struct chmod_rule *r = NULL;
	char err[128];
	uint32_t out;

	assert_int_equal(chmod_parse(&r, spec, err, sizeof(err)), 0);
	out = chmod_apply(r, mode, umask);
	chmod_free(r);
	return out;
}

static uint32_t apply(const char *spec, uint32_t mode)
{
	return apply_umask(spec, mode, 022);
}

static void test_octal(void **state)
{
	(void)state;
	assert_int_equal(apply("D2775,F664", S_IFREG | 0640), S_IFREG | 0664);
	assert_int_equal(apply("D2775,F664", S_IFDIR | 0700), S_IFDIR | 02775);
	assert_int_equal(apply("600", S_IFDIR | 0755), S_IFDIR | 0600);
}

static void test_symbolic(void **state)
{
	(void)state;
	/* The cases run against rsync 3.5.0 with -a. */
	assert_int_equal(apply("g+w,o-rwx,Dg+s", S_IFREG | 0640),
	    S_IFREG | 0660);
	assert_int_equal(apply("g+w,o-rwx,Dg+s", S_IFDIR | 0700),
	    S_IFDIR | 02720);
	assert_int_equal(apply("u=rwX,go=rX", S_IFREG | 0640), S_IFREG | 0644);
	assert_int_equal(apply("u=rwX,go=rX", S_IFDIR | 0700), S_IFDIR | 0755);
	assert_int_equal(apply("u=rwX,go=rX", S_IFREG | 0750), S_IFREG | 0755);
	assert_int_equal(apply("+x", S_IFREG | 0600), S_IFREG | 0711);
	assert_int_equal(apply("u+w-x", S_IFREG | 0700), S_IFREG | 0600);
	assert_int_equal(apply("Fa-w", S_IFDIR | 0777), S_IFDIR | 0777);
	assert_int_equal(apply("o+t", S_IFDIR | 0777), S_IFDIR | 01777);
}

/* Issue 10, item 5: without u/g/o/a the umask's bits are left alone
 * (checked against rsync 3.5.0 under umask 002 and 022). */
static void test_umask(void **state)
{
	(void)state;
	assert_int_equal(apply_umask("D+w,F+w", S_IFREG | 0444, 002),
	    S_IFREG | 0664);
	assert_int_equal(apply_umask("D+w,F+w", S_IFDIR | 0555, 002),
	    S_IFDIR | 0775);
	assert_int_equal(apply_umask("+w", S_IFREG | 0444, 022),
	    S_IFREG | 0644);
	assert_int_equal(apply_umask("a+w", S_IFREG | 0444, 022),
	    S_IFREG | 0666);
	assert_int_equal(apply_umask("-w", S_IFREG | 0666, 022),
	    S_IFREG | 0466);
	assert_int_equal(apply_umask("-w", S_IFREG | 0666, 002),
	    S_IFREG | 0446);
	assert_int_equal(apply_umask("=rw", S_IFREG | 0777, 022),
	    S_IFREG | 0644);
}

/* chmod(1)'s copy form, checked against rsync 3.5.0. */
static void test_copy_class(void **state)
{
	(void)state;
	assert_int_equal(apply("g=o,o=", S_IFREG | 0754), S_IFREG | 0740);
	assert_int_equal(apply("g=u", S_IFREG | 0640), S_IFREG | 0660);
	assert_int_equal(apply("o+g", S_IFDIR | 0750), S_IFDIR | 0755);
	assert_int_equal(apply("a-o", S_IFREG | 0757), S_IFREG);
	assert_int_equal(apply("a-o", S_IFREG | 0754), S_IFREG | 0310);
}

static void test_errors(void **state)
{
	struct chmod_rule *r = NULL;
	char err[128];

	(void)state;
	assert_int_equal(chmod_parse(&r, "u+q", err, sizeof(err)), -1);
	assert_string_equal(err, "invalid --chmod item 'u+q'");
	assert_int_equal(chmod_parse(&r, "", err, sizeof(err)), -1);
	assert_int_equal(chmod_parse(&r, "g+w,,o-w", err, sizeof(err)), -1);
	assert_int_equal(chmod_parse(&r, "D9", err, sizeof(err)), -1);
	assert_int_equal(chmod_parse(&r, "u", err, sizeof(err)), -1);
	assert_int_equal(chmod_parse(&r, "g=ur", err, sizeof(err)), -1);
	assert_int_equal(chmod_parse(&r, "g=ru", err, sizeof(err)), -1);
	assert_int_equal(chmod_parse(&r, "g=uo", err, sizeof(err)), -1);
	chmod_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_octal),
		cmocka_unit_test(test_symbolic),
		cmocka_unit_test(test_umask),
		cmocka_unit_test(test_copy_class),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
