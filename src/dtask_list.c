/*
 * dtask_list.c -- treesync-mpi: a --files-from list (and -R's operands,
 * which are one) over several ranks (see dtask.h, docs/mpi.md).
 *
 * Rank 0 reads the list once (select_load(): a file, or its stdin, which
 * only rank 0 has under mpirun) and broadcasts what it made of it: the
 * lists of run->sels, normalised, sorted, without duplicates, in pieces
 * of about PIECE bytes, so that no rank holds the list twice over while
 * it is shared.  Every rank then has the same lists at the same indices,
 * and a directory task names its sources' list by its index (dtask.c).
 *
 * Which listed paths the walk met is spread over the ranks (each marks
 * its own copy of the list): after the walk they are ORed, a bit per
 * path, and rank 0 says the ones no rank met -- before the deletion
 * decision, so that nothing is deleted, those not below a directory some
 * rank replaces after the walk; after the deletion pass the rest, as one
 * process does (select_report_unlisted()).
 *
 * A piece:  u8 last, then records: u8 REC_LIST, str prefix, u8 dot_line,
 * u64 paths (the list's paths follow, maybe in later pieces), or u8
 * REC_PATH, u8 contents, str path.
 */
#define _GNU_SOURCE
#include "dtask_int.h"

#include "report.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

enum { REC_LIST = 1, REC_PATH = 2 };
#define PIECE (1u << 20)

/* The state of a receiving rank: the list being filled, and where. */
struct recv {
	struct ts_run *run;
	struct sel_list *l;	/* NULL before the first list */
	size_t next;		/* its next path */
	bool bad;
};

/* Sends piece B (LAST: the end) to every rank; 0 or -errno. */
static int send_piece(struct ts_run *run, struct dtask_buf *b, bool last)
{
	int r;

	b->p[0] = last;
	r = run->exec->bcast(run->exec->arg, b);
	b->n = 0;
	put_u8(b, 0);		/* the next piece's "last" */
	return r;
}

/* Rank 0: every list, piece by piece; 0 or -errno. */
static int share_lists(struct ts_run *run)
{
	struct dtask_buf b = { 0 };
	size_t k, i;
	int r = 0;

	put_u8(&b, 0);
	for (k = 0; k < run->nsels && r == 0; k++) {
		const struct sel_list *l = &run->sels[k];

		put_u8(&b, REC_LIST);
		put_str(&b, l->prefix);
		put_u8(&b, l->dot_line);
		put_u64(&b, l->n);
		for (i = 0; i < l->n && r == 0; i++) {
			put_u8(&b, REC_PATH);
			put_u8(&b, l->v[i].contents);
			put_str(&b, l->v[i].path);
			if (b.n >= PIECE)
				r = send_piece(run, &b, false);
		}
	}
	if (r == 0)
		r = send_piece(run, &b, true);
	dtask_buf_free(&b);
	return r;
}

/* A new list of N paths in S's run. */
static void recv_list(struct recv *s, char *prefix, bool dot, uint64_t n)
{
	struct ts_run *run = s->run;
	struct sel_list *l;

	if (s->l && s->next != s->l->n) {
		s->bad = true;
		free(prefix);
		return;
	}
	run->sels = xrealloc(run->sels, (run->nsels + 1) *
	    sizeof(*run->sels));
	l = &run->sels[run->nsels++];
	memset(l, 0, sizeof(*l));
	l->prefix = prefix;
	l->dot_line = dot;
	l->n = 0;
	l->v = n ? xcalloc(n, sizeof(*l->v)) : NULL;
	l->seen = xcalloc(n ? n : 1, sizeof(*l->seen));
	l->n = n;
	s->l = l;
	s->next = 0;
}

/* The records of one piece R into S's run. */
static void recv_piece(struct recv *s, struct rd *r)
{
	while (!s->bad && !r->bad && r->at < r->n) {
		uint8_t kind = get_u8(r);

		if (kind == REC_LIST) {
			char *prefix = get_str(r);
			bool dot = get_u8(r);
			uint64_t n = get_u64(r);

			if (r->bad) {
				free(prefix);
				s->bad = true;
			} else {
				recv_list(s, prefix, dot, n);
			}
		} else if (kind == REC_PATH && s->l && s->next < s->l->n) {
			bool contents = get_u8(r);

			s->l->v[s->next].contents = contents;
			s->l->v[s->next++].path = get_str(r);
		} else {
			s->bad = true;
		}
	}
	s->bad |= r->bad;
}

/* Ranks other than 0: the lists, piece by piece until the last; 0 or
 * -errno. */
static int take_lists(struct ts_run *run)
{
	struct recv s = { run, NULL, 0, false };
	struct dtask_buf b = { 0 };
	bool last = false;
	int r = 0;

	while (!last && r == 0) {
		struct rd rd;

		b.n = 0;
		if ((r = run->exec->bcast(run->exec->arg, &b)) < 0)
			break;
		rd = (struct rd){ b.p, b.n, 0, false };
		last = get_u8(&rd);
		if (rd.bad)
			s.bad = last = true;	/* cannot be: ranks agree */
		recv_piece(&s, &rd);
	}
	if (s.l && s.next != s.l->n)
		s.bad = true;
	dtask_buf_free(&b);
	return r < 0 ? r : s.bad ? -EPROTO : 0;
}

int dtask_list_share(struct ts_run *run)
{
	const struct run_exec *x = run->exec;
	uint64_t v[1];
	int r = x->rank == 0 ? share_lists(run) : take_lists(run);

	v[0] = r < 0;
	x->combine(x->arg, v, 1, 0, 0);
	if (v[0] && x->rank == 0)
		report_error(run->rep, "cannot share the --files-from list "
		    "with the other ranks");
	return v[0] ? TS_EXIT_IPC : 0;
}

void dtask_list_unlisted(struct ts_run *run, bool after)
{
	const struct run_exec *x = run->exec;
	size_t w = (select_npaths(run) + 63) / 64;
	/* The paths met, then (before the deletion decision) those below a
	 * deferred directory of some rank. */
	uint64_t *v = xcalloc(2 * w + 1, sizeof(*v));
	bool stop = pool_cancelled(&run->pool) || run_cancelled(run);

	select_seen_bits(run, v, after ? NULL : v + w);
	v[2 * w] = stop;
	x->combine(x->arg, v, 2 * w + 1, 0, 0);
	select_seen_merge(run, v);
	if (x->rank == 0 && !v[2 * w])
		select_report_unlisted(run, v + w);
	free(v);
}
