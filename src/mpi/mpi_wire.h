/*
 * mpi_wire.h -- the bytes of one message of the MPI work queue.
 *
 * A message carries zero or more opaque tasks.  It is built in one
 * malloc'ed buffer and parsed in place; nothing here knows MPI, so the
 * format is unit-tested without a launcher (tests/unit/test_mpi_wire.c).
 *
 *	struct mpi_wire w;
 *	mpi_wire_init(&w, MPI_WIRE_SEND);		// 0 or -ENOMEM
 *	mpi_wire_add(&w, origin_rank, task, task_len);	// 0 or -ENOMEM
 *	MPI_Isend(w.buf, w.len, MPI_BYTE, ...);		// the buffer is w.buf
 *	...
 *	mpi_wire_parse(buf, len, &kind, each_task, ctx);	// 0 or -EPROTO
 *
 * Layout, in the host's byte order (every rank runs the same build on
 * the same architecture): a header of two uint32 (magic|kind, task
 * count), then per task two uint32 (length, origin rank) and its bytes,
 * unaligned.
 */
#ifndef TS_MPI_WIRE_H
#define TS_MPI_WIRE_H

#include <stddef.h>
#include <stdint.h>

enum mpi_wire_kind {
	MPI_WIRE_REPLY = 1,	/* answer to a steal request; empty: denied */
	MPI_WIRE_PUSH = 2,	/* tasks given to a rank that asked earlier */
	MPI_WIRE_SEND = 3,	/* tasks addressed to this rank (pinned) */
	MPI_WIRE_CANCEL = 4,	/* the run is cancelled; no tasks */
};

#define MPI_WIRE_HDR 8u		/* header bytes */
#define MPI_WIRE_TASK_HDR 8u	/* bytes before each task's data */
#define MPI_WIRE_MAX_TASK 0x7fffffffu	/* one task's bytes at most */

struct mpi_wire {
	unsigned char *buf;	/* malloc'ed; the caller frees it */
	size_t len;		/* bytes used */
	size_t cap;
	uint32_t ntasks;
};

/*
 * Starts a message of KIND with no task (a complete message already: a
 * denial or a cancel is just that).  Returns 0 or -ENOMEM.
 */
int mpi_wire_init(struct mpi_wire *w, enum mpi_wire_kind kind);

/*
 * Appends one task: ORIGIN is the rank that made it, DATA/LEN its bytes
 * (copied).  Returns 0, -ENOMEM, or -EMSGSIZE when LEN is over
 * MPI_WIRE_MAX_TASK or the message would pass INT_MAX bytes (MPI's
 * count).  Not thread-safe (one builder per message).
 */
int mpi_wire_add(struct mpi_wire *w, int origin, const void *data, size_t len);

/* Bytes the message would have with one more task of LEN bytes. */
size_t mpi_wire_len_with(const struct mpi_wire *w, size_t len);

/* Frees the buffer (also after a failed init). */
void mpi_wire_release(struct mpi_wire *w);

/*
 * Called once per task of a parsed message, in order; DATA points into
 * the message (valid until the caller frees it).  A non-zero return
 * stops the parse and is returned by mpi_wire_parse().
 */
typedef int mpi_wire_task_fn(void *ctx, int origin, const void *data,
    size_t len);

/*
 * Checks the whole message first, then calls FN for each task (FN NULL:
 * only the check).  Returns 0, -EPROTO for a malformed message (bad
 * magic or kind, lengths that do not add up exactly to LEN; FN is then
 * never called), or what FN returned.  *KIND gets the message's kind.
 * Thread-safe.
 */
int mpi_wire_parse(const void *msg, size_t len, enum mpi_wire_kind *kind,
    mpi_wire_task_fn *fn, void *ctx);

/*
 * Reads only the header: the kind and the task count as the sender
 * wrote them (not checked against the rest).  Returns 0, or -EPROTO when
 * LEN is shorter than a header.  The receiver counts a message by what
 * its sender counted, even when the rest turns out to be malformed.
 */
int mpi_wire_peek(const void *msg, size_t len, uint32_t *kind,
    uint32_t *ntasks);

#endif /* TS_MPI_WIRE_H */
