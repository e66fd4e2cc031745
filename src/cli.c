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

size_t cli_table_len(void)
{
	size_t n = 0;

	while (cli_options[n].lname || cli_options[n].sname)
		n++;
	return n;
}

/* The OPT row of ID (never an alias). */
const struct cli_option *cli_row_of(enum cli_opt_id id)
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
			return r->alias ? cli_row_of(r->id) : r;
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
		if (cli_parse_int(arg, INT_MIN, INT_MAX, &p->o->modify_window))
			return true;
		usage_error("invalid --modify-window value '%s'", arg);
		return false;
	case CLI_OPT_JOBS:
		if (cli_parse_int(arg, 1, 1024, &p->o->jobs))
			return true;
		usage_error("invalid --jobs value '%s' (1..1024)", arg);
		return false;
	case CLI_OPT_LOCK_WAIT:
		if (cli_parse_int(arg, 0, 86400 * 7, &p->o->lock_wait))
			return true;
		usage_error("invalid --lock-wait value '%s'", arg);
		return false;
	case CLI_OPT_TIMEOUT:
		if (cli_parse_int(arg, 0, INT_MAX, &p->o->timeout))
			return true;
		usage_error("invalid --timeout value '%s'", arg);
		return false;
	case CLI_OPT_CONTIMEOUT:
		/* A daemon connection's: nothing to wait for locally (rsync
		 * takes and ignores it likewise). */
		return cli_parse_int(arg, 0, INT_MAX, &(int){ 0 }) ||
		    (usage_error("invalid --contimeout value '%s'", arg), false);
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
	char err[320];

	(void)id;
	if (cli_parse_chown(arg, p->o, err, sizeof(err)))
		return true;
	usage_error("%s", err);
	return false;
}

static bool opt_size(struct parse_ctx *p, enum cli_opt_id id,
    const char *arg)
{
	uint64_t v;

	if (!cli_parse_size(arg, &v)) {
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
	if (!cli_parse_max_delete(arg, p->o)) {
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
	if (!cli_parse_copy_method(arg, &p->o->copy_method)) {
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

