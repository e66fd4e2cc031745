/*
 * cli.h -- argv to an immutable struct ts_options, with rsync's option
 * names and meanings.  One option table, src/options.def, drives the
 * parser, --help and --completion-helper (from which the completions are
 * generated and the man page is checked).  Never touches the file system
 * and never exits: main.c does.
 *
 *	struct cli c;
 *
 *	switch (cli_parse(argc, argv, &c)) {
 *	case CLI_RUN: ... ts_sync(&c.opts, &st) ...; break;
 *	case CLI_HELP: cli_help(stdout); break;
 *	...
 *	}
 *	cli_free(&c);
 */
#ifndef TS_CLI_H
#define TS_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include <treesync/treesync.h>

enum cli_action {
	CLI_RUN,
	CLI_HELP,
	CLI_VERSION,
	CLI_VERSION_JSON,	/* -VV: cli_version_json() */
	CLI_INFO_HELP,	/* --info=help: cli_out_help(f, false) */
	CLI_DEBUG_HELP,	/* --debug=help: cli_out_help(f, true) */
	CLI_COMPLETION,	/* --completion-helper: cli_completion_list() */
	CLI_ERROR,	/* message printed; exit with struct cli's code */
};

/* --write-batch, --only-write-batch (the last given wins, as rsync's). */
enum cli_batch {
	CLI_BATCH_NONE,
	CLI_BATCH_WRITE,	/* the run is made and recorded */
	CLI_BATCH_ONLY_WRITE,	/* recorded only: DEST is not touched */
};

struct cli {
	struct ts_options opts;
	int code;		/* CLI_ERROR: the exit code (rsync's: 1 for
				 * usage, 2 for --protocol, 4 for an unknown
				 * algorithm name) */
	const char **operands;	/* owned array of argv pointers */
	size_t noperands;
	struct ts_filter *filters;	/* owned; opts.filters points here */
	const char **chmods;	/* owned array of argv pointers */
	char **words;		/* owned: -M options, parsed as options */
	const char *alt_dirs[TS_MAX_ALT_DEST];	/* --link-dest... (argv) */
	const char *copy_as;	/* --copy-as=USER[:GROUP] (argv), or NULL:
				 * cli_main() becomes it before the run */
	size_t nwords;
	/* Batch mode (batch.c).  The replay script is made from argv: the
	 * write option's words and the operands are found by their index. */
	enum cli_batch batch;
	const char *batch_file;	/* the write side's FILE */
	const char *read_batch;	/* --read-batch=FILE ("-": stdin), or NULL */
	int batch_argi;		/* argv index of the write option's word */
	int batch_nwords;	/* 1 (--write-batch=F) or 2 (--write-batch F) */
	int argc;
	char **argv;		/* as given to cli_parse() */
	int *operand_argi;	/* owned: the argv index of each operand */
};

/* The ids of the options, CLI_OPT_<ID> for each OPT row of options.def. */
enum cli_opt_id {
#define OPT(id, s, l, a, an, h, act) CLI_OPT_##id,
#define ALIAS(id, l)
#include "options.def"
#undef OPT
#undef ALIAS
	CLI_OPT_COUNT
};

enum cli_arg {
	CLI_ARG_NONE,
	CLI_ARG_REQ,	/* --opt=V, --opt V, -xV, -x=V, -x V */
	CLI_ARG_OPT,	/* --opt or --opt=V only */
};

/* One row of the option table: an option, or an alias (another long name
 * for the option with the same id). */
struct cli_option {
	const char *lname;	/* long name without "--", or NULL */
	int sname;		/* short letter, or 0 */
	enum cli_arg arg;
	enum cli_opt_id id;
	bool alias;		/* an ALIAS row: the option is the OPT row of id */
	const char *argname;	/* for --help: "FILE" etc., or NULL */
	const char *help;	/* NULL: accepted but not listed */
};

/* The table in options.def order, terminated by a row with lname == NULL
 * and sname == 0. */
extern const struct cli_option cli_options[];

/*
 * Parses ARGV into *C: options by their exact names (no abbreviations),
 * bundled short options, "--", operands anywhere (the first one ends the
 * options if POSIXLY_CORRECT is set), as rsync's popt does; operands that
 * rsync would take as remote are refused.  Prints usage errors on stderr
 * (naming the argument, with a "--help" hint).  Returns what main should
 * do.  Not thread-safe (the environment, getpwnam for --chown).
 * cli_free() releases *C in every case.
 */
enum cli_action cli_parse(int argc, char **argv, struct cli *c);

void cli_free(struct cli *c);

/*
 * Whether rsync would take OPERAND as remote (HOST:PATH, [USER@]HOST::MOD,
 * rsync://HOST/MOD): rsync's check_for_hostspec().  A colon before the
 * first slash makes it remote, unless the host part holds a '[' that does
 * not open a well-formed IPv6 literal at its start ("a[1]:b" is local);
 * so "./host:x", "/a:b" and "a/b:c" are local, ":x" is remote.  Pure.
 */
bool cli_is_remote(const char *operand);

/*
 * --usermap/--groupmap=S (USERS: which): the syntax checked (idmap.c),
 * O's map set, -o or -g implied; rsync's errors for a second map or one
 * after --chown.  False with the message in ERR.
 */
bool cli_parse_idmap(const char *s, bool users, struct ts_options *o,
    char *err, size_t errlen);

/* cli_values.c: option values as rsync reads them.  False on a bad value
 * (nothing reported but *ERR for --chown). */
bool cli_parse_int(const char *s, long lo, long hi, int *out);
bool cli_parse_size(const char *s, uint64_t *out);
bool cli_parse_chown(const char *s, struct ts_options *o, char *err,
    size_t errlen);
bool cli_parse_max_delete(const char *s, struct ts_options *o);
bool cli_parse_copy_method(const char *s, enum ts_copy_method *m);

/* The table's rows (the end marker not counted), and the row of ID. */
size_t cli_table_len(void);
const struct cli_option *cli_row_of(enum cli_opt_id id);

/* Prints the help text generated from the table. */
void cli_help(FILE *f);

/*
 * --completion-helper: one line per option name, tab-separated:
 *	SHORT LONG KIND ARGNAME DESCRIPTION
 * KIND is none, req or opt; an empty field is "-".  Listed options first
 * (--help order), then the accepted aliases and --no-OPTION forms.
 */
void cli_completion_list(FILE *f);

/* Prints the version and the build's capabilities, in rsync's layout. */
void cli_version(FILE *f);

/* -VV: the same as rsync's JSON capability document. */
void cli_version_json(FILE *f);

/*
 * cli_info.c: rsync's --info and --debug words.  Levels are set with a
 * priority, and a setting of lower priority never overrides one of higher
 * priority: what -v, --stats and --progress imply (DEFAULT) never beats an
 * explicit --info/--debug (USER), whatever the order on the command line.
 */
enum cli_prio { CLI_PRIO_DEFAULT, CLI_PRIO_HELP, CLI_PRIO_USER };

struct cli_out {
	signed char info[TS_INFO_COUNT], debug[TS_DEBUG_COUNT];
	unsigned char iprio[TS_INFO_COUNT], dprio[TS_DEBUG_COUNT];
};

void cli_out_init(struct cli_out *o);

/* Applies the words of STR ("name2,progress0", "all", "none") to the
 * --debug (DEBUG) or --info levels of O at PRIORITY.  Returns 0, 1 if a
 * word is "help" (the rest is not applied), or -1 with *ERR set for an
 * unknown word (rsync's message).  Pure. */
int cli_out_words(struct cli_out *o, bool debug, const char *str,
    int priority, char *err, size_t errlen);

/* What LEVEL -v options imply (rsync's set_output_verbosity()). */
void cli_out_verbosity(struct cli_out *o, int level, int priority);

/* rsync's --info=help or (DEBUG) --debug=help text. */
void cli_out_help(FILE *f, bool debug);

/* cli_values.c: rsync's parse_size_arg() (--max-alloc, --bwlimit): the
 * size in bytes, DEF the unit when none is written ('B', 'K', ...), at
 * least MIN or 0; or -1 with rsync's message (naming --NAME) in ERR. */
long long cli_parse_size_arg(const char *s, char def, const char *name,
    long long min, char *err, size_t errlen);
/* The same with rsync's MAX (-1: none): over it, "is too large (max: M)". */
long long cli_parse_size_max(const char *s, char def, const char *name,
    long long min, long long max, char *err, size_t errlen);

/* rsync's --stop-at times ("y-m-dTh:m", "h:m", "m-dT", ...), resolved
 * against NOW in local time: the next such moment, or (time_t)-1. */
time_t cli_parse_stop_at(const char *s, time_t now);

#endif /* TS_CLI_H */
