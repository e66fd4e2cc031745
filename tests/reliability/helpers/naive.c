/*
 * naive.c -- deliberately unsafe, path-based tree operations: the positive
 * controls of the symlink-race tests.  Each resolves full path strings
 * from the top on every call (as a careless tool does), so a flipper that
 * swaps a parent component with a symlink redirects it outside the tree.
 * A race harness in which these do NOT escape is broken.
 *
 *   naive write DIR SECONDS     temp+rename writes, chmod, utime, mkdir,
 *                               rmdir, unlink of names in DIR, by path
 *   naive rmtree DIR            lstat-then-recurse delete by path
 *   naive copy SRC DST          lstat-then-open recursive copy by path
 *                               (symlinks are skipped, "never followed")
 *
 * Prints "ops=N errors=N".
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static unsigned long ops, errors;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void count(int r)
{
	if (r < 0)
		errors++;
	else
		ops++;
}

static int naive_write(const char *dir, double secs)
{
	double end = now() + secs;
	char tmp[PATH_MAX], fin[PATH_MAX], d[PATH_MAX];
	unsigned long i;

	for (i = 0; now() < end; i++) {
		int fd;

		snprintf(tmp, sizeof(tmp), "%s/.naive.tmp", dir);
		snprintf(fin, sizeof(fin), "%s/naive_%lu", dir, i % 64);
		snprintf(d, sizeof(d), "%s/naive_dir_%lu", dir, i % 64);
		fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		count(fd);
		if (fd >= 0) {
			if (write(fd, "naive\n", 6) != 6)
				errors++;
			close(fd);
		}
		count(rename(tmp, fin));
		count(chmod(fin, 0640));
		count(utimensat(AT_FDCWD, fin, NULL, 0));
		count(mkdir(d, 0755));
		count(rmdir(d));
		if (i % 2)
			count(unlink(fin));
	}
	return 0;
}

static void naive_rmtree(const char *path)
{
	struct stat st;
	DIR *d;
	struct dirent *de;

	if (lstat(path, &st) < 0) {
		errors++;
		return;
	}
	if (!S_ISDIR(st.st_mode)) {
		count(unlink(path));
		return;
	}
	/* The window: PATH was a directory; it is reopened by name. */
	d = opendir(path);
	if (!d) {
		errors++;
		return;
	}
	while ((de = readdir(d))) {
		char p[PATH_MAX];

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(p, sizeof(p), "%s/%s", path, de->d_name);
		naive_rmtree(p);
	}
	closedir(d);
	count(rmdir(path));
}

static void naive_copy(const char *src, const char *dst)
{
	struct stat st;
	DIR *d;
	struct dirent *de;

	if (lstat(src, &st) < 0) {
		errors++;
		return;
	}
	if (S_ISLNK(st.st_mode))
		return;		/* "symlinks are never followed" */
	if (S_ISDIR(st.st_mode)) {
		if (mkdir(dst, 0755) < 0 && errno != EEXIST)
			errors++;
		d = opendir(src);	/* by name: follows a flipped link */
		if (!d) {
			errors++;
			return;
		}
		while ((de = readdir(d))) {
			char s[PATH_MAX], t[PATH_MAX];

			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			snprintf(s, sizeof(s), "%s/%s", src, de->d_name);
			snprintf(t, sizeof(t), "%s/%s", dst, de->d_name);
			naive_copy(s, t);
		}
		closedir(d);
		ops++;
		return;
	}
	if (S_ISREG(st.st_mode)) {
		char buf[65536];
		int in = open(src, O_RDONLY), out;
		ssize_t n;

		if (in < 0) {
			errors++;
			return;
		}
		out = open(dst, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (out < 0) {
			close(in);
			errors++;
			return;
		}
		while ((n = read(in, buf, sizeof(buf))) > 0)
			if (write(out, buf, (size_t)n) != n)
				errors++;
		close(in);
		close(out);
		ops++;
	}
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "write"))
		naive_write(argv[2], atof(argv[3]));
	else if (argc == 3 && !strcmp(argv[1], "rmtree"))
		naive_rmtree(argv[2]);
	else if (argc == 4 && !strcmp(argv[1], "copy"))
		naive_copy(argv[2], argv[3]);
	else {
		fprintf(stderr, "usage: naive write DIR SECONDS | rmtree DIR | "
		    "copy SRC DST\n");
		return 2;
	}
	printf("ops=%lu errors=%lu\n", ops, errors);
	return 0;
}
