/*
 * tmpfile.c -- temp names, and the registry of the temps in flight.
 *
 * Owns the protocol every entry a run makes goes through (see tmpfile.h)
 * and the list a cancelled run cleans up from.  Knows nothing of what
 * the temp holds: the caller makes it (MAKE) and finishes it.
 *
 * The registry is lock-free so that a signal handler can walk it: a slot
 * belongs to one thread for the whole run (its "current temp"); the dirfd
 * is written last when a temp is registered and cleared first when it is
 * renamed or removed, so the handler never unlinks a name that is already
 * final.  A thread that is between deciding to make a temp and having
 * registered it counts itself in `creating`; tmpfile_abort() stops new
 * ones, waits for those, then removes what is registered.
 */
#define _GNU_SOURCE
#include "tmpfile.h"

#include "sys.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static const char tmp_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/* Which registry the calling thread's slot belongs to: a generation, not
 * a pointer, since a later run may reuse the same address. */
static atomic_uint generations;
static _Thread_local unsigned my_gen;
static _Thread_local struct tmpfile_slot *my_slot;

void tmpfile_init(struct tmpfile_reg *reg)
{
	int i;

	for (i = 0; i < TMPFILE_SLOTS; i++) {
		atomic_init(&reg->slots[i].dirfd, -1);
		reg->slots[i].name[0] = '\0';
	}
	atomic_init(&reg->used, 0);
	atomic_init(&reg->creating, 0);
	atomic_init(&reg->stopped, false);
	reg->gen = atomic_fetch_add(&generations, 1) + 1;
}

static uint64_t next_random(void)
{
	static _Thread_local uint64_t s;
	struct timespec ts;

	if (s == 0) {
		clock_gettime(CLOCK_REALTIME, &ts);
		s = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^
		    ((uint64_t)syscall(SYS_gettid) << 40) ^ 0x9e3779b97f4a7c15ull;
	}
	s ^= s << 13;
	s ^= s >> 7;
	s ^= s << 17;
	return s;
}

void tmpfile_name(const char *name, char *out)
{
	/* "." NAME "." XXXXXX ".tstmp": 1 + 1 + 6 + 6 bytes around NAME. */
	size_t room = NAME_MAX - 14, n = strlen(name);
	uint64_t r = next_random();
	int i;

	if (n > room)
		n = room;
	out[0] = '.';
	memcpy(out + 1, name, n);
	out[1 + n] = '.';
	for (i = 0; i < 6; i++) {
		out[2 + n + (size_t)i] = tmp_alphabet[r % 62];
		r /= 62;
	}
	memcpy(out + 8 + n, TMPFILE_SUFFIX, sizeof(TMPFILE_SUFFIX));
}

bool tmpfile_is_name(const char *name)
{
	size_t n = strlen(name), sl = sizeof(TMPFILE_SUFFIX) - 1;
	size_t i;

	if (name[0] != '.' || n < 1 + 1 + 6 + sl + 1)
		return false;
	if (strcmp(name + n - sl, TMPFILE_SUFFIX) != 0)
		return false;
	if (name[n - sl - 7] != '.')
		return false;
	for (i = n - sl - 6; i < n - sl; i++)
		if (!strchr(tmp_alphabet, name[i]))
			return false;
	return true;
}

/* The calling thread's slot in REG (handed out on first use), or NULL
 * when every slot is taken (the pool's limit makes that impossible). */
static struct tmpfile_slot *slot_of(struct tmpfile_reg *reg)
{
	if (my_gen != reg->gen || !my_slot) {
		int i = atomic_fetch_add(&reg->used, 1);

		if (i >= TMPFILE_SLOTS)
			return NULL;
		my_gen = reg->gen;
		my_slot = &reg->slots[i];
	}
	return my_slot;
}

static void forget(struct tmpfile_reg *reg)
{
	struct tmpfile_slot *s = slot_of(reg);

	if (s)
		atomic_store(&s->dirfd, -1);
}

bool tmpfile_enter(struct tmpfile_reg *reg)
{
	atomic_fetch_add(&reg->creating, 1);
	if (atomic_load(&reg->stopped)) {
		atomic_fetch_sub(&reg->creating, 1);
		return false;
	}
	return true;
}

void tmpfile_leave(struct tmpfile_reg *reg)
{
	atomic_fetch_sub(&reg->creating, 1);
}

int tmpfile_make(struct tmpfile_reg *reg, int dirfd, const char *name,
    char *tmp, int (*make)(int dirfd, const char *tmp, void *arg), void *arg)
{
	struct tmpfile_slot *s = slot_of(reg);
	int i, r = -1, e = EEXIST;

	if (!tmpfile_enter(reg))
		return -EINTR;
	for (i = 0; i < 100 && e == EEXIST; i++) {
		tmpfile_name(name, tmp);
		/* Registered before it exists: a signal may come at once. */
		if (s) {
			atomic_store(&s->dirfd, -1);
			snprintf(s->name, sizeof(s->name), "%s", tmp);
			atomic_store(&s->dirfd, dirfd);
		}
		r = make(dirfd, tmp, arg);
		e = r < 0 ? errno : 0;
	}
	tmpfile_leave(reg);
	if (r < 0) {
		forget(reg);
		return -e;
	}
	return r;
}

int tmpfile_commit_at(struct tmpfile_reg *reg, int tdirfd, const char *tmp,
    int dirfd, const char *name)
{
	int r = sys.renameat(tdirfd, tmp, dirfd, name) < 0 ? -errno : 0;

	forget(reg);
	if (r < 0)
		sys.unlinkat(tdirfd, tmp, 0);
	return r;
}

int tmpfile_commit(struct tmpfile_reg *reg, int dirfd, const char *tmp,
    const char *name)
{
	return tmpfile_commit_at(reg, dirfd, tmp, dirfd, name);
}

void tmpfile_discard(struct tmpfile_reg *reg, int dirfd, const char *tmp)
{
	forget(reg);
	sys.unlinkat(dirfd, tmp, 0);
}

void tmpfile_stop(struct tmpfile_reg *reg)
{
	atomic_store(&reg->stopped, true);
}

void tmpfile_abort(struct tmpfile_reg *reg)
{
	struct timespec pause = { 0, 1000 * 1000 };
	int i, n, waits;

	/* No new temp from now on; the ones being made right now are waited
	 * for (briefly: creating a file takes microseconds), then every
	 * registered one is removed. */
	tmpfile_stop(reg);
	for (waits = 0; atomic_load(&reg->creating) > 0 && waits < 500;
	    waits++)
		nanosleep(&pause, NULL);
	n = atomic_load(&reg->used);
	if (n > TMPFILE_SLOTS)
		n = TMPFILE_SLOTS;
	for (i = 0; i < n; i++) {
		int fd = atomic_load(&reg->slots[i].dirfd);

		/* dirfd 0 is never a destination directory of ours.  The
		 * raw call, not the seam's: a signal handler may be here,
		 * and a test's wrapper is not async-signal-safe. */
		if (fd > 0)
			unlinkat(fd, reg->slots[i].name, 0);
	}
}
