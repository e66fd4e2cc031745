/*
 * batch_write.c -- a batch's archive (batch.c says what a batch is): each
 * recorded entry read as it is now -- from DEST for --write-batch, with
 * no symlink followed on the way, from the source for --only-write-batch
 * -- into a pax entry, parents first, every file's XXH3-128 noted, and the
 * manifest last.
 */
#define _GNU_SOURCE
#include "batch_int.h"

#include "delete.h"
#include "oppath.h"
#include "util.h"
#include "walk.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>

/* --- which entries, in what order ----------------------------------------- */

/* Path order with '/' before every other byte: a directory comes right
 * before what is in it. */
static int path_cmp(const void *a, const void *b)
{
	const unsigned char *x = *(const unsigned char *const *)a;
	const unsigned char *y = *(const unsigned char *const *)b;

	for (; *x && *x == *y; x++, y++)
		;
	if (*x == '/' && *y)
		return -1;
	if (*y == '/' && *x)
		return 1;
	return (int)*x - (int)*y;
}

/* Adds the directories on the way to PATH (not PATH itself) to S. */
static void add_parents(struct strv *s, const char *path)
{
	const char *p;

	for (p = strchr(path, '/'); p; p = strchr(p + 1, '/'))
		if (p[1])
			batch_strv_add(s, xstrndup(path, (size_t)(p - path)));
}

static void sort_unique(struct strv *s)
{
	size_t i, j = 0;

	if (s->n)
		qsort(s->v, s->n, sizeof(*s->v), path_cmp);
	for (i = 0; i < s->n; i++) {
		if (j > 0 && strcmp(s->v[j - 1], s->v[i]) == 0) {
			free(s->v[i]);
			continue;
		}
		s->v[j++] = s->v[i];
	}
	s->n = j;
}

/* --- reading an entry as it is now ---------------------------------------- */

struct writer {
	struct batch_rec *r;
	struct archive *a;
	struct archive_entry_linkresolver *links;
	int destfd;		/* DEST, for --write-batch; or -1 */
	FILE *manifest;		/* the manifest's text, in memory */
	char *mtext;
	size_t mlen;
	char buf[1 << 16];
};

/* The manifest's escaping of a path: '\\' and newline. */
static void put_escaped(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\\\", f);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

/*
 * Where REL is in the sources, for --only-write-batch: the first operand
 * that holds it (its contents for "SRC/", its own name for "SRC", the
 * path below the "/./" marker or the whole path with -R, the list's base
 * with --files-from).  A malloc'ed path, or NULL.
 */
static char *source_of(const struct ts_options *o, const char *rel)
{
	size_t i;

	for (i = 0; i < o->nsrcs; i++) {
		const char *s = o->srcs[i], *mark = strstr(s, "/./");
		size_t n = strlen(s);
		char *cand = NULL, *dir;
		struct stat st;

		if (o->relative) {
			dir = mark ? xstrndup(s, (size_t)(mark - s)) :
			    xstrdup(*s == '/' ? "/" : ".");
			cand = util_path_join(dir, rel);
			free(dir);
		} else if (o->files_from || s[n - 1] == '/' ||
		    strcmp(s, ".") == 0 || (n >= 2 &&
		    strcmp(s + n - 2, "/.") == 0)) {
			cand = strcmp(rel, ".") == 0 ? xstrdup(s) :
			    util_path_join(s, rel);
		} else {
			const char *base = strrchr(s, '/');
			size_t bl;

			base = base ? base + 1 : s;
			bl = strlen(base);
			if (strncmp(rel, base, bl) != 0 ||
			    (rel[bl] && rel[bl] != '/'))
				continue;
			dir = xstrndup(s, (size_t)(base - s));
			cand = util_path_join(*dir ? dir : ".", rel);
			free(dir);
		}
		if (lstat(cand, &st) == 0)
			return cand;
		free(cand);
	}
	return NULL;
}

/* The extended attributes of FD (ACLs' only with -A), into E. */
static void add_xattrs(const struct ts_options *o, int fd,
    struct archive_entry *e)
{
	char names[65536], *n;
	ssize_t len = flistxattr(fd, names, sizeof(names));

	for (n = names; len > 0 && n < names + len; n += strlen(n) + 1) {
		char val[65536];
		ssize_t vl;

		if (strncmp(n, "system.posix_acl_", 17) == 0 && !o->acls)
			continue;
		if (strncmp(n, "system.", 7) != 0 && !o->xattrs &&
		    o->super != TS_SUPER_FAKE)
			continue;
		vl = fgetxattr(fd, n, val, sizeof(val));
		if (vl >= 0)
			archive_entry_xattr_add_entry(e, n, val, (size_t)vl);
	}
}

/* Opens what ENTRY REL is now: below DEST (no symlink followed on the
 * way) or at the source path.  *DIRFD and *NAME say where; -errno. */
static int locate(struct writer *w, const char *rel, int *dirfd,
    char **name)
{
	char *slash;

	if (w->destfd >= 0) {
		char *dir;
		int fd;

		if (strcmp(rel, ".") == 0) {
			*dirfd = dup(w->destfd);
			*name = xstrdup(".");
			return *dirfd < 0 ? -errno : 0;
		}
		slash = strrchr(rel, '/');
		dir = slash ? xstrndup(rel, (size_t)(slash - rel)) :
		    xstrdup("");
		fd = delete_open_beneath(w->destfd, dir);
		free(dir);
		if (fd < 0)
			return fd;
		*dirfd = fd;
		*name = xstrdup(slash ? slash + 1 : rel);
		return 0;
	}
	*name = source_of(&w->r->c->opts, rel);
	*dirfd = AT_FDCWD;
	return *name ? 0 : -ENOENT;
}

/* Copies SIZE bytes of FD into the archive and the hash; a file that
 * shrank meanwhile is padded (its hash says what was written). */
static int put_data(struct writer *w, int fd, int64_t size,
    XXH128_hash_t *sum)
{
	XXH3_state_t *st = XXH3_createState();
	int64_t done = 0;
	int rc = 0;

	XXH3_128bits_reset(st);
	while (done < size) {
		size_t want = sizeof(w->buf);
		ssize_t n;

		if ((int64_t)want > size - done)
			want = (size_t)(size - done);
		n = fd >= 0 ? read(fd, w->buf, want) : 0;
		if (n < 0) {
			rc = -errno;
			break;
		}
		if (n == 0) {
			memset(w->buf, 0, want);
			n = (ssize_t)want;
		}
		XXH3_128bits_update(st, w->buf, (size_t)n);
		if (archive_write_data(w->a, w->buf, (size_t)n) != n) {
			rc = -EIO;
			break;
		}
		done += n;
	}
	*sum = XXH3_128bits_digest(st);
	XXH3_freeState(st);
	return rc;
}

/* The manifest's line of a regular file's contents. */
static void note_sum(struct writer *w, const char *rel, XXH128_hash_t h)
{
	fprintf(w->manifest, "sum %016llx%016llx ",
	    (unsigned long long)h.high64, (unsigned long long)h.low64);
	put_escaped(w->manifest, rel);
	fputc('\n', w->manifest);
}

/* The header and contents of E (REL's entry), then frees it. */
static int put_entry(struct writer *w, struct archive_entry *e,
    const char *rel, int fd)
{
	struct archive_entry *spare = NULL;
	int rc = 0;

	archive_entry_linkify(w->links, &e, &spare);
	if (e && archive_write_header(w->a, e) < ARCHIVE_WARN) {
		batch_say("cannot write batch entry '%s': %s", rel,
		    archive_error_string(w->a));
		rc = -EIO;
	} else if (e && archive_entry_filetype(e) == AE_IFREG &&
	    !archive_entry_hardlink(e)) {
		XXH128_hash_t h;

		rc = put_data(w, fd, archive_entry_size(e), &h);
		if (rc)
			batch_say("cannot read '%s' for the batch: %s", rel,
			    strerror(-rc));
		note_sum(w, rel, h);
	}
	archive_entry_free(e);
	archive_entry_free(spare);
	return rc;
}

/*
 * The entry NAME of DIRFD as the run took it: from the source, a symlink
 * that -L, -k or --copy-unsafe-links turns into what it points to is that
 * (DEST holds what they made).  0 or -1.
 */
static int lstat_as_sent(const struct writer *w, int dirfd, const char *name,
    const char *rel, struct stat *st)
{
	const struct ts_options *o = &w->r->c->opts;
	struct stat to;
	char *target;

	if (fstatat(dirfd, name, st, AT_SYMLINK_NOFOLLOW) != 0)
		return -1;
	if (w->destfd >= 0 || !S_ISLNK(st->st_mode) ||
	    fstatat(dirfd, name, &to, 0) != 0)
		return 0;
	target = walk_readlink(dirfd, name, (uint64_t)st->st_size);
	if (o->copy_links || (o->copy_dirlinks && S_ISDIR(to.st_mode)) ||
	    (o->copy_unsafe_links && util_unsafe_symlink(target ? target : "",
	    rel)))
		*st = to;
	free(target);
	return 0;
}

/*
 * Archives REL as it is now, or (DIR_ONLY: a directory on the way that
 * no longer exists) nothing.  ROOT: DEST itself.  0, or -errno (reported)
 * where the batch itself cannot be written.
 */
static int archive_one(struct writer *w, const char *rel)
{
	const struct ts_options *o = &w->r->c->opts;
	struct archive_entry *e;
	struct stat st;
	char *name = NULL, *path;
	int dirfd = -1, fd = -1, rc;

	if (locate(w, rel, &dirfd, &name) < 0 ||
	    lstat_as_sent(w, dirfd, name, rel, &st) != 0) {
		if (dirfd >= 0 && dirfd != AT_FDCWD)
			close(dirfd);
		if (strcmp(rel, ".") != 0) {
			free(name);
			return 0;	/* gone (failed, or removed) */
		}
		/* DEST as the run would make it. */
		memset(&st, 0, sizeof(st));
		st.st_mode = S_IFDIR | 0755;
		st.st_mtime = time(NULL);
		st.st_uid = geteuid();
		st.st_gid = getegid();
		dirfd = -1;
	}
	e = archive_entry_new();
	path = strcmp(rel, ".") == 0 ? xstrdup(BATCH_DATA_DIR) :
	    util_path_join(BATCH_DATA_DIR, rel);
	archive_entry_copy_pathname(e, path);
	free(path);
	archive_entry_copy_stat(e, &st);
	if (!o->hard_links || S_ISDIR(st.st_mode))
		archive_entry_set_nlink(e, 1);
	if (!S_ISREG(st.st_mode))
		archive_entry_set_size(e, 0);
	if (S_ISLNK(st.st_mode)) {
		/* Any length, never cut (unreadable: empty, as before). */
		char *target = walk_readlink(dirfd, name, (uint64_t)st.st_size);

		archive_entry_copy_symlink(e, target ? target : "");
		free(target);
	} else if ((S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)) &&
	    dirfd != -1) {
		/* From DEST never through a symlink; from the source as
		 * lstat_as_sent() took it. */
		fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY |
		    (w->destfd >= 0 ? O_NOFOLLOW : 0) |
		    (S_ISDIR(st.st_mode) ? O_DIRECTORY : 0));
		if (fd >= 0 && (o->xattrs || o->acls ||
		    o->super == TS_SUPER_FAKE))
			add_xattrs(o, fd, e);
	}
	rc = put_entry(w, e, rel, S_ISREG(st.st_mode) ? fd : -1);
	if (fd >= 0)
		close(fd);
	if (dirfd >= 0 && dirfd != AT_FDCWD)
		close(dirfd);
	free(name);
	return rc;
}

static int write_manifest(struct writer *w)
{
	const struct ts_options *o = &w->r->c->opts;
	struct archive_entry *e;
	unsigned flags = 0;
	size_t i;
	int rc = 0;

	flags |= o->recursive ? BF_RECURSIVE : 0;
	flags |= o->dirs ? BF_DIRS : 0;
	flags |= o->links ? BF_LINKS : 0;
	flags |= o->hard_links ? BF_HARD_LINKS : 0;
	flags |= o->owner ? BF_OWNER : 0;
	flags |= o->group ? BF_GROUP : 0;
	flags |= o->devices ? BF_DEVICES : 0;
	flags |= o->specials ? BF_SPECIALS : 0;
	flags |= o->xattrs ? BF_XATTRS : 0;
	flags |= o->acls ? BF_ACLS : 0;
	fprintf(w->manifest, "flags %u\n", flags);
	for (i = 0; i < w->r->dels.n; i++) {
		fputs("delete ", w->manifest);
		put_escaped(w->manifest, w->r->dels.v[i]);
		fputc('\n', w->manifest);
	}
	fputs("end\n", w->manifest);
	if (fclose(w->manifest) != 0)
		return -ENOMEM;
	w->manifest = NULL;
	e = archive_entry_new();
	archive_entry_copy_pathname(e, MANIFEST_NAME);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0600);
	archive_entry_set_size(e, (int64_t)w->mlen);
	archive_entry_set_mtime(e, time(NULL), 0);
	if (archive_write_header(w->a, e) != ARCHIVE_OK ||
	    archive_write_data(w->a, w->mtext, w->mlen) != (ssize_t)w->mlen)
		rc = -EIO;
	archive_entry_free(e);
	return rc;
}

/* The entries to archive: DEST, every changed entry, and the directories
 * on the way to them and to each deletion, parents first. */
static void entry_list(const struct batch_rec *r, struct strv *out)
{
	size_t i;

	for (i = 0; i < r->items.n; i++) {
		add_parents(out, r->items.v[i]);
		if (strcmp(r->items.v[i], ".") != 0)
			batch_strv_add(out, xstrdup(r->items.v[i]));
	}
	for (i = 0; i < r->dels.n; i++)
		add_parents(out, r->dels.v[i]);
	sort_unique(out);
}

int batch_write_archive(struct batch_rec *r)
{
	struct writer *w = xcalloc(1, sizeof(*w));
	struct strv list = { 0 };
	size_t i;
	int rc = 0;

	w->r = r;
	w->destfd = -1;
	if (r->from_dest) {
		w->destfd = oppath_open(AT_FDCWD, r->c->opts.dest,
		    O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0,
		    oppath_unconfined(oppath_how_of(&r->c->opts)), NULL);
		if (w->destfd < 0)
			w->destfd = -1;
	}
	w->manifest = open_memstream(&w->mtext, &w->mlen);
	fprintf(w->manifest, "%s\n", MANIFEST_MAGIC);
	w->a = archive_write_new();
	w->links = archive_entry_linkresolver_new();
	archive_entry_linkresolver_set_strategy(w->links,
	    ARCHIVE_FORMAT_TAR_PAX_INTERCHANGE);
	archive_write_set_format_pax(w->a);
	/* Names are bytes, as the file system's: never converted. */
	archive_write_set_format_option(w->a, "pax", "hdrcharset", "BINARY");
	archive_write_add_filter_none(w->a);
	archive_write_set_bytes_in_last_block(w->a, 1);
	if (archive_write_open_fd(w->a, r->fd) != ARCHIVE_OK) {
		batch_say("cannot write batch file '%s': %s", r->c->batch_file,
		    archive_error_string(w->a));
		rc = -EIO;
	}
	entry_list(r, &list);
	if (!rc)
		rc = archive_one(w, ".");
	for (i = 0; i < list.n && !rc; i++)
		rc = archive_one(w, list.v[i]);
	if (!rc)
		rc = write_manifest(w);
	if (archive_write_close(w->a) != ARCHIVE_OK && !rc) {
		batch_say("cannot write batch file '%s': %s", r->c->batch_file,
		    archive_error_string(w->a));
		rc = -EIO;
	}
	archive_write_free(w->a);
	archive_entry_linkresolver_free(w->links);
	if (w->manifest)
		fclose(w->manifest);
	free(w->mtext);
	if (w->destfd >= 0)
		close(w->destfd);
	batch_strv_free(&list);
	free(w);
	return rc;
}
