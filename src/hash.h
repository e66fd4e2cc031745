/*
 * hash.h -- XXH3-128 of files, for --checksum (and --verify later).
 */
#ifndef TS_HASH_H
#define TS_HASH_H

#include <stddef.h>
#include <stdint.h>

struct hash128 {
	uint64_t lo, hi;
};

/*
 * Hashes the whole content of the open file FD (from offset 0 to EOF,
 * whatever st_size said) using BUF of SIZE bytes as scratch.  Returns 0 or
 * -errno.  Thread-safe (BUF is the caller's).
 */
int hash_fd(int fd, char *buf, size_t size, struct hash128 *out);

/* The hex of H as rsync prints an xxh128 sum (%C): the high half first,
 * 32 digits.  HEX holds HASH_HEX_SIZE bytes. */
#define HASH_HEX_SIZE 33
void hash_hex(const struct hash128 *h, char *hex);

/* Opens NAME below DIRFD (no symlinks followed) and hashes it: a
 * regular file, or (--copy-devices) a device's contents up to its size;
 * anything else is -EINVAL. */
int hash_at(int dirfd, const char *name, char *buf, size_t size,
    struct hash128 *out);

#endif /* TS_HASH_H */
