/*
 * cli.c -- the option table and its parser.
 *
 * Every option has rsync's name and meaning (rsync users should not have
 * to learn anything); treesync's own options are marked in --help.  The
 * table is the single source: getopt_long's array, the short-option
 * string and --help are all generated from it.
 */
#define _GNU_SOURCE
#include "cli.h"

#include "chmod.h"
#include "filter.h"
#include "util.h"

#include <errno.h>
#include <getopt.h>
#include <ctype.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#ifndef TS_VERSION_STRING
#define TS_VERSION_STRING "unknown"
#endif

enum {
	OPT_VERBOSE = 'v', OPT_QUIET = 'q', OPT_ITEMIZE = 'i',
	OPT_HUMAN = 'h', OPT_VERSION = 'V', OPT_ARCHIVE = 'a',
	OPT_RECURSIVE = 'r', OPT_LINKS = 'l', OPT_PERMS = 'p',
	OPT_TIMES = 't', OPT_OMIT_DIR_TIMES = 'O', OPT_GROUP = 'g',
	OPT_OWNER = 'o', OPT_D = 'D', OPT_DRY_RUN = 'n', OPT_CHECKSUM = 'c',
	OPT_IGNORE_TIMES = 'I', OPT_MODIFY_WINDOW = '@', OPT_UPDATE = 'u',
	OPT_ONE_FS = 'x', OPT_JOBS = 'j', OPT_WHOLE_FILE = 'W',
	OPT_LONG_ONLY = 256,
	OPT_HELP, OPT_STATS, OPT_NO_RECURSIVE, OPT_NO_LINKS, OPT_NO_PERMS,
	OPT_NO_TIMES, OPT_NO_OMIT_DIR_TIMES, OPT_NO_GROUP, OPT_NO_OWNER,
	OPT_NO_D, OPT_DEVICES, OPT_NO_DEVICES, OPT_SPECIALS, OPT_NO_SPECIALS,
	OPT_SIZE_ONLY, OPT_IGNORE_EXISTING, OPT_EXISTING, OPT_DELETE,
	OPT_FORCE, OPT_IGNORE_ERRORS, OPT_ALLOW_EMPTY_SOURCE, OPT_COPY_METHOD,
	OPT_FSYNC, OPT_NO_CHECKSUM, OPT_NO_VERBOSE, OPT_NO_WHOLE_FILE,
	OPT_MAX_DELETE, OPT_SPARSE = 'S', OPT_NO_SPARSE = 300, OPT_REFLINK,
	OPT_VERIFY, OPT_PROGRESS, OPT_INFO, OPT_JSON, OPT_JSON_ITEMS,
	OPT_LOG_FILE, OPT_CHECK, OPT_LOCK, OPT_LOCK_WAIT, OPT_P = 'P',
	OPT_HARD_LINKS = 'H', OPT_NO_HARD_LINKS = 400, OPT_XATTRS = 'X',
	OPT_ACLS = 'A', OPT_NO_XATTRS = 401, OPT_NO_ACLS,
	OPT_OMIT_LINK_TIMES = 'J', OPT_NO_OMIT_LINK_TIMES = 410, OPT_NUMERIC_IDS,
	OPT_NO_NUMERIC_IDS, OPT_CHOWN, OPT_CHMOD, OPT_MIN_SIZE, OPT_MAX_SIZE,
	OPT_DIRS = 'd', OPT_FROM0 = '0', OPT_NO_DIRS = 420, OPT_FILES_FROM,
	OPT_FILTER = 'f', OPT_F = 'F', OPT_CVS = 'C', OPT_EXCLUDE = 430,
	OPT_INCLUDE, OPT_EXCLUDE_FROM, OPT_INCLUDE_FROM, OPT_DELETE_EXCLUDED,
};

const struct cli_option cli_options[] = {
	{ "verbose", 'v', no_argument, OPT_VERBOSE, NULL,
	  "increase verbosity (names of changed items)" },
	{ "no-verbose", 0, no_argument, OPT_NO_VERBOSE, NULL, NULL },
	{ "quiet", 'q', no_argument, OPT_QUIET, NULL,
	  "suppress non-error messages" },
	{ "itemize-changes", 'i', no_argument, OPT_ITEMIZE, NULL,
	  "output a change-summary for all updates (rsync's YXcstpoguax)" },
	{ "stats", 0, no_argument, OPT_STATS, NULL,
	  "give some file-transfer stats" },
	{ "progress", 0, optional_argument, OPT_PROGRESS, "always",
	  "one live progress line on a terminal (=always: even if not)" },
	{ "info", 0, required_argument, OPT_INFO, "FLAGS",
	  "rsync's --info; progress2 is the only flag taken (= --progress)" },
	{ NULL, 'P', no_argument, OPT_P, NULL, "same as --partial --progress "
	  "(partial files are never kept: see README)" },
	{ "json", 0, no_argument, OPT_JSON, NULL,
	  "print one JSON summary document at the end (treesync)" },
	{ "json-items", 0, no_argument, OPT_JSON_ITEMS, NULL,
	  "print one JSON record per changed item (treesync)" },
	{ "log-file", 0, required_argument, OPT_LOG_FILE, "FILE",
	  "log what we're doing to the specified FILE" },
	{ "check", 0, no_argument, OPT_CHECK, NULL,
	  "compare only (implies -n); exit 28 if the trees differ (treesync)" },
	{ "lock", 0, optional_argument, OPT_LOCK, "FILE",
	  "one run at a time: flock DEST (or FILE); exit 27 if held (treesync)" },
	{ "lock-wait", 0, required_argument, OPT_LOCK_WAIT, "SECONDS",
	  "with --lock, wait up to SECONDS for the lock (treesync)" },
	{ "human-readable", 'h', no_argument, OPT_HUMAN, NULL,
	  "output numbers in a human-readable format" },
	{ "archive", 'a', no_argument, OPT_ARCHIVE, NULL,
	  "archive mode is -rlptgoD (no -A,-X,-U,-N,-H)" },
	{ "recursive", 'r', no_argument, OPT_RECURSIVE, NULL,
	  "recurse into directories" },
	{ "no-recursive", 0, no_argument, OPT_NO_RECURSIVE, NULL, NULL },
	{ "no-r", 0, no_argument, OPT_NO_RECURSIVE, NULL, NULL },
	{ "dirs", 'd', no_argument, OPT_DIRS, NULL,
	  "transfer directories without recursing" },
	{ "no-dirs", 0, no_argument, OPT_NO_DIRS, NULL, NULL },
	{ "no-d", 0, no_argument, OPT_NO_DIRS, NULL, NULL },
	{ "filter", 'f', required_argument, OPT_FILTER, "RULE",
	  "add a file-filtering RULE" },
	{ NULL, 'F', no_argument, OPT_F, NULL,
	  "same as --filter='dir-merge /.rsync-filter'; repeated: "
	  "--filter='- .rsync-filter'" },
	{ "exclude", 0, required_argument, OPT_EXCLUDE, "PATTERN",
	  "exclude files matching PATTERN" },
	{ "exclude-from", 0, required_argument, OPT_EXCLUDE_FROM, "FILE",
	  "read exclude patterns from FILE" },
	{ "include", 0, required_argument, OPT_INCLUDE, "PATTERN",
	  "don't exclude files matching PATTERN" },
	{ "include-from", 0, required_argument, OPT_INCLUDE_FROM, "FILE",
	  "read include patterns from FILE" },
	{ "cvs-exclude", 'C', no_argument, OPT_CVS, NULL,
	  "auto-ignore files in the same way CVS does" },
	{ "delete-excluded", 0, no_argument, OPT_DELETE_EXCLUDED, NULL,
	  "also delete excluded files from dest dirs" },
	{ "files-from", 0, required_argument, OPT_FILES_FROM, "FILE",
	  "read list of source-file names from FILE (- for stdin)" },
	{ "from0", '0', no_argument, OPT_FROM0, NULL,
	  "all *-from/filter files are delimited by 0s" },
	{ "links", 'l', no_argument, OPT_LINKS, NULL,
	  "copy symlinks as symlinks" },
	{ "no-links", 0, no_argument, OPT_NO_LINKS, NULL, NULL },
	{ "hard-links", 'H', no_argument, OPT_HARD_LINKS, NULL,
	  "preserve hard links (also with many workers)" },
	{ "no-hard-links", 0, no_argument, OPT_NO_HARD_LINKS, NULL, NULL },
	{ "no-H", 0, no_argument, OPT_NO_HARD_LINKS, NULL, NULL },
	{ "no-l", 0, no_argument, OPT_NO_LINKS, NULL, NULL },
	{ "perms", 'p', no_argument, OPT_PERMS, NULL,
	  "preserve permissions" },
	{ "no-perms", 0, no_argument, OPT_NO_PERMS, NULL, NULL },
	{ "no-p", 0, no_argument, OPT_NO_PERMS, NULL, NULL },
	{ "times", 't', no_argument, OPT_TIMES, NULL,
	  "preserve modification times" },
	{ "no-times", 0, no_argument, OPT_NO_TIMES, NULL, NULL },
	{ "no-t", 0, no_argument, OPT_NO_TIMES, NULL, NULL },
	{ "omit-dir-times", 'O', no_argument, OPT_OMIT_DIR_TIMES, NULL,
	  "omit directories from --times" },
	{ "no-omit-dir-times", 0, no_argument, OPT_NO_OMIT_DIR_TIMES, NULL,
	  NULL },
	{ "omit-link-times", 'J', no_argument, OPT_OMIT_LINK_TIMES, NULL,
	  "omit symlinks from --times" },
	{ "no-omit-link-times", 0, no_argument, OPT_NO_OMIT_LINK_TIMES, NULL,
	  NULL },
	{ "chmod", 0, required_argument, OPT_CHMOD, "CHMOD",
	  "affect file and/or directory permissions" },
	{ "chown", 0, required_argument, OPT_CHOWN, "USER:GROUP",
	  "simple username/groupname mapping" },
	{ "numeric-ids", 0, no_argument, OPT_NUMERIC_IDS, NULL,
	  "don't map uid/gid values by user/group name" },
	{ "no-numeric-ids", 0, no_argument, OPT_NO_NUMERIC_IDS, NULL, NULL },
	{ "min-size", 0, required_argument, OPT_MIN_SIZE, "SIZE",
	  "don't transfer any file smaller than SIZE" },
	{ "max-size", 0, required_argument, OPT_MAX_SIZE, "SIZE",
	  "don't transfer any file larger than SIZE" },
	{ "group", 'g', no_argument, OPT_GROUP, NULL, "preserve group" },
	{ "no-group", 0, no_argument, OPT_NO_GROUP, NULL, NULL },
	{ "no-g", 0, no_argument, OPT_NO_GROUP, NULL, NULL },
	{ "acls", 'A', no_argument, OPT_ACLS, NULL,
	  "preserve ACLs (implies --perms)" },
	{ "no-acls", 0, no_argument, OPT_NO_ACLS, NULL, NULL },
	{ "no-A", 0, no_argument, OPT_NO_ACLS, NULL, NULL },
	{ "xattrs", 'X', no_argument, OPT_XATTRS, NULL,
	  "preserve extended attributes" },
	{ "no-xattrs", 0, no_argument, OPT_NO_XATTRS, NULL, NULL },
	{ "no-X", 0, no_argument, OPT_NO_XATTRS, NULL, NULL },
	{ "owner", 'o', no_argument, OPT_OWNER, NULL,
	  "preserve owner (super-user only)" },
	{ "no-owner", 0, no_argument, OPT_NO_OWNER, NULL, NULL },
	{ "no-o", 0, no_argument, OPT_NO_OWNER, NULL, NULL },
	{ NULL, 'D', no_argument, OPT_D, NULL, "same as --devices --specials" },
	{ "no-D", 0, no_argument, OPT_NO_D, NULL, NULL },
	{ "devices", 0, no_argument, OPT_DEVICES, NULL,
	  "preserve device files (super-user only)" },
	{ "no-devices", 0, no_argument, OPT_NO_DEVICES, NULL, NULL },
	{ "specials", 0, no_argument, OPT_SPECIALS, NULL,
	  "preserve special files (FIFOs, sockets)" },
	{ "no-specials", 0, no_argument, OPT_NO_SPECIALS, NULL, NULL },
	{ "dry-run", 'n', no_argument, OPT_DRY_RUN, NULL,
	  "perform a trial run with no changes made" },
	{ "checksum", 'c', no_argument, OPT_CHECKSUM, NULL,
	  "skip based on checksum (XXH3-128), not mod-time & size" },
	{ "no-checksum", 0, no_argument, OPT_NO_CHECKSUM, NULL, NULL },
	{ "size-only", 0, no_argument, OPT_SIZE_ONLY, NULL,
	  "skip files that match in size" },
	{ "ignore-times", 'I', no_argument, OPT_IGNORE_TIMES, NULL,
	  "don't skip files that match size and time" },
	{ "modify-window", '@', required_argument, OPT_MODIFY_WINDOW, "NUM",
	  "set the accuracy for mod-time comparisons (-1: nanoseconds)" },
	{ "update", 'u', no_argument, OPT_UPDATE, NULL,
	  "skip files that are newer on the receiver" },
	{ "ignore-existing", 0, no_argument, OPT_IGNORE_EXISTING, NULL,
	  "skip updating files that exist on receiver" },
	{ "existing", 0, no_argument, OPT_EXISTING, NULL,
	  "skip creating new files on receiver" },
	{ "ignore-non-existing", 0, no_argument, OPT_EXISTING, NULL, NULL },
	{ "delete", 0, no_argument, OPT_DELETE, NULL,
	  "delete extraneous files from dest dirs (after a clean walk)" },
	{ "del", 0, no_argument, OPT_DELETE, NULL, NULL },
	{ "delete-before", 0, no_argument, OPT_DELETE, NULL, NULL },
	{ "delete-during", 0, no_argument, OPT_DELETE, NULL, NULL },
	{ "delete-delay", 0, no_argument, OPT_DELETE, NULL, NULL },
	{ "delete-after", 0, no_argument, OPT_DELETE, NULL, NULL },
	{ "force", 0, no_argument, OPT_FORCE, NULL,
	  "force deletion of dirs even if not empty" },
	{ "ignore-errors", 0, no_argument, OPT_IGNORE_ERRORS, NULL,
	  "delete even if there are I/O errors (in cleanly read dirs only)" },
	{ "max-delete", 0, required_argument, OPT_MAX_DELETE, "NUM[%]",
	  "don't delete more than NUM files (or NUM% of DEST): all or nothing" },
	{ "allow-empty-source", 0, no_argument, OPT_ALLOW_EMPTY_SOURCE, NULL,
	  "allow --delete when the source root is empty (treesync)" },
	{ "one-file-system", 'x', no_argument, OPT_ONE_FS, NULL,
	  "don't cross filesystem boundaries" },
	{ "whole-file", 'W', no_argument, OPT_WHOLE_FILE, NULL,
	  "copy files whole (always so in treesync)" },
	{ "no-whole-file", 0, no_argument, OPT_NO_WHOLE_FILE, NULL, NULL },
	{ "jobs", 'j', required_argument, OPT_JOBS, "N",
	  "worker threads (default: 4 per CPU, 4..16; 64 on NFS/FUSE/SMB) "
	  "(treesync)" },
	{ "copy-method", 0, required_argument, OPT_COPY_METHOD, "METHOD",
	  "auto|copy_file_range|sendfile|readwrite (treesync)" },
	{ "fsync", 0, no_argument, OPT_FSYNC, NULL,
	  "fsync every written file and each changed directory" },
	{ "sparse", 'S', no_argument, OPT_SPARSE, NULL,
	  "turn sequences of nulls into sparse blocks (keep holes)" },
	{ "no-sparse", 0, no_argument, OPT_NO_SPARSE, NULL, NULL },
	{ "reflink", 0, required_argument, OPT_REFLINK, "WHEN",
	  "auto|always|never: share extents on btrfs/XFS (treesync)" },
	{ "verify", 0, no_argument, OPT_VERIFY, NULL,
	  "re-read each written file and compare its XXH3-128 (treesync)" },
	{ "help", 0, no_argument, OPT_HELP, NULL,
	  "show this help (-h is help only on its own)" },
	{ "version", 'V', no_argument, OPT_VERSION, NULL,
	  "print the version + other info and exit" },
	{ NULL, 0, 0, 0, NULL, NULL },
};

static size_t table_len(void)
{
	size_t n = 0;

	while (cli_options[n].lname || cli_options[n].sname)
		n++;
	return n;
}

__attribute__((format(printf, 1, 2)))
static void usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "treesync: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'treesync --help' for more information.\n");
}

static bool parse_int(const char *s, long lo, long hi, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return false;
	*out = (int)v;
	return true;
}

/*
 * rsync's sizes: a number (fractions allowed) with an optional suffix
 * K/M/G/T/P (powers of 1024; "KiB" too) or KB/MB/... (powers of 1000),
 * then an optional "+1" or "-1".
 */
static bool parse_size(const char *s, uint64_t *out)
{
	static const char units[] = "bkmgtp";
	char *end;
	double v = strtod(s, &end), mult = 1;
	const char *u;
	int adjust = 0;

	if (end == s || v < 0)
		return false;
	if (*end && (u = strchr(units, tolower((unsigned char)*end)))) {
		int pw = (int)(u - units), i;
		double base = 1024;

		end++;
		if (tolower((unsigned char)*end) == 'b' && pw > 0) {
			base = 1000;
			end++;
		} else if (tolower((unsigned char)end[0]) == 'i' &&
		    tolower((unsigned char)end[1]) == 'b') {
			end += 2;
		}
		for (i = 0; i < pw; i++)
			mult *= base;
	}
	if (strcmp(end, "+1") == 0)
		adjust = 1;
	else if (strcmp(end, "-1") == 0)
		adjust = -1;
	else if (*end)
		return false;
	v = v * mult + adjust;
	if (v < 0 || v > 1.8e19)
		return false;
	*out = (uint64_t)v;
	return true;
}

/* --chown=USER:GROUP, names or numbers; either side may be empty. */
static bool parse_chown(const char *s, struct ts_options *o)
{
	const char *colon = strchr(s, ':');
	char user[256] = "", group[256] = "";
	char *end;

	snprintf(user, sizeof(user), "%.*s",
	    (int)(colon ? (size_t)(colon - s) : strlen(s)), s);
	if (colon)
		snprintf(group, sizeof(group), "%s", colon + 1);
	if (*user) {
		struct passwd *pw = getpwnam(user);
		long long v = strtoll(user, &end, 10);

		if (pw)
			o->chown_uid = pw->pw_uid;
		else if (!*end && v >= 0)
			o->chown_uid = v;
		else {
			usage_error("--chown: unknown user '%s'", user);
			return false;
		}
		o->owner = true;
	}
	if (*group) {
		struct group *gr = getgrnam(group);
		long long v = strtoll(group, &end, 10);

		if (gr)
			o->chown_gid = gr->gr_gid;
		else if (!*end && v >= 0)
			o->chown_gid = v;
		else {
			usage_error("--chown: unknown group '%s'", group);
			return false;
		}
		o->group = true;
	}
	if (!*user && !*group) {
		usage_error("%s", "--chown needs USER, :GROUP or USER:GROUP");
		return false;
	}
	return true;
}

static bool parse_max_delete(const char *s, struct ts_options *o)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || v < 0)
		return false;
	o->max_delete_pct = *end == '%';
	if (o->max_delete_pct && (end[1] != '\0' || v > 100))
		return false;
	if (!o->max_delete_pct && *end)
		return false;
	o->max_delete = v;
	return true;
}

static bool parse_copy_method(const char *s, enum ts_copy_method *m)
{
	static const struct {
		const char *name;
		enum ts_copy_method m;
	} names[] = {
		{ "auto", TS_COPY_AUTO },
		{ "copy_file_range", TS_COPY_CFR },
		{ "sendfile", TS_COPY_SENDFILE },
		{ "readwrite", TS_COPY_RW },
		{ "read_write", TS_COPY_RW },
	};
	size_t i;

	for (i = 0; i < TS_ARRAY_SIZE(names); i++) {
		if (strcmp(s, names[i].name) == 0) {
			*m = names[i].m;
			return true;
		}
	}
	return false;
}

/* Whether -r/--recursive was given itself, not only through -a: with
 * --files-from, -a does not imply -r (rsync). */
static bool explicit_r;
/* -C: its rules go after every other rule, wherever it was given. */
static bool want_cvs;

static struct filter_list *filters_of(struct ts_options *o)
{
	if (!o->filters) {
		o->filters = filter_list_new();
		filter_set_from0(o->filters, o->from0);
	}
	return o->filters;
}

/* One filter option, in command-line order (the order is the meaning). */
static bool add_filter(struct ts_options *o, int id, const char *arg)
{
	struct filter_list *fl = filters_of(o);
	char *err = NULL;
	int r = 0;

	switch (id) {
	case OPT_FILTER:
		r = filter_add(fl, arg, FILTER_RULE, "--filter", &err);
		break;
	case OPT_EXCLUDE:
		r = filter_add(fl, arg, FILTER_EXCLUDE, "--exclude", &err);
		break;
	case OPT_INCLUDE:
		r = filter_add(fl, arg, FILTER_INCLUDE, "--include", &err);
		break;
	case OPT_EXCLUDE_FROM:
		r = filter_load_file(fl, arg, FILTER_EXCLUDE, o->from0, &err);
		break;
	case OPT_INCLUDE_FROM:
		r = filter_load_file(fl, arg, FILTER_INCLUDE, o->from0, &err);
		break;
	case OPT_F:
		filter_add_F(fl);
		break;
	}
	if (r < 0) {
		usage_error("%s", err ? err : "bad filter rule");
		free(err);
		return false;
	}
	return true;
}

/* Applies one parsed option; false on a bad argument (reported). */
static bool apply(struct ts_options *o, int id, const char *arg)
{
	switch (id) {
	case OPT_VERBOSE: o->verbose++; break;
	case OPT_NO_VERBOSE: o->verbose = 0; break;
	case OPT_QUIET: o->quiet = true; break;
	case OPT_ITEMIZE: o->itemize++; break;
	case OPT_STATS: o->stats = true; break;
	case OPT_HUMAN: o->human++; break;
	case OPT_ARCHIVE:
		o->recursive = o->links = o->perms = o->times = true;
		o->group = o->owner = o->devices = o->specials = true;
		break;
	case OPT_RECURSIVE: o->recursive = true; explicit_r = true; break;
	case OPT_DIRS: o->dirs = true; break;
	case OPT_NO_DIRS: o->dirs = false; break;
	case OPT_FILES_FROM: o->files_from = arg; break;
	case OPT_FROM0:
		o->from0 = true;
		if (o->filters)
			filter_set_from0(o->filters, true);
		break;
	case OPT_FILTER:
	case OPT_EXCLUDE:
	case OPT_INCLUDE:
	case OPT_EXCLUDE_FROM:
	case OPT_INCLUDE_FROM:
	case OPT_F:
		return add_filter(o, id, arg);
	case OPT_CVS: want_cvs = true; break;
	case OPT_DELETE_EXCLUDED: o->delete_excluded = o->del = true; break;
	case OPT_NO_RECURSIVE: o->recursive = false; break;
	case OPT_LINKS: o->links = true; break;
	case OPT_HARD_LINKS: o->hard_links = true; break;
	case OPT_NO_HARD_LINKS: o->hard_links = false; break;
	case OPT_NO_LINKS: o->links = false; break;
	case OPT_PERMS: o->perms = true; break;
	case OPT_NO_PERMS: o->perms = false; break;
	case OPT_TIMES: o->times = true; break;
	case OPT_NO_TIMES: o->times = false; break;
	case OPT_OMIT_DIR_TIMES: o->omit_dir_times = true; break;
	case OPT_NO_OMIT_DIR_TIMES: o->omit_dir_times = false; break;
	case OPT_GROUP: o->group = true; break;
	case OPT_OMIT_LINK_TIMES: o->omit_link_times = true; break;
	case OPT_NO_OMIT_LINK_TIMES: o->omit_link_times = false; break;
	case OPT_NUMERIC_IDS: o->numeric_ids = true; break;
	case OPT_NO_NUMERIC_IDS: o->numeric_ids = false; break;
	case OPT_CHMOD: {
		char err[160];

		if (chmod_parse(&o->chmod, arg, err, sizeof(err)) < 0) {
			usage_error("%s", err);
			return false;
		}
		break;
	}
	case OPT_CHOWN:
		if (!parse_chown(arg, o))
			return false;
		break;
	case OPT_MIN_SIZE:
	case OPT_MAX_SIZE: {
		uint64_t v;

		if (!parse_size(arg, &v)) {
			usage_error("invalid size '%s' for --%s", arg,
			    id == OPT_MIN_SIZE ? "min-size" : "max-size");
			return false;
		}
		if (id == OPT_MIN_SIZE)
			o->min_size = v;
		else
			o->max_size = v ? v : UINT64_MAX;	/* 0: no limit */
		break;
	}
	case OPT_NO_GROUP: o->group = false; break;
	case OPT_OWNER: o->owner = true; break;
	case OPT_ACLS: o->acls = o->perms = true; break;
	case OPT_NO_ACLS: o->acls = false; break;
	case OPT_XATTRS: o->xattrs = true; break;
	case OPT_NO_XATTRS: o->xattrs = false; break;
	case OPT_NO_OWNER: o->owner = false; break;
	case OPT_D: o->devices = o->specials = true; break;
	case OPT_NO_D: o->devices = o->specials = false; break;
	case OPT_DEVICES: o->devices = true; break;
	case OPT_NO_DEVICES: o->devices = false; break;
	case OPT_SPECIALS: o->specials = true; break;
	case OPT_NO_SPECIALS: o->specials = false; break;
	case OPT_DRY_RUN: o->dry_run = true; break;
	case OPT_CHECKSUM: o->checksum = true; break;
	case OPT_NO_CHECKSUM: o->checksum = false; break;
	case OPT_SIZE_ONLY: o->size_only = true; break;
	case OPT_IGNORE_TIMES: o->ignore_times = true; break;
	case OPT_MODIFY_WINDOW:
		if (!parse_int(arg, INT_MIN, INT_MAX, &o->modify_window)) {
			usage_error("invalid --modify-window value '%s'", arg);
			return false;
		}
		break;
	case OPT_UPDATE: o->update = true; break;
	case OPT_IGNORE_EXISTING: o->ignore_existing = true; break;
	case OPT_EXISTING: o->existing = true; break;
	case OPT_DELETE: o->del = true; break;
	case OPT_FORCE: o->force = true; break;
	case OPT_IGNORE_ERRORS: o->ignore_errors = true; break;
	case OPT_ALLOW_EMPTY_SOURCE: o->allow_empty_source = true; break;
	case OPT_MAX_DELETE:
		if (!parse_max_delete(arg, o)) {
			usage_error("invalid --max-delete value '%s' (NUM or "
			    "NUM%%)", arg);
			return false;
		}
		break;
	case OPT_ONE_FS: o->one_fs = true; break;
	case OPT_WHOLE_FILE: case OPT_NO_WHOLE_FILE: break;
	case OPT_JOBS:
		if (!parse_int(arg, 1, 1024, &o->jobs)) {
			usage_error("invalid --jobs value '%s' (1..1024)", arg);
			return false;
		}
		break;
	case OPT_COPY_METHOD:
		if (!parse_copy_method(arg, &o->copy_method)) {
			usage_error("invalid --copy-method '%s' (auto, "
			    "copy_file_range, sendfile, readwrite)", arg);
			return false;
		}
		break;
	case OPT_FSYNC: o->fsync = true; break;
	case OPT_PROGRESS:
		if (arg && strcmp(arg, "always") != 0) {
			usage_error("invalid --progress value '%s' (always)",
			    arg);
			return false;
		}
		o->progress = arg ? 2 : 1;
		break;
	case OPT_P: o->progress = o->progress ? o->progress : 1; break;
	case OPT_INFO:
		if (strcmp(arg, "progress2") == 0) {
			o->progress = o->progress ? o->progress : 1;
		} else if (strcmp(arg, "progress0") == 0 ||
		    strcmp(arg, "none") == 0) {
			o->progress = 0;
		} else {
			usage_error("unsupported --info flags '%s' (progress2)",
			    arg);
			return false;
		}
		break;
	case OPT_JSON: o->json = true; break;
	case OPT_JSON_ITEMS: o->json_items = true; break;
	case OPT_LOG_FILE: o->log_file = arg; break;
	case OPT_CHECK: o->check = o->dry_run = true; break;
	case OPT_LOCK: o->lock_file = arg ? arg : ""; break;
	case OPT_LOCK_WAIT:
		if (!parse_int(arg, 0, 86400 * 7, &o->lock_wait)) {
			usage_error("invalid --lock-wait value '%s'", arg);
			return false;
		}
		break;
	case OPT_SPARSE: o->sparse = true; break;
	case OPT_NO_SPARSE: o->sparse = false; break;
	case OPT_VERIFY: o->verify = true; break;
	case OPT_REFLINK:
		if (strcmp(arg, "auto") == 0)
			o->reflink = TS_REFLINK_AUTO;
		else if (strcmp(arg, "always") == 0)
			o->reflink = TS_REFLINK_ALWAYS;
		else if (strcmp(arg, "never") == 0)
			o->reflink = TS_REFLINK_NEVER;
		else {
			usage_error("invalid --reflink '%s' (auto, always, "
			    "never)", arg);
			return false;
		}
		break;
	default:
		return false;
	}
	return true;
}

static void build_getopt(struct option *lopts, char *shorts)
{
	size_t i, nl = 0, ns = 0, n = table_len();

	shorts[ns++] = ':';	/* report a missing argument as ':' */
	for (i = 0; i < n; i++) {
		const struct cli_option *c = &cli_options[i];

		if (c->lname) {
			lopts[nl].name = c->lname;
			lopts[nl].has_arg = c->has_arg;
			lopts[nl].flag = NULL;
			lopts[nl].val = c->id;
			nl++;
		}
		if (c->sname) {
			shorts[ns++] = (char)c->sname;
			if (c->has_arg == required_argument)
				shorts[ns++] = ':';
		}
	}
	memset(&lopts[nl], 0, sizeof(lopts[nl]));
	shorts[ns] = '\0';
}

enum cli_action cli_parse(int argc, char **argv, struct cli *c)
{
	size_t n = table_len();
	struct option *lopts = xcalloc(n + 1, sizeof(*lopts));
	char *shorts = xcalloc(2 * n + 4, 1);
	enum cli_action act = CLI_RUN;
	bool only_h = argc == 2 && strcmp(argv[1], "-h") == 0;
	int ch, i;

	memset(c, 0, sizeof(*c));
	ts_options_init(&c->opts);
	explicit_r = want_cvs = false;
	if (only_h) {
		act = CLI_HELP;
		goto out;
	}
	build_getopt(lopts, shorts);
	opterr = 0;
	optind = 0;	/* 0, not 1: glibc then resets all of getopt's state */
	while ((ch = getopt_long(argc, argv, shorts, lopts, NULL)) != -1) {
		if (ch == '?') {
			if (optopt)
				usage_error("unknown option -- '%c'", optopt);
			else
				usage_error("unknown option '%s'",
				    argv[optind - 1]);
			act = CLI_ERROR;
			goto out;
		}
		if (ch == ':') {
			usage_error("option '%s' requires an argument",
			    argv[optind - 1]);
			act = CLI_ERROR;
			goto out;
		}
		if (ch == OPT_HELP) {
			act = CLI_HELP;
			goto out;
		}
		if (ch == OPT_VERSION) {
			act = CLI_VERSION;
			goto out;
		}
		if (!apply(&c->opts, ch, optarg)) {
			act = CLI_ERROR;
			goto out;
		}
	}
	if (argc - optind < 2) {
		usage_error("%s", argc - optind == 0
		    ? "missing source and destination operands"
		    : "missing destination operand (SRC... DEST)");
		act = CLI_ERROR;
		goto out;
	}
	if (want_cvs) {
		char *err = NULL;

		if (filter_add_cvs_exclude(filters_of(&c->opts), &err) < 0) {
			usage_error("%s", err ? err : "cannot add -C rules");
			free(err);
			act = CLI_ERROR;
			goto out;
		}
	}
	if (c->opts.files_from && !explicit_r)
		c->opts.recursive = false;	/* -a's -r is not implied */
	if (c->opts.lock_wait && !c->opts.lock_file) {
		usage_error("%s", "--lock-wait needs --lock");
		act = CLI_ERROR;
		goto out;
	}
	if (c->opts.size_only && c->opts.checksum) {
		usage_error("%s", "--size-only and --checksum conflict");
		act = CLI_ERROR;
		goto out;
	}
	c->noperands = (size_t)(argc - optind);
	c->operands = xcalloc(c->noperands, sizeof(*c->operands));
	for (i = optind; i < argc; i++)
		c->operands[i - optind] = argv[i];
	c->opts.srcs = c->operands;
	c->opts.nsrcs = c->noperands - 1;
	c->opts.dest = c->operands[c->noperands - 1];
out:
	free(lopts);
	free(shorts);
	return act;
}

void cli_free(struct cli *c)
{
	if (!c)
		return;
	chmod_free(c->opts.chmod);
	c->opts.chmod = NULL;
	filter_list_free(c->opts.filters);
	c->opts.filters = NULL;
	free(c->operands);
	c->operands = NULL;
}

void cli_help(FILE *f)
{
	size_t i, n = table_len();

	fprintf(f,
	    "treesync %s -- fast, safe, rsync-compatible tree synchronisation\n"
	    "\n"
	    "Usage: treesync [OPTION]... SRC... DEST\n"
	    "\n"
	    "A trailing slash on SRC copies its contents; without one, the\n"
	    "directory itself.  Options have rsync's meaning; --no-OPTION turns\n"
	    "off an implied OPTION (e.g. --no-perms, --no-D).\n"
	    "\n"
	    "Options\n", TS_VERSION_STRING);
	for (i = 0; i < n; i++) {
		const struct cli_option *c = &cli_options[i];
		char left[64];

		if (!c->help)
			continue;
		const char *eq = !c->argname ? "" :
		    c->has_arg == optional_argument ? "[=" : "=";
		const char *close = c->argname &&
		    c->has_arg == optional_argument ? "]" : "";

		if (c->sname && c->lname)
			snprintf(left, sizeof(left), "-%c, --%s%s%s%s", c->sname,
			    c->lname, eq, c->argname ? c->argname : "", close);
		else if (c->lname)
			snprintf(left, sizeof(left), "    --%s%s%s%s", c->lname,
			    eq, c->argname ? c->argname : "", close);
		else
			snprintf(left, sizeof(left), "-%c", c->sname);
		fprintf(f, " %-28s %s\n", left, c->help);
	}
	fprintf(f,
	    "\n"
	    "Exit status: 0 ok, 1 usage, 3 bad operands, 11 destination I/O,\n"
	    "20 signal, 23 partial transfer, 24 vanished source files,\n"
	    "25 --max-delete limit, 26 refused by a safety guard (empty\n"
	    "source), 27 --lock held by another run, 28 --check: trees differ.\n");
}

void cli_version(FILE *f)
{
	fprintf(f,
	    "treesync version %s\n"
	    "Copy chain: copy_file_range, sendfile, read/write\n"
	    "Checksum: xxh128 (XXH3-128)\n", TS_VERSION_STRING);
}
