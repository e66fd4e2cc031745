/*
 * batch_read.c -- --read-batch (batch.c says what a batch is): the batch
 * read into a private staging tree and checked whole before DEST is
 * touched, the replay's options, the staging tree removed at the end.
 */
#define _GNU_SOURCE
#include "batch_int.h"

#include "delete.h"
#include "oppath.h"
#include "util.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

/* --- reading a batch ------------------------------------------------------ */

struct reader {
	struct batch_replay *rp;
	const char *file;
	struct archive *a, *disk;
	struct strv sums;	/* "HEX REL" of each file, as extracted */
	char *manifest;
	size_t mlen;
	unsigned flags;
	struct strv dels;
};

__attribute__((format(printf, 2, 3)))
static int corrupt(const struct reader *rd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "treesync: batch file \"%s\" is corrupt or "
	    "truncated: ", rd->file);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(" (nothing was changed)\n", stderr);
	return TS_EXIT_STREAM;
}

/* A batch path below "d/": no absolute path, no empty, "." or ".."
 * component. */
static bool rel_ok(const char *rel)
{
	const char *p = rel;

	if (!*rel || *rel == '/')
		return false;
	while (*p) {
		size_t n = strcspn(p, "/");

		if (n == 0 || (n == 1 && p[0] == '.') ||
		    (n == 2 && p[0] == '.' && p[1] == '.'))
			return false;
		p += n;
		if (*p == '/')
			p++;
	}
	return true;
}

/* "d" or "d/REL" (a trailing '/' ignored) to the staging path, or NULL. */
static char *staged_name(const struct reader *rd, const char *name)
{
	char *n = batch_strip_slash(name), *out = NULL;

	if (strcmp(n, BATCH_DATA_DIR) == 0)
		out = xstrdup(rd->rp->src);
	else if (strncmp(n, BATCH_DATA_DIR "/", 2) == 0 && rel_ok(n + 2))
		out = util_path_join(rd->rp->staging, n);
	free(n);
	return out;
}

static int read_manifest(struct reader *rd)
{
	size_t cap = 4096;
	ssize_t n;

	rd->manifest = xmalloc(cap);
	while ((n = archive_read_data(rd->a, rd->manifest + rd->mlen,
	    cap - rd->mlen - 1)) > 0) {
		rd->mlen += (size_t)n;
		if (rd->mlen + 1 == cap) {
			if (cap >= MANIFEST_MAX)
				return corrupt(rd, "manifest too long");
			cap *= 2;
			rd->manifest = xrealloc(rd->manifest, cap);
		}
	}
	if (n < 0)
		return corrupt(rd, "%s", archive_error_string(rd->a));
	rd->manifest[rd->mlen] = '\0';
	return 0;
}

/* Writes one data entry's contents into the staging tree, hashing them. */
static int extract_data(struct reader *rd, const char *rel)
{
	XXH3_state_t *st = XXH3_createState();
	const void *buf;
	size_t size;
	int64_t off;
	int r;
	char line[40];
	XXH128_hash_t h;

	XXH3_128bits_reset(st);
	while ((r = archive_read_data_block(rd->a, &buf, &size, &off)) ==
	    ARCHIVE_OK) {
		XXH3_128bits_update(st, buf, size);
		if (archive_write_data_block(rd->disk, buf, size, off) !=
		    ARCHIVE_OK) {
			XXH3_freeState(st);
			batch_say("cannot write '%s' of the batch: %s", rel,
			    archive_error_string(rd->disk));
			return TS_EXIT_PARTIAL;
		}
	}
	h = XXH3_128bits_digest(st);
	XXH3_freeState(st);
	if (r != ARCHIVE_EOF)
		return corrupt(rd, "%s", archive_error_string(rd->a));
	snprintf(line, sizeof(line), "%016llx%016llx ",
	    (unsigned long long)h.high64, (unsigned long long)h.low64);
	{
		char *s = xmalloc(strlen(line) + strlen(rel) + 1);

		sprintf(s, "%s%s", line, rel);
		batch_strv_add(&rd->sums, s);
	}
	return 0;
}

/* One data entry of the archive, made in the staging tree. */
static int extract_entry(struct reader *rd, struct archive_entry *e)
{
	char *name = batch_strip_slash(archive_entry_pathname(e));
	const char *link = archive_entry_hardlink(e);
	char *to = staged_name(rd, name), *lto = NULL;
	int rc = 0;

	if (!to) {
		rc = corrupt(rd, "bad entry name '%s'", name);
		free(name);
		return rc;
	}
	archive_entry_copy_pathname(e, to);
	if (link) {
		lto = staged_name(rd, link);
		if (!lto || strcmp(link, BATCH_DATA_DIR) == 0) {
			rc = corrupt(rd, "bad link '%s'", link);
			free(to);
			free(lto);
			free(name);
			return rc;
		}
		archive_entry_copy_hardlink(e, lto);
	}
	if (archive_write_header(rd->disk, e) < ARCHIVE_WARN) {
		batch_say("cannot make '%s' of the batch: %s", name + 1,
		    archive_error_string(rd->disk));
		rc = TS_EXIT_PARTIAL;
	} else if (archive_entry_filetype(e) == AE_IFREG && !link) {
		rc = extract_data(rd, strcmp(name, BATCH_DATA_DIR) == 0 ?
		    "." : name + 2);
	}
	free(to);
	free(lto);
	free(name);
	return rc;
}

/* The manifest's lines: its version, flags, deletions, every file's sum
 * in the order extracted, its end. */
static int check_manifest(struct reader *rd)
{
	char *line, *save = NULL;
	size_t nsum = 0;
	bool end = false, flags = false;

	if (!rd->manifest)
		return corrupt(rd, "no manifest");
	line = strtok_r(rd->manifest, "\n", &save);
	if (!line || strcmp(line, MANIFEST_MAGIC) != 0)
		return corrupt(rd, "not a treesync batch (version)");
	while ((line = strtok_r(NULL, "\n", &save)) != NULL && !end) {
		char *v = strchr(line, ' ');
		char *u, *p;

		if (strcmp(line, "end") == 0) {
			end = true;
			continue;
		}
		if (!v)
			return corrupt(rd, "bad manifest line");
		*v++ = '\0';
		/* Unescape in place. */
		for (u = p = v; *p; p++) {
			if (*p == '\\' && (p[1] == 'n' || p[1] == '\\'))
				*u++ = *++p == 'n' ? '\n' : '\\';
			else
				*u++ = *p;
		}
		*u = '\0';
		if (strcmp(line, "flags") == 0) {
			rd->flags = (unsigned)strtoul(v, NULL, 10);
			flags = true;
		} else if (strcmp(line, "delete") == 0 && rel_ok(v)) {
			batch_strv_add(&rd->dels, xstrdup(v));
		} else if (strcmp(line, "sum") == 0) {
			if (nsum >= rd->sums.n ||
			    strcmp(rd->sums.v[nsum], v) != 0)
				return corrupt(rd, "contents differ from "
				    "their checksum");
			nsum++;
		} else {
			return corrupt(rd, "bad manifest line");
		}
	}
	if (!end || !flags || nsum != rd->sums.n)
		return corrupt(rd, "incomplete manifest");
	return 0;
}

static int extract_all(struct reader *rd)
{
	struct archive_entry *e;
	bool root = false;
	int r, rc = 0;

	while (!rc && ((r = archive_read_next_header(rd->a, &e)) ==
	    ARCHIVE_OK || r == ARCHIVE_WARN)) {
		const char *name = archive_entry_pathname(e);

		if (rd->manifest)
			return corrupt(rd, "entry after the manifest");
		if (name && strcmp(name, MANIFEST_NAME) == 0) {
			rc = read_manifest(rd);
			continue;
		}
		if (!name || (!root && strcmp(name, BATCH_DATA_DIR) != 0 &&
		    strcmp(name, BATCH_DATA_DIR "/") != 0))
			return corrupt(rd, "no DEST entry first");
		if (!root && archive_entry_filetype(e) != AE_IFDIR)
			return corrupt(rd, "DEST is not a directory");
		root = true;
		rc = extract_entry(rd, e);
	}
	if (rc)
		return rc;
	if (r != ARCHIVE_EOF)
		return corrupt(rd, "%s", archive_error_string(rd->a));
	if (archive_write_close(rd->disk) != ARCHIVE_OK) {
		batch_say("cannot finish the batch's staging tree: %s",
		    archive_error_string(rd->disk));
		return TS_EXIT_PARTIAL;
	}
	return check_manifest(rd);
}

/* Opens the batch for reading: stdin for "-", else an operator path that
 * must be a regular file.  An fd or -1 (reported). */
static int open_in(const struct cli *c)
{
	const char *name = c->read_batch;
	struct oppath_how how = oppath_how_of(&c->opts);
	struct stat st;
	uid_t bad = 0;
	int fd;

	if (strcmp(name, "-") == 0)
		return dup(STDIN_FILENO);
	fd = oppath_open(AT_FDCWD, name, O_RDONLY | O_CLOEXEC | O_NOCTTY |
	    O_NONBLOCK, 0, how, &bad);
	if (fd == -ELOOP && bad) {
		batch_say("%s", oppath_refusal(how, bad, name));
		return -1;
	}
	if (fd < 0) {
		batch_say("Batch file \"%s\" open error: %s", name, strerror(-fd));
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		batch_say("Batch file \"%s\" is not a regular file", name);
		close(fd);
		return -1;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	return fd;
}

/* rsync's filter pattern for the literal NAME: wildcards escaped. */
static char *literal_rule(const char *prefix, const char *name,
    const char *suffix)
{
	bool wild = strpbrk(name, "*?[") != NULL;
	char *out = xmalloc(strlen(prefix) + 2 * strlen(name) +
	    strlen(suffix) + 1), *o = out;

	o = stpcpy(o, prefix);
	for (; *name; name++) {
		if (wild && strchr("*?[\\", *name))
			*o++ = '\\';
		*o++ = *name;
	}
	stpcpy(o, suffix);
	return out;
}

/* The replay's options: from the staging tree, the batch's flags, and
 * with --delete only the batch's deletions. */
static void replay_options(struct cli *c, struct reader *rd)
{
	struct batch_replay *rp = rd->rp;
	struct ts_options *o = &c->opts;
	unsigned f = rd->flags;
	size_t i;

	rp->srcs[0] = rp->src;
	o->srcs = rp->srcs;
	o->nsrcs = 1;
	o->recursive = f & BF_RECURSIVE;
	o->dirs = f & BF_DIRS;
	o->links = f & BF_LINKS;
	o->hard_links = f & BF_HARD_LINKS;
	o->owner = f & BF_OWNER;
	o->group = f & BF_GROUP;
	o->devices = f & BF_DEVICES;
	o->specials = f & BF_SPECIALS;
	o->xattrs = f & BF_XATTRS;
	o->acls = f & BF_ACLS;
	if (o->acls)
		o->perms = true;
	/* The staging tree's symlinks are the batch's: never followed (the
	 * writing run resolved what -L, -k and --copy-unsafe-links turn
	 * into files and directories). */
	o->copy_links = o->copy_dirlinks = o->copy_unsafe_links = false;
	/* What chose the entries chose them already. */
	o->relative = o->no_implied_dirs = o->prune_empty_dirs = false;
	o->remove_source_files = o->delete_missing_args = false;
	o->ignore_missing_args = o->cvs_exclude = o->delete_excluded = false;
	o->min_size = 0;
	o->max_size = UINT64_MAX;
	o->allow_empty_source = true;
	rp->rules = xcalloc(rd->dels.n + 1, sizeof(*rp->rules));
	for (i = 0; o->del && i < rd->dels.n; i++) {
		const char *d = rd->dels.v[i];
		size_t n = strlen(d);
		char *p = xstrndup(d, n - (d[n - 1] == '/'));

		rp->rules[rp->nrules++] = literal_rule("R /", p,
		    d[n - 1] == '/' ? "/***" : "");
		free(p);
	}
	if (o->del)
		rp->rules[rp->nrules++] = xstrdup("P *");
	rp->filters = xcalloc(rp->nrules + 1, sizeof(*rp->filters));
	for (i = 0; i < rp->nrules; i++) {
		rp->filters[i].kind = TS_FILTER_RULE;
		rp->filters[i].arg = rp->rules[i];
	}
	o->filters = rp->filters;
	o->nfilters = rp->nrules;
}

static int make_staging(struct batch_replay *rp)
{
	const char *tmp = getenv("TMPDIR");
	char *t = util_path_join(tmp && *tmp ? tmp : "/tmp",
	    "treesync-batch.XXXXXX");

	if (!mkdtemp(t)) {
		batch_say("cannot make a staging directory '%s': %s", t,
		    strerror(errno));
		free(t);
		return TS_EXIT_PARTIAL;
	}
	rp->staging = t;
	rp->src = util_path_join(t, BATCH_DATA_DIR "/");
	return 0;
}

int batch_replay_prepare(struct cli *c, struct batch_replay *rp)
{
	struct reader rd = { .rp = rp, .file = c->read_batch };
	int fd, rc, flags = ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_TIME |
	    ARCHIVE_EXTRACT_XATTR | ARCHIVE_EXTRACT_SECURE_SYMLINKS |
	    ARCHIVE_EXTRACT_SECURE_NODOTDOT;

	memset(rp, 0, sizeof(*rp));
	fd = open_in(c);
	if (fd < 0)
		return TS_EXIT_FILEIO;
	rc = make_staging(rp);
	if (rc) {
		close(fd);
		return rc;
	}
	if (geteuid() == 0)
		flags |= ARCHIVE_EXTRACT_OWNER;
	rd.a = archive_read_new();
	archive_read_support_format_tar(rd.a);
	archive_read_support_filter_none(rd.a);
	rd.disk = archive_write_disk_new();
	archive_write_disk_set_options(rd.disk, flags);
	if (archive_read_open_fd(rd.a, fd, 1 << 16) != ARCHIVE_OK)
		rc = corrupt(&rd, "%s", archive_error_string(rd.a));
	else
		rc = extract_all(&rd);
	archive_read_free(rd.a);
	archive_write_free(rd.disk);
	close(fd);
	if (!rc)
		replay_options(c, &rd);
	batch_strv_free(&rd.sums);
	batch_strv_free(&rd.dels);
	free(rd.manifest);
	return rc;
}

/* Removes everything below DIRFD (made writable first), then nothing
 * else: the staging tree is this run's own. */
static void remove_below(int dirfd)
{
	struct del_counts counts = { 0 };
	struct del_opts o = { .am_root = geteuid() == 0,
		.quiet_report = true, .silent = true };

	fchmod(dirfd, 0700);
	delete_dir_contents(&o, dirfd, "", &counts);
}

void batch_replay_release(struct batch_replay *rp)
{
	size_t i;

	if (rp->staging) {
		int fd = open(rp->staging, O_RDONLY | O_DIRECTORY |
		    O_NOFOLLOW | O_CLOEXEC);

		if (fd >= 0) {
			remove_below(fd);
			close(fd);
		}
		if (rmdir(rp->staging) != 0)
			batch_say("cannot remove the staging directory '%s': %s",
			    rp->staging, strerror(errno));
	}
	for (i = 0; i < rp->nrules; i++)
		free(rp->rules[i]);
	free(rp->rules);
	free(rp->filters);
	free(rp->staging);
	free(rp->src);
	memset(rp, 0, sizeof(*rp));
}
