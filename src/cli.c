/*
 * cli.c -- the option parser, made from the one option table,
 * options.def: the table, the words of argv, what is decided after the
 * last option.  What each option does is in cli_actions.c; --help and
 * --completion-helper in cli_help.c.
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
 * --files-from, an explicit --info beats what -v, --stats and --progress
 * imply) is kept in a struct parse_ctx for the length of one cli_parse()
 * call: no file-scope state.
 */
#include "cli_int.h"

#include "report.h"
#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* cli_int.h */
void usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "treesync: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'treesync --help' for more information.\n");
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
bool cli_parse_long(struct parse_ctx *p, int argc, char **argv, int *i)
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
	return cli_apply(p, r->id, arg);
}

/* One "-abc" bundle, ARGV[*I]; false on an error (reported). */
bool cli_parse_shorts(struct parse_ctx *p, int argc, char **argv, int *i)
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
			if (!cli_apply(p, r->id, NULL))
				return false;
			continue;
		}
		/* The rest of the word is the argument (a leading '='
		 * skipped), else the next word. */
		arg = take_arg(r, s[1] ? s + 1 + (s[1] == '=') : NULL, argc,
		    argv, i);
		if (!arg && r->arg == CLI_ARG_REQ)
			return false;
		return cli_apply(p, r->id, arg);
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

/* Batch mode's operands and conflicts, as rsync refuses them (exit 1):
 * --read-batch takes DEST alone, and neither write option goes with it.
 * False if refused (reported). */
static bool check_batch(const struct cli *c)
{
	if (!c->read_batch)
		return true;
	if (c->batch != CLI_BATCH_NONE) {
		usage_error("%s", "--write-batch and --read-batch can not be "
		    "used together");
		return false;
	}
	if (c->noperands != 1) {
		usage_error("%s", "--read-batch takes DEST alone: the batch "
		    "file holds the source (no SRC operand)");
		return false;
	}
	if (c->opts.files_from) {
		usage_error("%s", "--files-from can not be used with "
		    "--read-batch");
		return false;
	}
	if (c->opts.list_only) {
		usage_error("%s", "--list-only can not be used with "
		    "--read-batch");
		return false;
	}
	return true;
}

/*
 * The --info and --debug levels, as rsync's options.c settles them once
 * every option is read: what -v, --stats and --progress imply is set at
 * the default priority, so an explicit --info/--debug always wins.
 * --progress names the files too unless the output already does so before
 * each copy (-i, or an --out-format without %b, %c or %C).
 */
static void finish_levels(struct parse_ctx *p)
{
	struct ts_options *o = p->o;
	struct cli_out *out = &p->out;
	char err[64];
	bool named;

	cli_out_verbosity(out, o->verbose, CLI_PRIO_DEFAULT);
	if (o->stats)
		cli_out_words(out, false, o->verbose > 1 ? "stats3" : "stats2",
		    CLI_PRIO_DEFAULT, err, sizeof(err));
	if (p->progress) {
		named = o->out_format ? !report_format_has(o->out_format, 'b') &&
		    !report_format_has(o->out_format, 'c') &&
		    !report_format_has(o->out_format, 'C') : o->itemize > 0;
		if (!named && out->info[TS_INFO_NAME] == 0)
			cli_out_words(out, false, "name", CLI_PRIO_DEFAULT, err,
			    sizeof(err));
		cli_out_words(out, false, "FLIST2,PROGRESS", CLI_PRIO_DEFAULT,
		    err, sizeof(err));
	}
	memcpy(o->info, out->info, sizeof(o->info));
	memcpy(o->debug, out->debug, sizeof(o->debug));
	o->info_levels = true;
	/* The engine's view: the live line, and whether to count for
	 * --stats. */
	o->progress = out->info[TS_INFO_PROGRESS] > 0 ?
	    (p->progress == 2 ? 2 : 1) : 0;
	o->stats = out->info[TS_INFO_STATS] >= 2;
}

/* What can only be decided once every option is in; false on an error
 * (reported). */
/* -b, --backup-dir, --suffix: rsync's checks (its messages). */
static bool finish_backup(const struct ts_options *o)
{
	const char *suffix = o->backup_suffix;

	if (suffix && strchr(suffix, '/')) {
		usage_error("--suffix cannot contain slashes: %s", suffix);
		return false;
	}
	if (!o->backup || (suffix ? *suffix : !o->backup_dir))
		return true;
	if (!o->backup_dir) {
		usage_error("%s", "--suffix cannot be empty without a "
		    "--backup-dir");
		return false;
	}
	if (!*o->backup_dir || strcmp(o->backup_dir, ".") == 0) {
		usage_error("%s", "--suffix cannot be empty when --backup-dir "
		    "is the same as the dest dir");
		return false;
	}
	return true;
}

/* --append, --append-verify: rsync's check against an explicit -W, and
 * the --inplace they imply; --write-devices implies it too. */
static bool finish_inplace(struct parse_ctx *p)
{
	struct ts_options *o = p->o;

	if (o->write_devices)
		o->inplace = true;
	if (!o->append)
		return true;
	if (p->whole_file > 0) {
		usage_error("%s", "--append cannot be used with --whole-file");
		return false;
	}
	o->inplace = true;
	return true;
}

/*
 * --partial, --partial-dir, --delay-updates: rsync's resolution.
 * --delay-updates stages in a partial dir (".~tmp~" unless one is
 * given); --partial takes $RSYNC_PARTIAL_DIR when no dir is given; a dir
 * "" or "." is none; a partial dir implies --partial.
 */
static bool finish_partial(struct ts_options *o)
{
	const char *env;

	if (o->delay_updates && !o->partial_dir)
		o->partial_dir = TS_PARTIAL_DIR_DEFAULT;
	if (o->inplace) {
		/* rsync: no partial dir with it, and no partial to keep (the
		 * file is written in place). */
		if (o->partial_dir) {
			usage_error("--%s cannot be used with --%s",
			    o->append ? "append" : "inplace",
			    o->delay_updates ? "delay-updates" : "partial-dir");
			return false;
		}
		o->partial = false;
		return true;
	}
	if (o->partial && !o->partial_dir &&
	    (env = getenv("RSYNC_PARTIAL_DIR")) && *env)
		o->partial_dir = env;
	if (o->partial_dir && (!*o->partial_dir ||
	    strcmp(o->partial_dir, ".") == 0))
		o->partial_dir = NULL;
	if (o->partial_dir)
		o->partial = true;
	return true;
}

/* --confine-root: rsync's checks, before any operator path is opened
 * (batch files are, before the run); oppath_how_of() reads the root. */
static bool finish_confine(const struct ts_options *o)
{
	if (!o->confine_root)
		return true;
	if (o->confine_root[0] != '/') {
		usage_error("%s", "--confine-root must be an absolute path");
		return false;
	}
	/* rsync: the opt-out skips the walk that enforces the root. */
	if (o->insecure_links) {
		usage_error("%s", "--insecure-links cannot be combined with "
		    "--confine-root");
		return false;
	}
	return true;
}

static bool finish(struct parse_ctx *p)
{
	struct ts_options *o = p->o;

	if (o->files_from && !p->explicit_r)
		o->recursive = false;	/* -a's -r is not implied */
	if (p->old_dirs) {
		/* rsync's -d for a remote rsync older than 2.6.9: a
		 * recursion that leaves out everything below the top
		 * level, with a rule after every other one. */
		o->recursive = true;
		cli_apply(p, CLI_OPT_EXCLUDE, "/*/*");
	}
	finish_levels(p);
	if (p->drop_d)
		o->devices = o->specials = false;
	if (!finish_confine(o))
		return false;
	/* rsync's default --iconv. */
	if (!p->iconv_given && getenv("RSYNC_ICONV") && *getenv("RSYNC_ICONV"))
		o->iconv = getenv("RSYNC_ICONV");
	/* rsync: 0 (or --no-contimeout) passes, another value is an error
	 * without a daemon to connect to. */
	if (p->contimeout) {
		usage_error("%s", "the --contimeout option may only be used "
		    "when connecting to an rsync daemon");
		return false;
	}
	if (o->lock_wait && !o->lock_file) {
		usage_error("%s", "--lock-wait needs --lock");
		return false;
	}
	if (o->size_only && o->checksum) {
		usage_error("%s", "--size-only and --checksum conflict");
		return false;
	}
	/* rsync: a deletion needs listed directories (--files-from and
	 * --list-only imply -d there). */
	if (o->del && !o->recursive && !o->dirs && !o->files_from &&
	    !o->list_only) {
		usage_error("%s", "--delete does not work without --recursive "
		    "(-r) or --dirs (-d).");
		return false;
	}
	if (p->del_before + p->del_after + (p->del_during > 0) > 1) {
		usage_error("%s", "You may not combine multiple --delete-WHEN "
		    "options.");
		return false;
	}
	/* rsync's default is during; -y's basis may then be gone. */
	o->delete_late = p->del_after || p->del_during == 2;
	return finish_backup(o) && finish_inplace(p) && finish_partial(o);
}

enum cli_action cli_parse(int argc, char **argv, struct cli *c)
{
	struct parse_ctx p = { .done = CLI_RUN, .c = c };
	bool posix = getenv("POSIXLY_CORRECT") || getenv("POSIX_ME_HARDER");
	bool rest = false;
	int i;

	memset(c, 0, sizeof(*c));
	c->code = TS_EXIT_SYNTAX;
	ts_options_init(&c->opts);
	cli_out_init(&p.out);
	p.o = &c->opts;
	if (argc == 2 && strcmp(argv[1], "-h") == 0)
		return CLI_HELP;	/* rsync: -h alone is --help */
	c->operands = xcalloc(argc > 0 ? (size_t)argc : 1,
	    sizeof(*c->operands));
	c->operand_argi = xcalloc(argc > 0 ? (size_t)argc : 1,
	    sizeof(*c->operand_argi));
	c->argc = argc;
	c->argv = argv;
	for (i = 1; i < argc && p.done == CLI_RUN; i++) {
		const char *a = argv[i];
		int first = i;
		bool ok;

		if (rest || a[0] != '-' || a[1] == '\0') {
			c->operand_argi[c->noperands] = i;
			c->operands[c->noperands++] = a;
			rest = rest || posix;
			continue;
		}
		if (strcmp(a, "--") == 0) {
			rest = true;
			continue;
		}
		if (a[1] == '-')
			ok = cli_parse_long(&p, argc, argv, &i);
		else
			ok = cli_parse_shorts(&p, argc, argv, &i);
		if (!ok)
			return CLI_ERROR;
		if (p.batch_seen) {
			c->batch_argi = first;
			c->batch_nwords = i - first + 1;
			p.batch_seen = false;
		}
	}
	if (p.done != CLI_RUN)
		return p.done;
	if (p.version)
		return p.version > 1 ? CLI_VERSION_JSON : CLI_VERSION;
	if (c->noperands == 0) {
		usage_error("%s", "missing source and destination operands");
		return CLI_ERROR;
	}
	if (!finish(&p) || !check_local(c) || !check_operands(c) ||
	    !check_batch(c))
		return CLI_ERROR;
	c->opts.srcs = c->operands;
	if (c->read_batch) {
		/* The sources are the batch's (batch.c sets them). */
		c->opts.nsrcs = 0;
		c->opts.dest = c->operands[0];
		return CLI_RUN;
	}
	/* rsync: one operand is a source to list. */
	if (c->noperands == 1) {
		c->opts.list_only = true;
		c->opts.nsrcs = 1;
		c->opts.dest = NULL;
		return CLI_RUN;
	}
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
	free(c->operand_argi);
	c->operand_argi = NULL;
	while (c->nwords > 0)
		free(c->words[--c->nwords]);
	free(c->words);
	c->words = NULL;
}

