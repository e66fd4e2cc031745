/*
 * net.h -- latencyfs's model of the network between an NFS client and
 * its server: how long the answer to one request takes.
 *
 *   net_init(&(struct net_config){ .latency_us = 200, .bw_mbit = 10000,
 *       .slots = 64 });
 *   net_wait(NET_TO_CLIENT, n);	// a READ reply of n bytes
 *
 * Three parts, each optional: a fixed latency per request (the round
 * trip), a link of bw_mbit per direction that the payloads of READ and
 * WRITE cross one after the other (so requests in flight share it), and
 * at most SLOTS requests in flight at once (an NFS client's RPC slots):
 * the others wait for a slot before their time starts.
 */
#ifndef LFS_NET_H
#define LFS_NET_H

#include <stddef.h>
#include <stdint.h>

enum net_dir {
	NET_NONE = -1,		/* no payload: metadata requests */
	NET_TO_SERVER = 0,	/* WRITE: the data goes up */
	NET_TO_CLIENT = 1,	/* READ: the data comes down */
};

struct net_config {
	unsigned latency_us;	/* per request; 0: none */
	unsigned bw_mbit;	/* per direction; 0: unlimited */
	unsigned slots;		/* requests in flight; 0: unlimited */
};

struct net_stats {
	uint64_t link_ns[2];	/* time each direction was busy */
	uint64_t slot_waits;	/* requests that found every slot taken */
};

/* Sets the model up; call once, before the first request. */
void net_init(const struct net_config *cfg);

/*
 * Blocks for one request's modeled time: a slot, then its payload of
 * BYTES on direction DIR (after the payloads ahead of it), then the
 * latency.  Thread-safe.
 */
void net_wait(enum net_dir dir, size_t bytes);

/* The counters since start or the last net_stats_reset().  Thread-safe. */
void net_stats_get(struct net_stats *out);
void net_stats_reset(void);

#endif /* LFS_NET_H */
