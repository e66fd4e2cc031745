/*
 * bulktree.c -- generated trees for the determinism test (RT-18), the same
 * for the same seed.
 *
 *   bulktree make DIR N SEED     about N entries: a wide directory (N/5
 *                                files), a deep chain (40 levels), and a
 *                                bushy tree of small files, symlinks, empty
 *                                dirs, FIFOs and 20 files of 1 MiB
 *   bulktree perturb DIR SEED    an "older mirror" of it: ~3% rewritten,
 *                                2% deleted, 2% chmod, 2% touched, 1% turned
 *                                into a directory, extraneous files and
 *                                subtrees added
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static uint64_t rs;

static uint64_t rnd(void)
{
	uint64_t z = (rs += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void die(const char *m)
{
	perror(m);
	exit(2);
}

static long count;

static void set_time(const char *p)
{
	struct timespec t[2];

	t[0].tv_sec = t[1].tv_sec = 1600000000 + (time_t)(rnd() % 10000000);
	t[0].tv_nsec = t[1].tv_nsec = (long)(rnd() % 1000000000);
	if (utimensat(AT_FDCWD, p, t, AT_SYMLINK_NOFOLLOW) < 0)
		die(p);
}

static void mkfile(const char *p, size_t size)
{
	static char buf[1 << 16];
	static const mode_t modes[] = { 0644, 0644, 0644, 0600, 0755, 0444 };
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	size_t done = 0, i;

	if (fd < 0)
		die(p);
	while (done < size) {
		size_t n = size - done < sizeof(buf) ? size - done : sizeof(buf);

		for (i = 0; i < n; i += 8) {
			uint64_t w = rnd();

			memcpy(buf + i, &w, n - i < 8 ? n - i : 8);
		}
		if (write(fd, buf, n) != (ssize_t)n)
			die("write");
		done += n;
	}
	fchmod(fd, modes[rnd() % 6]);
	close(fd);
	set_time(p);
	count++;
}

static void mkd(const char *p)
{
	if (mkdir(p, 0755) < 0 && errno != EEXIST)
		die(p);
	count++;
}

static void leafdir(const char *dir, int nfiles)
{
	char p[PATH_MAX];
	int i;

	mkd(dir);
	for (i = 0; i < nfiles; i++) {
		uint64_t r = rnd() % 1000;

		snprintf(p, sizeof(p), "%s/f%04d", dir, i);
		if (r < 80) {
			char t[64];

			snprintf(t, sizeof(t), r < 40 ? "f%04d" : "../x%04d",
			    (int)(rnd() % (unsigned)nfiles));
			if (symlink(t, p) < 0)
				die(p);
			set_time(p);
			count++;
		} else if (r < 90) {
			mkd(p);
			set_time(p);
		} else if (r < 92) {
			if (mkfifo(p, 0644) < 0)
				die(p);
			set_time(p);
			count++;
		} else {
			mkfile(p, rnd() % 200 == 0 ? 65536 + rnd() % 200000 :
			    rnd() % 3000);
		}
	}
	set_time(dir);
}

static void make(const char *top, long n)
{
	char p[PATH_MAX], q[PATH_MAX];
	long wide = n / 5, rest, ndirs, i, j;
	int lvl;

	mkd(top);
	snprintf(p, sizeof(p), "%s/wide", top);
	leafdir(p, (int)wide);
	snprintf(p, sizeof(p), "%s/deep", top);
	mkd(p);
	for (lvl = 0; lvl < 40; lvl++) {
		size_t l = strlen(p);

		snprintf(p + l, sizeof(p) - l, "/l%02d", lvl);
		mkd(p);
		snprintf(q, sizeof(q), "%s/a", p);
		mkfile(q, rnd() % 100);
		snprintf(q, sizeof(q), "%s/b", p);
		mkfile(q, rnd() % 100);
	}
	snprintf(p, sizeof(p), "%s/large", top);
	mkd(p);
	for (i = 0; i < 20; i++) {
		snprintf(q, sizeof(q), "%s/L%02ld", p, i);
		mkfile(q, 1 << 20);
	}
	rest = n - count;
	ndirs = rest / 50 + 1;
	for (i = 0; i < ndirs; i++) {
		snprintf(p, sizeof(p), "%s/t%03ld", top, i / 10);
		mkd(p);
		snprintf(p, sizeof(p), "%s/t%03ld/s%02ld", top, i / 10, i % 10);
		leafdir(p, 48);
		for (j = 0; j < 2; j++) {
			snprintf(q, sizeof(q), "%s/e%ld", p, j);
			mkd(q);
		}
	}
	/* Directory times last (children bumped them). */
	for (i = 0; i < ndirs / 10 + 1; i++) {
		snprintf(p, sizeof(p), "%s/t%03ld", top, i);
		if (access(p, F_OK) == 0)
			set_time(p);
	}
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void perturb(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0, i;
	char p[PATH_MAX];

	if (!d)
		die(dir);
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			names = realloc(names, cap * sizeof(*names));
		}
		names[n++] = strdup(de->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_names);
	for (i = 0; i < n; i++) {
		struct stat st;
		uint64_t r = rnd() % 100;

		snprintf(p, sizeof(p), "%s/%s", dir, names[i]);
		if (lstat(p, &st) < 0)
			die(p);
		if (S_ISDIR(st.st_mode)) {
			if (r == 0 && strchr(names[i], 'e')) {
				char c[PATH_MAX + 8];

				snprintf(c, sizeof(c), "%s/gone", p);
				mkfile(c, 10);
			}
			perturb(p);
		} else if (S_ISREG(st.st_mode)) {
			if (r < 3) {
				mkfile(p, rnd() % 3000);
			} else if (r < 5) {
				unlink(p);
			} else if (r < 7) {
				chmod(p, 0640);
			} else if (r < 9) {
				set_time(p);
			} else if (r < 10) {
				char c[PATH_MAX + 8];

				unlink(p);
				mkd(p);
				snprintf(c, sizeof(c), "%s/inside", p);
				mkfile(c, 100);
			}
		} else if (S_ISLNK(st.st_mode) && r < 3) {
			unlink(p);
			if (symlink("changed-target", p) < 0)
				die(p);
		}
		free(names[i]);
	}
	free(names);
	if (rnd() % 20 == 0) {
		snprintf(p, sizeof(p), "%s/extraneous_file", dir);
		mkfile(p, 123);
	}
	if (rnd() % 40 == 0) {
		snprintf(p, sizeof(p), "%s/extraneous_dir", dir);
		mkd(p);
		snprintf(p, sizeof(p), "%s/extraneous_dir/x", dir);
		mkfile(p, 5);
	}
}

int main(int argc, char **argv)
{
	if (argc == 5 && !strcmp(argv[1], "make")) {
		rs = strtoull(argv[4], NULL, 0);
		make(argv[2], atol(argv[3]));
		printf("entries=%ld\n", count);
		return 0;
	}
	if (argc == 4 && !strcmp(argv[1], "perturb")) {
		rs = strtoull(argv[3], NULL, 0) ^ 0x5555;
		perturb(argv[2]);
		return 0;
	}
	fprintf(stderr, "usage: bulktree make DIR N SEED | perturb DIR SEED\n");
	return 2;
}
