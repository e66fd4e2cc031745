/*
 * mpi_wire.c -- building and parsing the messages of the MPI work queue.
 *
 * Owns the byte layout described in mpi_wire.h and its validation: a
 * message from another rank is checked whole before any task is handed
 * on, so a truncated or corrupt buffer can never make the queue read past
 * its end.  Knows nothing of MPI or of what a task means.
 */
#include "mpi_wire.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#define WIRE_MAGIC 0x54530000u	/* "TS" in the high half, kind below */

static void put32(unsigned char *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
}

static uint32_t get32(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

int mpi_wire_init(struct mpi_wire *w, enum mpi_wire_kind kind)
{
	w->cap = 256;
	w->len = MPI_WIRE_HDR;
	w->ntasks = 0;
	w->buf = malloc(w->cap);
	if (!w->buf)
		return -ENOMEM;
	put32(w->buf, WIRE_MAGIC | (uint32_t)kind);
	put32(w->buf + 4, 0);
	return 0;
}

size_t mpi_wire_len_with(const struct mpi_wire *w, size_t len)
{
	return w->len + MPI_WIRE_TASK_HDR + len;
}

int mpi_wire_add(struct mpi_wire *w, int origin, const void *data, size_t len)
{
	size_t need;

	if (len > MPI_WIRE_MAX_TASK || origin < 0)
		return -EMSGSIZE;
	need = mpi_wire_len_with(w, len);
	if (need > INT_MAX)
		return -EMSGSIZE;
	if (need > w->cap) {
		size_t cap = w->cap;
		unsigned char *nb;

		while (cap < need)
			cap = cap * 2 > INT_MAX ? need : cap * 2;
		nb = realloc(w->buf, cap);
		if (!nb)
			return -ENOMEM;
		w->buf = nb;
		w->cap = cap;
	}
	put32(w->buf + w->len, (uint32_t)len);
	put32(w->buf + w->len + 4, (uint32_t)origin);
	if (len)
		memcpy(w->buf + w->len + MPI_WIRE_TASK_HDR, data, len);
	w->len = need;
	w->ntasks++;
	put32(w->buf + 4, w->ntasks);
	return 0;
}

void mpi_wire_release(struct mpi_wire *w)
{
	free(w->buf);
	w->buf = NULL;
	w->len = w->cap = 0;
	w->ntasks = 0;
}

/* Walks the tasks once without calling anyone: do they fill MSG exactly? */
static int check(const unsigned char *p, size_t len, uint32_t n)
{
	size_t off = MPI_WIRE_HDR;
	uint32_t i;

	for (i = 0; i < n; i++) {
		uint32_t tl;

		if (len - off < MPI_WIRE_TASK_HDR)
			return -EPROTO;
		tl = get32(p + off);
		if (tl > MPI_WIRE_MAX_TASK || get32(p + off + 4) > INT_MAX)
			return -EPROTO;
		off += MPI_WIRE_TASK_HDR;
		if (len - off < tl)
			return -EPROTO;
		off += tl;
	}
	return off == len ? 0 : -EPROTO;
}

int mpi_wire_parse(const void *msg, size_t len, enum mpi_wire_kind *kind,
    mpi_wire_task_fn *fn, void *ctx)
{
	const unsigned char *p = msg;
	uint32_t head, n, i, k;
	size_t off = MPI_WIRE_HDR;
	int r;

	if (len < MPI_WIRE_HDR)
		return -EPROTO;
	head = get32(p);
	n = get32(p + 4);
	k = head & 0xffffu;
	if ((head & 0xffff0000u) != WIRE_MAGIC || k < MPI_WIRE_REPLY ||
	    k > MPI_WIRE_CANCEL || (k == MPI_WIRE_CANCEL && n != 0))
		return -EPROTO;
	r = check(p, len, n);
	if (r < 0)
		return r;
	*kind = (enum mpi_wire_kind)k;
	for (i = 0; fn && i < n; i++) {
		uint32_t tl = get32(p + off);
		int origin = (int)get32(p + off + 4);

		off += MPI_WIRE_TASK_HDR;
		r = fn(ctx, origin, p + off, tl);
		if (r)
			return r;
		off += tl;
	}
	return 0;
}

int mpi_wire_peek(const void *msg, size_t len, uint32_t *kind,
    uint32_t *ntasks)
{
	const unsigned char *p = msg;

	if (len < MPI_WIRE_HDR)
		return -EPROTO;
	*kind = get32(p) & 0xffffu;
	*ntasks = get32(p + 4);
	return 0;
}
