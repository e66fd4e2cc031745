/*
 * mutator.c -- changes a source file while the tool under test copies it,
 * and attacks destination temp files.  The trigger is the tool's own temp
 * file (".NAME.XXXXXX.tstmp") appearing in the destination directory
 * (inotify), so the mutation lands inside the copy, not before or after.
 *
 *   mutator watch DESTDIR NAME SRCFILE MODE AFTER_BYTES [LINKTARGET]
 *     Prints "ready", waits for the temp of NAME, waits until it holds
 *     AFTER_BYTES, then mutates SRCFILE:
 *       grow     append 256 KiB, restore the mtime
 *       shrink   truncate to 4 KiB, restore the mtime
 *       rewrite  overwrite the first 4 MiB in place (same size), restore
 *                the mtime (the case rsync misses)
 *       delete   unlink
 *       symlink  replace by a symlink to LINKTARGET (atomic rename)
 *     Then prints "mutated=1 strict=S temp_bytes=N ..." where strict=1
 *     means that once the mutation was complete the temp was still short
 *     of the size at open (the copy provably in progress, so the tool's
 *     post-copy fstat comes after the change) or already unlinked (the
 *     attempt was discarded, never renamed into place).
 *
 *   mutator leafswap DESTDIR VICTIM SECONDS [PRIVATE_PREFIX]
 *     For every temp created in DESTDIR: if its name starts with
 *     "." PRIVATE_PREFIX (files whose final mode is private), records
 *     whether it is readable by group/others ("exposed"); then renames a
 *     symlink to VICTIM over it (the leaf flip between write and
 *     metadata).  Stops after SECONDS or on SIGTERM; prints
 *     "temps_seen=N exposed=N swapped=N".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* treesync's ".NAME.XXXXXX.tstmp"; with NAME also rsync's ".NAME.XXXXXX"
 * (so that the self-test can run the same scenario against rsync). */
static int is_temp_of(const char *n, const char *name)
{
	size_t l = strlen(n), nl;
	int ts = l >= 15 && strcmp(n + l - 6, ".tstmp") == 0;

	if (n[0] != '.')
		return 0;
	if (!name)
		return ts;
	nl = strlen(name);
	if (strncmp(n + 1, name, nl) != 0 || n[1 + nl] != '.')
		return 0;
	return (ts && l == nl + 14) || l == nl + 8;
}

/* Waits up to TIMEOUT s for a temp (of NAME, or any) in the watched dir;
 * copies its name to OUT. */
static int wait_temp(int in, const char *name, char *out, double timeout)
{
	char buf[64 * 1024] __attribute__((aligned(8)));
	double end = now() + timeout;

	while (now() < end) {
		struct pollfd pfd = { .fd = in, .events = POLLIN };
		ssize_t n;
		char *p;

		if (poll(&pfd, 1, 50) <= 0)
			continue;
		n = read(in, buf, sizeof(buf));
		for (p = buf; n > 0 && p < buf + n;) {
			struct inotify_event *ev = (struct inotify_event *)p;

			if (ev->len && is_temp_of(ev->name, name)) {
				snprintf(out, NAME_MAX + 1, "%s", ev->name);
				return 0;
			}
			p += sizeof(*ev) + ev->len;
		}
	}
	return -1;
}

static void restore_times(const char *path, const struct stat *st)
{
	struct timespec t[2] = { st->st_atim, st->st_mtim };

	utimensat(AT_FDCWD, path, t, AT_SYMLINK_NOFOLLOW);
}

static int mutate(const char *src, const char *mode, const char *arg)
{
	struct stat st;
	int fd;

	if (lstat(src, &st) < 0)
		return -1;
	if (!strcmp(mode, "grow")) {
		static char buf[256 * 1024];

		memset(buf, 'G', sizeof(buf));
		fd = open(src, O_WRONLY | O_APPEND);
		if (fd < 0 || write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
			return -1;
		close(fd);
		restore_times(src, &st);
	} else if (!strcmp(mode, "shrink")) {
		if (truncate(src, 4096) < 0)
			return -1;
		restore_times(src, &st);
	} else if (!strcmp(mode, "rewrite")) {
		static char buf[4 << 20];
		size_t i;

		for (i = 0; i < sizeof(buf); i++)
			buf[i] = "MUTATED!"[i % 8];
		fd = open(src, O_WRONLY);
		if (fd < 0 || pwrite(fd, buf, sizeof(buf), 0) != (ssize_t)sizeof(buf))
			return -1;
		close(fd);
		restore_times(src, &st);
	} else if (!strcmp(mode, "delete")) {
		return unlink(src);
	} else if (!strcmp(mode, "symlink")) {
		char tmp[PATH_MAX];

		snprintf(tmp, sizeof(tmp), "%s.mutlink", src);
		unlink(tmp);
		if (symlink(arg ? arg : "/etc/shadow", tmp) < 0)
			return -1;
		return rename(tmp, src);
	} else {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

static int watch(int argc, char **argv)
{
	const char *dir = argv[2], *name = argv[3], *src = argv[4],
	    *mode = argv[5];
	long long after = atoll(argv[6]);
	const char *arg = argc > 7 ? argv[7] : NULL;
	char tmp[NAME_MAX + 1];
	struct stat st0, ts, byname;
	int in, dfd, tfd;
	double end;

	if (stat(src, &st0) < 0) {
		perror(src);
		return 2;
	}
	in = inotify_init1(IN_CLOEXEC);
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	if (in < 0 || dfd < 0 ||
	    inotify_add_watch(in, dir, IN_CREATE | IN_MOVED_TO) < 0) {
		perror("inotify");
		return 2;
	}
	printf("ready\n");
	fflush(stdout);
	if (wait_temp(in, name, tmp, 20) < 0) {
		printf("mutated=0 reason=no-temp-seen\n");
		return 0;
	}
	tfd = openat(dfd, tmp, O_RDONLY | O_NOFOLLOW);
	if (tfd < 0) {
		printf("mutated=0 reason=temp-gone-at-open\n");
		return 0;
	}
	end = now() + 10;
	for (;;) {
		if (fstat(tfd, &ts) < 0 || now() > end) {
			printf("mutated=0 reason=timeout\n");
			return 0;
		}
		if (ts.st_size >= after)
			break;
		if (fstatat(dfd, tmp, &byname, AT_SYMLINK_NOFOLLOW) < 0 ||
		    byname.st_ino != ts.st_ino) {
			printf("mutated=0 reason=temp-gone-early\n");
			return 0;
		}
	}
	if (mutate(src, mode, arg) < 0) {
		printf("mutated=0 reason=mutation-failed:%s\n", strerror(errno));
		return 0;
	}
	/* Strict: when the mutation was complete, this attempt's copy was
	 * still incomplete (the temp is short of the size at open), or the
	 * attempt had already been thrown away (the temp unlinked: nlink 0,
	 * never renamed into place). */
	fstat(tfd, &ts);
	printf("mutated=1 strict=%d temp_bytes=%lld temp_nlink=%lu "
	    "orig_size=%lld\n", ts.st_nlink == 0 || ts.st_size < st0.st_size,
	    (long long)ts.st_size, (unsigned long)ts.st_nlink,
	    (long long)st0.st_size);
	return 0;
}

static volatile sig_atomic_t stop;

static void on_sig(int sig)
{
	(void)sig;
	stop = 1;
}

static int leafswap(int argc, char **argv)
{
	const char *dir = argv[2], *victim = argv[3];
	const char *private = argc > 5 ? argv[5] : NULL;
	double end = now() + atof(argv[4]);
	char buf[64 * 1024] __attribute__((aligned(8)));
	unsigned long seen = 0, exposed = 0, swapped = 0, k = 0;
	int in = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);

	if (in < 0 || dfd < 0 || inotify_add_watch(in, dir, IN_CREATE) < 0) {
		perror("inotify");
		return 2;
	}
	signal(SIGTERM, on_sig);
	signal(SIGINT, on_sig);
	printf("ready\n");
	fflush(stdout);
	while (now() < end && !stop) {
		struct pollfd pfd = { .fd = in, .events = POLLIN };
		ssize_t n;
		char *p;

		if (poll(&pfd, 1, 50) <= 0)
			continue;
		n = read(in, buf, sizeof(buf));
		for (p = buf; n > 0 && p < buf + n;) {
			struct inotify_event *ev = (struct inotify_event *)p;
			struct stat st;
			char atk[64];

			p += sizeof(*ev) + ev->len;
			if (!ev->len || !is_temp_of(ev->name, NULL))
				continue;
			seen++;
			if (private &&
			    strncmp(ev->name + 1, private, strlen(private)) == 0 &&
			    fstatat(dfd, ev->name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
			    S_ISREG(st.st_mode) && (st.st_mode & 077)) {
				exposed++;
				fprintf(stderr, "exposed temp %s mode %o\n",
				    ev->name, st.st_mode & 07777);
			}
			snprintf(atk, sizeof(atk), ".atk%lu", k++);
			if (symlinkat(victim, dfd, atk) == 0) {
				if (renameat(dfd, atk, dfd, ev->name) == 0)
					swapped++;
				else
					unlinkat(dfd, atk, 0);
			}
		}
	}
	printf("temps_seen=%lu exposed=%lu swapped=%lu\n", seen, exposed,
	    swapped);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 7 && !strcmp(argv[1], "watch"))
		return watch(argc, argv);
	if ((argc == 5 || argc == 6) && !strcmp(argv[1], "leafswap"))
		return leafswap(argc, argv);
	fprintf(stderr, "usage: mutator watch DESTDIR NAME SRCFILE MODE "
	    "AFTER_BYTES [LINKTARGET] | leafswap DESTDIR VICTIM SECONDS "
	    "[PRIVATE_PREFIX]\n");
	return 2;
}
