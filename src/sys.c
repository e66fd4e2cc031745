/*
 * sys.c -- the real data-path syscalls behind struct sys_ops, and a small
 * fault injector that tests switch on with TREESYNC_FAULTS.
 *
 * The injector counts calls per function with atomics, so it is safe with
 * the worker pool; it only ever makes a call fail, return 0 or return a
 * short count before (or instead of) doing the real work, which is what the
 * copy chain's fallback rules must survive.
 */
#define _GNU_SOURCE
#include "sys.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <unistd.h>

static ssize_t real_cfr(int in, off_t *in_off, int out, off_t *out_off,
    size_t len, unsigned flags)
{
	return copy_file_range(in, in_off, out, out_off, len, flags);
}

static ssize_t real_sendfile(int out, int in, off_t *off, size_t count)
{
	return sendfile(out, in, off, count);
}

#define REAL_OPS { \
	.copy_file_range = real_cfr, \
	.sendfile = real_sendfile, \
	.pread = pread, \
	.pwrite = pwrite, \
	.fsync = fsync, \
	.close = close, \
	.renameat = renameat, \
}

static const struct sys_ops real_ops = REAL_OPS;

/* Spelled out (not "= real_ops"): a constant initializer in ISO C. */
struct sys_ops sys = REAL_OPS;

void sys_reset(void)
{
	sys = real_ops;
}

/* Faults of one syscall: rule i fails call number nth[i] (0 = every call). */
enum fault_kind { FAULT_NONE, FAULT_ERRNO, FAULT_SHORT, FAULT_ZERO };

#define FAULT_RULES 4

struct fault {
	int nrules;
	struct {
		enum fault_kind kind;
		int err;
		long nth;
	} rule[FAULT_RULES];
	atomic_long calls;
};

enum { F_CFR, F_SENDFILE, F_PREAD, F_PWRITE, F_FSYNC, F_CLOSE, F_RENAME, F_N };

static const char *const fault_names[F_N] = {
	"copy_file_range", "sendfile", "pread", "pwrite", "fsync", "close",
	"renameat",
};

static struct fault faults[F_N];

/* Decides whether this call of syscall I is the faulty one. */
static enum fault_kind fault_hit(int i)
{
	struct fault *f = &faults[i];
	long n;
	int k;

	if (f->nrules == 0)
		return FAULT_NONE;
	n = atomic_fetch_add(&f->calls, 1) + 1;
	for (k = 0; k < f->nrules; k++) {
		if (f->rule[k].nth != 0 && n != f->rule[k].nth)
			continue;
		if (f->rule[k].kind == FAULT_ERRNO)
			errno = f->rule[k].err;
		return f->rule[k].kind;
	}
	return FAULT_NONE;
}

/*
 * Applies the fault of syscall I to a call moving *LEN bytes: true with
 * the result in *R for an errno or 0 return, false to make the real call
 * (with *LEN halved for "short").
 */
static bool shape(int i, size_t *len, ssize_t *r)
{
	switch (fault_hit(i)) {
	case FAULT_ERRNO:
		*r = -1;
		return true;
	case FAULT_ZERO:
		*r = 0;
		return true;
	case FAULT_SHORT:
		if (*len > 1)
			*len /= 2;
		return false;
	default:
		return false;
	}
}

static ssize_t f_cfr(int in, off_t *in_off, int out, off_t *out_off,
    size_t len, unsigned flags)
{
	ssize_t r;

	if (shape(F_CFR, &len, &r))
		return r;
	return real_cfr(in, in_off, out, out_off, len, flags);
}

static ssize_t f_sendfile(int out, int in, off_t *off, size_t count)
{
	ssize_t r;

	if (shape(F_SENDFILE, &count, &r))
		return r;
	return real_sendfile(out, in, off, count);
}

static ssize_t f_pread(int fd, void *buf, size_t n, off_t off)
{
	ssize_t r;

	if (shape(F_PREAD, &n, &r))
		return r;
	return pread(fd, buf, n, off);
}

static ssize_t f_pwrite(int fd, const void *buf, size_t n, off_t off)
{
	ssize_t r;

	if (shape(F_PWRITE, &n, &r))
		return r;
	return pwrite(fd, buf, n, off);
}

static int f_fsync(int fd)
{
	if (fault_hit(F_FSYNC) == FAULT_ERRNO)
		return -1;
	return fsync(fd);
}

static int f_close(int fd)
{
	if (fault_hit(F_CLOSE) == FAULT_ERRNO) {
		int e = errno;

		/* Like NFS: the descriptor is gone even though close failed. */
		close(fd);
		errno = e;
		return -1;
	}
	return close(fd);
}

static int f_renameat(int od, const char *on, int nd, const char *nn)
{
	if (fault_hit(F_RENAME) == FAULT_ERRNO)
		return -1;
	return renameat(od, on, nd, nn);
}

static const struct {
	const char *name;
	int err;
} errno_names[] = {
	{ "EXDEV", EXDEV }, { "EINVAL", EINVAL }, { "EOPNOTSUPP", EOPNOTSUPP },
	{ "ENOSYS", ENOSYS }, { "EPERM", EPERM }, { "EIO", EIO },
	{ "ENOSPC", ENOSPC }, { "EDQUOT", EDQUOT }, { "EBADF", EBADF },
	{ "EOVERFLOW", EOVERFLOW }, { "EFBIG", EFBIG }, { "EINTR", EINTR },
	{ "EAGAIN", EAGAIN }, { "EACCES", EACCES }, { "ENOENT", ENOENT },
	{ "ETXTBSY", ETXTBSY }, { "EROFS", EROFS },
};

static int parse_one(const char *item, size_t len)
{
	char buf[64], *at, *eq, *end;
	size_t i;
	int idx = -1, k;
	struct fault *f;

	if (len == 0 || len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, item, len);
	buf[len] = '\0';
	at = strchr(buf, '@');
	eq = strchr(buf, '=');
	if (!at || !eq || eq < at)
		return -EINVAL;
	*at = *eq = '\0';
	for (i = 0; i < F_N; i++)
		if (strcmp(buf, fault_names[i]) == 0)
			idx = (int)i;
	if (idx < 0)
		return -EINVAL;
	f = &faults[idx];
	if (f->nrules == FAULT_RULES)
		return -EINVAL;
	k = f->nrules;
	if (strcmp(at + 1, "*") == 0) {
		f->rule[k].nth = 0;
	} else {
		f->rule[k].nth = strtol(at + 1, &end, 10);
		if (*end || f->rule[k].nth <= 0)
			return -EINVAL;
	}
	if (strcmp(eq + 1, "short") == 0) {
		f->rule[k].kind = FAULT_SHORT;
	} else if (strcmp(eq + 1, "zero") == 0) {
		f->rule[k].kind = FAULT_ZERO;
	} else {
		for (i = 0; i < sizeof(errno_names) / sizeof(errno_names[0]); i++)
			if (strcmp(eq + 1, errno_names[i].name) == 0)
				break;
		if (i == sizeof(errno_names) / sizeof(errno_names[0]))
			return -EINVAL;
		f->rule[k].kind = FAULT_ERRNO;
		f->rule[k].err = errno_names[i].err;
	}
	f->nrules++;
	return 0;
}

int sys_inject(const char *spec)
{
	const char *p = spec;
	int i;

	for (i = 0; i < F_N; i++) {
		faults[i].nrules = 0;
		atomic_store(&faults[i].calls, 0);
	}

	while (*p) {
		size_t len = strcspn(p, ",");
		int r = parse_one(p, len);

		if (r < 0)
			return r;
		p += len;
		if (*p == ',')
			p++;
	}
	sys.copy_file_range = f_cfr;
	sys.sendfile = f_sendfile;
	sys.pread = f_pread;
	sys.pwrite = f_pwrite;
	sys.fsync = f_fsync;
	sys.close = f_close;
	sys.renameat = f_renameat;
	return 0;
}
