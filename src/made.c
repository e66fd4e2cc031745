/*
 * made.c -- the directories this run made, when DEST lies inside a source
 * (treesync -a src/ src/sub/dst/, treesync -a src src/).
 *
 * The walk of that source would meet them again -- DEST itself, and every
 * directory the run creates below it -- and copy its own output into
 * itself, deeper at each level.  rsync copies such a tree once; so do we:
 * the destination root and every directory made are remembered by (dev,
 * ino), and a source listing leaves them out.  Only kept when plan says
 * the trees overlap: a normal run pays nothing.
 */
#define _GNU_SOURCE
#include "run.h"

#include "util.h"

#include <stdlib.h>
#include <sys/stat.h>

struct made_key {
	uint64_t dev, ino;
};

static size_t slot_of(const struct made_set *m, uint64_t dev, uint64_t ino)
{
	uint64_t h = (ino * 0x9e3779b97f4a7c15ull) ^ (dev * 0xbf58476d1ce4e5b9ull);

	return (size_t)(h >> 7) & (m->cap - 1);
}

/* Adds (DEV, INO); m->lock held. */
static void put(struct made_set *m, uint64_t dev, uint64_t ino)
{
	size_t i;

	if (2 * (m->n + 1) > m->cap) {
		struct made_key *old = m->keys;
		size_t oldcap = m->cap, k;

		m->cap = m->cap ? m->cap * 2 : 64;
		m->keys = xcalloc(m->cap, sizeof(*m->keys));
		m->n = 0;
		for (k = 0; k < oldcap; k++)
			if (old[k].ino || old[k].dev)
				put(m, old[k].dev, old[k].ino);
		free(old);
	}
	for (i = slot_of(m, dev, ino);
	    m->keys[i].ino || m->keys[i].dev; i = (i + 1) & (m->cap - 1))
		if (m->keys[i].dev == dev && m->keys[i].ino == ino)
			return;
	m->keys[i].dev = dev;
	m->keys[i].ino = ino;
	m->n++;
}

void made_add_fd(struct ts_run *run, int fd)
{
	struct made_set *m = &run->made;
	struct stat st;

	if (!run->plan.overlap || fd < 0 || fstat(fd, &st) < 0)
		return;
	pthread_mutex_lock(&m->lock);
	put(m, st.st_dev, st.st_ino);
	pthread_mutex_unlock(&m->lock);
}

bool made_has(struct ts_run *run, const struct ts_entry *e)
{
	struct made_set *m = &run->made;
	bool has = false;
	size_t i;

	if (!run->plan.overlap || !S_ISDIR(e->mode))
		return false;
	pthread_mutex_lock(&m->lock);
	for (i = m->cap ? slot_of(m, e->dev, e->ino) : 0; m->cap &&
	    (m->keys[i].ino || m->keys[i].dev); i = (i + 1) & (m->cap - 1))
		if (m->keys[i].dev == e->dev && m->keys[i].ino == e->ino) {
			has = true;
			break;
		}
	pthread_mutex_unlock(&m->lock);
	return has;
}

void made_init(struct ts_run *run)
{
	pthread_mutex_init(&run->made.lock, NULL);
}

void made_free(struct ts_run *run)
{
	free(run->made.keys);
	run->made.keys = NULL;
	pthread_mutex_destroy(&run->made.lock);
}
