/*
 * dtask_hlink.c -- -H across the ranks of treesync-mpi (docs/mpi.md).
 *
 * The links of one source inode may be listed by several ranks, so no
 * rank can tell alone which link is the group's first.  During the walk
 * each rank holds its links (regular files and what else -H links, with
 * nlink > 1) instead of deciding them, each holding a reference on its
 * directory, keyed by (file system, inode, size, mtime): the file
 * system is the first operand whose root is on the link's device (all
 * hosts mount the same operands), else the statfs f_fsid of a file
 * system mounted below an operand (a FUSE mount, whose f_fsid is 0,
 * keeps its groups per rank); never a device number, which differs
 * between hosts.  After the walk, in three rounds of run->exec->exchange
 * (MPI_Alltoallv):
 *
 *   1. every link to its group's owner, the rank chosen by a hash of
 *      the key: u32 index (on the sender), the key (5 x u64), str rel
 *      (below DEST), u8 whether DEST has an entry of its type there;
 *   2. the owner orders each group as rsync meets it (a directory's
 *      files before those of its subdirectories, names in byte order)
 *      and chooses the group's first link as rsync -H does: the first
 *      one whose DEST entry is there, else the last one;
 *      back to every link's rank: u32 index, u8 role, u32 group, str the
 *      first link's rel, u32 n, then n ranks that hold other links (the
 *      first link's only);
 *   3. each rank makes its first links like any item (item_act_leader()),
 *      waits for them, and tells the ranks holding the other links:
 *      u32 owner, u32 group, u8 made (bit 0) and staged (bit 1: in its
 *      directory's staging dir until the end, --delay-updates, where the
 *      other links are linked to it), u64 DEST inode;
 *   4. only when some rank replaces a directory after the walk (DEST had
 *      another type there; the ranks learn which in one combine): the
 *      links below it are met only when the gate makes it, after the
 *      deletion pass, on that rank alone, which may hold no other link
 *      of their groups.  Each rank sends every first link it made to
 *      each such rank: the key, str rel, u8 made | staged << 1, u64 DEST
 *      inode; those ranks keep them, sorted by key, until the run ends.
 *
 * Then the other links are linked to the first one's final name, which
 * is complete by then, through hardlink.c as on one host (a first link
 * that failed, or whose name no longer holds its inode: a copy of their
 * own), and their directories released.  Each rank enters its groups in
 * its -H map, for the links that the gate makes after the deletion pass
 * (DEST had another type there; not held: the gate decides them first);
 * a link met after the exchange (below a replaced directory) whose group
 * is not in the map finds its first link in round 4's table
 * (later_link()), and follows it there as on one host.  A group all of
 * whose links the gate makes (ROLE_ALONE) has no first link: each rank's
 * links of it are a group of their own.  Nothing here touches MPI.
 */
#define _GNU_SOURCE
#include "dtask_int.h"

#include "delete.h"
#include "partial.h"
#include "report.h"
#include "walk.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <unistd.h>

/* ROLE_ALONE: every link of the group is the gate's (each rank's own). */
enum { ROLE_NONE, ROLE_FIRST, ROLE_OTHER, ROLE_ALONE };
#define KEYN 5

/* One link held for the exchange. */
struct hlink {
	struct dnode *dir;	/* holds a reference; NULL: gated, or done */
	struct srcitem it;	/* its names and SRC are this record's */
	struct ts_entry src, dst;
	bool has_dst;
	bool gated;		/* the gate makes it, after the walk */
	char *name, *src_name, *disp_name, *rel;
	uint64_t key[KEYN];
	/* From the group's owner: */
	uint8_t role;
	uint32_t owner, group;
	char *first_rel;
	uint32_t *ranks;	/* the first link: ranks with other links */
	uint32_t nranks;
	struct hl_entry *h;	/* the first link: its group here */
};

void dtask_hl_counts(const struct ts_run *run, uint64_t *held,
    uint64_t *spanning)
{
	*held = atomic_load(&run->hl_held);
	*spanning = atomic_load(&run->hl_spanning);
}

/* A group's first link as its rank made it, for the links of the group
 * that this rank meets only after the exchange (round 4). */
struct later {
	uint64_t key[KEYN];
	char *first_rel;
	bool ok, staged;
	uint64_t ino;		/* its DEST inode */
};

struct dtask_hl {
	pthread_mutex_t lock;
	struct hlink **v;	/* guarded by lock */
	size_t n, cap;
	bool over;		/* the exchange has begun */
	atomic_bool dirs_later;	/* a directory replaced here after the walk */
	struct later *later;	/* by key; read-only once the exchange is over */
	size_t nlater;
};

/* V, with room for one more element of SIZE bytes after its N (*CAP). */
static void *room(void *v, size_t n, size_t *cap, size_t size)
{
	if (n == *cap) {
		*cap = *cap ? 2 * *cap : 64;
		v = xrealloc(v, *cap * size);
	}
	return v;
}

static void malformed(struct ts_run *run, int rank)
{
	report_error(run->rep, "malformed -H message from rank %d: nothing is "
	    "deleted", rank);
	atomic_store(&run->other_error, true);
}

void dtask_hl_init(struct ts_run *run)
{
	struct dtask_hl *t;

	if (!run->hl || !run->exec || run->hlr)
		return;
	t = xcalloc(1, sizeof(*t));
	pthread_mutex_init(&t->lock, NULL);
	run->hlr = t;
}

static void hlink_free(struct hlink *m)
{
	free(m->name);
	free(m->src_name);
	free(m->disp_name);
	free(m->rel);
	free(m->first_rel);
	free(m->ranks);
	free(m);
}

/* The held links' records (a directory still held stays so). */
static void links_free(struct dtask_hl *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		hlink_free(t->v[i]);
	free(t->v);
	t->v = NULL;
	t->n = t->cap = 0;
}

/* The records only: a directory still held stays so (the run is over). */
void dtask_hl_free(struct ts_run *run)
{
	struct dtask_hl *t = run->hlr;
	size_t i;

	if (!t)
		return;
	links_free(t);
	for (i = 0; i < t->nlater; i++)
		free(t->later[i].first_rel);
	free(t->later);
	pthread_mutex_destroy(&t->lock);
	free(t);
	run->hlr = NULL;
}

/* The file system of IT as every host names it, into KEY[0..2). */
static void fs_key(struct ts_run *run, const struct srcitem *it,
    uint64_t *key)
{
	struct statfs sf;
	uint64_t fsid;
	size_t i;

	for (i = 0; i < run->plan.nsrcs; i++)
		if (run->plan.srcs[i].fd >= 0 &&
		    run->plan.srcs[i].st.dev == it->ent->dev) {
			key[0] = 0;
			key[1] = i;
			return;
		}
	fsid = 0;
	if (fstatfs(it->sfd, &sf) == 0)
		memcpy(&fsid, &sf.f_fsid, sizeof(fsid) < sizeof(sf.f_fsid) ?
		    sizeof(fsid) : sizeof(sf.f_fsid));
	if (fsid) {
		key[0] = fsid;
		key[1] = UINT64_MAX;
	} else {
		/* Nothing names it on every host: this rank's own. */
		key[0] = it->ent->dev;
		key[1] = UINT64_MAX - 1 - (uint64_t)run->exec->rank;
	}
}

/* IT's group key: its file system, inode, size and mtime. */
static void link_key(struct ts_run *run, const struct srcitem *it,
    uint64_t *key)
{
	fs_key(run, it, key);
	key[2] = it->ent->ino;
	key[3] = it->ent->size;
	key[4] = (uint64_t)it->ent->mtime_sec * 1000000000u +
	    it->ent->mtime_nsec;
}

/* Whether KEY names a file system that only this rank keys so (a FUSE
 * mount's f_fsid of 0): no other rank has links of its groups. */
static bool key_own(const struct ts_run *run, const uint64_t *key)
{
	return key[1] != UINT64_MAX && key[1] >= run->plan.nsrcs;
}

/* IT in D (DST: its DEST entry) recorded for the exchange; GATED: the
 * gate makes it after the walk (no reference held).  False once the
 * exchange has begun. */
static bool record(struct dnode *d, const struct srcitem *it,
    const struct ts_entry *dst, bool gated)
{
	struct ts_run *run = d->run;
	struct dtask_hl *t = run->hlr;
	struct hlink *m;
	bool over;

	pthread_mutex_lock(&t->lock);
	over = t->over;
	pthread_mutex_unlock(&t->lock);
	if (over)
		return false;	/* after the walk (the gate's): this rank's */
	m = xcalloc(1, sizeof(*m));
	m->gated = gated;
	m->it = *it;
	m->src = *it->ent;
	m->name = xstrdup(it->name);
	m->src_name = xstrdup(it->src_name);
	m->disp_name = xstrdup(it->disp_name);
	m->src.name = m->src_name;
	m->it.ent = &m->src;
	m->it.name = m->name;
	m->it.src_name = m->src_name;
	m->it.disp_name = m->disp_name;
	m->it.layer = NULL;
	m->it.list = NULL;
	m->it.merge = NULL;
	m->it.nmerge = 0;
	m->it.link_target = NULL;	/* borrowed from the scan: read again */
	if (dst) {
		m->dst = *dst;
		m->dst.name = m->name;
		m->has_dst = true;
	}
	m->rel = util_path_join(d->rel, it->name);
	link_key(run, it, m->key);
	if (!gated) {
		m->dir = d;
		atomic_fetch_add(&d->pending, 1);
	}
	pthread_mutex_lock(&t->lock);
	t->v = room(t->v, t->n, &t->cap, sizeof(*t->v));
	t->v[t->n++] = m;
	pthread_mutex_unlock(&t->lock);
	atomic_fetch_add(&run->hl_held, 1);
	return true;
}

static void later_link(struct ts_run *run, const struct srcitem *it);

bool dtask_hl_hold(struct dnode *d, const struct srcitem *it,
    const struct ts_entry *dst)
{
	if (record(d, it, dst, false))
		return true;
	later_link(d->run, it);
	return false;
}

void dtask_hl_gated(struct dnode *d, const struct srcitem *it)
{
	(void)record(d, it, NULL, true);
}

void dtask_hl_dir_replaced(struct ts_run *run)
{
	atomic_store(&run->hlr->dirs_later, true);
}

/* --- the owner's side ----------------------------------------------------- */

struct member {
	uint32_t rank, idx;
	uint64_t key[KEYN];
	char *rel;
	bool there;		/* DEST has an entry of its type */
	bool gated;		/* the gate makes it (never the first) */
};

/*
 * rsync's transfer order of two paths below DEST (its f_name_cmp()):
 * component by component; where they part, a file comes before a
 * directory, and two names of one kind go in byte order, a directory's
 * with its '/' ("a.b/" and "a-b/" before "a/"), a file's with its end.
 */
static int rsync_order(const char *a, const char *b)
{
	for (;;) {
		const char *ea = strchr(a, '/'), *eb = strchr(b, '/');
		size_t la = ea ? (size_t)(ea - a) : strlen(a);
		size_t lb = eb ? (size_t)(eb - b) : strlen(b);
		int c;

		if (!ea != !eb)
			return ea ? 1 : -1;
		/* The byte after the shorter name ('/' or NUL) counts. */
		c = memcmp(a, b, (la < lb ? la : lb) + 1);
		if (c || !ea)
			return c;
		a = ea + 1;
		b = eb + 1;
	}
}

/* Two group keys in their order (the owner's groups, round 4's table). */
static int cmp_key(const uint64_t *a, const uint64_t *b)
{
	int i;

	for (i = 0; i < KEYN; i++)
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	return 0;
}

static int cmp_member(const void *pa, const void *pb)
{
	const struct member *a = pa, *b = pb;
	int c = cmp_key(a->key, b->key);

	return c ? c : rsync_order(a->rel, b->rel);
}

/* Round 1's messages IN[0..P), the links of this rank's groups. */
static struct member *read_members(struct ts_run *run, struct dtask_buf *in,
    int P, size_t *nout)
{
	struct member *v = NULL;
	size_t n = 0, cap = 0;
	int r, k;

	for (r = 0; r < P; r++) {
		struct rd rd = { in[r].p, in[r].n, 0, false };

		while (rd.at < rd.n && !rd.bad) {
			v = room(v, n, &cap, sizeof(*v));
			v[n].rank = (uint32_t)r;
			v[n].idx = get_u32(&rd);
			for (k = 0; k < KEYN; k++)
				v[n].key[k] = get_u64(&rd);
			v[n].rel = get_str(&rd);
			k = get_u8(&rd);
			v[n].there = (k & 1) != 0;
			v[n].gated = (k & 2) != 0;
			if (rd.bad)
				free(v[n].rel);
			n += !rd.bad;
		}
		if (rd.bad)
			malformed(run, r);
	}
	*nout = n;
	return v;
}

/* Round 2: each group of V (sorted) decided, into OUT[0..P). */
static void decide(struct member *v, size_t n, struct dtask_buf *out, int P)
{
	bool *has = xcalloc((size_t)P, sizeof(*has));
	uint32_t group = 0, cnt;
	size_t i = 0, j, k, at;
	struct member *first;
	int r;

	for (; i < n; i = j, group++) {
		for (j = i + 1; j < n &&
		    memcmp(v[j].key, v[i].key, sizeof(v[i].key)) == 0; j++)
			;
		/* rsync's choice: the first link whose DEST entry is there
		 * (of its type), else the last one; never one the gate
		 * makes after the walk. */
		first = NULL;
		for (k = i; k < j && !first; k++)
			if (v[k].there && !v[k].gated)
				first = &v[k];
		for (k = j; k > i && !first; k--)
			if (!v[k - 1].gated)
				first = &v[k - 1];
		memset(has, 0, (size_t)P * sizeof(*has));
		for (k = i; k < j; k++)
			if (&v[k] != first)
				has[v[k].rank] = true;
		for (k = i; k < j; k++) {
			struct dtask_buf *b = &out[v[k].rank];

			put_u32(b, v[k].idx);
			put_u8(b, !first ? ROLE_ALONE : &v[k] == first ?
			    ROLE_FIRST : ROLE_OTHER);
			put_u32(b, group);
			put_str(b, first ? first->rel : "");
			at = b->n;
			put_u32(b, 0);
			if (&v[k] != first)
				continue;
			for (cnt = 0, r = 0; r < P; r++)
				if (has[r]) {
					put_u32(b, (uint32_t)r);
					cnt++;
				}
			memcpy(b->p + at, &cnt, 4);
		}
	}
	free(has);
}

/* --- each rank's side ----------------------------------------------------- */

static void bufs_reset(struct dtask_buf *b, int P)
{
	int r;

	for (r = 0; r < P; r++)
		b[r].n = 0;
}

static uint64_t key_hash(const uint64_t *key)
{
	uint64_t h = 0x9e3779b97f4a7c15ull;
	int i;

	for (i = 0; i < KEYN; i++) {
		h ^= key[i] + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
		h *= 0xbf58476d1ce4e5b9ull;
		h ^= h >> 31;
	}
	return h;
}

/* Round 2's answers IN[0..P) into this rank's links. */
static void read_roles(struct ts_run *run, struct dtask_buf *in, int P)
{
	struct dtask_hl *t = run->hlr;
	uint32_t idx, n, k;
	int r;

	for (r = 0; r < P; r++) {
		struct rd rd = { in[r].p, in[r].n, 0, false };

		while (rd.at < rd.n && !rd.bad) {
			struct hlink m = { 0 }, *to;

			idx = get_u32(&rd);
			m.role = get_u8(&rd);
			m.group = get_u32(&rd);
			m.first_rel = get_str(&rd);
			n = get_u32(&rd);
			if (n > (uint32_t)P)
				rd.bad = true;
			else
				m.ranks = xcalloc(n + 1, sizeof(*m.ranks));
			for (k = 0; k < n && !rd.bad; k++)
				if ((m.ranks[k] = get_u32(&rd)) >= (uint32_t)P)
					rd.bad = true;
			if (rd.bad || idx >= t->n || t->v[idx]->role != ROLE_NONE ||
			    (m.role != ROLE_FIRST && m.role != ROLE_OTHER &&
			    m.role != ROLE_ALONE) ||
			    (m.role == ROLE_FIRST && t->v[idx]->gated)) {
				free(m.first_rel);
				free(m.ranks);
				malformed(run, r);
				break;
			}
			to = t->v[idx];
			to->role = m.role;
			to->owner = (uint32_t)r;
			to->group = m.group;
			to->first_rel = m.first_rel;
			to->ranks = m.ranks;
			to->nranks = n;
		}
	}
}

/* A group's first link made like any item; *M's directory released. */
static void make_first(struct hlink *m)
{
	struct dnode *d = m->dir;

	m->h = xcalloc(1, sizeof(*m->h));
	m->h->dev = m->src.dev;
	m->h->ino = m->src.ino;
	m->h->state = HL_PENDING;
	m->h->master_rel = xstrdup(m->rel);
	if (dnode_enter(d) >= 0) {
		dnode_src_fields(&m->it);
		item_act_leader(d, &m->it, m->has_dst ? &m->dst : NULL, m->h);
	}
	dnode_leave(d);
	dnode_release(d);
	m->dir = NULL;
}

/*
 * The group of SRC, whose first link REL came to OK (DEV, INO: its DEST
 * entry here; STAGED: waiting in its directory's staging dir for the end
 * of the run, --delay-updates), entered in this rank's -H map: a link of
 * it that the gate
 * makes after the deletion pass (DEST had another type there) follows it
 * as on one host.
 */
static void known(struct ts_run *run, const struct ts_entry *src,
    const char *rel, bool ok, bool staged, uint64_t dev, uint64_t ino)
{
	bool first;
	struct hl_entry *h = hl_get(run, src, rel, &first);

	if (first) {
		h->staged = staged;	/* before hl_master_done() */
		hl_master_done(run, h, ok, dev, ino);
	}
}

/* What a first link came to, for the ranks of the other links. */
struct made {
	uint32_t owner, group;
	bool ok;
	bool staged;		/* --delay-updates: in its staging dir */
	uint64_t ino;
};

static int cmp_made(const void *pa, const void *pb)
{
	const struct made *a = pa, *b = pb;

	if (a->owner != b->owner)
		return a->owner < b->owner ? -1 : 1;
	return a->group < b->group ? -1 : a->group > b->group;
}

/* The DEST entry REL (below the root, never followed; STAGED: in its
 * directory's staging dir) into *E. */
static int first_stat(struct ts_run *run, const char *rel, bool staged,
    struct ts_entry *e)
{
	const char *slash = strrchr(rel, '/');
	char *dir = slash ? xstrndup(rel, (size_t)(slash - rel)) : xstrdup("");
	int fd = delete_open_kept(run->plan.dst_fd, dir,
	    run->o->keep_dirlinks), sfd, r;

	free(dir);
	if (fd >= 0 && staged) {
		sfd = partial_stage_dir(run->copy.part, fd, false);
		close(fd);
		fd = sfd;
	}
	if (fd < 0)
		return fd;
	r = walk_stat(fd, slash ? slash + 1 : rel, false, e);
	close(fd);
	return r;
}

/*
 * The group of SRC (this rank's entry of one of its links), whose first
 * link REL, made on another rank, came to OK (INO: its DEST inode;
 * STAGED: --delay-updates), entered in this rank's -H map: done when
 * REL holds that inode (a dry run makes nothing to look at), failed when
 * it is not in place or was replaced since.  Returns whether it is done,
 * and its DEST device in *DEV.
 */
static bool first_known(struct ts_run *run, const struct ts_entry *src,
    const char *rel, bool ok, bool staged, uint64_t ino, uint64_t *dev)
{
	struct ts_entry e;

	*dev = 0;
	if (ok && first_stat(run, rel, staged, &e) == 0 && e.ino == ino)
		*dev = e.dev;
	else if (ok && !run->o->dry_run)
		ok = false;	/* not in place, or replaced since */
	known(run, src, rel, ok, staged, *dev, ino);
	return ok;
}

/*
 * Another link of a group whose first link came to RES (NULL: unknown):
 * linked to it once its name holds that inode, else a copy of its own
 * (hardlink.c's waiter, as on one host).  *M's directory released.  The
 * group goes into this rank's -H map (for the gate's links).
 */
static void make_other(struct ts_run *run, struct hlink *m,
    const struct made *res)
{
	struct hl_entry h = { .state = HL_PENDING, .master_rel = m->first_rel,
		.staged = res && res->staged };
	struct hl_waiter *w;
	uint64_t dev;
	bool ok = first_known(run, &m->src, m->first_rel, res && res->ok,
	    h.staged, res ? res->ino : 0, &dev);

	if (m->gated)
		return;	/* the gate makes it: it follows the map */
	w = xcalloc(1, sizeof(*w));
	w->dir = m->dir;
	w->src = m->src;
	w->dst = m->dst;
	w->has_dst = m->has_dst;
	w->from = m->it.from;
	w->name = m->name;
	w->src_name = m->src_name;
	w->disp_name = m->disp_name;
	m->name = m->src_name = m->disp_name = NULL;
	m->dir = NULL;
	h.waiters = w;
	add(&run->entries_done, 1);
	hl_master_done(run, &h, ok, dev, res ? res->ino : 0);
}

/* Round 3: what each first link came to, to the ranks of the others. */
static void tell_made(struct ts_run *run, struct dtask_buf *b,
    uint32_t self)
{
	struct dtask_hl *t = run->hlr;
	size_t i;
	uint32_t k;

	for (i = 0; i < t->n; i++) {
		struct hlink *m = t->v[i];

		if (m->role != ROLE_FIRST)
			continue;
		if (m->nranks > 1 || (m->nranks == 1 && m->ranks[0] != self))
			atomic_fetch_add(&run->hl_spanning, 1);
		for (k = 0; k < m->nranks; k++) {
			put_u32(&b[m->ranks[k]], m->owner);
			put_u32(&b[m->ranks[k]], m->group);
			put_u8(&b[m->ranks[k]], (m->h->state == HL_DONE) |
			    m->h->staged << 1);
			put_u64(&b[m->ranks[k]], m->h->dst_ino);
		}
	}
}

static struct made *read_made(struct ts_run *run, struct dtask_buf *in,
    int P, size_t *nout)
{
	struct made *v = NULL;
	size_t n = 0, cap = 0;
	int r;

	for (r = 0; r < P; r++) {
		struct rd rd = { in[r].p, in[r].n, 0, false };
		uint8_t flags;

		while (rd.at < rd.n && !rd.bad) {
			v = room(v, n, &cap, sizeof(*v));
			v[n].owner = get_u32(&rd);
			v[n].group = get_u32(&rd);
			flags = get_u8(&rd);
			v[n].ok = flags & 1;
			v[n].staged = (flags & 2) != 0;
			v[n].ino = get_u64(&rd);
			n += !rd.bad;
		}
		if (rd.bad)
			malformed(run, r);
	}
	if (n)	/* V is NULL without one: no qsort() of it */
		qsort(v, n, sizeof(*v), cmp_made);
	*nout = n;
	return v;
}

/* --- links met after the exchange ---------------------------------------- */

static int cmp_later(const void *pa, const void *pb)
{
	const struct later *a = pa, *b = pb;

	return cmp_key(a->key, b->key);
}

/* Round 4's messages IN[0..P) into T's table of first links. */
static void read_later(struct ts_run *run, struct dtask_hl *t,
    struct dtask_buf *in, int P)
{
	size_t cap = 0;
	uint8_t flags;
	int r, k;

	for (r = 0; r < P; r++) {
		struct rd rd = { in[r].p, in[r].n, 0, false };

		while (rd.at < rd.n && !rd.bad) {
			struct later *l;

			t->later = room(t->later, t->nlater, &cap,
			    sizeof(*t->later));
			l = &t->later[t->nlater];
			for (k = 0; k < KEYN; k++)
				l->key[k] = get_u64(&rd);
			l->first_rel = get_str(&rd);
			flags = get_u8(&rd);
			l->ok = flags & 1;
			l->staged = (flags & 2) != 0;
			l->ino = get_u64(&rd);
			if (rd.bad)
				free(l->first_rel);
			t->nlater += !rd.bad;
		}
		if (rd.bad)
			malformed(run, r);
	}
	if (t->nlater)	/* NULL without one: no qsort() of it */
		qsort(t->later, t->nlater, sizeof(*t->later), cmp_later);
}

/*
 * Round 4, when some rank replaced a directory during the walk (DEST had
 * another type there): the gate makes it after the deletion pass, and the
 * links below it are met only then, on that rank, which may hold no other
 * link of their groups.  Every first link made here goes to each such
 * rank, which keeps them for those links (later_link()).  Collective.
 */
static int tell_later(struct ts_run *run, struct dtask_buf *b, int P)
{
	const struct run_exec *x = run->exec;
	struct dtask_hl *t = run->hlr;
	uint64_t *want = xcalloc((size_t)P, sizeof(*want));
	size_t i;
	bool any = false;
	int r, k;

	want[x->rank] = atomic_load(&t->dirs_later);
	x->combine(x->arg, want, (size_t)P, 0, 0);
	bufs_reset(b, P);
	for (r = 0; r < P; r++)
		any |= want[r] != 0;
	for (i = 0; i < t->n && any; i++) {
		struct hlink *m = t->v[i];

		if (m->role != ROLE_FIRST || key_own(run, m->key))
			continue;
		for (r = 0; r < P; r++) {
			if (!want[r] || r == x->rank)
				continue;
			for (k = 0; k < KEYN; k++)
				put_u64(&b[r], m->key[k]);
			put_str(&b[r], m->rel);
			put_u8(&b[r], (m->h->state == HL_DONE) |
			    m->h->staged << 1);
			put_u64(&b[r], m->h->dst_ino);
		}
	}
	free(want);
	if (!any)
		return 0;	/* the same on every rank: no round */
	if ((r = x->exchange(x->arg, b)) < 0)
		return r;
	read_later(run, t, b, P);
	return 0;
}

/*
 * IT, a link met after the exchange (below a directory that the gate made
 * after the deletion pass): when its group's first link was made on
 * another rank, the group is entered in this rank's -H map, so that IT
 * is linked to it as on one host rather than copied on its own.  From a
 * worker; the table is read-only by then.
 */
static void later_link(struct ts_run *run, const struct srcitem *it)
{
	struct dtask_hl *t = run->hlr;
	struct later k, *l;
	uint64_t dev;

	if (!t->nlater)
		return;
	link_key(run, it, k.key);
	l = bsearch(&k, t->later, t->nlater, sizeof(*l), cmp_later);
	if (l)
		(void)first_known(run, it->ent, l->first_rel, l->ok,
		    l->staged, l->ino, &dev);
}

/* Rounds 1 and 2: every link learns its role from its group's owner. */
static int roles(struct ts_run *run, struct dtask_buf *b, int P)
{
	const struct run_exec *x = run->exec;
	struct dtask_hl *t = run->hlr;
	struct member *v;
	size_t i, n;
	int k, r;

	for (i = 0; i < t->n; i++) {
		struct dtask_buf *o = &b[key_hash(t->v[i]->key) % (uint64_t)P];

		put_u32(o, (uint32_t)i);
		for (k = 0; k < KEYN; k++)
			put_u64(o, t->v[i]->key[k]);
		put_str(o, t->v[i]->rel);
		put_u8(o, (t->v[i]->has_dst && (t->v[i]->dst.mode & S_IFMT) ==
		    (t->v[i]->src.mode & S_IFMT)) | t->v[i]->gated << 1);
	}
	if ((r = x->exchange(x->arg, b)) < 0)
		return r;
	v = read_members(run, b, P, &n);
	if (n)	/* V is NULL without one: no qsort() of it */
		qsort(v, n, sizeof(*v), cmp_member);
	bufs_reset(b, P);
	decide(v, n, b, P);
	for (i = 0; i < n; i++)
		free(v[i].rel);
	free(v);
	if ((r = x->exchange(x->arg, b)) < 0)
		return r;
	read_roles(run, b, P);
	return 0;
}

void dtask_hl_exchange(struct ts_run *run)
{
	const struct run_exec *x = run->exec;
	struct dtask_hl *t = run->hlr;
	int P = x->nranks, r;
	struct dtask_buf *b;
	struct made *res = NULL, key;
	size_t i, nres = 0;

	if (!t)
		return;
	pthread_mutex_lock(&t->lock);
	t->over = true;
	pthread_mutex_unlock(&t->lock);
	b = xcalloc((size_t)P, sizeof(*b));
	if ((r = roles(run, b, P)) < 0)
		goto fail;
	for (i = 0; i < t->n; i++)
		if (t->v[i]->role != ROLE_OTHER && !t->v[i]->gated)
			make_first(t->v[i]);	/* no answer: a copy alone */
	pool_wait(&run->pool);
	for (i = 0; i < t->n; i++)
		if (t->v[i]->h)
			known(run, &t->v[i]->src, t->v[i]->rel,
			    t->v[i]->h->state == HL_DONE, t->v[i]->h->staged,
			    t->v[i]->h->dst_dev, t->v[i]->h->dst_ino);
	bufs_reset(b, P);
	tell_made(run, b, (uint32_t)x->rank);
	if ((r = x->exchange(x->arg, b)) < 0)
		goto fail;
	res = read_made(run, b, P, &nres);
	if ((r = tell_later(run, b, P)) < 0)
		goto fail;
	for (i = 0; i < t->n; i++) {
		struct hlink *m = t->v[i];

		if (m->role != ROLE_OTHER)
			continue;
		key.owner = m->owner;
		key.group = m->group;
		make_other(run, m, nres ? bsearch(&key, res, nres,
		    sizeof(*res), cmp_made) : NULL);
	}
	pool_wait(&run->pool);
	goto out;
fail:
	report_errno(run->rep, -r, "cannot exchange -H links between ranks",
	    "");
	atomic_store(&run->other_error, true);
out:
	for (i = 0; i < t->n; i++) {
		struct hlink *m = t->v[i];

		if (m->dir)	/* not reached: released undone */
			dnode_release(m->dir);
		if (m->h) {
			free(m->h->master_rel);
			free(m->h);
		}
	}
	free(res);
	for (i = 0; i < (size_t)P; i++)
		dtask_buf_free(&b[i]);
	free(b);
	links_free(t);	/* the table of round 4 stays, for later_link() */
}
