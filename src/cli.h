/*
 * cli.h -- argv to an immutable struct ts_options, with rsync's option
 * names and meanings.  One option table drives parsing and --help (and is
 * what the completions are checked against).  Never touches the file
 * system and never exits: main.c does.
 */
#ifndef TS_CLI_H
#define TS_CLI_H

#include <stdio.h>

#include <treesync/treesync.h>

enum cli_action {
	CLI_RUN,
	CLI_HELP,
	CLI_VERSION,
	CLI_ERROR,	/* message printed; exit TS_EXIT_SYNTAX */
};

struct cli {
	struct ts_options opts;
	const char **operands;	/* owned array of argv pointers */
	size_t noperands;
};

/* One row of the option table. */
struct cli_option {
	const char *lname;	/* long name without "--", or NULL */
	int sname;		/* short letter, or 0 */
	int has_arg;		/* getopt_long's no/required_argument */
	int id;
	const char *argname;	/* for --help: "=NUM" etc., or NULL */
	const char *help;	/* NULL: accepted but not listed */
};

/* The table, terminated by a row with lname == NULL and sname == 0. */
extern const struct cli_option cli_options[];

/*
 * Parses ARGV into *C.  Prints usage errors on stderr (naming the option,
 * with a "--help" hint).  Returns what main should do.  Not thread-safe
 * (getopt).  cli_free() releases *C in every case.
 */
enum cli_action cli_parse(int argc, char **argv, struct cli *c);

void cli_free(struct cli *c);

/* Prints the help text generated from the table. */
void cli_help(FILE *f);

/* Prints the version and the build's capabilities. */
void cli_version(FILE *f);

#endif /* TS_CLI_H */
