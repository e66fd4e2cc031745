/*
 * filter_probe.c -- what the filter module says rsync would do, for
 * tests/unit/filter-vs-rsync.sh.
 *
 *	filter_probe [FILTER OPTIONS...] SRC DST
 *
 * Takes rsync's filter options in order (-f/--filter, --exclude,
 * --include, --exclude-from, --include-from, -F, -C, -0/--from0,
 * --delete-excluded), then walks SRC as rsync's sender would (an
 * excluded directory is not entered; per-directory merge files are read
 * from SRC) and prints every path that is transferred, in rsync's
 * itemize naming ("./", "dir/", "file").  Then it walks DST as rsync's
 * --delete receiver would (merge files read from DST, protect/risk
 * rules, perishable rules ignored inside a directory being deleted) and
 * prints "*deleting PATH" for each entry that would be removed.  Output
 * is unsorted; the script sorts.  Exit 1 on a filter error (printed).
 *
 * Not part of the engine: it is the smallest honest driver of the API,
 * and doubles as an example of the integration recipe in filter.h.
 */
#define _GNU_SOURCE
#include "filter.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static bool delete_excluded;

struct names {
	char **v;
	bool *dir;
	size_t n;
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The sorted entries of directory ABS. */
static void list_dir(const char *abs, struct names *out)
{
	DIR *d = opendir(abs);
	struct dirent *de;
	size_t cap = 0, i;

	out->v = NULL;
	out->dir = NULL;
	out->n = 0;
	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (out->n == cap) {
			cap = cap ? cap * 2 : 16;
			out->v = realloc(out->v, cap * sizeof(*out->v));
		}
		out->v[out->n++] = strdup(de->d_name);
	}
	closedir(d);
	qsort(out->v, out->n, sizeof(*out->v), cmp_str);
	out->dir = calloc(out->n + 1, sizeof(bool));
	for (i = 0; i < out->n; i++) {
		char p[PATH_MAX * 2];
		struct stat st;

		snprintf(p, sizeof(p), "%s/%s", abs, out->v[i]);
		out->dir[i] = lstat(p, &st) == 0 && S_ISDIR(st.st_mode);
	}
}

static void free_names(struct names *n)
{
	size_t i;

	for (i = 0; i < n->n; i++)
		free(n->v[i]);
	free(n->v);
	free(n->dir);
}

/* The reader: IN_DIR names are relative to the directory in ARG. */
static int read_rules(void *arg, const char *path, bool in_dir, char **data,
    size_t *len)
{
	const char *dir = arg;
	char full[PATH_MAX * 2];
	FILE *f;
	char *buf = NULL;
	size_t cap = 0, n = 0;

	if (in_dir)
		snprintf(full, sizeof(full), "%s/%s", dir, path);
	else
		snprintf(full, sizeof(full), "%s", path);
	f = fopen(full, "rb");
	if (f == NULL)
		return -errno;
	for (;;) {
		size_t r;

		if (n == cap) {
			cap = cap ? cap * 2 : 4096;
			buf = realloc(buf, cap);
		}
		r = fread(buf + n, 1, cap - n, f);
		if (r == 0)
			break;
		n += r;
	}
	fclose(f);
	*data = buf;
	*len = n;
	return 0;
}

static char *join(const char *a, const char *b)
{
	char *s;

	if (*a == '\0')
		return strdup(b);
	if (asprintf(&s, "%s/%s", a, b) < 0)
		exit(2);
	return s;
}

static struct filter_layer *push(const struct filter_layer *parent,
    const char *tree, const char *rel)
{
	struct filter_reader rd;
	struct filter_layer *l;
	char *abs = *rel ? join(tree, rel) : strdup(tree);
	char *err = NULL;

	rd.read = read_rules;
	rd.arg = abs;
	if (filter_layer_push(parent, rel, &rd, &l, &err) < 0) {
		fprintf(stderr, "filter_probe: %s\n", err);
		exit(1);
	}
	free(abs);
	return l;
}

/* The sender: prints what is transferred below REL (a directory). */
static void send_dir(const struct filter_layer *parent, const char *tree,
    const char *rel)
{
	struct filter_layer *l = push(parent, tree, rel);
	char *abs = *rel ? join(tree, rel) : strdup(tree);
	struct names n;
	size_t i;

	list_dir(abs, &n);
	for (i = 0; i < n.n; i++) {
		char *p = join(rel, n.v[i]);

		if (!filter_excluded(l, p, n.dir[i] ? FILTER_DIR : 0)) {
			printf("%s%s\n", p, n.dir[i] ? "/" : "");
			if (n.dir[i])
				send_dir(l, tree, p);
		}
		free(p);
	}
	free_names(&n);
	free(abs);
	filter_layer_unref(l);
}

static unsigned rflags(bool dir, bool perishing)
{
	return FILTER_RECEIVER | (dir ? FILTER_DIR : 0) |
	    (delete_excluded ? FILTER_DELETE_EXCLUDED : 0) |
	    (perishing ? FILTER_PERISHING : 0);
}

/*
 * Deletes REL (extraneous, not protected) on the receiver: a directory's
 * contents first, with perishable rules ignored.  Returns false when
 * something protected stays inside (the directory stays too).
 */
static bool delete_tree(const struct filter_layer *l, const char *tree,
    const char *rel, bool dir, bool nested)
{
	bool emptied = true;

	if (dir) {
		char *abs = join(tree, rel);
		struct names n;
		size_t i;

		list_dir(abs, &n);
		for (i = 0; i < n.n; i++) {
			char *p = join(rel, n.v[i]);

			if (filter_excluded(l, p, rflags(n.dir[i], true)))
				emptied = false;
			else if (!delete_tree(l, tree, p, n.dir[i], true))
				emptied = false;
			free(p);
		}
		free_names(&n);
		free(abs);
	}
	if (!emptied)
		printf("cannot delete non-empty directory: %s\n", rel);
	/* rsync -n quirk: a nested directory is itemized as deleted even
	 * when something protected keeps it (the real run says "cannot
	 * delete" twice instead). */
	if (emptied || nested)
		printf("*deleting %s%s\n", rel, dir ? "/" : "");
	return emptied;
}

/* Is NAME (in directory REL) among what the sender transferred? */
static bool sent(const struct filter_layer *sl, const char *rel,
    const char *src, const char *name)
{
	char *p = join(rel, name), *abs = join(src, p);
	struct stat st;
	bool r = false;

	if (lstat(abs, &st) == 0)
		r = !filter_excluded(sl, p, S_ISDIR(st.st_mode) ? FILTER_DIR : 0);
	free(p);
	free(abs);
	return r;
}

/*
 * The receiver: REL is a directory that was transferred and exists in
 * DST; deletes what the sender did not send and the receiver does not
 * protect, then goes down into the transferred subdirectories.
 */
static void delete_in(const struct filter_layer *sparent,
    const struct filter_layer *rparent, const char *src, const char *dst,
    const char *rel)
{
	struct filter_layer *sl = push(sparent, src, rel);
	struct filter_layer *rl = push(rparent, dst, rel);
	char *abs = *rel ? join(dst, rel) : strdup(dst);
	struct names n;
	size_t i;

	list_dir(abs, &n);
	for (i = 0; i < n.n; i++) {
		char *p = join(rel, n.v[i]);
		char *sp = join(src, p);
		struct stat st;

		if (sent(sl, rel, src, n.v[i])) {
			if (n.dir[i] && lstat(sp, &st) == 0 &&
			    S_ISDIR(st.st_mode))
				delete_in(sl, rl, src, dst, p);
		} else if (!filter_excluded(rl, p, rflags(n.dir[i], false))) {
			delete_tree(rl, dst, p, n.dir[i], false);
		}
		free(sp);
		free(p);
	}
	free_names(&n);
	free(abs);
	filter_layer_unref(sl);
	filter_layer_unref(rl);
}

static void die_err(char *err)
{
	fprintf(stderr, "filter_probe: %s\n", err);
	free(err);
	exit(1);
}

int main(int argc, char **argv)
{
	struct filter_list *fl = filter_list_new();
	bool from0 = false, do_delete = false;
	char *err = NULL, *src, *dst, *rsrc, *rdst, *root;
	struct filter_layer *sbase, *rbase;
	char *top = NULL;
	size_t sl;
	int i;

	for (i = 1; i + 2 < argc; i++) {
		const char *a = argv[i];
		int rc = 0;

		if (strcmp(a, "-f") == 0 && i + 3 < argc)
			rc = filter_add(fl, argv[++i], FILTER_RULE, "-f", &err);
		else if (strncmp(a, "-f", 2) == 0 && a[2] != '\0')
			rc = filter_add(fl, a + 2, FILTER_RULE, "-f", &err);
		else if (strncmp(a, "--filter=", 9) == 0)
			rc = filter_add(fl, a + 9, FILTER_RULE, "--filter",
			    &err);
		else if (strncmp(a, "--exclude=", 10) == 0)
			rc = filter_add(fl, a + 10, FILTER_EXCLUDE,
			    "--exclude", &err);
		else if (strncmp(a, "--include=", 10) == 0)
			rc = filter_add(fl, a + 10, FILTER_INCLUDE,
			    "--include", &err);
		else if (strncmp(a, "--exclude-from=", 15) == 0)
			rc = filter_load_file(fl, a + 15, FILTER_EXCLUDE,
			    from0, &err);
		else if (strncmp(a, "--include-from=", 15) == 0)
			rc = filter_load_file(fl, a + 15, FILTER_INCLUDE,
			    from0, &err);
		else if (strcmp(a, "-F") == 0)
			filter_add_F(fl);
		else if (strcmp(a, "-FF") == 0) {
			filter_add_F(fl);
			filter_add_F(fl);
		} else if (strcmp(a, "-0") == 0 || strcmp(a, "--from0") == 0) {
			from0 = true;
			filter_set_from0(fl, true);
		} else if (strcmp(a, "--delete-excluded") == 0) {
			delete_excluded = true;
			do_delete = true;
		} else if (strcmp(a, "--delete") == 0 ||
		    strcmp(a, "--del") == 0) {
			do_delete = true;
		} else if (strcmp(a, "-C") == 0) {
			/* handled after the loop, as rsync does */
		} else {
			fprintf(stderr, "filter_probe: unknown option %s\n", a);
			return 2;
		}
		if (rc < 0)
			die_err(err);
	}
	for (i = 1; i + 2 < argc; i++) {
		if (strcmp(argv[i], "-C") == 0) {
			if (filter_add_cvs_exclude(fl, &err) < 0)
				die_err(err);
			break;
		}
	}
	src = argv[argc - 2];
	dst = argv[argc - 1];
	sl = strlen(src);

	/* "src/": the root is src and "." is sent; "src": the root is its
	 * parent and "src" is a top-level item. */
	rdst = realpath(dst, NULL);
	rsrc = realpath(src, NULL);
	if (rsrc == NULL) {
		perror(src);
		return 2;
	}
	root = strdup(rsrc);
	if (sl == 0 || src[sl - 1] != '/') {
		char *slash;

		slash = strrchr(root, '/');
		top = strdup(slash + 1);
		if (slash == root)
			slash[1] = '\0';
		else
			*slash = '\0';
	}
	sbase = filter_layer_root(fl, root);
	if (top == NULL) {
		printf("./\n");
		send_dir(sbase, rsrc, "");
	} else if (!filter_excluded(sbase, top, FILTER_DIR)) {
		printf("%s/\n", top);
		send_dir(sbase, root, top);
	}
	if (do_delete && rdst != NULL) {
		rbase = filter_layer_root(fl, rdst);
		if (top == NULL) {
			delete_in(sbase, rbase, rsrc, rdst, "");
		} else if (!filter_excluded(sbase, top, FILTER_DIR)) {
			char *d = join(rdst, top);
			struct stat st;

			if (lstat(d, &st) == 0 && S_ISDIR(st.st_mode))
				delete_in(sbase, rbase, root, rdst, top);
			free(d);
		}
		filter_layer_unref(rbase);
	}
	filter_layer_unref(sbase);
	filter_list_free(fl);
	free(rsrc);
	free(rdst);
	free(root);
	free(top);
	return 0;
}
