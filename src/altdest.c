/*
 * altdest.c -- --link-dest, --compare-dest and --copy-dest: alternate
 * destination directories, rsync's "basis dirs" (up to 20, one kind).
 *
 * The nightly snapshot is the reason they exist:
 *
 *	treesync -a --delete --link-dest=../2026-12-01 SRC/ 2026-12-02/
 *
 * makes 2026-12-02 a whole copy of SRC in which every file that has not
 * changed since yesterday is a hard link to yesterday's, so that a
 * snapshot costs only what changed.
 *
 * rsync's rules (its generator's try_dests_reg() and try_dests_non()),
 * applied here to an entry whose DEST entry is absent: each directory is
 * looked at in the order given for the entry's path below it, and the
 * closest match wins -- 1, an entry of the same type; 2, the same data
 * (the quick check: size and mtime, or -c's checksum; a symlink's
 * target, a device's number); 3, the same data and the same attributes
 * the options keep (the first of these ends the search).  A match of 3
 * is hard-linked (--link-dest), left out (--compare-dest) or copied
 * (--copy-dest), and is not reported: DEST is then as good as the
 * snapshot.  A regular file matching 2 (or 3 for --copy-dest) is copied
 * from the match, locally (FICLONE first: shared extents where the file
 * system can), and reported as a local change ("cf...p....."); other
 * matches leave the entry to be made as usual, but its line describes
 * the change against the match, as rsync's does (">f..t......" where
 * yesterday's file was only touched).  --link-dest and --compare-dest
 * also look for a match of 3 when DEST holds a regular file: --link-dest
 * then replaces it by a link to the match (unless it is one already).
 *
 * Safety: the directories themselves are operator paths, opened once at
 * plan time relative to DEST's fd (oppath.c: a symlink on the way only
 * when root or the user owns it); below them every directory is opened
 * with RESOLVE_BENEATH and no symlinks (delete_open_beneath()), and
 * entries are looked at with AT_SYMLINK_NOFOLLOW.  Under treesync-mpi
 * every rank opens the directories itself, from its own view of DEST's
 * path, and a directory stolen from another rank finds its counterparts
 * below this rank's fds (altdest_node_beneath()), never from a path or
 * fd of the other rank.  A match is linked or
 * copied under a temp name in DEST and renamed into place: a final name
 * only ever holds a complete entry.  Nothing here removes anything.
 *
 * --compare-dest removes a DEST file that equals its match (rsync does,
 * during its walk): here after the walk, through the gate, silently.
 *
 * Known differences from rsync 3.5.0 (README, "Deliberate differences"):
 * a symlink to a directory below an alternate directory is never
 * followed (rsync follows one that the user owns); -H groups whose first
 * link has no exact match.  --compare-dest with -H: every link with an
 * exact match is left out (altdest_leaves_out(): never its group's first,
 * whatever the walk order or the number of ranks), the others linked.
 */
#define _GNU_SOURCE
#include "altdest.h"

#include "run.h"

#include "delete.h"
#include "hash.h"
#include "oppath.h"
#include "report.h"
#include "util.h"
#include "xattr.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *altdest_kind_name(enum ts_alt_dest k)
{
	return k == TS_ALT_LINK ? "--link-dest" : k == TS_ALT_COPY ?
	    "--copy-dest" : "--compare-dest";
}

/*
 * PATH with "NAME/.." pairs taken out, as text: DEST is not made in a dry
 * run, yet "DEST/../yesterday" names yesterday's snapshot (rsync's dry
 * run finds it too).
 */
static char *lexical(const char *path)
{
	char *out = xmalloc(strlen(path) + 2), *o = out;
	const char *p = path;

	if (*p == '/')
		*o++ = *p++;
	while (*p) {
		const char *e = strchrnul(p, '/');
		size_t n = (size_t)(e - p);
		char *last = o > out && o[-1] == '/' ? o - 1 : o;

		while (last > out && last[-1] != '/')
			last--;
		if (n == 0 || (n == 1 && p[0] == '.')) {
			/* nothing */
		} else if (n == 2 && p[0] == '.' && p[1] == '.' && o > out &&
		    !(o - last == 3 && strncmp(last, "../", 3) == 0) &&
		    !(o == out + 1 && out[0] == '/')) {
			o = last;	/* drop the previous component */
		} else {
			memcpy(o, p, n);
			o += n;
			*o++ = '/';
		}
		p = *e ? e + 1 : e;
	}
	if (o == out)
		*o++ = '.';
	else if (o > out + 1 && o[-1] == '/')
		o--;
	*o = '\0';
	return out;
}

/* DEST's directory as rsync names it in messages: absolute, no trailing
 * slash (malloc'ed). */
static char *dest_dir_path(const struct ts_options *o, const struct plan *p)
{
	char cwd[4096];
	char *d = xstrdup(o->dest), *r;
	size_t n = strlen(d);

	while (n > 1 && d[n - 1] == '/')
		d[--n] = '\0';
	if (p->single_name) {
		char *slash = strrchr(d, '/');

		if (slash)
			*slash = '\0';
		else
			strcpy(d, ".");
	}
	if (d[0] == '/' || !getcwd(cwd, sizeof(cwd)))
		return d;
	r = util_path_join(cwd, strcmp(d, ".") == 0 ? "" : d);
	free(d);
	return r;
}

void altdest_open_roots(const struct ts_options *o, struct plan *p,
    bool say)
{
	struct oppath_how how = oppath_how_of(o);
	char *base = NULL;
	size_t j;

	for (j = 0; j < o->nalt_dirs && j < TS_MAX_ALT_DEST; j++) {
		const char *arg = o->alt_dirs[j];
		char *full, *msg;
		uid_t bad = (uid_t)-1;
		struct stat st;
		int fd;

		if (!base)
			base = dest_dir_path(o, p);
		full = arg[0] == '/' ? xstrdup(arg) : util_path_join(base, arg);
		if (arg[0] == '/') {
			fd = oppath_open(AT_FDCWD, arg, O_RDONLY, 0, how, &bad);
		} else if (p->dst_fd >= 0) {
			fd = oppath_open(p->dst_fd, arg, O_RDONLY, 0, how, &bad);
		} else {
			char *lex = lexical(full);

			fd = oppath_open(AT_FDCWD, lex, O_RDONLY, 0, how, &bad);
			free(lex);
		}
		msg = NULL;
		if (fd == -ELOOP && bad != (uid_t)-1) {
			if (asprintf(&msg, "%s\n", oppath_refusal(how, bad, full)) < 0)
				msg = NULL;
		} else if (fd < 0) {
			if (asprintf(&msg, "%s arg does not exist: %s\n",
			    altdest_kind_name(o->alt_dest), full) < 0)
				msg = NULL;
		} else if (fstat(fd, &st) < 0 || !S_ISDIR(st.st_mode)) {
			close(fd);
			fd = -1;
			if (asprintf(&msg, "%s arg is not a dir: %s\n",
			    altdest_kind_name(o->alt_dest), full) < 0)
				msg = NULL;
		}
		if (msg && say)
			report_emit(p->rep, TS_OUT_STDERR, msg, strlen(msg));
		free(msg);
		free(full);
		p->alt_fd[j] = fd;
		p->nalt = j + 1;
	}
	free(base);
}

/* --- a node's directory below each alternate directory ------------------ */

/* D's slots: below its parent's, or FIXED's fds (the root's: the plan's;
 * a proxy's, altdest_node_beneath()). */
static void init_slots(struct dnode *d, const int *fixed)
{
	size_t j;

	d->alt = xcalloc(d->run->plan.nalt, sizeof(*d->alt));
	for (j = 0; j < d->run->plan.nalt; j++) {
		if (fixed)
			dslot_init_fixed(&d->alt[j], fixed[j]);
		else
			dslot_init(&d->alt[j], &d->parent->alt[j], NULL);
	}
}

void altdest_node_init(struct dnode *d)
{
	if (d->run->plan.nalt)
		init_slots(d, d->parent ? NULL : d->run->plan.alt_fd);
}

void altdest_node_open(struct dnode *d)
{
	struct ts_run *run = d->run;
	size_t j;

	if (!d->alt || !d->parent)
		return;	/* none, or the root's: the plan's */
	for (j = 0; j < run->plan.nalt; j++) {
		struct dslot *s = &d->alt[j];
		int pfd = dslot_pin(&run->slots, s->up), fd;

		if (pfd < 0)
			continue;	/* the parent is absent there */
		s->name = d->name;
		fd = dslot_open_name(&run->slots, pfd, d->name, false);
		if (fd >= 0) {
			if (dslot_adopt(&run->slots, s, fd) == 0)
				dslot_unpin(&run->slots, s);
			else
				close(fd);
		}
		dslot_unpin(&run->slots, s->up);
	}
}

void altdest_node_close(struct dnode *d)
{
	size_t j;

	if (!d->alt)
		return;
	for (j = 0; j < d->run->plan.nalt; j++)
		dslot_close(&d->run->slots, &d->alt[j]);
	free(d->alt);
	d->alt = NULL;
}

void altdest_node_beneath(struct dnode *d, const char *rel, int *fds)
{
	struct ts_run *run = d->run;
	size_t j;

	if (!run->plan.nalt)
		return;
	for (j = 0; j < run->plan.nalt; j++) {
		int fd = run->plan.alt_fd[j] < 0 ? -1 :
		    delete_open_beneath(run->plan.alt_fd[j], rel);

		fds[j] = fd < 0 ? -1 : fd;
	}
	init_slots(d, fds);
}

int altdest_get(struct dnode *d, size_t j)
{
	struct ts_run *run = d->run;

	if (j >= run->plan.nalt || run->plan.alt_fd[j] < 0 || !d->alt)
		return -ENOENT;
	return dslot_pin(&run->slots, &d->alt[j]);
}

void altdest_put(struct dnode *d, size_t j, int fd)
{
	if (fd >= 0)
		dslot_unpin(&d->run->slots, &d->alt[j]);
}

/* --- matching ----------------------------------------------------------- */

/* The closest match of one entry. */
struct alt_match {
	int level;		/* 0 none, 1 type, 2 data, 3 data and attributes */
	size_t j;		/* its directory */
	int dirfd;		/* the directory it is in (altdest_get()), or -1 */
	struct ts_entry ent;	/* as listed */
	struct cmp_out out;	/* the source against it */
};

/* -c: whether the regular files SRC and BASIS (same size) differ. */
static int contents_differ(const struct srcitem *it, int fd,
    const char *name)
{
	char *buf = xmalloc(1 << 20);
	struct hash128 a, b;
	int r = hash_at(it->sfd, it->src_name, buf, 1 << 20, &a) < 0 ||
	    hash_at(fd, name, buf, 1 << 20, &b) < 0 || a.lo != b.lo ||
	    a.hi != b.hi;

	free(buf);
	return r;
}

/* -X/-A: whether the source's extended attributes or ACLs differ from
 * those of its match, IT's name below FD (which of the two, rsync's 'x'
 * or 'a' column, is not told apart: the match is not the DEST entry). */
static bool xattrs_differ(struct ts_run *run, const struct srcitem *it,
    int fd)
{
	struct xattr_set a = { 0 }, b = { 0 };
	bool differ = xattr_read(it->sfd, it->src_name, -1, run->xa_src,
	    run->am_root, run->xa_names, &a) < 0 || xattr_read(fd, it->name,
	    -1, run->xa_which, run->am_root, run->xa_names, &b) < 0 ||
	    !xattr_equal(&a, &b);

	xattr_set_free(&a);
	xattr_set_free(&b);
	return differ;
}

/* How closely ENT (NAME below FD) matches the source of IT: 0 to 3, and
 * the decision against it in *OUT. */
static int level_of(struct dnode *d, const struct srcitem *it,
    const char *starget, int fd, const struct ts_entry *ent,
    struct cmp_out *out)
{
	struct ts_run *run = d->run;
	const struct ts_entry *src = it->ent;
	struct ts_options plain = *run->o;
	struct cmp_in in = { .src = src, .dst = ent, .content_differs = -1,
		.am_root = run->am_root, .src_target = starget };
	char *dtarget = NULL;
	bool same_data;

	if ((ent->mode & S_IFMT) != (src->mode & S_IFMT))
		return 0;
	/* What decides is the match, not what -u and --existing skip. */
	plain.update = plain.existing = plain.ignore_existing = false;
	if (S_ISLNK(src->mode))
		in.dst_target = dtarget = item_read_link(fd, it->name,
		    run->fake_super, ent->size);
	if (cmp_needs_checksum(&plain, src, ent))
		in.content_differs = contents_differ(it, fd, it->name);
	if (run->xa_which)
		in.xattr_differs = xattrs_differ(run, it, fd);
	cmp_decide(&plain, &in, out);
	free(dtarget);
	switch (src->mode & S_IFMT) {
	case S_IFREG:
		same_data = out->action != CMP_COPY;
		break;
	case S_IFLNK:
		same_data = out->action != CMP_SYMLINK;
		break;
	case S_IFDIR:
		same_data = true;
		break;
	default:
		same_data = out->action != CMP_MKNOD;
		break;
	}
	if (!same_data)
		return 1;
	if (out->action == CMP_NONE ||
	    (out->action == CMP_DIR && !(out->iflags & IT_REPORT_ANY)))
		return 3;
	return 2;
}

/* Looks for IT of D in every alternate directory: the closest match in
 * *M (M->level 0: none). */
static void find(struct dnode *d, const struct srcitem *it,
    const char *starget, struct alt_match *m)
{
	struct ts_run *run = d->run;
	size_t j;

	memset(m, 0, sizeof(*m));
	m->dirfd = -1;
	for (j = 0; j < run->plan.nalt && m->level < 3; j++) {
		struct ts_entry ent;
		struct cmp_out out;
		int fd = altdest_get(d, j), lv;

		if (fd < 0)
			continue;
		if (walk_stat(fd, it->name, false, &ent) == 0)
			item_fake_dest(run, fd, it->name, &ent);
		else
			ent.mode = 0;
		if (!ent.mode ||
		    (lv = level_of(d, it, starget, fd, &ent, &out)) <= m->level) {
			altdest_put(d, j, fd);
			continue;
		}
		altdest_put(d, m->j, m->dirfd);
		m->level = lv;
		m->j = j;
		m->dirfd = fd;
		m->ent = ent;
		m->out = out;
	}
}

bool altdest_same_inode(struct dnode *d, const char *name, uint64_t dev,
    uint64_t ino)
{
	struct ts_run *run = d->run;
	size_t j;

	for (j = 0; j < run->plan.nalt; j++) {
		struct ts_entry ent;
		int fd = altdest_get(d, j);
		bool same;

		if (fd < 0)
			continue;
		same = walk_stat(fd, name, false, &ent) == 0 &&
		    ent.dev == dev && ent.ino == ino;
		altdest_put(d, j, fd);
		if (same)
			return true;
	}
	return false;
}

uint32_t altdest_root_iflags(struct ts_run *run, const struct ts_entry *src,
    uint32_t iflags)
{
	struct cmp_in in = { .src = src, .content_differs = -1,
		.am_root = run->am_root };
	struct cmp_out out;
	bool found = false;
	size_t j;

	for (j = 0; j < run->plan.nalt; j++) {
		struct ts_entry ent;

		if (run->plan.alt_fd[j] < 0 ||
		    walk_stat(run->plan.alt_fd[j], ".", false, &ent) < 0)
			continue;
		in.dst = &ent;
		cmp_decide(run->o, &in, &out);
		if (!(out.iflags & IT_REPORT_ANY))
			/* The same: "cd          ./" at -ii */
			return IT_LOCAL_CHANGE | IT_ALT_MATCH;
		if (!found)
			iflags = out.iflags | IT_LOCAL_CHANGE;
		found = true;
	}
	return iflags;
}

/* --- carrying a match out ------------------------------------------------ */

/* --link-dest: NAME of D becomes a link to the match (a temp, renamed
 * over whatever is there).  True if it did (or, in a dry run, would). */
static bool link_match(struct dnode *d, const struct action *a,
    const struct alt_match *m)
{
	struct ts_run *run = d->run;

	if (run->o->dry_run)
		return true;
	if (d->dslot.fd < 0 ||
	    hl_make(run, d->dslot.fd, a->it->name, m->dirfd, a->it->name) < 0)
		return false;	/* another file system, EMLINK...: copied */
	atomic_store(&d->touched, true);
	return true;
}

/*
 * The item of A is done here: it stands as the match's inode AS (linked),
 * or was left out (AS NULL).  Its -H group learns it, and
 * --remove-source-files removes its source (DEST holds it, or its
 * match does).
 */
static void finished(struct dnode *d, const struct action *a, char **rel,
    const struct ts_entry *as)
{
	struct ts_run *run = d->run;
	const struct srcitem *it = a->it;

	add(&run->entries_done, 1);
	if (a->hl)
		hl_master_done(run, a->hl, as != NULL, as ? as->dev : 0,
		    as ? as->ino : 0);
	srcremove(run, it->from, it->src_name, it->ent, item_rel(d, it, rel));
}

/*
 * An entry made as its match (linked, left out or copied from it) is an
 * item without a change: rsync says it only at -ii or -vv, 'h' when
 * linked ("hf          f"), '.' when left out, 'c' when copied.
 */
static void say_match(struct dnode *d, const struct action *a, char **rel,
    uint32_t iflags)
{
	report_item(d->run->rep, iflags, a->it->ent->mode,
	    item_rel(d, a->it, rel), a->target, NULL);
}

#define SAY_LINKED (IT_LOCAL_CHANGE | IT_HARDLINK | IT_ALT_MATCH)

/* A regular file whose DEST name is absent (or cleared). */
static bool apply_reg(struct dnode *d, struct action *a, char **rel,
    const struct alt_match *m)
{
	struct ts_run *run = d->run;
	enum ts_alt_dest kind = run->o->alt_dest;
	struct cmp_out out;

	if (m->level == 3 && kind == TS_ALT_LINK && link_match(d, a, m)) {
		say_match(d, a, rel, SAY_LINKED);
		finished(d, a, rel, &m->ent);
		return true;
	}
	if (m->level == 3 && kind == TS_ALT_COMPARE) {
		/* Nothing is made: later links are made as files of their
		 * own, or left out by their own match. */
		say_match(d, a, rel, 0);
		finished(d, a, rel, NULL);
		return true;
	}
	if (m->level >= 2) {
		/* The same data: copied from the match, locally. */
		out.action = CMP_COPY;
		out.iflags = m->level == 3 ? IT_LOCAL_CHANGE | IT_ALT_MATCH :
		    (m->out.iflags &
		    ~(uint32_t)(IT_TRANSFER | IT_IS_NEW)) | IT_LOCAL_CHANGE;
		ftask_submit_basis(d, a->it, &out, m->j, a->hl, d->later);
		return true;
	}
	/* Another version of the file: copied from the source, and said as
	 * a change of the match. */
	a->iflags = m->out.iflags;
	return false;
}

/* A directory, symlink, device or special whose DEST name is absent. */
static bool apply_other(struct dnode *d, struct action *a, char **rel,
    const struct alt_match *m)
{
	struct ts_run *run = d->run;
	enum ts_alt_dest kind = run->o->alt_dest;
	bool is_dir = a->what == CMP_MKDIR;

	if (m->level < 3) {
		/* Made as usual, said as a change of the match. */
		a->iflags = (m->out.iflags & ~(uint32_t)IT_IS_NEW) |
		    IT_LOCAL_CHANGE | (is_dir ? 0 : IT_REPORT_CHANGE);
		return false;
	}
	if (is_dir || kind == TS_ALT_COPY) {
		/* Made, and said only at -ii ("cd          d/") and -vv
		 * ("d/ is uptodate"). */
		a->iflags = IT_LOCAL_CHANGE | IT_ALT_MATCH;
		return false;
	}
	if (kind == TS_ALT_LINK && link_match(d, a, m)) {
		say_match(d, a, rel, SAY_LINKED);
		finished(d, a, rel, &m->ent);
		return true;
	}
	if (kind == TS_ALT_COMPARE) {
		say_match(d, a, rel, 0);
		finished(d, a, rel, NULL);
		return true;
	}
	/* It could not be linked (EMLINK, a file system that links no
	 * symlinks...): made as a local copy of its match, said only at
	 * -ii ("cL          sym -> target"), as rsync's fallback does. */
	a->iflags = IT_LOCAL_CHANGE | IT_ALT_MATCH;
	return false;
}

/* A regular file in DEST, of the source's type: under --link-dest and
 * --compare-dest an exact match may take its place. */
static bool apply_existing(struct dnode *d, struct action *a, char **rel,
    const struct alt_match *m)
{
	struct ts_run *run = d->run;

	if (m->level == 3 && run->o->alt_dest == TS_ALT_COMPARE) {
		/* DEST need not hold what the match holds: rsync removes
		 * it (here after the walk, through the gate). */
		prune_record_quiet(d, a->it->name, a->dst->mode);
		finished(d, a, rel, NULL);
		return true;
	}
	if (m->level < 3 || run->o->alt_dest != TS_ALT_LINK)
		return false;
	if (a->dst->dev == m->ent.dev && a->dst->ino == m->ent.ino)
		return false;	/* a link to it already */
	if (!link_match(d, a, m))
		return false;
	say_match(d, a, rel, SAY_LINKED);
	finished(d, a, rel, &m->ent);
	return true;
}

bool altdest_apply(struct dnode *d, struct action *a, char **rel)
{
	struct ts_run *run = d->run;
	const struct ts_entry *src = a->it->ent, *dst = a->dst;
	bool same_type = dst && (dst->mode & S_IFMT) == (src->mode & S_IFMT);
	struct alt_match m;
	bool done;

	if (!run->plan.nalt || a->checksum)
		return false;
	if (same_type) {
		if (!S_ISREG(src->mode) || run->o->alt_dest == TS_ALT_COPY)
			return false;
	} else {
		switch (a->what) {
		case CMP_COPY:
		case CMP_MKDIR:
		case CMP_SYMLINK:
		case CMP_MKNOD:
			break;
		default:
			return false;
		}
	}
	find(d, a->it, a->target, &m);
	if (m.level == 0)
		return false;
	if (same_type)
		done = apply_existing(d, a, rel, &m);
	else if (S_ISREG(src->mode))
		done = apply_reg(d, a, rel, &m);
	else
		done = apply_other(d, a, rel, &m);
	altdest_put(d, m.j, m.dirfd);
	return done;
}

bool altdest_leaves_out(struct dnode *d, const struct srcitem *it,
    const struct ts_entry *dst, const char *starget)
{
	struct ts_run *run = d->run;
	const struct ts_entry *src = it->ent;
	bool same_type = dst && (dst->mode & S_IFMT) == (src->mode & S_IFMT);
	struct cmp_in in = { .src = src, .dst = dst, .content_differs = -1,
		.am_root = run->am_root, .src_target = starget };
	struct cmp_out out;
	struct alt_match m;

	if (run->o->alt_dest != TS_ALT_COMPARE || !run->plan.nalt ||
	    S_ISDIR(src->mode) || (same_type && !S_ISREG(src->mode)) ||
	    (cmp_needs_checksum(run->o, src, dst) && d->dslot.fd >= 0))
		return false;	/* altdest_apply() would not leave it out */
	if (!same_type) {
		cmp_decide(run->o, &in, &out);
		if (out.action != CMP_COPY && out.action != CMP_SYMLINK &&
		    out.action != CMP_MKNOD)
			return false;
	}
	find(d, it, starget, &m);
	altdest_put(d, m.j, m.dirfd);
	return m.level == 3;
}
