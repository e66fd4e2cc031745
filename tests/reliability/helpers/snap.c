/*
 * snap.c -- a tree snapshot to diff: one line per entry, sorted by path,
 * walked through directory fds (no PATH_MAX limit, symlinks never
 * followed).
 *
 *   snap [-c] [-T] [-O] [-s] DIR
 *
 * Line: "TYPE MODE UID GID SIZE MTIME NLINK DATA PATH" where DATA is the
 * XXH3-128 of a regular file, the target of a symlink, the rdev of a
 * device; PATH and targets are escaped (\xHH for every byte outside
 * 0x21..0x7e and for backslash).  -c adds the ctime (any chmod, chown,
 * utime or write shows), -T leaves out directory mtimes, -O leaves out
 * uid/gid, -s prints mtimes in whole seconds (rsync's default comparison
 * granularity).  The root itself is the entry ".".
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <xxhash.h>

static int opt_ctime, opt_no_dir_mtime, opt_no_owner, opt_seconds;
static int status;

static void put_esc(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c > 0x20 && c < 0x7f && c != '\\')
			putchar(c);
		else
			printf("\\x%02x", c);
	}
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void entry(int dirfd, const char *name, const char *rel)
{
	struct stat st;
	char type = '?';

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		fprintf(stderr, "snap: %s: %s\n", rel, strerror(errno));
		status = 1;
		return;
	}
	switch (st.st_mode & S_IFMT) {
	case S_IFREG: type = 'f'; break;
	case S_IFDIR: type = 'd'; break;
	case S_IFLNK: type = 'l'; break;
	case S_IFCHR: type = 'c'; break;
	case S_IFBLK: type = 'b'; break;
	case S_IFIFO: type = 'p'; break;
	case S_IFSOCK: type = 's'; break;
	}
	printf("%c %04o", type, st.st_mode & 07777);
	if (!opt_no_owner)
		printf(" %u %u", st.st_uid, st.st_gid);
	printf(" %lld", S_ISDIR(st.st_mode) ? 0LL : (long long)st.st_size);
	if (S_ISDIR(st.st_mode) && opt_no_dir_mtime)
		printf(" -");
	else if (opt_seconds)
		printf(" %lld", (long long)st.st_mtim.tv_sec);
	else
		printf(" %lld.%09ld", (long long)st.st_mtim.tv_sec,
		    st.st_mtim.tv_nsec);
	if (opt_ctime)
		printf(" c%lld.%09ld", (long long)st.st_ctim.tv_sec,
		    st.st_ctim.tv_nsec);
	printf(" %lu ", S_ISDIR(st.st_mode) ? 0UL : (unsigned long)st.st_nlink);
	if (S_ISREG(st.st_mode)) {
		int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		XXH3_state_t *s = XXH3_createState();
		static char buf[1 << 16];
		ssize_t n;
		XXH128_hash_t h;

		XXH3_128bits_reset(s);
		if (fd < 0) {
			printf("unreadable:%s", strerror(errno));
		} else {
			while ((n = read(fd, buf, sizeof(buf))) > 0)
				XXH3_128bits_update(s, buf, (size_t)n);
			close(fd);
			h = XXH3_128bits_digest(s);
			printf("%016llx%016llx", (unsigned long long)h.high64,
			    (unsigned long long)h.low64);
		}
		XXH3_freeState(s);
	} else if (S_ISLNK(st.st_mode)) {
		char t[4096];
		ssize_t n = readlinkat(dirfd, name, t, sizeof(t));

		printf("->");
		if (n >= 0)
			put_esc(t, (size_t)n);
	} else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
		printf("%u,%u", major(st.st_rdev), minor(st.st_rdev));
	} else {
		printf("-");
	}
	putchar(' ');
	put_esc(rel, strlen(rel));
	putchar('\n');
}

static void walk(int dirfd, const char *rel)
{
	DIR *d;
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0, i;
	int fd = dup(dirfd);

	if (fd < 0 || !(d = fdopendir(fd))) {
		fprintf(stderr, "snap: %s: %s\n", rel, strerror(errno));
		status = 1;
		if (fd >= 0)
			close(fd);
		return;
	}
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
		size_t rl = strlen(rel) + strlen(names[i]) + 2;
		char *r = malloc(rl);
		struct stat st;

		if (!strcmp(rel, "."))
			snprintf(r, rl, "%s", names[i]);
		else
			snprintf(r, rl, "%s/%s", rel, names[i]);
		entry(dirfd, names[i], r);
		if (fstatat(dirfd, names[i], &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISDIR(st.st_mode)) {
			int sub = openat(dirfd, names[i],
			    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

			if (sub < 0) {
				fprintf(stderr, "snap: %s: %s\n", r,
				    strerror(errno));
				printf("! unreadable-dir %s\n", r);
				status = 1;
			} else {
				walk(sub, r);
				close(sub);
			}
		}
		free(r);
		free(names[i]);
	}
	free(names);
}

int main(int argc, char **argv)
{
	int c, fd;

	while ((c = getopt(argc, argv, "cTOs")) != -1) {
		switch (c) {
		case 's': opt_seconds = 1; break;
		case 'c': opt_ctime = 1; break;
		case 'T': opt_no_dir_mtime = 1; break;
		case 'O': opt_no_owner = 1; break;
		default:
			fprintf(stderr, "usage: snap [-c] [-T] [-O] [-s] DIR\n");
			return 2;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "usage: snap [-c] [-T] [-O] [-s] DIR\n");
		return 2;
	}
	fd = open(argv[optind], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		perror(argv[optind]);
		return 2;
	}
	entry(fd, ".", ".");
	walk(fd, ".");
	close(fd);
	return status;
}
