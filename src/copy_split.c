/*
 * copy_split.c -- one big file copied by several workers at once.
 *
 * A network file system answers one request at a time per caller: a
 * single worker copying a big file waits a round trip for every READ it
 * is not handed ahead by readahead and for every WRITE the client does
 * not gather, and leaves the link and the server's RPC slots mostly idle.
 * So a file of at least SPLIT_MIN bytes whose pair (source device,
 * destination device) has a network file system on either side is cut
 * into pieces of PIECE bytes, and up to SPLIT_WAYS workers copy them into
 * the file's one temp at their own offsets (every method of the chain
 * takes explicit offsets), each piece through the chain as a whole file
 * would go.  The temp is renamed by copy.c once every piece is in, as for
 * any file.
 *
 * Who copies: the file's own worker (the owner) and helpers, tasks
 * queued on the run's pool (copy_ctx.helpers) that idle workers pick up.
 * Every participant claims the next piece until none is left, so the
 * owner never waits for a helper that has not started: a helper that
 * runs late finds nothing to claim and only drops its reference.  The
 * owner waits for the pieces in flight, then the fds may close.  No
 * pool: one worker, as for any file.
 *
 * While the pair is still measuring its methods (copy_pair.c), the file
 * starts in probe rounds: ROUND bytes in as many pieces as there are
 * workers, all with the one method the pair wants measured next, timed
 * from the round's start to its last piece, and reported to the pair as
 * one sample; the next round begins once every piece of the last is in.
 * A method is so measured as it will be used, by several workers at
 * once, and never against another method's calls: timed side by side
 * they would time the lock they share (a FUSE client takes a file's
 * writes one at a time; a 4 MiB splice holds it for a hundred 64 KiB
 * WRITEs).  One worker alone ranks the methods differently: over FUSE
 * with a writeback cache, read/write beat the splice alone and lost to
 * it 2 to 1 in pieces.
 *
 * Not split: sparse copies (-S) and --reflink=always (copy_chain.c
 * decides), and a pair on one device where copy_file_range may be the
 * server's own copy, which moves no data through the client.
 *
 * A piece that fails stops the claiming; the first error is the file's
 * (its message and side, as from one worker).  A source that ends early
 * also stops it: the copy is then short and copy.c's fstat sees the
 * change and retries the file.
 */
#include "copy_int.h"

#include "pool.h"
#include "util.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define SPLIT_MIN ((uint64_t)64 << 20)	/* smaller: one worker */
#define PIECE ((uint64_t)32 << 20)	/* what a worker claims at a time */
#define SPLIT_WAYS 8			/* workers on one file at most */
#define ROUND ((uint64_t)8 << 20)	/* a probe round, all workers */
#define ROUND_PIECE_MIN ((uint64_t)1 << 20)

struct split;

struct helper {
	struct pool_task t;
	struct split *s;
};

struct split {
	pthread_mutex_t pos_lock;	/* the temp's file position (sendfile) */
	pthread_mutex_t lock;		/* guards everything below */
	pthread_cond_t idle;		/* inflight dropped to 0 */
	unsigned refs;			/* the owner and each helper not done */
	uint64_t next, size;		/* the next piece's start; the end */
	unsigned inflight;		/* pieces being copied */
	unsigned workers;		/* participants that claimed a piece */
	bool stop;			/* an error or a short source */
	uint64_t short_end;		/* where the source ended early */
	uint64_t bad_min;		/* where the first piece that failed
					 * or came short stopped writing */
	int round;			/* the probe round's method + 1; 0 */
	uint64_t round_end;		/* where the round ends */
	uint64_t round_piece;		/* its pieces' size */
	uint64_t round_t0, round_bytes;	/* its start, the bytes it moved */
	unsigned ways;			/* participants at most */
	struct chain proto;		/* the file's chain (no res, no buf) */
	struct copy_result res;		/* merged: bytes, first error, -vv */
	int err;			/* the first piece's -errno */
	struct helper h[];		/* the helpers' tasks */
};

static void split_unref(struct split *s)
{
	bool last;

	pthread_mutex_lock(&s->lock);
	last = --s->refs == 0;
	pthread_mutex_unlock(&s->lock);
	if (last) {
		pthread_mutex_destroy(&s->pos_lock);
		pthread_mutex_destroy(&s->lock);
		pthread_cond_destroy(&s->idle);
		free(s);
	}
}

/* Starts the next probe round at s->next if the pair wants one (else
 * no round: the pair has chosen).  Under s->lock. */
static void next_round(struct split *s)
{
	uint64_t left = s->size - s->next;
	int m = s->proto.forced || left == 0 ? -1 : chain_probe(&s->proto);

	s->round = m + 1;
	if (m < 0)
		return;
	s->round_end = s->next + (left < ROUND ? left : ROUND);
	s->round_piece = ROUND / s->ways;
	if (s->round_piece < ROUND_PIECE_MIN)
		s->round_piece = ROUND_PIECE_MIN;
	s->round_t0 = copy_now_ns();
	s->round_bytes = 0;
}

/* The next piece for CH (set up from the file's chain): true and *OFF,
 * *LEN; false when there is none left or the copy stopped.  Within a
 * probe round, waits for the round's last pieces before the next. */
static bool claim(struct split *s, struct chain *ch, uint64_t *off,
    uint64_t *len)
{
	bool got = false;
	uint64_t end, most;

	pthread_mutex_lock(&s->lock);
	while (s->round && s->next >= s->round_end && s->inflight > 0 &&
	    !s->stop)
		pthread_cond_wait(&s->idle, &s->lock);
	if (!s->stop && s->next < s->size &&
	    !atomic_load(&s->proto.c->abort)) {
		end = s->round ? s->round_end : s->size;
		most = s->round ? s->round_piece : PIECE;
		*off = s->next;
		*len = end - s->next < most ? end - s->next : most;
		s->next += *len;
		s->inflight++;
		ch->disabled = s->proto.disabled;
		ch->round = s->round;
		got = true;
	}
	pthread_mutex_unlock(&s->lock);
	return got;
}

/* Merges one piece's result R (N: bytes or -errno) into S; FIRST: the
 * participant's first piece. */
static void piece_done(struct split *s, const struct chain *ch,
    const struct copy_result *r, int64_t n, uint64_t off, bool shortened,
    bool first)
{
	int m;

	pthread_mutex_lock(&s->lock);
	s->workers += first;
	for (m = 0; m < TS_METHOD_COUNT; m++)
		s->res.bytes[m] += r->bytes[m];
	s->proto.disabled |= ch->disabled;
	if (r->fallbacks[0] && !s->res.fallbacks[0])
		memcpy(s->res.fallbacks, r->fallbacks, sizeof(r->fallbacks));
	if (n < 0 && s->err == 0) {
		s->err = (int)n;
		s->res.what = r->what;
		s->res.side = r->side;
		s->res.fatal = r->fatal;
		s->res.vanished = r->vanished;
	}
	if (n >= 0 && shortened && off + (uint64_t)n < s->short_end)
		s->short_end = off + (uint64_t)n;
	if ((n < 0 || shortened) && off + (uint64_t)(n < 0 ? 0 : n) <
	    s->bad_min)
		s->bad_min = off + (uint64_t)(n < 0 ? 0 : n);
	if (n < 0 || shortened)
		s->stop = true;
	if (s->round && n > 0)
		s->round_bytes += (uint64_t)n;
	if (--s->inflight == 0) {
		if (s->round && s->next >= s->round_end && !s->stop) {
			chain_probe_done(&s->proto, s->round - 1,
			    s->round_bytes, copy_now_ns() - s->round_t0);
			next_round(s);
		}
		pthread_cond_broadcast(&s->idle);
	}
	pthread_mutex_unlock(&s->lock);
}

/* Copies pieces until none is left, with scratch buffer BUF. */
static void copy_pieces(struct split *s, char *buf)
{
	struct copy_result r;
	struct chain ch;
	uint64_t off, len;
	bool counted = false;

	pthread_mutex_lock(&s->lock);
	ch = s->proto;
	pthread_mutex_unlock(&s->lock);
	ch.buf = buf;
	ch.res = &r;
	while (claim(s, &ch, &off, &len)) {
		bool shortened = false;
		int64_t n;

		memset(&r, 0, sizeof(r));
		n = chain_copy_range(&ch, (off_t)off, len, &shortened);
		piece_done(s, &ch, &r, n, off, shortened, !counted);
		counted = true;
	}
}

static void helper_run(struct pool_task *t, struct pool_worker *w)
{
	struct split *s = ((struct helper *)t)->s;

	if (!pool_cancelled(w->pool))
		copy_pieces(s, w->buf);
	split_unref(s);
}

bool copy_split_wanted(struct chain *ch, uint64_t size)
{
	struct copy_ctx *c = ch->c;

	return c->helpers && c->helpers->nthreads > 1 && size >= SPLIT_MIN &&
	    copy_pair_concurrent(c, ch->sdev, ch->ddev, ch->in, ch->out);
}

/* A split of CH's file: pieces from START to LOCAL_END (the rest, to
 * SIZE, is other ranks'), its helpers queued on the pool.  The owner's
 * reference is the caller's. */
static struct split *split_start(struct chain *ch, uint64_t start,
    uint64_t local_end, uint64_t size)
{
	struct pool *p = ch->c->helpers;
	unsigned ways = (unsigned)p->nthreads, i, n;
	uint64_t pieces = (local_end - start + PIECE - 1) / PIECE;
	struct split *s;

	if (ways > SPLIT_WAYS)
		ways = SPLIT_WAYS;
	if (ways > pieces)
		ways = (unsigned)pieces;
	n = ways ? ways - 1 : 0;
	s = xcalloc(1, sizeof(*s) + n * sizeof(s->h[0]));
	pthread_mutex_init(&s->pos_lock, NULL);
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->idle, NULL);
	s->refs = 1 + n;
	s->next = start;
	s->size = local_end;
	s->short_end = size;
	s->bad_min = size;
	s->proto = *ch;
	s->proto.res = NULL;
	s->proto.buf = NULL;
	s->proto.round = 0;
	s->proto.pos_lock = &s->pos_lock;
	s->ways = ways ? ways : 1;
	next_round(s);
	for (i = 0; i < n; i++) {
		s->h[i].t.fn = helper_run;
		s->h[i].s = s;
		pool_submit(p, &s->h[i].t);
	}
	return s;
}

/* What the pieces of S (of a file of SIZE bytes) did, into CH's result:
 * their bytes, fallbacks, methods turned off, workers, the prefix known
 * complete and the first error (returned: 0 or -errno). */
static int split_gather(struct chain *ch, struct split *s, uint64_t size)
{
	int m, err = s->err;

	for (m = 0; m < TS_METHOD_COUNT; m++)
		ch->res->bytes[m] += s->res.bytes[m];
	if (s->res.fallbacks[0] && !ch->res->fallbacks[0])
		memcpy(ch->res->fallbacks, s->res.fallbacks,
		    sizeof(s->res.fallbacks));
	ch->disabled |= s->proto.disabled;
	/* Claiming stopped by a cancel with pieces left unclaimed: the
	 * copy is not complete even though no piece failed. */
	if (err == 0 && s->short_end == size && s->next < s->size) {
		err = -EINTR;
		s->res.what = "interrupted while copying";
		s->res.side = COPY_DST;
	}
	if (err < 0) {
		copy_fail(ch->res, s->res.what, s->res.side);
		ch->res->fatal = s->res.fatal;
		ch->res->vanished = s->res.vanished;
	}
	ch->res->workers = s->workers;
	/* Pieces are claimed in order: below the first that failed (and
	 * the first never claimed) every byte is in. */
	ch->res->split_prefix = s->bad_min < s->next ? s->bad_min : s->next;
	return err;
}

/* treesync-mpi: waits for every other rank to be done with the temp
 * (before it may be finished or removed) and adds what they did to CH's
 * result; ERR is the local pieces' outcome, returned unless only the
 * other ranks failed.  *END: where the source ended, if earlier. */
static int remote_gather(struct chain *ch, void *remote, int err,
    uint64_t *end)
{
	struct copy_result rr;
	int rerr, m;

	memset(&rr, 0, sizeof(rr));
	rerr = ch->c->remote->wait(ch->c->remote->arg, remote, &rr, end);
	for (m = 0; m < TS_METHOD_COUNT; m++)
		ch->res->bytes[m] += rr.bytes[m];
	if (rerr < 0 && err >= 0) {
		err = rerr;
		copy_fail(ch->res, rr.what, rr.side);
		ch->res->fatal = rr.fatal;
	}
	return err;
}

int64_t copy_split(struct chain *ch, uint64_t size, bool *shortened)
{
	uint64_t start = 0, end, local_end = size;
	void *remote = NULL;
	struct split *s;
	int err;

	/* treesync-mpi: the tail to other ranks; this rank's pieces end
	 * where theirs begin. */
	if (ch->c->remote)
		local_end = ch->c->remote->begin(ch->c->remote->arg, ch->in,
		    ch->out, start, size, &remote);
	s = split_start(ch, start, local_end, size);
	copy_pieces(s, ch->buf);
	pthread_mutex_lock(&s->lock);
	while (s->inflight > 0)
		pthread_cond_wait(&s->idle, &s->lock);
	/* Nothing is claimed from here on: next == size, or stop. */
	s->stop = true;
	pthread_mutex_unlock(&s->lock);

	err = split_gather(ch, s, size);
	end = s->short_end;
	if (remote)
		err = remote_gather(ch, remote, err, &end);
	*shortened = end < size;
	split_unref(s);
	return err < 0 ? err : (int64_t)end;
}
