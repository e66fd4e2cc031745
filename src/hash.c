/*
 * hash.c -- XXH3-128 (libxxhash) over a file's bytes.  Reads with pread so
 * that the file position is never shared state.
 */
#define _GNU_SOURCE
#include "hash.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <xxhash.h>

int hash_fd(int fd, char *buf, size_t size, struct hash128 *out)
{
	XXH3_state_t *st = XXH3_createState();
	off_t off = 0;
	XXH128_hash_t h;

	if (!st)
		return -ENOMEM;
	XXH3_128bits_reset(st);
	for (;;) {
		ssize_t n = pread(fd, buf, size, off);

		if (n < 0) {
			int e = errno;

			if (e == EINTR)
				continue;
			XXH3_freeState(st);
			return -e;
		}
		if (n == 0)
			break;
		XXH3_128bits_update(st, buf, (size_t)n);
		off += n;
	}
	h = XXH3_128bits_digest(st);
	XXH3_freeState(st);
	out->lo = h.low64;
	out->hi = h.high64;
	return 0;
}

int hash_at(int dirfd, const char *name, char *buf, size_t size,
    struct hash128 *out)
{
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	int r;

	if (fd < 0)
		return -errno;
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	r = hash_fd(fd, buf, size, out);
	close(fd);
	return r;
}
