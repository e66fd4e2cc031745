/*
 * cli.c -- the option parser, --help and --completion-helper, all made
 * from the one option table, options.def.
 *
 * Every option has rsync's name and meaning (rsync users should not have
 * to learn anything); treesync's own options are marked in --help.  The
 * parser is popt's, as rsync uses it, not getopt_long's: a long option is
 * found by its exact name only (getopt would take "--no-x" for a prefix of
 * "--no-xattrs", where rsync's --no-x means --no-one-file-system), short
 * options bundle ("-avn", "-j4", "-j=4", "-j 4"), an option's required
 * argument is the next word whatever it looks like ("--exclude -x"), "--"
 * ends the options, and operands may come before options.  Operands that
 * rsync would take as remote are refused: treesync copies local trees.
 *
 * What is parsed goes into struct ts_options; what can only be decided
 * after the last option (-C's rules go last, -a implies no -r with
 * --files-from, --info=progress0 beats --progress) is kept in a struct
 * parse_ctx for the length of one cli_parse() call: no file-scope state.
 */
#include "cli.h"

#include "chmod.h"
#include "copy.h"
#include "filter.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#ifndef TS_VERSION_STRING
#define TS_VERSION_STRING "unknown"
#endif

const struct cli_option cli_options[] = {
#define OPT(id, s, l, a, an, h, act) \
	{ l, s, CLI_ARG_##a, CLI_OPT_##id, false, an, h },
#define ALIAS(id, l) { l, 0, CLI_ARG_NONE, CLI_OPT_##id, true, NULL, NULL },
#include "options.def"
#undef OPT
#undef ALIAS
	{ NULL, 0, CLI_ARG_NONE, CLI_OPT_COUNT, false, NULL, NULL },
};

/* State of one cli_parse() call beyond struct ts_options. */
struct parse_ctx {
	struct ts_options *o;
	enum cli_action done;	/* CLI_RUN, or what ends the parse */
	bool explicit_r;	/* -r itself, not only through -a: with
				 * --files-from, -a does not imply -r (rsync) */
	struct cli *c;		/* where filters and --chmod values go */
	int progress;		/* --progress (1, =always 2), -P, --no-progress */
	int info_progress;	/* --info: -1 not given, 0 progress0, 1 progress2 */
};

static size_t table_len(void)
{
	size_t n = 0;

	while (cli_options[n].lname || cli_options[n].sname)
		n++;
	return n;
}

/* The OPT row of ID (never an alias). */
static const struct cli_option *row_of(enum cli_opt_id id)
{
	const struct cli_option *r;

	for (r = cli_options; r->lname || r->sname; r++) {
		if (r->id == id && !r->alias)
			return r;
	}
	return NULL;
}

/* The option named exactly NAME[0..LEN), or NULL; aliases resolved. */
static const struct cli_option *find_long(const char *name, size_t len)
{
	const struct cli_option *r;

	for (r = cli_options; r->lname || r->sname; r++) {
		if (r->lname && strncmp(r->lname, name, len) == 0 &&
		    r->lname[len] == '\0')
			return r->alias ? row_of(r->id) : r;
	}
	return NULL;
}

static const struct cli_option *find_short(int ch)
{
	const struct cli_option *r;

	for (r = cli_options; r->lname || r->sname; r++) {
		if (r->sname && r->sname == ch)
			return r;
	}
	return NULL;
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

/* --copy-method: "auto", or a method's name as the method table spells
 * it for the command line ("read_write" is an old spelling, kept). */
static bool parse_copy_method(const char *s, enum ts_copy_method *m)
{
	int i;

	if (strcmp(s, "auto") == 0) {
		*m = TS_COPY_AUTO;
		return true;
	}
	for (i = 0; i < TS_METHOD_COUNT; i++) {
		if (strcmp(s, copy_methods[i].cli) == 0 ||
		    strcmp(s, copy_methods[i].json) == 0) {
			*m = copy_methods[i].forced;
			return true;
		}
	}
	return false;
}

/* --- option actions: CALL(fn) in options.def ------------------------- */

static bool opt_archive(struct parse_ctx *p, enum cli_opt_id id,
    const char *arg)
{
	struct ts_options *o = p->o;

	(void)id;
	(void)arg;
	o->recursive = o->links = o->perms = o->times = true;
	o->group = o->owner = o->devices = o->specials = true;
	return true;
}

static bool opt_progress(struct parse_ctx *p, enum cli_opt_id id,
    const char *arg)
{
	if (id == CLI_OPT_P) {
		if (!p->progress)
			p->progress = 1;
		return true;
	}
	if (arg && strcmp(arg, "always") != 0) {
		usage_error("invalid --progress value '%s' (always)", arg);
		return false;
	}
	p->progress = arg ? 2 : 1;
	return true;
}

/* rsync's --info=progress2 / progress0 / none: the last one given wins,
 * and an explicit --info=progress0 wins over --progress and -P. */
static bool opt_info(struct parse_ctx *p, enum cli_opt_id id, const char *arg)
{
	(void)id;
	if (strcmp(arg, "progress2") == 0) {
		p->info_progress = 1;
	} else if (strcmp(arg, "progress0") == 0 || strcmp(arg, "none") == 0) {
		p->info_progress = 0;
	} else {
		usage_error("unsupported --info flags '%s' (progress2)", arg);
		return false;
	}
	return true;
}

static bool opt_int(struct parse_ctx *p, enum cli_opt_id id, const char *arg)
{
	switch (id) {
	case CLI_OPT_MODIFY_WINDOW:
		if (parse_int(arg, INT_MIN, INT_MAX, &p->o->modify_window))
			return true;
		usage_error("invalid --modify-window value '%s'", arg);
		return false;
	case CLI_OPT_JOBS:
		if (parse_int(arg, 1, 1024, &p->o->jobs))
			return true;
		usage_error("invalid --jobs value '%s' (1..1024)", arg);
		return false;
	case CLI_OPT_LOCK_WAIT:
		if (parse_int(arg, 0, 86400 * 7, &p->o->lock_wait))
			return true;
		usage_error("invalid --lock-wait value '%s'", arg);
		return false;
	default:
		return false;
	}
}

static bool opt_from0(struct parse_ctx *p, enum cli_opt_id id,
    const char *arg)
{
	(void)arg;
	p->o->from0 = id == CLI_OPT_FROM0;
	return true;
}

static bool opt_insecure_links(struct parse_ctx *p, enum cli_opt_id id,
    const char *arg)
{
	(void)arg;
	p->o->insecure_links = id == CLI_OPT_INSECURE_LINKS;
	return true;
}

/* One filter option, in command-line order (the order is the meaning);
 * the run reads the files and parses the rules (it reports their errors,
 * with rsync's exit codes). */
static bool opt_filter(struct parse_ctx *p, enum cli_opt_id id,
    const char *arg)
{
	struct ts_options *o = p->o;
	struct ts_filter *f;

	p->c->filters = xrealloc(p->c->filters,
	    (o->nfilters + 1) * sizeof(*p->c->filters));
	f = &p->c->filters[o->nfilters++];
	f->arg = arg;
	f->from0 = o->from0;	/* -0 applies to the files after it */
	switch (id) {
	case CLI_OPT_FILTER: f->kind = TS_FILTER_RULE; break;
	case CLI_OPT_EXCLUDE: f->kind = TS_FILTER_EXCLUDE; break;
	case CLI_OPT_INCLUDE: f->kind = TS_FILTER_INCLUDE; break;
	case CLI_OPT_EXCLUDE_FROM: f->kind = TS_FILTER_EXCLUDE_FROM; break;
	case CLI_OPT_INCLUDE_FROM: f->kind = TS_FILTER_INCLUDE_FROM; break;
	default: f->kind = TS_FILTER_F; f->arg = NULL; break;
	}
	o->filters = p->c->filters;
	return true;
}

/* --chmod: checked here (a usage error), applied by the run. */
static bool opt_chmod(struct parse_ctx *p, enum cli_opt_id id,
    const char *arg)
{
	struct chmod_rule *rules = NULL;
	char err[160];
	int r;

	(void)id;
	r = chmod_parse(&rules, arg, err, sizeof(err));
	chmod_free(rules);
	if (r < 0) {
		usage_error("%s", err);
		return false;
	}
	p->c->chmods = xrealloc(p->c->chmods,
	    (p->o->nchmod + 1) * sizeof(*p->c->chmods));
	p->c->chmods[p->o->nchmod++] = arg;
	p->o->chmod = p->c->chmods;
	return true;
}

static bool opt_chown(struct parse_ctx *p, enum cli_opt_id id,
    const char *arg)
{
	(void)id;
	return parse_chown(arg, p->o);
}

static bool opt_size(struct parse_ctx *p, enum cli_opt_id id,
    const char *arg)
{
	uint64_t v;

	if (!parse_size(arg, &v)) {
		usage_error("invalid size '%s' for --%s", arg,
		    id == CLI_OPT_MIN_SIZE ? "min-size" : "max-size");
		return false;
	}
	if (id == CLI_OPT_MIN_SIZE)
		p->o->min_size = v;
	else
		p->o->max_size = v ? v : UINT64_MAX;	/* 0: no limit */
	return true;
}

static bool opt_max_delete(struct parse_ctx *p, enum cli_opt_id id,
    const char *arg)
{
	(void)id;
	if (!parse_max_delete(arg, p->o)) {
		usage_error("invalid --max-delete value '%s' (NUM or NUM%%)",
		    arg);
		return false;
	}
	return true;
}

static bool opt_copy_method(struct parse_ctx *p, enum cli_opt_id id,
    const char *arg)
{
	(void)id;
	if (!parse_copy_method(arg, &p->o->copy_method)) {
		usage_error("invalid --copy-method '%s' (auto, copy_file_range, "
		    "sendfile, readwrite)", arg);
		return false;
	}
	return true;
}

static bool opt_reflink(struct parse_ctx *p, enum cli_opt_id id,
    const char *arg)
{
	(void)id;
	if (strcmp(arg, "auto") == 0)
		p->o->reflink = TS_REFLINK_AUTO;
	else if (strcmp(arg, "always") == 0)
		p->o->reflink = TS_REFLINK_ALWAYS;
	else if (strcmp(arg, "never") == 0)
		p->o->reflink = TS_REFLINK_NEVER;
	else {
		usage_error("invalid --reflink '%s' (auto, always, never)", arg);
		return false;
	}
	return true;
}

/*
 * Applies option ID with its argument ARG (NULL if none): the ACTION
 * column of options.def.  False on a bad argument (reported).
 */
static bool apply(struct parse_ctx *p, enum cli_opt_id id, const char *arg)
{
	struct ts_options *o = p->o;

	switch (id) {
#define SET(field, value)	o->field = (value);
#define INC(field)		o->field++;
#define CTX(field, value)	p->field = (value);
#define CALL(fn)		return fn(p, id, arg);
#define OPT(id, s, l, a, an, h, act) case CLI_OPT_##id: act break;
#define ALIAS(id, l)
#include "options.def"
#undef OPT
#undef ALIAS
#undef SET
#undef INC
#undef CTX
#undef CALL
	case CLI_OPT_COUNT:
		break;
	}
	return true;
}

/* --- the parser -------------------------------------------------------- */

/*
 * The argument of option R given in the word ARGV[*I]: INLINE (after '='
 * or the rest of a short-option bundle), else the next word, whatever it
 * looks like (popt).  NULL, with the error reported, if there is none.
 */
static const char *take_arg(const struct cli_option *r, const char *inl,
    int argc, char **argv, int *i)
{
	if (inl)
		return inl;
	if (r->arg == CLI_ARG_OPT)
		return NULL;
	if (*i + 1 < argc)
		return argv[++*i];
	usage_error("%s: missing argument", argv[*i]);
	return NULL;
}

/* One "--name[=value]" word, ARGV[*I]; false on an error (reported). */
static bool parse_long(struct parse_ctx *p, int argc, char **argv, int *i)
{
	const char *word = argv[*i], *name = word + 2;
	const char *eq = strchr(name, '=');
	const struct cli_option *r;
	const char *arg = NULL;

	r = find_long(name, eq ? (size_t)(eq - name) : strlen(name));
	if (!r) {
		usage_error("%s: unknown option", word);
		return false;
	}
	if (r->arg == CLI_ARG_NONE && eq) {
		usage_error("%s: option does not take an argument", word);
		return false;
	}
	if (r->arg != CLI_ARG_NONE) {
		arg = take_arg(r, eq ? eq + 1 : NULL, argc, argv, i);
		if (!arg && r->arg == CLI_ARG_REQ)
			return false;
	}
	return apply(p, r->id, arg);
}

/* One "-abc" bundle, ARGV[*I]; false on an error (reported). */
static bool parse_shorts(struct parse_ctx *p, int argc, char **argv, int *i)
{
	const char *word = argv[*i], *s;

	for (s = word + 1; *s && p->done == CLI_RUN; s++) {
		const struct cli_option *r = find_short((unsigned char)*s);
		const char *arg;

		if (!r) {
			usage_error("%s: unknown option", word);
			return false;
		}
		if (r->arg == CLI_ARG_NONE) {
			if (s[1] == '=') {
				usage_error("%s: option does not take an "
				    "argument", word);
				return false;
			}
			if (!apply(p, r->id, NULL))
				return false;
			continue;
		}
		/* The rest of the word is the argument (a leading '='
		 * skipped), else the next word. */
		arg = take_arg(r, s[1] ? s + 1 + (s[1] == '=') : NULL, argc,
		    argv, i);
		if (!arg && r->arg == CLI_ARG_REQ)
			return false;
		return apply(p, r->id, arg);
	}
	return true;
}

/*
 * rsync's hostspec test (check_for_hostspec, parse_hostspec): [USER@]HOST
 * then ':' before any '/'; HOST may be a bracketed IPv6 literal, and a
 * '[' anywhere else makes the word local.  "rsync://HOST/MOD" needs no
 * case of its own: its colon comes before its first slash.
 */
bool cli_is_remote(const char *s)
{
	const char *host = s;

	for (; *s; s++) {
		if (*s == ':')
			return true;
		if (*s == '/')
			return false;
		if (*s == '@') {
			host = s + 1;
		} else if (*s == '[') {
			const char *close = s + 1;

			if (s != host)
				return false;
			while (*close && *close != ']' && *close != '/')
				close++;
			if (*close != ']' || close == s + 1)
				return false;
			if (close[1] && close[1] != '/' && close[1] != ':')
				return false;
			s = close;
		}
	}
	return false;
}

/* Refuses operands and a --files-from list that rsync would fetch from
 * another host; false if one was (reported). */
static bool check_local(const struct cli *c)
{
	const char *ff = c->opts.files_from;
	size_t i;

	for (i = 0; i < c->noperands; i++) {
		const char *op = c->operands[i];

		if (!cli_is_remote(op))
			continue;
		usage_error("remote operand '%s' is not supported: treesync "
		    "copies between local paths (for a local name, write "
		    "'./%s')", op, op);
		return false;
	}
	if (ff && cli_is_remote(ff)) {
		usage_error("remote --files-from '%s' is not supported (for a "
		    "local file, write './%s')", ff, ff);
		return false;
	}
	return true;
}

/* Operands rsync refuses before looking at anything: an empty one, and
 * several sources with --files-from (its list has one base).  False if
 * one was (reported). */
static bool check_operands(const struct cli *c)
{
	size_t i;

	for (i = 0; i < c->noperands; i++) {
		if (*c->operands[i])
			continue;
		usage_error("%s", i + 1 < c->noperands ?
		    "empty source operand ('')" :
		    "empty destination operand ('': use '.' for the current "
		    "directory)");
		return false;
	}
	if (c->opts.files_from && c->noperands > 2) {
		usage_error("%s", "--files-from takes one source directory "
		    "(the list's paths are below it)");
		return false;
	}
	return true;
}

/* What can only be decided once every option is in; false on an error
 * (reported). */
static bool finish(struct parse_ctx *p)
{
	struct ts_options *o = p->o;

	if (o->files_from && !p->explicit_r)
		o->recursive = false;	/* -a's -r is not implied */
	/* rsync: an explicit --info=progress0 wins, whatever its place. */
	if (p->info_progress == 0)
		o->progress = 0;
	else if (p->progress)
		o->progress = p->progress;
	else
		o->progress = p->info_progress > 0;
	if (o->lock_wait && !o->lock_file) {
		usage_error("%s", "--lock-wait needs --lock");
		return false;
	}
	if (o->size_only && o->checksum) {
		usage_error("%s", "--size-only and --checksum conflict");
		return false;
	}
	return true;
}

enum cli_action cli_parse(int argc, char **argv, struct cli *c)
{
	struct parse_ctx p = { .done = CLI_RUN, .info_progress = -1, .c = c };
	bool posix = getenv("POSIXLY_CORRECT") || getenv("POSIX_ME_HARDER");
	bool rest = false;
	int i;

	memset(c, 0, sizeof(*c));
	ts_options_init(&c->opts);
	p.o = &c->opts;
	if (argc == 2 && strcmp(argv[1], "-h") == 0)
		return CLI_HELP;	/* rsync: -h alone is --help */
	c->operands = xcalloc(argc > 0 ? (size_t)argc : 1,
	    sizeof(*c->operands));
	for (i = 1; i < argc && p.done == CLI_RUN; i++) {
		const char *a = argv[i];
		bool ok;

		if (rest || a[0] != '-' || a[1] == '\0') {
			c->operands[c->noperands++] = a;
			rest = rest || posix;
			continue;
		}
		if (strcmp(a, "--") == 0) {
			rest = true;
			continue;
		}
		if (a[1] == '-')
			ok = parse_long(&p, argc, argv, &i);
		else
			ok = parse_shorts(&p, argc, argv, &i);
		if (!ok)
			return CLI_ERROR;
	}
	if (p.done != CLI_RUN)
		return p.done;
	if (c->noperands < 2) {
		usage_error("%s", c->noperands == 0
		    ? "missing source and destination operands"
		    : "missing destination operand (SRC... DEST)");
		return CLI_ERROR;
	}
	if (!finish(&p) || !check_local(c) || !check_operands(c))
		return CLI_ERROR;
	c->opts.srcs = c->operands;
	c->opts.nsrcs = c->noperands - 1;
	c->opts.dest = c->operands[c->noperands - 1];
	return CLI_RUN;
}

void cli_free(struct cli *c)
{
	if (!c)
		return;
	free(c->filters);
	c->filters = NULL;
	free(c->chmods);
	c->chmods = NULL;
	free(c->operands);
	c->operands = NULL;
}

/* --- output made from the table --------------------------------------- */

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
		bool opt = c->arg == CLI_ARG_OPT;
		const char *eq, *close, *an;
		char left[64];

		if (!c->help)
			continue;
		an = c->argname ? c->argname : "";
		eq = !c->argname ? "" : opt ? "[=" : "=";
		close = c->argname && opt ? "]" : "";
		if (c->sname && c->lname)
			snprintf(left, sizeof(left), "-%c, --%s%s%s%s", c->sname,
			    c->lname, eq, an, close);
		else if (c->lname)
			snprintf(left, sizeof(left), "    --%s%s%s%s", c->lname,
			    eq, an, close);
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

/* What a row not in --help does, for completion menus: "turn off -p",
 * "same as --delete". */
static void describe(const struct cli_option *r, char *buf, size_t size)
{
	const struct cli_option *target = r->alias ? row_of(r->id) : r;
	const char *base;

	if (strncmp(r->lname, "no-", 3) == 0) {
		base = r->lname + 3;
		snprintf(buf, size, "turn off %s%s", base[1] ? "--" : "-", base);
	} else if (target && target->help && target->lname) {
		snprintf(buf, size, "same as --%s", target->lname);
	} else {
		snprintf(buf, size, "alias");
	}
}

static void completion_row(FILE *f, const struct cli_option *r)
{
	static const char *const kinds[] = { "none", "req", "opt" };
	const struct cli_option *target = r->alias ? row_of(r->id) : r;
	char desc[96];

	if (r->help)
		snprintf(desc, sizeof(desc), "%s", r->help);
	else
		describe(r, desc, sizeof(desc));
	if (r->sname)
		fprintf(f, "%c\t", r->sname);
	else
		fprintf(f, "-\t");
	fprintf(f, "%s\t%s\t%s\t%s\n", r->lname ? r->lname : "-",
	    kinds[target->arg], target->argname ? target->argname : "-",
	    desc);
}

void cli_completion_list(FILE *f)
{
	size_t i, n = table_len();
	int pass;

	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < n; i++) {
			const struct cli_option *r = &cli_options[i];

			if (r->id == CLI_OPT_COMPLETION_HELPER ||
			    (pass == 0) != (r->help != NULL))
				continue;
			completion_row(f, r);
		}
	}
}

void cli_version(FILE *f)
{
	fprintf(f,
	    "treesync version %s\n"
	    "Copy chain: copy_file_range, sendfile, read/write\n"
	    "Checksum: xxh128 (XXH3-128)\n", TS_VERSION_STRING);
}
