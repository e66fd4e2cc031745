/*
 * net.c -- the network model of latencyfs (see net.h).
 *
 * A request's answer is due at: (when a slot is free) + (its payload's
 * turn on the link, if it has one) + latency.  The link is a queue per
 * direction: each payload starts when the one before it is through, so
 * requests in flight together share the bandwidth, as on one TCP
 * connection; the latency overlaps, as it does for pipelined RPCs.  The
 * wait is a sleep until an absolute time (CLOCK_MONOTONIC), so the
 * daemon's own work is not added to it.
 *
 * Must not: look at the request, or know what a file is.
 */
#define _GNU_SOURCE
#include "net.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <time.h>

static struct {
	struct net_config cfg;
	pthread_mutex_t lock;		/* link_free[], in_flight */
	pthread_cond_t slot_free;	/* in_flight dropped below slots */
	uint64_t link_free[2];		/* ns: when each direction is idle */
	unsigned in_flight;
	atomic_uint_least64_t link_ns[2];
	atomic_uint_least64_t slot_waits;
} net = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.slot_free = PTHREAD_COND_INITIALIZER,
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void sleep_until(uint64_t t)
{
	struct timespec ts = {
		.tv_sec = (time_t)(t / 1000000000u),
		.tv_nsec = (long)(t % 1000000000u),
	};

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) ==
	    EINTR)
		;
}

void net_init(const struct net_config *cfg)
{
	net.cfg = *cfg;
}

static void take_slot(void)
{
	bool waited = false;

	pthread_mutex_lock(&net.lock);
	while (net.in_flight >= net.cfg.slots) {
		waited = true;
		pthread_cond_wait(&net.slot_free, &net.lock);
	}
	net.in_flight++;
	pthread_mutex_unlock(&net.lock);
	if (waited)
		atomic_fetch_add_explicit(&net.slot_waits, 1,
		    memory_order_relaxed);
}

static void give_slot(void)
{
	pthread_mutex_lock(&net.lock);
	net.in_flight--;
	pthread_cond_signal(&net.slot_free);
	pthread_mutex_unlock(&net.lock);
}

/* When the payload of BYTES on DIR is through, queued behind the others. */
static uint64_t link_turn(enum net_dir dir, size_t bytes, uint64_t start)
{
	/* bits / (Mbit/s) = microseconds; * 1000 = ns. */
	uint64_t dur = (uint64_t)bytes * 8000u / net.cfg.bw_mbit;
	uint64_t end;

	pthread_mutex_lock(&net.lock);
	if (net.link_free[dir] > start)
		start = net.link_free[dir];
	end = start + dur;
	net.link_free[dir] = end;
	pthread_mutex_unlock(&net.lock);
	atomic_fetch_add_explicit(&net.link_ns[dir], dur,
	    memory_order_relaxed);
	return end;
}

void net_wait(enum net_dir dir, size_t bytes)
{
	uint64_t due;

	if (net.cfg.latency_us == 0 && net.cfg.slots == 0 &&
	    (net.cfg.bw_mbit == 0 || dir == NET_NONE))
		return;
	if (net.cfg.slots)
		take_slot();
	due = now_ns();
	if (dir != NET_NONE && net.cfg.bw_mbit && bytes > 0)
		due = link_turn(dir, bytes, due);
	due += (uint64_t)net.cfg.latency_us * 1000u;
	sleep_until(due);
	if (net.cfg.slots)
		give_slot();
}

void net_stats_get(struct net_stats *out)
{
	out->link_ns[0] = atomic_load(&net.link_ns[0]);
	out->link_ns[1] = atomic_load(&net.link_ns[1]);
	out->slot_waits = atomic_load(&net.slot_waits);
}

void net_stats_reset(void)
{
	atomic_store(&net.link_ns[0], 0);
	atomic_store(&net.link_ns[1], 0);
	atomic_store(&net.slot_waits, 0);
}
