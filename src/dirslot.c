/*
 * dirslot.c -- directory fds that may be closed and opened again.
 *
 * A directory node holds one slot for its destination directory and one
 * per source.  A task that works in the directory pins the slots it uses;
 * an unpinned open slot stays open (on an LRU list) until the run holds
 * more directory fds than its budget, and is then closed.  A closed slot
 * is opened again, when next pinned, from the slot above it -- one name,
 * O_NOFOLLOW|O_DIRECTORY -- and must be the very directory it was (device
 * and inode recorded at its first open): a directory swapped for another,
 * or for a symlink, meanwhile is refused (ESTALE), never entered.  So a
 * tree of any depth is walked with a bounded number of fds (openrsync and
 * fts do the same with chdir(".."); this keeps the no-symlink guarantee).
 *
 * The budget comes from RLIMIT_NOFILE (run.c); pinned slots are never
 * closed, so it is a target, not a hard cap.  One mutex guards every
 * slot's fd, pins and list links; opening happens outside it, with the
 * slot marked busy so that a second user waits for the first open.
 */
#define _GNU_SOURCE
#include "run.h"

#include "sys.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SLOT_OPENING (-2)	/* fd while a thread opens it */

void dslot_init(struct dslot *s, struct dslot *up, const char *name)
{
	memset(s, 0, sizeof(*s));
	s->fd = -1;
	s->up = up;
	s->name = name;
}

void dslot_init_fixed(struct dslot *s, int fd)
{
	dslot_init(s, NULL, NULL);
	s->fd = fd;
	s->fixed = true;
}

void dslot_cache_init(struct dslot_cache *c, size_t budget)
{
	memset(c, 0, sizeof(*c));
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->changed, NULL);
	c->budget = budget;
	c->lru.prev = c->lru.next = &c->lru;
}

void dslot_cache_destroy(struct dslot_cache *c)
{
	pthread_mutex_destroy(&c->lock);
	pthread_cond_destroy(&c->changed);
}

/* --- the LRU list (cache lock held) -------------------------------------- */

static bool listed(const struct dslot *s)
{
	return s->next != NULL;
}

static void unlist(struct dslot *s)
{
	if (!listed(s))
		return;
	s->prev->next = s->next;
	s->next->prev = s->prev;
	s->prev = s->next = NULL;
}

static void list_front(struct dslot_cache *c, struct dslot *s)
{
	s->next = c->lru.next;
	s->prev = &c->lru;
	c->lru.next->prev = s;
	c->lru.next = s;
}

/* Closes unpinned slots, least recently used first, until at most KEEP
 * are open.  Returns how many it closed. */
static size_t evict(struct dslot_cache *c, size_t keep)
{
	size_t n = 0;

	while (c->nopen > keep && c->lru.prev != &c->lru) {
		struct dslot *s = c->lru.prev;

		unlist(s);
		close(s->fd);
		s->fd = -1;
		c->nopen--;
		c->closed++;
		n++;
	}
	return n;
}

size_t dslot_relieve(struct dslot_cache *c)
{
	size_t n;

	pthread_mutex_lock(&c->lock);
	n = evict(c, 0);
	pthread_mutex_unlock(&c->lock);
	return n;
}

/* --- opening ------------------------------------------------------------- */

/* Opens NAME in PFD as a directory, never through a symlink unless
 * FOLLOW (a followed source slot, checked by its callers).  When the
 * process is out of fds, closes every unpinned slot and tries again. */
static int open_dir(struct dslot_cache *c, int pfd, const char *name,
    bool follow)
{
	const int fl = O_RDONLY | O_DIRECTORY | O_CLOEXEC |
	    (follow ? 0 : O_NOFOLLOW);
	int fd = sys.openat(pfd, name, fl, 0);

	if (fd < 0 && (errno == EMFILE || errno == ENFILE)) {
		if (dslot_relieve(c)) {
			fd = sys.openat(pfd, name, fl, 0);
		} else {
			errno = EMFILE;
		}
	}
	return fd;
}

/* FD's device and inode (all the checks here compare), which never
 * change for an open file: taken from what the open brought, not asked
 * of a network file system's server again.  0 or -1 with errno. */
static int fstat_ids(int fd, struct stat *st)
{
	return util_fstat_flags(fd, st, AT_STATX_DONT_SYNC);
}

/* Opens T (marked opening by the caller) in PFD and checks it is what it
 * was.  Cache lock held on entry and exit, dropped for the syscalls. */
static int open_again(struct dslot_cache *c, struct dslot *t, int pfd)
{
	struct stat st;
	int fd, err = 0;

	pthread_mutex_unlock(&c->lock);
	fd = open_dir(c, pfd, t->name, t->follow);
	if (fd < 0)
		err = -errno;
	else if (fstat_ids(fd, &st) < 0)
		err = -errno;
	else if ((uint64_t)st.st_dev != t->dev || (uint64_t)st.st_ino != t->ino)
		err = -ESTALE;	/* not the directory it was: not entered */
	if (err && fd >= 0)
		close(fd);
	pthread_mutex_lock(&c->lock);
	if (err) {
		t->fd = -1;
		t->failed = -err;	/* said once; later users fail alike */
	} else {
		t->fd = fd;
		t->pins = 1;
		c->nopen++;
		c->reopened++;
	}
	pthread_cond_broadcast(&c->changed);
	return err;
}

/* How many levels of a chain opened again stay open: a quarter of the
 * budget, so that both sides' chains fit with room to spare. */
static size_t n_keep(const struct dslot_cache *c)
{
	return c->budget / 4 > 1 ? c->budget / 4 : 1;
}

/* Closes T, pinned once by the caller and needed no more. */
static void close_now(struct dslot_cache *c, struct dslot *t)
{
	if (--t->pins > 0) {
		return;
	}
	close(t->fd);
	t->fd = -1;
	c->nopen--;
	c->closed++;
}

/*
 * Opens the closed slot S again, with every closed slot above it, from
 * the nearest open one down, one name at a time (a loop, not a recursion:
 * thousands of levels may be closed).  Each level stays pinned until the
 * next one is open.  Cache lock held.  Returns S's fd (pinned) or -errno.
 */
static int reopen_chain(struct dslot_cache *c, struct dslot *s)
{
	struct dslot **chain = NULL, *t, *chain_top;
	size_t n, cap = 0;
	int r = 0;

again:
	n = 0;
	for (t = s; !t->fixed && t->fd < 0; t = t->up) {
		if (t->fd == SLOT_OPENING) {
			pthread_cond_wait(&c->changed, &c->lock);
			goto again;
		}
		if (!t->known || !t->up) {
			r = -EBADF;	/* never opened: nothing to open again */
			goto out;
		}
		if (t->failed) {
			r = -t->failed;
			goto out;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			chain = xrealloc(chain, cap * sizeof(*chain));
		}
		chain[n++] = t;
	}
	if (n == 0) {
		r = dslot_pin_locked(c, s);	/* opened meanwhile */
		goto out;
	}
	/* chain[n - 1] is the topmost closed slot: its parent is open. */
	t = chain_top = chain[n - 1]->up;
	if (!t->fixed) {
		unlist(t);
		t->pins++;
	}
	while (n > 0) {
		struct dslot *next = chain[--n];

		next->fd = SLOT_OPENING;
		r = open_again(c, next, t->fd);	/* NEXT pinned if opened */
		/* The level above is done.  Only the deepest levels of a long
		 * chain stay open: the walk comes back up through them one by
		 * one, and a chain kept whole would push every other slot
		 * (the other side's chain, say) out of the budget, and be
		 * pushed out itself, again and again. */
		if (n + 1 < n_keep(c) || t == chain_top)
			dslot_unpin_locked(c, t);
		else
			close_now(c, t);
		if (r < 0)
			goto out;
		t = next;
	}
	r = s->fd;
out:
	free(chain);
	return r;
}

int dslot_pin_locked(struct dslot_cache *c, struct dslot *s)
{
	if (s->fixed)
		return s->fd >= 0 ? s->fd : -EBADF;	/* absent (dry run) */
	while (s->fd == SLOT_OPENING)
		pthread_cond_wait(&c->changed, &c->lock);
	if (s->fd >= 0) {
		unlist(s);
		s->pins++;
		return s->fd;
	}
	return reopen_chain(c, s);
}

void dslot_unpin_locked(struct dslot_cache *c, struct dslot *s)
{
	if (s->fixed)
		return;
	if (--s->pins == 0 && s->fd >= 0) {
		list_front(c, s);
		if (c->nopen > c->budget)
			evict(c, c->budget);
	}
}

int dslot_pin(struct dslot_cache *c, struct dslot *s)
{
	int r;

	pthread_mutex_lock(&c->lock);
	r = dslot_pin_locked(c, s);
	pthread_mutex_unlock(&c->lock);
	return r;
}

void dslot_unpin(struct dslot_cache *c, struct dslot *s)
{
	pthread_mutex_lock(&c->lock);
	dslot_unpin_locked(c, s);
	pthread_mutex_unlock(&c->lock);
}

int dslot_adopt(struct dslot_cache *c, struct dslot *s, int fd)
{
	struct stat st;

	if (fstat_ids(fd, &st) < 0)
		return -errno;
	if (s->follow && ((uint64_t)st.st_dev != s->dev ||
	    (uint64_t)st.st_ino != s->ino))
		return -ESTALE;	/* the symlink points elsewhere now */
	pthread_mutex_lock(&c->lock);
	s->fd = fd;
	s->dev = st.st_dev;
	s->ino = st.st_ino;
	s->known = true;
	s->pins = 1;
	c->nopen++;
	if (c->nopen > c->budget)
		evict(c, c->budget);
	pthread_mutex_unlock(&c->lock);
	return 0;
}

int dslot_open_name(struct dslot_cache *c, int pfd, const char *name,
    bool follow)
{
	return open_dir(c, pfd, name, follow);
}

/*
 * The walk comes back up: S, open and done with, is about to be closed,
 * and the slot above it was closed meanwhile -- its directory will be
 * finished next (its times set), so open it again now through S's "..",
 * one openat() instead of a chain from the nearest open ancestor (which,
 * for a deep tree under a low limit, would make the ascent quadratic).
 * ".." is the kernel's parent of S, never a symlink; it must still be
 * the directory recorded (else the slot stays closed, and a later pin
 * takes the chain and its checks).  Cache lock held; S unlisted.
 */
static void reopen_up(struct dslot_cache *c, struct dslot *s)
{
	struct dslot *up = s->up;
	struct stat st;
	int fd;

	if (!up || up->fixed || up->fd != -1 || !up->known || up->failed)
		return;
	up->fd = SLOT_OPENING;
	s->pins++;	/* S's fd stays ours while the lock is dropped */
	pthread_mutex_unlock(&c->lock);
	fd = sys.openat(s->fd, "..",
	    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
	if (fd >= 0 && (fstat_ids(fd, &st) < 0 ||
	    (uint64_t)st.st_dev != up->dev || (uint64_t)st.st_ino != up->ino)) {
		close(fd);
		fd = -1;
	}
	pthread_mutex_lock(&c->lock);
	s->pins--;
	up->fd = fd;
	if (fd >= 0) {
		c->nopen++;
		c->reopened++;
		list_front(c, up);
	}
	pthread_cond_broadcast(&c->changed);
}

void dslot_close(struct dslot_cache *c, struct dslot *s)
{
	if (s->fixed)
		return;
	pthread_mutex_lock(&c->lock);
	if (s->fd >= 0) {
		unlist(s);
		reopen_up(c, s);
		close(s->fd);
		c->nopen--;
	}
	s->fd = -1;
	pthread_mutex_unlock(&c->lock);
}
