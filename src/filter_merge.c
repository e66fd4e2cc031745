/*
 * filter_merge.c -- rule files read while rules are parsed: '.' merge
 * rules, the operator's rule files, and -C's CVS names.
 *
 * Owns opening the rule files the operator names (--exclude-from and
 * friends, '.' merge files, $HOME/.cvsignore) with oppath's symlink
 * policy, where a merge file named in a rule is looked for, the nesting
 * limit (rsync's 32, exit 11), the messages for an unreadable rule file,
 * and loading the -C names once.  Per-directory files are not read here:
 * the engine reads them through a filter_reader (filter_layer.c; a '.'
 * merge named inside one also goes through that reader).  Must not
 * touch the tree being synchronised.
 */
#define _GNU_SOURCE
#include "filter_int.h"

#include "oppath.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#define MAX_MERGE_DEPTH 32	/* rsync's limit */

/* ---------------------------------------------------------------------
 * Reading rule files (the list build only; a '.' merge in a push reads
 * through the reader).
 */

/*
 * PATH ("-": standard input) into a malloc'ed buffer: 0 or -errno.  An
 * operator path: a symlink owned by another user is not followed
 * (oppath.c); -EPERM then.
 */
int merge_read_path(const struct filter_list *fl, const char *path,
    char **data, size_t *len)
{
	uid_t bad = (uid_t)-1;
	int fd, rc;

	if (strcmp(path, "-") == 0)
		return util_read_fd(STDIN_FILENO, data, len);
	fd = oppath_open(AT_FDCWD, path, O_RDONLY, 0, fl->oppath_how, &bad);
	if (fd == -ELOOP && bad == OPPATH_OUTSIDE_ROOT)
		return -EXDEV;
	if (fd < 0)
		return fd == -ELOOP && bad != (uid_t)-1 ? -EPERM : fd;
	rc = util_read_fd(fd, data, len);
	close(fd);
	return rc;
}

/* The reason a rule file could not be read, for messages. */
const char *merge_strerror(int rc)
{
	if (rc == OPPATH_NOT_REGULAR)
		return "not a regular file";
	if (rc == -EXDEV)
		return "it resolves outside --confine-root";
	return rc == -EPERM ? "refusing to follow a symlink owned by an "
	    "untrusted user (--insecure-links follows it)" : strerror(-rc);
}

/*
 * A merge file's name, as rsync resolves it: while the list is built,
 * as given (relative to the current directory); in a parent scan,
 * relative to the directory scanned; in a push, absolute names as they
 * are, names with a '/' relative to the directory entered, and bare
 * names relative to the transfer root (rsync's working directory).
 */
char *merge_path(const struct pctx *pc, const char *pat, size_t len)
{
	if (pc->ps == NULL)
		return xstrndup(pat, len);
	if (pc->scan_abs != NULL)
		return layer_join_abs(pc->scan_abs, pat, len);
	if (memchr(pat, '/', len) != NULL)
		return layer_join_abs(pc->ps->d_abs, pat, len);
	return layer_join_abs(pc->ps->root->abs, pat, len);
}

/* A '.' rule: reads PATH now and parses it with template F. */
int merge_file(struct pctx *pc, const struct tok *t, char *path,
    uint32_t f)
{
	struct pctx sub = *pc;
	char *named;
	char *data = NULL;
	size_t len = 0;
	int rc;

	if (pc->depth >= MAX_MERGE_DEPTH) {
		/* rsync's words and its exit code (11: file I/O). */
		(void)t;
		set_err(pc->err, xasprintf("merge-file include depth limit "
		    "(%d) exceeded at '%s'", MAX_MERGE_DEPTH, path));
		free(path);
		return FILTER_DEPTH_EXCEEDED;
	}
	if (pc->ps != NULL)
		rc = pc->ps->rd->read(pc->ps->rd->arg, path, false, &data,
		    &len);
	else
		rc = merge_read_path(pc->fl, path, &data, &len);
	if (rc < 0) {
		/* A name that comes from a file's content is not echoed. */
		if (pc->from == FROM_ARG)
			set_err(pc->err, xasprintf("cannot read merge file "
			    "'%s': %s", path, merge_strerror(rc)));
		else if (pc->from == FROM_ARGFILE)
			set_err(pc->err, xasprintf("cannot read the merge file "
			    "named at %s line %u: %s", pc->origin, pc->line,
			    merge_strerror(rc)));
		else
			set_err(pc->err, xasprintf("cannot read a merge file "
			    "named in a file read earlier: %s",
			    merge_strerror(rc)));
		free(path);
		return rc;
	}
	/* Rules merged this way are anchored at the transfer root even
	 * inside a per-directory file (rsync reads them without its
	 * ANCHORED2ABS flag). */
	sub.xf = 0;
	sub.origin = path;
	sub.line = 1;
	sub.depth = pc->depth + 1;
	named = NULL;
	if (pc->from == FROM_ARG) {
		sub.from = FROM_ARGFILE;
	} else if (pc->from == FROM_ARGFILE) {
		sub.from = FROM_NESTED;
		sub.named_at = named = xasprintf("%s line %u", pc->origin,
		    pc->line);
	}
	rc = parse_buf(&sub, data, len, f, pc->fl->from0);
	free(named);
	free(data);
	free(path);
	return rc;
}

/* ---------------------------------------------------------------------
 * -C (--cvs-exclude).
 */

/*
 * The -C names: rsync's defaults (perishable), $HOME/.cvsignore and
 * $CVSIGNORE, read once, with the flags of the first "-C" rule.  After
 * the list is built (a "-C" in a per-directory file) this runs under
 * cvs_lock.
 */
static const char cvs_defaults[] =
    "RCS SCCS CVS CVS.adm RCSLOG cvslog.* tags TAGS .make.state "
    ".nse_depinfo *~ #* .#* ,* _$* *$ *.old *.bak *.BAK *.orig *.rej "
    ".del-* *.a *.olb *.o *.obj *.so *.exe *.Z *.elc *.ln core .svn/ "
    ".git/ .hg/ .bzr/";

static int load_cvs_now(struct filter_list *fl, uint32_t flags, char **err)
{
	struct pctx pc = { 0 };
	const char *home = getenv("HOME");
	const char *env = getenv("CVSIGNORE");
	int rc;

	pc.build = fl;
	pc.fl = fl;
	pc.rs = &fl->cvs;
	pc.origin = "the default CVS names";
	pc.err = err;
	rc = parse_str(&pc, cvs_defaults, flags | R_PERISH);
	if (rc == 0 && home != NULL) {
		char *path = xasprintf("%s/.cvsignore", home);
		char *data;
		size_t len;

		if (merge_read_path(fl, path, &data, &len) == 0) {
			pc.origin = path;
			pc.from = FROM_ARGFILE;
			rc = parse_buf(&pc, data, len, flags, fl->from0);
			free(data);
		}
		free(path);
	}
	if (rc == 0 && env != NULL) {
		pc.origin = "$CVSIGNORE";
		pc.line = 0;
		rc = parse_str(&pc, env, flags);
	}
	return rc;
}

int merge_load_cvs(struct pctx *pc, uint32_t flags)
{
	/* The list is const to a push; loading the CVS names is the one
	 * write after the build, done once, under the lock. */
	struct filter_list *fl = (struct filter_list *)(uintptr_t)pc->fl;
	int rc = 0;

	if (atomic_load(&fl->cvs_loaded))
		return 0;
	pthread_mutex_lock(&fl->cvs_lock);
	if (!atomic_load(&fl->cvs_loaded)) {
		rc = load_cvs_now(fl, flags & ~(R_CLEAR | R_MERGE), pc->err);
		atomic_store(&fl->cvs_loaded, true);
	}
	pthread_mutex_unlock(&fl->cvs_lock);
	return rc;
}
