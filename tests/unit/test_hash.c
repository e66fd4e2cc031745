/* Unit tests for hash.c: the one-read and the streaming paths agree. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "hash.h"

static void test_paths_agree(void **state)
{
	char path[] = "/tmp/ts-hash-XXXXXX";
	int fd = mkstemp(path);
	size_t n = (3u << 20) + 77, i;
	char *data = malloc(n), *big = malloc(n + 1), *small = malloc(4096);
	struct hash128 a, b, c;

	(void)state;
	assert_true(fd >= 0);
	for (i = 0; i < n; i++)
		data[i] = (char)(i * 7 + i / 4093);
	assert_int_equal(write(fd, data, n), (ssize_t)n);
	/* One read (buffer larger than the file) vs many 4 KiB reads. */
	assert_int_equal(hash_fd(fd, big, n + 1, &a), 0);
	assert_int_equal(hash_fd(fd, small, 4096, &b), 0);
	assert_int_equal(a.lo, b.lo);
	assert_int_equal(a.hi, b.hi);
	/* A buffer of exactly the file's size takes the streaming path. */
	assert_int_equal(hash_fd(fd, big, n, &c), 0);
	assert_int_equal(a.lo, c.lo);
	/* One byte more is another digest. */
	assert_int_equal(write(fd, "x", 1), 1);
	assert_int_equal(hash_fd(fd, big, n + 1, &c), 0);
	assert_true(a.lo != c.lo || a.hi != c.hi);
	close(fd);
	unlink(path);
	free(data);
	free(big);
	free(small);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paths_agree),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
