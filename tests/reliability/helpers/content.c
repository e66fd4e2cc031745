/*
 * content.c -- versioned file trees whose every byte says which version it
 * is, and the checkers that read them ("torn" is decided by content alone).
 *
 * A manifest lists the files, one a line: "SIZE1 SIZE2 RELPATH".  The
 * content of RELPATH in version V (1 or 2) is SIZE_V bytes of a splitmix64
 * stream keyed by (RELPATH, V): any mixture of two versions, any prefix,
 * any stale block is detected.
 *
 *   content gen DIR MANIFEST V MTIME      write version V of every file
 *                                         (mtime MTIME + V seconds)
 *   content check DIR MANIFEST [V]        one pass: every final name must
 *                                         hold a complete version; with V,
 *                                         every one must be V and no temp
 *                                         (.NAME.XXXXXX.tstmp) may be left
 *   content observe DIR MANIFEST STOPFILE loop over the final names until
 *                                         STOPFILE exists (the live observer)
 *
 * check/observe print one line of counts, "key=value ...", and exit 0 when
 * nothing was torn, missing or unknown (check with V: and all were V).
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

struct ent {
	uint64_t size[3];	/* [1], [2] */
	char *path;
};

static struct ent *ents;
static size_t nents;

static void die(const char *m)
{
	perror(m);
	exit(2);
}

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ull;
	}
	return h;
}

static uint64_t mix(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Byte I of the content of PATH in version V. */
static void fill(const char *path, int v, uint64_t off, unsigned char *buf,
    size_t n)
{
	uint64_t key = fnv1a(path) ^ ((uint64_t)v * 0x9e3779b97f4a7c15ull);
	size_t i = 0;

	/* Aligned whole blocks: the fast path. */
	while (off % 8 == 0 && n - i >= 8) {
		uint64_t w = mix(key + ((off + i) / 8) * 0x632be59bd9b4e019ull);
		unsigned b;

		for (b = 0; b < 8; b++)
			buf[i + b] = (unsigned char)(w >> (8 * b));
		i += 8;
	}
	while (i < n) {
		uint64_t blk = (off + i) / 8, w = mix(key + blk * 0x632be59bd9b4e019ull);
		unsigned b = (unsigned)((off + i) % 8);

		for (; b < 8 && i < n; b++, i++)
			buf[i] = (unsigned char)(w >> (8 * b));
	}
}

static int cmp_ent(const void *a, const void *b)
{
	return strcmp(((const struct ent *)a)->path,
	    ((const struct ent *)b)->path);
}

static void load(const char *manifest)
{
	FILE *f = fopen(manifest, "r");
	char line[PATH_MAX + 64];
	size_t cap = 0;

	if (!f)
		die(manifest);
	while (fgets(line, sizeof(line), f)) {
		unsigned long long a, b;
		int off = 0;

		line[strcspn(line, "\n")] = '\0';
		if (sscanf(line, "%llu %llu %n", &a, &b, &off) < 2 || !off)
			continue;
		if (nents == cap) {
			cap = cap ? cap * 2 : 256;
			ents = realloc(ents, cap * sizeof(*ents));
			if (!ents)
				die("realloc");
		}
		ents[nents].size[1] = a;
		ents[nents].size[2] = b;
		ents[nents].path = strdup(line + off);
		nents++;
	}
	fclose(f);
	qsort(ents, nents, sizeof(*ents), cmp_ent);
}

static struct ent *lookup(const char *rel)
{
	struct ent k = { .path = (char *)rel };

	return bsearch(&k, ents, nents, sizeof(*ents), cmp_ent);
}

static void mkparents(const char *dir, const char *rel)
{
	char p[PATH_MAX * 2];
	char *s;

	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	for (s = p + strlen(dir) + 1; (s = strchr(s, '/')); s++) {
		*s = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			die(p);
		*s = '/';
	}
}

static int gen(const char *dir, int v, long mtime)
{
	static unsigned char buf[1 << 20];
	size_t i;

	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		die(dir);
	for (i = 0; i < nents; i++) {
		char p[PATH_MAX * 2];
		uint64_t off = 0, size = ents[i].size[v];
		struct timespec ts[2] = { { mtime + v, 0 }, { mtime + v, 0 } };
		int fd;

		mkparents(dir, ents[i].path);
		snprintf(p, sizeof(p), "%s/%s", dir, ents[i].path);
		unlink(p);
		fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0)
			die(p);
		while (off < size) {
			size_t n = size - off < sizeof(buf) ? size - off : sizeof(buf);

			fill(ents[i].path, v, off, buf, n);
			if (write(fd, buf, n) != (ssize_t)n)
				die("write");
			off += n;
		}
		if (futimens(fd, ts) < 0)
			die("futimens");
		close(fd);
	}
	/* Directories too (whole seconds: rsync's default comparison). */
	for (i = 0; i <= nents; i++) {
		char p[PATH_MAX * 2], *s;
		struct timespec ts[2] = { { mtime + v, 0 }, { mtime + v, 0 } };

		if (i == nents)
			snprintf(p, sizeof(p), "%s", dir);
		else
			snprintf(p, sizeof(p), "%s/%s", dir, ents[i].path);
		while (i < nents && (s = strrchr(p, '/')) && s > p + strlen(dir)) {
			*s = '\0';
			utimensat(AT_FDCWD, p, ts, 0);
		}
		if (i == nents)
			utimensat(AT_FDCWD, p, ts, 0);
	}
	return 0;
}

/* What a file holds: 1, 2 or 3 (bits of the complete versions it
 * equals), 0 torn, -1 missing, -2 not a regular file.  *WHY explains a torn file. */
static int classify(const char *dir, const struct ent *e, unsigned char *buf,
    size_t bufsize, char *why, size_t whysize)
{
	static unsigned char exp[1 << 16];
	char p[PATH_MAX * 2];
	struct stat st;
	uint64_t off = 0;
	int fd, v, ok[3] = { 0, 1, 1 };

	snprintf(p, sizeof(p), "%s/%s", dir, e->path);
	fd = open(p, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -1 : -2;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -2;
	}
	for (;;) {
		ssize_t n = read(fd, buf, bufsize);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			snprintf(why, whysize, "read error %s", strerror(errno));
			close(fd);
			return 0;
		}
		if (n == 0)
			break;
		for (v = 1; v <= 2; v++) {
			ssize_t k;

			if (!ok[v])
				continue;
			if (off + (uint64_t)n > e->size[v]) {
				ok[v] = 0;
				continue;
			}
			for (k = 0; k < n && ok[v]; k += (ssize_t)sizeof(exp)) {
				size_t m = (size_t)(n - k) < sizeof(exp) ?
				    (size_t)(n - k) : sizeof(exp);

				fill(e->path, v, off + (uint64_t)k, exp, m);
				if (memcmp(buf + k, exp, m) != 0)
					ok[v] = 0;
			}
		}
		off += (uint64_t)n;
		if (!ok[1] && !ok[2])
			break;
	}
	close(fd);
	/* A bit per matching version: 3 when both versions are identical
	 * (empty files). */
	for (v = 1; v <= 2; v++)
		if (!(ok[v] && off == e->size[v]))
			ok[v] = 0;
	if (ok[1] || ok[2])
		return ok[1] | (ok[2] << 1);
	snprintf(why, whysize, "%llu bytes read (v1 size %llu, v2 size %llu)%s",
	    (unsigned long long)off, (unsigned long long)e->size[1],
	    (unsigned long long)e->size[2],
	    (ok[1] || ok[2]) ? ", a correct prefix only" : ", mixed/foreign content");
	return 0;
}

static int is_temp(const char *n)
{
	size_t l = strlen(n);

	return n[0] == '.' && l > 14 && strcmp(n + l - 6, ".tstmp") == 0;
}

/* Counts temps and names not in the manifest below DIR/REL. */
static void scan(const char *dir, const char *rel, long *temps, long *unknown,
    int verbose)
{
	char p[PATH_MAX * 2];
	DIR *d;
	struct dirent *de;

	snprintf(p, sizeof(p), "%s%s%s", dir, *rel ? "/" : "", rel);
	d = opendir(p);
	if (!d)
		return;
	while ((de = readdir(d))) {
		char r[PATH_MAX * 2];

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(r, sizeof(r), "%s%s%s", rel, *rel ? "/" : "", de->d_name);
		if (de->d_type == DT_DIR) {
			scan(dir, r, temps, unknown, verbose);
		} else if (is_temp(de->d_name)) {
			(*temps)++;
			if (verbose && *temps <= 5)
				fprintf(stderr, "temp left: %s\n", r);
		} else if (!lookup(r)) {
			(*unknown)++;
			if (verbose && *unknown <= 5)
				fprintf(stderr, "unknown entry: %s\n", r);
		}
	}
	closedir(d);
}

static unsigned char *bigbuf(size_t *size)
{
	*size = 8u << 20;
	unsigned char *b = malloc(*size);

	if (!b)
		die("malloc");
	return b;
}

static int check(const char *dir, int expect)
{
	size_t bs, i;
	unsigned char *buf = bigbuf(&bs);
	long cnt[3] = { 0 }, torn = 0, missing = 0, other = 0, temps = 0,
	    unknown = 0, wrong = 0;
	char why[256];

	for (i = 0; i < nents; i++) {
		int c = classify(dir, &ents[i], buf, bs, why, sizeof(why));

		if (c > 0) {
			cnt[c == 3 ? 0 : c]++;
			if (expect && !(c & expect) && ++wrong <= 5)
				fprintf(stderr, "not version %d: %s\n", expect,
				    ents[i].path);
		} else if (c == 0) {
			if (++torn <= 5)
				fprintf(stderr, "TORN: %s: %s\n", ents[i].path, why);
		} else if (c == -1) {
			if (++missing <= 5)
				fprintf(stderr, "missing: %s\n", ents[i].path);
		} else if (++other <= 5) {
			fprintf(stderr, "not a regular file: %s\n", ents[i].path);
		}
	}
	scan(dir, "", &temps, &unknown, 1);
	printf("files=%zu v1=%ld v2=%ld same=%ld torn=%ld missing=%ld nonreg=%ld "
	    "temps=%ld unknown=%ld\n", nents, cnt[1], cnt[2], cnt[0], torn, missing,
	    other, temps, unknown);
	free(buf);
	if (torn || missing || other || unknown)
		return 1;
	if (expect && (wrong || temps))
		return 1;
	return 0;
}

static int observe(const char *dir, const char *stopfile)
{
	size_t bs, i;
	unsigned char *buf = bigbuf(&bs);
	long passes = 0, reads = 0, cnt[3] = { 0 }, torn = 0, missing = 0,
	    other = 0;
	char why[256];

	while (access(stopfile, F_OK) != 0) {
		for (i = 0; i < nents; i++) {
			int c = classify(dir, &ents[i], buf, bs, why,
			    sizeof(why));

			reads++;
			if (c > 0) {
				cnt[c == 3 ? 0 : c]++;
			} else if (c == 0) {
				if (++torn <= 10)
					fprintf(stderr, "TORN: %s: %s\n",
					    ents[i].path, why);
			} else if (c == -1) {
				if (++missing <= 10)
					fprintf(stderr, "final name missing: %s\n",
					    ents[i].path);
			} else if (++other <= 10) {
				fprintf(stderr, "not a regular file: %s\n",
				    ents[i].path);
			}
		}
		passes++;
	}
	printf("passes=%ld reads=%ld v1=%ld v2=%ld torn=%ld missing=%ld "
	    "nonreg=%ld\n", passes, reads, cnt[1], cnt[2], torn, missing, other);
	free(buf);
	return (torn || missing || other) ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc >= 6 && !strcmp(argv[1], "gen")) {
		load(argv[3]);
		return gen(argv[2], atoi(argv[4]), atol(argv[5]));
	}
	if (argc >= 4 && !strcmp(argv[1], "check")) {
		load(argv[3]);
		return check(argv[2], argc > 4 ? atoi(argv[4]) : 0);
	}
	if (argc >= 5 && !strcmp(argv[1], "observe")) {
		load(argv[3]);
		return observe(argv[2], argv[4]);
	}
	fprintf(stderr, "usage: content gen DIR MANIFEST V MTIME | check DIR "
	    "MANIFEST [V] | observe DIR MANIFEST STOPFILE\n");
	return 2;
}
