/*
 * sys.c -- the real syscalls behind struct sys_ops and, in test builds
 * only, a fault injector that tests switch on with TREESYNC_FAULTS.
 *
 * A release build holds the table of real calls and nothing else: the
 * wrappers, the parser and sys_inject() exist only with
 * TS_FAULT_INJECTION (CMake: TREESYNC_FAULT_INJECTION).
 *
 * The injector counts calls per rule with atomics, so it is safe with the
 * worker pool.  It only ever makes a call fail (before doing anything),
 * return 0 or move a short count, which is what the engine must survive:
 * a failed call is reported with its path, a half-made entry never gets
 * its final name, and the exit code says what kind of failure it was.
 */
#define _GNU_SOURCE
#include "sys.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

/* --- the real calls ----------------------------------------------------- */

static ssize_t real_cfr(int in, off_t *in_off, int out, off_t *out_off,
    size_t len, unsigned flags)
{
	return copy_file_range(in, in_off, out, out_off, len, flags);
}

static ssize_t real_sendfile(int out, int in, off_t *off, size_t count)
{
	return sendfile(out, in, off, count);
}

static int real_ficlone(int out, int in)
{
	return ioctl(out, FICLONE, in);
}

/* openat(2) is variadic in libc: the table's entry is not. */
static int real_openat(int dirfd, const char *name, int flags, mode_t mode)
{
	return openat(dirfd, name, flags, mode);
}

static int real_openat2(int dirfd, const char *path, struct open_how *how,
    size_t size)
{
	return (int)syscall(SYS_openat2, dirfd, path, how, size);
}

#if SYS_HAVE_XATTRAT
struct xattr_args_k {
	uint64_t value;
	uint32_t size;
	uint32_t flags;
};
#endif

static int real_setxattrat(int dirfd, const char *name, int at_flags,
    const char *xname, const void *value, size_t len, int flags)
{
#if SYS_HAVE_XATTRAT
	struct xattr_args_k a = { (uint64_t)(uintptr_t)value, (uint32_t)len,
		(uint32_t)flags };

	return (int)syscall(SYS_NR_setxattrat, dirfd, name, at_flags, xname,
	    &a, sizeof(a));
#else
	(void)dirfd, (void)name, (void)at_flags, (void)xname, (void)value;
	(void)len, (void)flags;
	errno = ENOSYS;
	return -1;
#endif
}

static int real_removexattrat(int dirfd, const char *name, int at_flags,
    const char *xname)
{
#if SYS_HAVE_XATTRAT
	return (int)syscall(SYS_NR_removexattrat, dirfd, name, at_flags,
	    xname);
#else
	(void)dirfd, (void)name, (void)at_flags, (void)xname;
	errno = ENOSYS;
	return -1;
#endif
}

/* Spelled out (not "= real_ops"): a constant initializer in ISO C. */
#define REAL_OPS { \
	.copy_file_range = real_cfr, \
	.sendfile = real_sendfile, \
	.pread = pread, \
	.pwrite = pwrite, \
	.ftruncate = ftruncate, \
	.fallocate = fallocate, \
	.ficlone = real_ficlone, \
	.fsync = fsync, \
	.close = close, \
	.openat = real_openat, \
	.openat2 = real_openat2, \
	.mkdirat = mkdirat, \
	.mknodat = mknodat, \
	.symlinkat = symlinkat, \
	.linkat = linkat, \
	.renameat = renameat, \
	.unlinkat = unlinkat, \
	.fchown = fchown, \
	.fchownat = fchownat, \
	.fchmod = fchmod, \
	.fchmodat = fchmodat, \
	.futimens = futimens, \
	.utimensat = utimensat, \
	.fsetxattr = fsetxattr, \
	.fremovexattr = fremovexattr, \
	.setxattrat = real_setxattrat, \
	.removexattrat = real_removexattrat, \
	.setxattr = setxattr, \
	.removexattr = removexattr, \
}

struct sys_ops sys = REAL_OPS;

#ifdef TS_FAULT_INJECTION
/* --- fault injection (test builds only) ---------------------------------- */

#include <fnmatch.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static const struct sys_ops real_ops = REAL_OPS;

/*
 * Every call that can be faulted, with whether it moves bytes (only those
 * take "short" and "zero").  The order is free; the names are the
 * members of struct sys_ops.
 */
#define SYS_CALLS(X) \
	X(copy_file_range, true) X(sendfile, true) X(pread, true) \
	X(pwrite, true) X(ftruncate, false) X(fallocate, false) \
	X(ficlone, false) \
	X(fsync, false) X(close, false) X(openat, false) X(openat2, false) \
	X(mkdirat, false) X(mknodat, false) X(symlinkat, false) \
	X(linkat, false) X(renameat, false) X(unlinkat, false) \
	X(fchown, false) X(fchownat, false) X(fchmod, false) \
	X(fchmodat, false) X(futimens, false) X(utimensat, false) \
	X(fsetxattr, false) X(fremovexattr, false) X(setxattrat, false) \
	X(removexattrat, false) X(setxattr, false) X(removexattr, false)

#define AS_INDEX(name, io) F_##name,
enum { SYS_CALLS(AS_INDEX) F_N };
#undef AS_INDEX

static const struct {
	const char *name;
	bool io;
} calls[F_N] = {
#define AS_ROW(name, io) { #name, io },
	SYS_CALLS(AS_ROW)
#undef AS_ROW
};

enum fault_kind { FAULT_NONE, FAULT_ERRNO, FAULT_SHORT, FAULT_ZERO };

#define FAULT_RULES 4

/* One rule: fail call number nth (0: every call) among those whose last
 * path component matches pat (empty: every call). */
struct rule {
	enum fault_kind kind;
	int err;
	long nth;
	char pat[NAME_MAX + 1];
	atomic_long calls;
};

struct fault {
	int nrules;
	struct rule rule[FAULT_RULES];
};

static struct fault faults[F_N];

/* The last component of PATH. */
static const char *base_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash && slash[1] ? slash + 1 : path;
}

/*
 * Whether the call's subject matches PAT: a name argument (N1 or N2), or
 * with none, the file FD is open on (looked up once per call, in BUF).
 */
static bool subject_matches(const char *pat, int fd, const char *n1,
    const char *n2, char *buf, const char **fdname)
{
	if (n1 || n2)
		return (n1 && fnmatch(pat, base_of(n1), 0) == 0) ||
		    (n2 && fnmatch(pat, base_of(n2), 0) == 0);
	if (!*fdname) {
		char link[40];
		ssize_t n;

		snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
		n = readlink(link, buf, PATH_MAX - 1);
		buf[n < 0 ? 0 : n] = '\0';
		*fdname = base_of(buf);
	}
	return fnmatch(pat, *fdname, 0) == 0;
}

/*
 * Counts this call of syscall I (FD, N1, N2: its subject) against each
 * rule it matches and says which fault, if any, it gets; for an errno
 * fault errno is set.  errno is kept otherwise.
 */
static enum fault_kind fault_hit(int i, int fd, const char *n1,
    const char *n2)
{
	struct fault *f = &faults[i];
	enum fault_kind hit = FAULT_NONE;
	char buf[PATH_MAX];
	const char *fdname = NULL;
	int k, e = errno, err = 0;

	for (k = 0; k < f->nrules; k++) {
		struct rule *r = &f->rule[k];
		long n;

		if (r->pat[0] &&
		    !subject_matches(r->pat, fd, n1, n2, buf, &fdname))
			continue;
		n = atomic_fetch_add(&r->calls, 1) + 1;
		if (hit == FAULT_NONE && (r->nth == 0 || n == r->nth)) {
			hit = r->kind;
			err = r->err;
		}
	}
	errno = hit == FAULT_ERRNO ? err : e;
	return hit;
}

/*
 * Applies the fault of data call I on FD to a call moving *LEN bytes: true
 * with the result in *R for an errno or 0 return, false to make the real
 * call (with *LEN halved for "short").
 */
static bool shape(int i, int fd, size_t *len, ssize_t *r)
{
	switch (fault_hit(i, fd, NULL, NULL)) {
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

static ssize_t f_copy_file_range(int in, off_t *in_off, int out,
    off_t *out_off, size_t len, unsigned flags)
{
	ssize_t r;

	if (shape(F_copy_file_range, out, &len, &r))
		return r;
	return real_ops.copy_file_range(in, in_off, out, out_off, len, flags);
}

static ssize_t f_sendfile(int out, int in, off_t *off, size_t count)
{
	ssize_t r;

	if (shape(F_sendfile, out, &count, &r))
		return r;
	return real_ops.sendfile(out, in, off, count);
}

static ssize_t f_pread(int fd, void *buf, size_t n, off_t off)
{
	ssize_t r;

	if (shape(F_pread, fd, &n, &r))
		return r;
	return real_ops.pread(fd, buf, n, off);
}

static ssize_t f_pwrite(int fd, const void *buf, size_t n, off_t off)
{
	ssize_t r;

	if (shape(F_pwrite, fd, &n, &r))
		return r;
	return real_ops.pwrite(fd, buf, n, off);
}

static int f_close(int fd)
{
	if (fault_hit(F_close, fd, NULL, NULL) == FAULT_ERRNO) {
		int e = errno;

		/* Like NFS: the descriptor is gone even though close failed. */
		real_ops.close(fd);
		errno = e;
		return -1;
	}
	return real_ops.close(fd);
}

/* A wrapper that fails NAME before the call, or makes the real call; the
 * fault is judged on the subject (FD, N1, N2). */
#define ERRNO_ONLY(name, params, args, fd, n1, n2) \
	static int f_##name params \
	{ \
		if (fault_hit(F_##name, fd, n1, n2) == FAULT_ERRNO) \
			return -1; \
		return real_ops.name args; \
	}

ERRNO_ONLY(ftruncate, (int fd, off_t len), (fd, len), fd, NULL, NULL)
ERRNO_ONLY(fallocate, (int fd, int mode, off_t off, off_t len),
    (fd, mode, off, len), fd, NULL, NULL)
ERRNO_ONLY(ficlone, (int out, int in), (out, in), out, NULL, NULL)
ERRNO_ONLY(fsync, (int fd), (fd), fd, NULL, NULL)
ERRNO_ONLY(openat, (int d, const char *n, int fl, mode_t m), (d, n, fl, m),
    -1, n, NULL)
ERRNO_ONLY(openat2, (int d, const char *p, struct open_how *how, size_t sz),
    (d, p, how, sz), -1, p, NULL)
ERRNO_ONLY(mkdirat, (int d, const char *n, mode_t m), (d, n, m), -1, n, NULL)
ERRNO_ONLY(mknodat, (int d, const char *n, mode_t m, dev_t dev),
    (d, n, m, dev), -1, n, NULL)
ERRNO_ONLY(symlinkat, (const char *t, int d, const char *n), (t, d, n),
    -1, n, NULL)
ERRNO_ONLY(linkat, (int od, const char *on, int nd, const char *nn, int fl),
    (od, on, nd, nn, fl), -1, on, nn)
ERRNO_ONLY(renameat, (int od, const char *on, int nd, const char *nn),
    (od, on, nd, nn), -1, on, nn)
ERRNO_ONLY(unlinkat, (int d, const char *n, int fl), (d, n, fl), -1, n, NULL)
ERRNO_ONLY(fchown, (int fd, uid_t u, gid_t g), (fd, u, g), fd, NULL, NULL)
ERRNO_ONLY(fchownat, (int d, const char *n, uid_t u, gid_t g, int fl),
    (d, n, u, g, fl), -1, n, NULL)
ERRNO_ONLY(fchmod, (int fd, mode_t m), (fd, m), fd, NULL, NULL)
ERRNO_ONLY(fchmodat, (int d, const char *n, mode_t m, int fl), (d, n, m, fl),
    -1, n, NULL)
ERRNO_ONLY(futimens, (int fd, const struct timespec t[2]), (fd, t), fd, NULL,
    NULL)
ERRNO_ONLY(utimensat, (int d, const char *n, const struct timespec t[2],
    int fl), (d, n, t, fl), -1, n, NULL)
ERRNO_ONLY(fsetxattr, (int fd, const char *x, const void *v, size_t len,
    int fl), (fd, x, v, len, fl), fd, NULL, NULL)
ERRNO_ONLY(fremovexattr, (int fd, const char *x), (fd, x), fd, NULL, NULL)
ERRNO_ONLY(setxattrat, (int d, const char *n, int af, const char *x,
    const void *v, size_t len, int fl), (d, n, af, x, v, len, fl), -1, n,
    NULL)
ERRNO_ONLY(removexattrat, (int d, const char *n, int af, const char *x),
    (d, n, af, x), -1, n, NULL)
/* By "/proc/self/fd/N": the subject is the file that fd is open on. */
ERRNO_ONLY(setxattr, (const char *p, const char *x, const void *v,
    size_t len, int fl), (p, x, v, len, fl), atoi(base_of(p)), NULL, NULL)
ERRNO_ONLY(removexattr, (const char *p, const char *x), (p, x),
    atoi(base_of(p)), NULL, NULL)

#undef ERRNO_ONLY

/* --- the specification --------------------------------------------------- */

/* errno names strerrorname_np() does not give (it names each value once). */
static const struct {
	const char *name;
	int err;
} errno_aliases[] = {
	{ "ENOTSUP", ENOTSUP }, { "EWOULDBLOCK", EWOULDBLOCK },
	{ "EDEADLOCK", EDEADLOCK },
};

/* The errno called NAME ("EIO"), or 0. */
static int errno_of(const char *name)
{
	size_t i;
	int e;

	for (i = 0; i < sizeof(errno_aliases) / sizeof(errno_aliases[0]); i++)
		if (strcmp(name, errno_aliases[i].name) == 0)
			return errno_aliases[i].err;
	for (e = 1; e < 4096; e++) {
		const char *n = strerrorname_np(e);

		if (n && strcmp(name, n) == 0)
			return e;
	}
	return 0;
}

/* Parses RESULT into R: an errno name, or "short"/"zero" for IO calls. */
static int parse_result(const char *result, bool io, struct rule *r)
{
	if (strcmp(result, "short") == 0 || strcmp(result, "zero") == 0) {
		if (!io)
			return -EINVAL;	/* only a data call has a count */
		r->kind = result[0] == 's' ? FAULT_SHORT : FAULT_ZERO;
		return 0;
	}
	r->kind = FAULT_ERRNO;
	r->err = errno_of(result);
	return r->err ? 0 : -EINVAL;
}

/* Adds the rule ITEM (LEN bytes, "NAME@N=RESULT[:PATTERN]") to TO. */
static int parse_one(const char *item, size_t len, struct fault *to)
{
	char buf[16 + 1 + 20 + 1 + 32 + 1 + NAME_MAX + 1];
	char *at, *eq, *colon, *end;
	struct rule *r;
	struct fault *f;
	int i, idx = -1;

	if (len == 0 || len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, item, len);
	buf[len] = '\0';
	at = strchr(buf, '@');
	eq = at ? strchr(at, '=') : NULL;
	if (!eq)
		return -EINVAL;
	*at = *eq = '\0';
	colon = strchr(eq + 1, ':');
	if (colon)
		*colon = '\0';
	for (i = 0; i < F_N; i++)
		if (strcmp(buf, calls[i].name) == 0)
			idx = i;
	if (idx < 0)
		return -EINVAL;
	f = &to[idx];
	if (f->nrules == FAULT_RULES)
		return -EINVAL;
	r = &f->rule[f->nrules];
	if (strcmp(at + 1, "*") == 0) {
		r->nth = 0;
	} else {
		errno = 0;
		r->nth = strtol(at + 1, &end, 10);
		if (end == at + 1 || *end || r->nth <= 0 || errno)
			return -EINVAL;
	}
	if (parse_result(eq + 1, calls[idx].io, r) < 0)
		return -EINVAL;
	if (colon) {
		/* A component never holds '/': such a pattern never matches. */
		if (!colon[1] || strchr(colon + 1, '/') ||
		    strlen(colon + 1) >= sizeof(r->pat))
			return -EINVAL;
		strcpy(r->pat, colon + 1);
	}
	f->nrules++;
	return 0;
}

/* Points every entry of the table at its wrapper (or back at the real
 * call when FAULTY is false). */
static void install(bool faulty)
{
	if (!faulty) {
		sys = real_ops;
		return;
	}
#define AS_WRAPPER(name, io) sys.name = f_##name;
	SYS_CALLS(AS_WRAPPER)
#undef AS_WRAPPER
}

int sys_inject(const char *spec)
{
	static struct fault parsed[F_N];
	const char *p = spec;
	int i, k, r;

	memset(parsed, 0, sizeof(parsed));
	while (*p) {
		size_t len = strcspn(p, ",");

		if ((r = parse_one(p, len, parsed)) < 0)
			return r;
		p += len;
		if (*p == ',')
			p++;
	}
	install(false);
	for (i = 0; i < F_N; i++) {
		faults[i].nrules = parsed[i].nrules;
		for (k = 0; k < parsed[i].nrules; k++) {
			struct rule *to = &faults[i].rule[k];
			const struct rule *from = &parsed[i].rule[k];

			to->kind = from->kind;
			to->err = from->err;
			to->nth = from->nth;
			memcpy(to->pat, from->pat, sizeof(to->pat));
			atomic_store(&to->calls, 0);
		}
	}
	install(true);
	return 0;
}

void sys_reset(void)
{
	int i;

	install(false);
	for (i = 0; i < F_N; i++)
		faults[i].nrules = 0;
}
#endif /* TS_FAULT_INJECTION */
