/*
 * backup.c -- -b/--backup, --backup-dir=DIR, --suffix=SUFFIX: every
 * destination entry the run replaces or removes is kept aside first, as
 * rsync keeps it: NAME~ beside it, or DIR/PATH (the suffix "" by default
 * there) below a backup directory, relative to DEST unless absolute.
 *
 * Who calls: a file task before an update (filetask.c), the makers of
 * symlinks, nodes and hard links before they rename over an entry
 * (item.c, hardlink.c), and the gate's removals -- extraneous entries
 * (prune.c) and what is in the way of another type (gate.c) -- through
 * delete.c's hook, file by file (a directory is not kept, its files are).
 *
 * An entry that is replaced stays under its name until the new one is
 * renamed over it: its backup is a hard link made under a temp name and
 * renamed over any older backup of that name, so a final name -- the
 * entry's and the backup's -- only ever holds a complete entry.  An entry
 * that is removed is renamed to its backup.  A backup directory on
 * another file system (EXDEV) gets copies (rsync copies too): a regular
 * file through the copy chain with its mode, owner and times, a symlink
 * or node made again; then the removed one is unlinked.
 *
 * Nothing here follows a symlink: the backup directory is an operator
 * path (oppath.c), and below it each directory is opened, or made, one
 * name at a time with O_NOFOLLOW.  With backups beside the files, names
 * ending in the suffix are never deleted (rsync's implied "P *SUFFIX"
 * rule), and a backup directory inside DEST is never deleted either.
 */
#define _GNU_SOURCE
#include "backup.h"

#include "run.h"

#include "copy.h"
#include "delete.h"
#include "oppath.h"
#include "report.h"
#include "sys.h"
#include "tmpfile.h"
#include "util.h"
#include "walk.h"
#include "xattr.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct backup {
	const char *dir;	/* --backup-dir as given, or NULL */
	const char *suffix;
	char *dir_in_dest;	/* DIR below DEST when it lies inside, or NULL */
	pthread_mutex_t lock;	/* guards root_fd's opening and made */
	int root_fd;		/* DIR, once opened (or made); -1 not yet */
	int root_err;		/* -errno of a failed opening, or 0 */
	char **made;		/* beside backups of this run (rel paths): a
				 * set, open addressing, NULL slots empty */
	size_t nmade, capmade;	/* capmade: 0 or a power of two */
};

/* DIR's path below DEST, from its text, when it stays inside DEST. */
static char *inside_dest(const char *dir)
{
	char *copy = xstrdup(dir), *save = NULL, *tok, *out;
	size_t o = 0;

	if (dir[0] == '/') {
		free(copy);
		return NULL;
	}
	out = xcalloc(1, strlen(dir) + 1);
	for (tok = strtok_r(copy, "/", &save); tok;
	    tok = strtok_r(NULL, "/", &save)) {
		if (strcmp(tok, ".") == 0)
			continue;
		if (strcmp(tok, "..") == 0) {
			char *slash;

			if (o == 0) {
				free(out);
				out = NULL;
				break;	/* above DEST */
			}
			slash = strrchr(out, '/');
			o = slash ? (size_t)(slash - out) : 0;
			out[o] = '\0';
			continue;
		}
		o += (size_t)sprintf(out + o, "%s%s", o ? "/" : "", tok);
	}
	free(copy);
	if (out && !*out) {
		free(out);
		out = NULL;
	}
	return out;
}

struct backup *backup_new(const struct ts_options *o, struct report *rep)
{
	struct backup *b;

	(void)rep;
	if (!o->backup)
		return NULL;
	b = xcalloc(1, sizeof(*b));
	b->dir = o->backup_dir;
	b->suffix = o->backup_suffix ? o->backup_suffix :
	    o->backup_dir ? "" : "~";
	if (b->dir)
		b->dir_in_dest = inside_dest(b->dir);
	pthread_mutex_init(&b->lock, NULL);
	b->root_fd = -1;
	return b;
}

void backup_free(struct backup *b)
{
	if (!b)
		return;
	if (b->root_fd >= 0)
		close(b->root_fd);
	while (b->capmade)
		free(b->made[--b->capmade]);
	free(b->made);
	free(b->dir_in_dest);
	pthread_mutex_destroy(&b->lock);
	free(b);
}

bool backup_protects(const struct ts_run *run, const char *rel)
{
	const struct backup *b = run->plan.bak;

	return b && b->dir && b->dir_in_dest &&
	    strcmp(rel, b->dir_in_dest) == 0;
}

/* FNV-1a of NAME. */
static uint64_t name_hash(const char *name)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *name; name++)
		h = (h ^ (unsigned char)*name) * 0x100000001b3ULL;
	return h;
}

/* The slot of NAME in B's set of backups made: where it is, or the
 * empty one it would go to.  B->capmade > 0; lock held. */
static size_t made_slot(const struct backup *b, const char *name)
{
	size_t mask = b->capmade - 1, i = (size_t)name_hash(name) & mask;

	while (b->made[i] && strcmp(b->made[i], name) != 0)
		i = (i + 1) & mask;
	return i;
}

/* Twice the room (256 slots to begin with).  Lock held. */
static void made_grow(struct backup *b)
{
	char **old = b->made;
	size_t n = b->capmade, i;

	b->capmade = n ? 2 * n : 256;
	b->made = xcalloc(b->capmade, sizeof(*b->made));
	for (i = 0; i < n; i++)
		if (old[i])
			b->made[made_slot(b, old[i])] = old[i];
	free(old);
}

/*
 * A set rather than a sorted list: the deletion pass asks after each
 * removal that noted a backup (-b moves each extraneous file aside), and
 * a list sorted again for each question made -b --delete of N files
 * quadratic (20,000 files: 13 s).
 */
void backup_note(struct ts_run *run, const char *rel, uint32_t mode)
{
	struct backup *b = run->plan.bak;
	char *name;
	size_t i;

	if (!b || b->dir || S_ISDIR(mode))
		return;
	name = xmalloc(strlen(rel) + strlen(b->suffix) + 1);
	strcpy(name, rel);
	strcat(name, b->suffix);
	pthread_mutex_lock(&b->lock);
	if (2 * (b->nmade + 1) > b->capmade)
		made_grow(b);
	i = made_slot(b, name);
	if (b->made[i]) {
		free(name);	/* noted already */
	} else {
		b->made[i] = name;
		b->nmade++;
	}
	pthread_mutex_unlock(&b->lock);
}

bool backup_made(const struct ts_run *run, const char *rel)
{
	struct backup *b = run->plan.bak;
	bool found;

	if (!b || b->dir)
		return false;
	pthread_mutex_lock(&b->lock);
	found = b->capmade && b->made[made_slot(b, rel)];
	pthread_mutex_unlock(&b->lock);
	return found;
}

bool backup_is_backup(const struct ts_run *run, const char *rel)
{
	const struct backup *b = run->plan.bak;
	const char *base;
	size_t n, s;

	if (!b || b->dir)
		return false;
	base = strrchr(rel, '/');
	base = base ? base + 1 : rel;
	n = strlen(base);
	s = strlen(b->suffix);
	return n > s && strcmp(base + n - s, b->suffix) == 0;
}

/* --- the backup directory ----------------------------------------------- */

/* Opens the directory NAME in FD, making it first if it is missing (mode
 * 0777 less the umask, as rsync makes them).  An fd or -errno. */
static int open_or_make(int fd, const char *name, bool trusted_links,
    struct oppath_how how, bool *made)
{
	int r;

	for (int tries = 0; tries < 2; tries++) {
		r = trusted_links ? oppath_open(fd, name, O_RDONLY | O_DIRECTORY,
		    0, oppath_unconfined(how), NULL) : sys.openat(fd, name,
		    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
		if (!trusted_links && r < 0)
			r = -errno;
		if (r != -ENOENT)
			return r;
		/* --confine-root: nothing is made outside it (nor where
		 * that cannot be told). */
		if ((r = oppath_check_root(how, fd)) < 0)
			return r;
		if (sys.mkdirat(fd, name, 0777) < 0 && errno != EEXIST)
			return -errno;
		*made = true;
	}
	return r;
}

/* Opens (making what is missing) DIR, one component at a time from
 * START: a symlink only where oppath.c would follow one (TRUSTED, with
 * its OPTS), else none.  An fd or -errno. */
static int open_path(int start, const char *dir, bool trusted,
    struct oppath_how how, bool *made)
{
	char *copy = xstrdup(dir), *save = NULL, *tok;
	int fd = fcntl(start, F_DUPFD_CLOEXEC, 0);

	for (tok = strtok_r(copy, "/", &save); tok && fd >= 0;
	    tok = strtok_r(NULL, "/", &save)) {
		int next;

		if (strcmp(tok, ".") == 0)
			continue;
		next = open_or_make(fd, tok, trusted, how, made);
		close(fd);
		fd = next;
	}
	free(copy);
	return fd;
}

/* The backup directory's fd, opened (and made) once: an fd or -errno. */
static int root_fd(struct ts_run *run)
{
	struct backup *b = run->plan.bak;
	bool made = false;
	int fd;

	pthread_mutex_lock(&b->lock);
	if (b->root_fd < 0 && !b->root_err) {
		struct oppath_how how = oppath_how_of(run->o);
		int start = b->dir[0] == '/' ? open("/", O_RDONLY |
		    O_DIRECTORY | O_CLOEXEC) : fcntl(run->plan.dst_fd,
		    F_DUPFD_CLOEXEC, 0);

		/* Opened a component at a time: only where it ends is
		 * confined, and nothing is made outside. */
		fd = start < 0 ? -errno : open_path(start, b->dir, true, how,
		    &made);
		if (start >= 0)
			close(start);
		if (fd >= 0) {
			int r = oppath_check_root(how, fd);

			if (r < 0) {
				close(fd);
				fd = r;
			}
		}
		if (fd == -EXDEV) {
			b->root_err = fd;
			report_error(run->rep, "%s", oppath_refusal(how,
			    OPPATH_OUTSIDE_ROOT, b->dir));
		} else if (fd < 0) {
			b->root_err = fd;
			run_report_dest(run, -fd, "cannot make the backup directory",
			    b->dir);
		} else {
			b->root_fd = fd;
			if (made)
				report_note_info(run->rep, TS_INFO_BACKUP, 1,
				    "(new) backup_dir is %s", b->dir);
		}
	}
	fd = b->root_fd >= 0 ? b->root_fd : b->root_err;
	pthread_mutex_unlock(&b->lock);
	return fd;
}

/* NAME with SUFFIX (malloc'ed). */
static char *suffixed(const char *name, const char *suffix)
{
	char *s = xmalloc(strlen(name) + strlen(suffix) + 1);

	return strcat(strcpy(s, name), suffix);
}

/*
 * Where the backup of REL (whose directory is DFD) goes: *BFD (to close)
 * and *BNAME (malloc'ed).  0 or -errno (reported).
 */
static int target(struct ts_run *run, int dfd, const char *name,
    const char *rel, int *bfd, char **bname)
{
	struct backup *b = run->plan.bak;
	const char *slash = strrchr(rel, '/');
	char *dir;
	bool made = false;
	int rfd;

	if (!b->dir) {
		*bfd = fcntl(dfd, F_DUPFD_CLOEXEC, 0);
		if (*bfd < 0)
			return -errno;
		*bname = suffixed(name, b->suffix);
		return 0;
	}
	if ((rfd = root_fd(run)) < 0)
		return rfd;
	dir = slash ? xstrndup(rel, (size_t)(slash - rel)) : xstrdup("");
	*bfd = open_path(rfd, dir, false,
	    (struct oppath_how){ 0, NULL }, &made);
	if (*bfd < 0)
		run_report_dest(run, -*bfd, "cannot make backup directory for",
		    rel);
	free(dir);
	if (*bfd < 0)
		return *bfd;
	*bname = suffixed(slash ? slash + 1 : rel, b->suffix);
	return 0;
}

/* --- copies across file systems ----------------------------------------- */

/*
 * The extended attributes a backup copy of NAME in DFD carries into *OUT,
 * as they are (rsync's backup reads them from the file it keeps): with -X
 * (and -A) all of them, rsync's user.rsync.* included; with --fake-super
 * its user.rsync.%* names, which hold the owner, mode and ACLs the file
 * stands for (and not its real ACLs); with -A alone its ACLs.  Returns the enum xattr_which to apply them with, or 0
 * when there are none to carry.
 */
static unsigned aside_xattrs(struct ts_run *run, int dfd, const char *name,
    struct xattr_set *out)
{
	const struct ts_options *o = run->o;
	unsigned which = (o->xattrs || run->fake_super ? XA_PLAIN : 0) |
	    (o->acls ? XA_ACL : 0);
	size_t i, k = 0;

	memset(out, 0, sizeof(*out));
	if (!which || xattr_read(dfd, name, -1, which, run->am_root, NULL,
	    out) < 0)
		return 0;
	if (o->xattrs && !run->fake_super)
		return which;
	for (i = 0; i < out->n; i++) {
		const char *n = out->names[i];

		/* --fake-super: its %aacl/%dacl are the ACLs, real ones are
		 * not read (as xattr.c's fake side). */
		if (run->fake_super ? strncmp(n, "system.posix_acl_", 17) &&
		    (o->xattrs || strncmp(n, XA_RSYNC_PREFIX "%",
		    sizeof(XA_RSYNC_PREFIX)) == 0) :
		    strncmp(n, "system.", 7) == 0) {
			out->names[k] = out->names[i];
			out->values[k] = out->values[i];
			out->lens[k++] = out->lens[i];
		} else {
			free(out->names[i]);
			free(out->values[i]);
		}
	}
	out->n = k;
	return which;
}

/* The symlink or node NAME of DFD (ST its lstat) made again as BNAME of
 * BFD, with M's attributes: 0 or -errno. */
static int make_aside(struct ts_run *run, int dfd, const char *name,
    const struct stat *st, int bfd, const char *bname,
    const struct meta_target *m)
{
	char tmp[NAME_MAX + 1], *link = NULL;
	struct ts_entry e = { .mode = st->st_mode, .rdev = st->st_rdev };
	struct item_node spec = { &e, "", false };
	const char *what = NULL;
	int r;

	/* A target of any length, never cut. */
	if (S_ISLNK(st->st_mode) && !(link = walk_readlink(dfd, name,
	    (uint64_t)st->st_size)))
		return -errno;
	if (link)
		spec.target = link;
	r = tmpfile_make(run->copy.tmp, bfd, bname, tmp, item_node_temp,
	    &spec);
	if (r == 0) {
		r = meta_apply_at(bfd, tmp, S_ISLNK(st->st_mode), m, &what);
		if (r == 0)
			r = tmpfile_commit(run->copy.tmp, bfd, tmp, bname);
		else
			tmpfile_discard(run->copy.tmp, bfd, tmp);
	}
	free(link);
	return r;
}

/*
 * NAME of DFD copied to BNAME of BFD with its attributes: 0 or -errno.
 * DATA: NAME is about to be written in place, and what it holds is kept:
 * a device (--write-devices) becomes a regular file of its contents, as
 * rsync's backup is (a character device's are none, as --copy-devices
 * reads one: never an endless read).  Else a node is made again.
 */
static int copy_aside(struct ts_run *run, int dfd, const char *name, int bfd,
    const char *bname, bool data)
{
	struct stat st;
	struct meta_target m = { 0 };
	struct xattr_set xa;
	int r;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	m.set_mode = !S_ISLNK(st.st_mode);
	m.mode = st.st_mode & 07777;
	m.set_times = true;
	m.mtime = st.st_mtim;
	m.set_owner = m.set_group = run->am_root;
	m.uid = st.st_uid;
	m.gid = st.st_gid;
	m.am_root = run->am_root;
	m.xa_which = aside_xattrs(run, dfd, name, &xa);
	if (m.xa_which)
		m.xattrs = &xa;
	if (S_ISREG(st.st_mode) || (data && (S_ISBLK(st.st_mode) ||
	    S_ISCHR(st.st_mode)))) {
		char *buf = xmalloc(POOL_BUF_SIZE);
		struct copy_result res;

		r = copy_file_plain(&run->copy, dfd, name, bfd, bname, &m, buf,
		    &res);
		free(buf);
	} else {
		r = make_aside(run, dfd, name, &st, bfd, bname, &m);
	}
	xattr_set_free(&xa);
	return r;
}

/* --- keeping an entry --------------------------------------------------- */

/* A directory where the backup goes is removed first, with what is in
 * it, whose lines are said as rsync says them (REL names the backup
 * below DEST, or below --backup-dir); anything else is renamed over. */
static void clear_target(struct ts_run *run, int bfd, const char *bname,
    const char *rel)
{
	struct del_opts o = { .rep = run->rep, .am_root = run->am_root };
	struct del_counts c = { 0 };
	struct stat st;
	const char *slash = strrchr(rel, '/'), *dir;
	char *path;
	int fd;

	if (fstatat(bfd, bname, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
	    !S_ISDIR(st.st_mode))
		return;
	fd = sys.openat(bfd, bname, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC, 0);
	if (fd < 0)
		return;	/* the rename says why */
	/* Named as rsync names them: through --backup-dir as given. */
	dir = run->plan.bak->dir;
	path = xmalloc((dir ? strlen(dir) : 0) + strlen(rel) +
	    strlen(bname) + 3);
	sprintf(path, "%s%s%.*s%s%s", dir ? dir : "", dir ? "/" : "",
	    slash ? (int)(slash - rel) : 0, rel, slash ? "/" : "", bname);
	delete_dir_contents(&o, fd, path, &c);
	close(fd);
	free(path);
	sys.unlinkat(bfd, bname, AT_REMOVEDIR);
}

/*
 * --safe-links: a DEST symlink that is unsafe (util_unsafe_symlink(), REL
 * its path), or whose target cannot be read, is not kept, as rsync 3.5
 * keeps none (said at --info=symsafe).  True if NAME is one: a removed
 * one is then only removed, *R the result.
 */
static bool unsafe_link(struct ts_run *run, int dfd, const char *name,
    const char *rel, bool keep, int *r)
{
	char *t = walk_readlink(dfd, name, 0), *both;

	if (t) {
		if (!util_unsafe_symlink(t, rel)) {
			free(t);
			return false;
		}
		both = xmalloc(strlen(rel) + strlen(t) + 7);
		sprintf(both, "%s\" -> \"%s", rel, t);
		free(t);
		report_note_info(run->rep, TS_INFO_SYMSAFE, 1,
		    "not backing up unsafe symlink \"%s\"", both);
		free(both);
	} else {
		report_note_info(run->rep, TS_INFO_SYMSAFE, 1,
		    "not backing up symlink with unreadable target \"%s\"",
		    rel);
	}
	*r = 0;
	if (!keep && sys.unlinkat(dfd, name, 0) < 0 && errno != ENOENT) {
		*r = -errno;
		run_report_dest(run, -*r, "cannot delete", rel);
	}
	return true;
}

/* How an entry is kept: a link to it (it is replaced by a rename), a
 * copy (it is written in place), or the entry itself (it is removed). */
enum keep_how {
	KEEP_LINK,
	KEEP_COPY,
	KEEP_MOVE,
};

static int keep_entry(struct ts_run *run, int dfd, const char *name,
    const char *rel, uint32_t mode, enum keep_how how)
{
	bool keep = how != KEEP_MOVE;
	char *bname = NULL;
	int bfd = -1, r;

	if (!run->plan.bak || S_ISDIR(mode))
		return 0;
	backup_note(run, rel, mode);	/* in a dry run too: -n says what a
					 * real run deletes */
	if (run->o->dry_run)
		return 0;
	if (S_ISLNK(mode) && run->o->links && run->o->safe_links &&
	    unsafe_link(run, dfd, name, rel, keep, &r))
		return r;
	r = target(run, dfd, name, rel, &bfd, &bname);
	if (r < 0)
		goto out;
	clear_target(run, bfd, bname, rel);
	if (how == KEEP_COPY)
		r = -EXDEV;	/* as across file systems */
	else if (keep)
		r = hl_make(run, bfd, bname, dfd, name);
	else
		r = sys.renameat(dfd, name, bfd, bname) < 0 ? -errno : 0;
	if (r == -EXDEV) {
		/* Another file system: a copy, then (a removal) the entry
		 * goes. */
		r = copy_aside(run, dfd, name, bfd, bname, how == KEEP_COPY);
		if (r == 0 && !keep && sys.unlinkat(dfd, name, 0) < 0 &&
		    errno != ENOENT)
			r = -errno;
	}
	if (r < 0) {
		run_report_dest(run, -r, "cannot make a backup of", rel);
		goto out;
	}
	if (report_info_level(run->rep, TS_INFO_BACKUP) >= 1) {
		char *to = run->plan.bak->dir ? util_path_join(
		    run->plan.bak->dir, rel) : xstrdup(rel);
		char *line = xmalloc(2 * (strlen(to) +
		    strlen(run->plan.bak->suffix)) + 32), *o = line;
		const char *p;

		/* A format of its own: a '%' of the names is doubled. */
		o += sprintf(o, "backed up %%s to ");
		for (p = to; *p; p++)
			o += sprintf(o, *p == '%' ? "%%%%" : "%c", *p);
		for (p = run->plan.bak->suffix; *p; p++)
			o += sprintf(o, *p == '%' ? "%%%%" : "%c", *p);
		report_note_info(run->rep, TS_INFO_BACKUP, 1, line, rel);
		free(line);
		free(to);
	}
out:
	if (bfd >= 0)
		close(bfd);
	free(bname);
	return r;
}

int backup_entry(struct ts_run *run, int dfd, const char *name,
    const char *rel, uint32_t mode, bool keep)
{
	return keep_entry(run, dfd, name, rel, mode, keep ? KEEP_LINK :
	    KEEP_MOVE);
}

int backup_copy(struct ts_run *run, int dfd, const char *name,
    const char *rel, uint32_t mode)
{
	return keep_entry(run, dfd, name, rel, mode, KEEP_COPY);
}

int backup_removed(void *arg, int dirfd, const char *name,
    const char *relpath, uint32_t mode)
{
	struct ts_run *run = arg;

	/* rsync: a name that is a backup itself (no --backup-dir, the
	 * suffix) is removed, not backed up again as NAME~~. */
	if (!S_ISDIR(mode) && backup_is_backup(run, relpath)) {
		int e = sys.unlinkat(dirfd, name, 0) < 0 ? errno : 0;

		if (e && e != ENOENT)
			run_report_dest(run, e, "cannot delete", relpath);
		return -e;
	}
	return backup_entry(arg, dirfd, name, relpath, mode, false);
}
