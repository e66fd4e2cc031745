/*
 * copy_pair.c -- what the copy chain learns per (source device,
 * destination device) pair: which methods work there, and which one
 * moves bytes fastest.
 *
 * Why measure: whether copy_file_range is fast depends on what the kernel
 * makes of it, which a program cannot ask.  Within one btrfs or XFS it is
 * a reflink, within one NFS or FUSE mount a server-side copy: orders of
 * magnitude faster than anything else, and on one local file system an
 * in-kernel copy as fast as read/write.  Across two NFS or FUSE mounts the
 * file system's own copy refuses and the kernel quietly splices through a
 * pipe, 64 KiB at a time: over FUSE 4x slower than large read/write, and
 * sendfile is the same splice (as it is from a local disk to a network
 * file system that writes through).  Between two NFS mounts of one server
 * or two servers that copy between themselves, copy_file_range is the
 * server's copy again.
 *
 * So on one device the chain's order stands (copy_file_range first: it is
 * the file system's own copy), and on two devices the first large copies
 * are measured: each call of at least SAMPLE_MIN bytes of the two
 * candidates -- the first splice method that works there
 * (copy_file_range, else sendfile) and read/write -- is timed, they take
 * turns (the one with fewer bytes timed goes next) until each has
 * EXPLORE_BYTES in at least EXPLORE_CALLS calls, and the pair takes
 * read/write unless the splice method moved bytes at least SPLICE_GAIN
 * times as fast.  An offloaded copy wins the measurement by orders of
 * magnitude; a splice that is not offloaded goes through a pipe 64 KiB
 * at a time and at best keeps up with read/write (through a write-through
 * client it loses by a factor of several), so a near tie is noise, and
 * the wrong pick costs 5x one way and little the other: measured on a
 * loaded machine, 8 MiB probe rounds once ranked a splice first that then
 * took 14.6 s for 1 GiB where read/write took 2.6 s.
 *
 * Files smaller than SAMPLE_MIN are never measured; they use what the
 * pair has decided, or the chain's order while it is still measuring.
 * A decision holds for the run; a method that later fails with "not
 * supported" is still left the usual way (copy_chain.c).
 *
 * Owns the pair table of struct copy_ctx (under copy_ctx.pair_lock).
 * Knows nothing of files, offsets or errors.
 */
#include "copy_int.h"

#include "util.h"

#include <string.h>
#include <time.h>

#define SAMPLE_MIN ((uint64_t)1 << 20)		/* a call worth timing */
#define EXPLORE_BYTES ((uint64_t)8 << 20)	/* per method measured */
#define EXPLORE_CALLS 2
#define SPLICE_GAIN_PCT 200			/* a splice kept: 2x read/write */

uint64_t copy_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The slot of (SDEV, DDEV), made if there is room; NULL if the table is
 * full (that pair then measures nothing and uses the chain's order).
 * Under pair_lock. */
static struct copy_pair *slot(struct copy_ctx *c, uint64_t sdev, uint64_t ddev)
{
	unsigned i;

	for (i = 0; i < c->npairs; i++)
		if (c->pairs[i].sdev == sdev && c->pairs[i].ddev == ddev)
			return &c->pairs[i];
	if (c->npairs == COPY_PAIR_SLOTS)
		return NULL;
	memset(&c->pairs[i], 0, sizeof(c->pairs[i]));
	c->pairs[i].sdev = sdev;
	c->pairs[i].ddev = ddev;
	c->pairs[i].best = -1;
	c->pairs[i].concurrent = -1;
	c->npairs++;
	return &c->pairs[i];
}

bool copy_pair_cfr_no(struct copy_ctx *c, uint64_t sdev, uint64_t ddev)
{
	struct copy_pair *p;
	bool no;

	pthread_mutex_lock(&c->pair_lock);
	p = slot(c, sdev, ddev);
	no = p && p->cfr_no;
	pthread_mutex_unlock(&c->pair_lock);
	return no;
}

void copy_pair_set_cfr_no(struct copy_ctx *c, uint64_t sdev, uint64_t ddev)
{
	struct copy_pair *p;

	pthread_mutex_lock(&c->pair_lock);
	p = slot(c, sdev, ddev);
	if (p) {
		p->cfr_no = true;
		if (p->best == TS_METHOD_CFR)
			p->best = -1;	/* measure the others */
	}
	pthread_mutex_unlock(&c->pair_lock);
}

/* Bytes per second of method M's samples (0 without any). */
static uint64_t rate(const struct copy_pair *p, int m)
{
	if (p->ns[m] == 0)
		return 0;
	return (uint64_t)((double)p->bytes[m] * 1e9 / (double)p->ns[m]);
}

int copy_pair_decide(const struct copy_pair *p, unsigned usable)
{
	uint64_t best = 0;
	int m;

	if (usable == 0)
		return -1;
	for (m = 0; m < TS_METHOD_COUNT; m++) {
		if (!(usable & (1u << m)))
			continue;
		if (p->bytes[m] < EXPLORE_BYTES || p->calls[m] < EXPLORE_CALLS)
			return -1;	/* still measuring */
		if (rate(p, m) > best)
			best = rate(p, m);
	}
	if (best == 0)
		return -1;
	if (!(usable & (1u << TS_METHOD_RW))) {
		for (m = 0; m < TS_METHOD_COUNT; m++)
			if ((usable & (1u << m)) && rate(p, m) == best)
				return m;
		return -1;
	}
	/* Read/write, unless the earliest splice method is SPLICE_GAIN
	 * times as fast. */
	for (m = 0; m < TS_METHOD_COUNT; m++)
		if (m != TS_METHOD_RW && (usable & (1u << m)) &&
		    rate(p, m) * 100 >= rate(p, TS_METHOD_RW) * SPLICE_GAIN_PCT)
			return m;
	return TS_METHOD_RW;
}

/* The methods measured against each other among USABLE: the first
 * splice method and read/write; 0 when there is no choice. */
static unsigned candidates(unsigned usable)
{
	unsigned c = usable & (1u << TS_METHOD_RW);

	if (usable & (1u << TS_METHOD_CFR))
		c |= 1u << TS_METHOD_CFR;
	else if (usable & (1u << TS_METHOD_SENDFILE))
		c |= 1u << TS_METHOD_SENDFILE;
	return c == (c & -c) ? 0 : c;	/* one method: nothing to learn */
}

/* The first method of MASK in the chain's order; -1 if none. */
static int first(unsigned mask)
{
	int m;

	for (m = 0; m < TS_METHOD_COUNT; m++)
		if (mask & (1u << m))
			return m;
	return -1;
}

int copy_pair_pick(struct copy_ctx *c, uint64_t sdev, uint64_t ddev,
    unsigned usable, unsigned file, bool *measure)
{
	unsigned cand = candidates(usable) & file;
	struct copy_pair *p;
	int m, pick = -1;

	*measure = false;
	if (sdev == ddev || cand == 0)
		return first(file);
	pthread_mutex_lock(&c->pair_lock);
	p = slot(c, sdev, ddev);
	if (p && p->best >= 0) {
		if (file & (1u << p->best))
			pick = p->best;
	} else if (p && copy_pair_decide(p, candidates(usable)) < 0) {
		/* Its turn: the candidate with fewer bytes timed. */
		for (m = 0; m < TS_METHOD_COUNT; m++)
			if ((cand & (1u << m)) &&
			    (pick < 0 || p->bytes[m] < p->bytes[pick]))
				pick = m;
		*measure = pick >= 0;
	}
	pthread_mutex_unlock(&c->pair_lock);
	return pick >= 0 ? pick : first(file);
}

void copy_pair_sample(struct copy_ctx *c, uint64_t sdev, uint64_t ddev,
    int m, uint64_t bytes, uint64_t ns, unsigned usable)
{
	struct copy_pair *p;

	if (bytes < SAMPLE_MIN || ns == 0)
		return;
	pthread_mutex_lock(&c->pair_lock);
	p = slot(c, sdev, ddev);
	if (p && p->best < 0) {
		p->bytes[m] += bytes;
		p->ns[m] += ns;
		p->calls[m]++;
		p->best = (int8_t)copy_pair_decide(p, candidates(usable));
	}
	pthread_mutex_unlock(&c->pair_lock);
}

int copy_pair_best(struct copy_ctx *c, uint64_t sdev, uint64_t ddev)
{
	struct copy_pair *p;
	int best;

	pthread_mutex_lock(&c->pair_lock);
	p = slot(c, sdev, ddev);
	best = p ? p->best : -1;
	pthread_mutex_unlock(&c->pair_lock);
	return best;
}

bool copy_pair_concurrent(struct copy_ctx *c, uint64_t sdev, uint64_t ddev,
    int in, int out)
{
	struct copy_pair *p;
	int8_t known;
	bool net;

	pthread_mutex_lock(&c->pair_lock);
	p = slot(c, sdev, ddev);
	known = p ? p->concurrent : -1;
	pthread_mutex_unlock(&c->pair_lock);
	if (known >= 0)
		return known;
	net = util_fd_is_network(in) || util_fd_is_network(out);
	pthread_mutex_lock(&c->pair_lock);
	p = slot(c, sdev, ddev);
	if (p)
		p->concurrent = net;
	pthread_mutex_unlock(&c->pair_lock);
	return net;
}
