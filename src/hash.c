/*
 * hash.c -- XXH3-128 (libxxhash) over a file's bytes.  Reads with pread so
 * that the file position is never shared state.
 */
#define _GNU_SOURCE
#include "hash.h"

#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

/* hash_fd() of the first MAX bytes of FD at most. */
static int hash_upto(int fd, char *buf, size_t size, uint64_t max,
    struct hash128 *out)
{
	XXH3_state_t *st;
	off_t off = 0;
	XXH128_hash_t h;
	ssize_t n;

	if (max < size)
		size = (size_t)max;
	/* Most files fit the buffer: one read that comes back short is the
	 * whole file, hashed in one call (no state to allocate, no second
	 * read to find EOF). */
	do
		n = size ? pread(fd, buf, size, 0) : 0;
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if ((size_t)n < size) {
		h = XXH3_128bits(buf, (size_t)n);
		out->lo = h.low64;
		out->hi = h.high64;
		return 0;
	}
	st = XXH3_createState();
	if (!st)
		return -ENOMEM;
	XXH3_128bits_reset(st);
	XXH3_128bits_update(st, buf, (size_t)n);
	off = n;
	for (;;) {
		size_t want = (uint64_t)off + size > max ?
		    (size_t)(max - (uint64_t)off) : size;

		n = want ? pread(fd, buf, want, off) : 0;

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

int hash_fd(int fd, char *buf, size_t size, struct hash128 *out)
{
	return hash_upto(fd, buf, size, UINT64_MAX, out);
}

int hash_at(int dirfd, const char *name, char *buf, size_t size,
    struct hash128 *out)
{
	struct stat st;
	int fd = util_open_data_opened(dirfd, name, &st);
	int r;

	if (fd < 0)
		return fd;
	/* --copy-devices: a device is what it holds, as rsync reads it (a
	 * device only comes here as a source that option made a file). */
	if (S_ISBLK(st.st_mode) || S_ISCHR(st.st_mode)) {
		r = hash_upto(fd, buf, size, (uint64_t)util_device_size(fd),
		    out);
		close(fd);
		return r;
	}
	/* Only a regular file is read (a FIFO would block the read). */
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return -EINVAL;
	}
	r = hash_fd(fd, buf, size, out);
	close(fd);
	return r;
}

void hash_hex(const struct hash128 *h, char *hex)
{
	snprintf(hex, HASH_HEX_SIZE, "%016llx%016llx",
	    (unsigned long long)h->hi, (unsigned long long)h->lo);
}
