/*
 * test_mpi_wire.c -- the message format of the MPI work queue
 * (src/mpi/mpi_wire.c): round trips, and every malformed message refused
 * before a task is handed on.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "mpi_wire.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct seen {
	int n;
	int origin[8];
	size_t len[8];
	char data[8][64];
};

static int collect(void *ctx, int origin, const void *data, size_t len)
{
	struct seen *s = ctx;

	assert_true(s->n < 8);
	s->origin[s->n] = origin;
	s->len[s->n] = len;
	memcpy(s->data[s->n], data, len < 64 ? len : 64);
	s->n++;
	return 0;
}

static void round_trip(void **state)
{
	struct mpi_wire w;
	struct seen s = { 0 };
	enum mpi_wire_kind kind = MPI_WIRE_REPLY;

	(void)state;
	assert_int_equal(mpi_wire_init(&w, MPI_WIRE_SEND), 0);
	assert_int_equal(mpi_wire_add(&w, 3, "dir/a", 5), 0);
	assert_int_equal(mpi_wire_add(&w, 0, "", 0), 0);
	assert_int_equal(mpi_wire_add(&w, 7, "x\0y", 3), 0);
	assert_int_equal(w.ntasks, 3);
	assert_int_equal(w.len, MPI_WIRE_HDR + 3 * MPI_WIRE_TASK_HDR + 8);
	assert_int_equal(mpi_wire_parse(w.buf, w.len, &kind, collect, &s), 0);
	assert_int_equal(kind, MPI_WIRE_SEND);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.origin[0], 3);
	assert_int_equal(s.len[0], 5);
	assert_memory_equal(s.data[0], "dir/a", 5);
	assert_int_equal(s.len[1], 0);
	assert_int_equal(s.origin[2], 7);
	assert_memory_equal(s.data[2], "x\0y", 3);
	mpi_wire_release(&w);
}

static void empty_and_cancel(void **state)
{
	struct mpi_wire w;
	struct seen s = { 0 };
	enum mpi_wire_kind kind;
	uint32_t k, n;

	(void)state;
	assert_int_equal(mpi_wire_init(&w, MPI_WIRE_REPLY), 0);
	assert_int_equal(w.len, MPI_WIRE_HDR);
	assert_int_equal(mpi_wire_parse(w.buf, w.len, &kind, collect, &s), 0);
	assert_int_equal(kind, MPI_WIRE_REPLY);
	assert_int_equal(s.n, 0);
	assert_int_equal(mpi_wire_peek(w.buf, w.len, &k, &n), 0);
	assert_int_equal(k, MPI_WIRE_REPLY);
	assert_int_equal(n, 0);
	mpi_wire_release(&w);
	/* A cancel carries no task. */
	assert_int_equal(mpi_wire_init(&w, MPI_WIRE_CANCEL), 0);
	assert_int_equal(mpi_wire_parse(w.buf, w.len, &kind, NULL, NULL), 0);
	assert_int_equal(kind, MPI_WIRE_CANCEL);
	assert_int_equal(mpi_wire_add(&w, 0, "t", 1), 0);
	assert_int_equal(mpi_wire_parse(w.buf, w.len, &kind, NULL, NULL),
	    -EPROTO);
	mpi_wire_release(&w);
}

static int never(void *ctx, int origin, const void *data, size_t len)
{
	(void)ctx;
	(void)origin;
	(void)data;
	(void)len;
	fail_msg("a task of a malformed message was handed on");
	return 0;
}

/* Every cut of a valid message, every corrupted length: -EPROTO, and the
 * callback is never called (the check comes first). */
static void malformed(void **state)
{
	struct mpi_wire w;
	enum mpi_wire_kind kind;
	unsigned char *copy;
	uint32_t v;
	size_t cut;

	(void)state;
	assert_int_equal(mpi_wire_init(&w, MPI_WIRE_PUSH), 0);
	assert_int_equal(mpi_wire_add(&w, 1, "first", 5), 0);
	assert_int_equal(mpi_wire_add(&w, 2, "second", 6), 0);
	for (cut = 0; cut < w.len; cut++)
		assert_int_equal(mpi_wire_parse(w.buf, cut, &kind, never, NULL),
		    -EPROTO);
	copy = malloc(w.len + 1);
	/* One byte too many. */
	memcpy(copy, w.buf, w.len);
	copy[w.len] = 0;
	assert_int_equal(mpi_wire_parse(copy, w.len + 1, &kind, never, NULL),
	    -EPROTO);
	/* The second task's length one too long, one too short. */
	for (v = 5; v <= 7; v += 2) {
		memcpy(copy, w.buf, w.len);
		memcpy(copy + MPI_WIRE_HDR + MPI_WIRE_TASK_HDR + 5, &v, 4);
		assert_int_equal(mpi_wire_parse(copy, w.len, &kind, never,
		    NULL), -EPROTO);
	}
	/* A task count that lies. */
	memcpy(copy, w.buf, w.len);
	v = 3;
	memcpy(copy + 4, &v, 4);
	assert_int_equal(mpi_wire_parse(copy, w.len, &kind, never, NULL),
	    -EPROTO);
	/* Bad magic, unknown kinds. */
	memcpy(copy, w.buf, w.len);
	copy[3] ^= 0x40;
	assert_int_equal(mpi_wire_parse(copy, w.len, &kind, never, NULL),
	    -EPROTO);
	for (v = 0; v < 8; v += 5) {	/* kinds 0 and 5 */
		uint32_t head;

		memcpy(copy, w.buf, w.len);
		memcpy(&head, copy, 4);
		head = (head & 0xffff0000u) | v;
		memcpy(copy, &head, 4);
		assert_int_equal(mpi_wire_parse(copy, w.len, &kind, never,
		    NULL), -EPROTO);
	}
	/* A negative origin rank. */
	memcpy(copy, w.buf, w.len);
	v = 0x80000000u;
	memcpy(copy + MPI_WIRE_HDR + 4, &v, 4);
	assert_int_equal(mpi_wire_parse(copy, w.len, &kind, never, NULL),
	    -EPROTO);
	free(copy);
	mpi_wire_release(&w);
}

static int stop_at_two(void *ctx, int origin, const void *data, size_t len)
{
	int *n = ctx;

	(void)origin;
	(void)data;
	(void)len;
	return ++*n == 2 ? -ECANCELED : 0;
}

static void callback_stops(void **state)
{
	struct mpi_wire w;
	enum mpi_wire_kind kind;
	int n = 0, i;

	(void)state;
	assert_int_equal(mpi_wire_init(&w, MPI_WIRE_SEND), 0);
	for (i = 0; i < 4; i++)
		assert_int_equal(mpi_wire_add(&w, i, "t", 1), 0);
	assert_int_equal(mpi_wire_parse(w.buf, w.len, &kind, stop_at_two, &n),
	    -ECANCELED);
	assert_int_equal(n, 2);
	mpi_wire_release(&w);
}

static void limits(void **state)
{
	struct mpi_wire w;
	static char big[100000];
	size_t i;

	(void)state;
	assert_int_equal(mpi_wire_init(&w, MPI_WIRE_SEND), 0);
	assert_int_equal(mpi_wire_add(&w, -1, "x", 1), -EMSGSIZE);
	assert_int_equal(mpi_wire_add(&w, 0, big, (size_t)MPI_WIRE_MAX_TASK + 1),
	    -EMSGSIZE);
	/* Growth keeps earlier tasks intact. */
	for (i = 0; i < 30; i++) {
		memset(big, (int)i, sizeof(big));
		assert_int_equal(mpi_wire_add(&w, 0, big, sizeof(big)), 0);
	}
	assert_int_equal(w.len, MPI_WIRE_HDR + 30 * (MPI_WIRE_TASK_HDR + sizeof(big)));
	for (i = 0; i < 30; i++)
		assert_int_equal(w.buf[MPI_WIRE_HDR + i * (MPI_WIRE_TASK_HDR +
		    sizeof(big)) + MPI_WIRE_TASK_HDR + 99999], (unsigned char)i);
	assert_int_equal(mpi_wire_len_with(&w, 10),
	    w.len + MPI_WIRE_TASK_HDR + 10);
	mpi_wire_release(&w);
	mpi_wire_release(&w);	/* twice is fine */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(round_trip),
		cmocka_unit_test(empty_and_cancel),
		cmocka_unit_test(malformed),
		cmocka_unit_test(callback_stops),
		cmocka_unit_test(limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
