/*
 * cli_int.h -- what cli.c (the parser) and cli_actions.c (what each
 * option does) share: the state of one cli_parse() call, and the calls
 * between them.  Nothing else includes it.
 */
#ifndef TS_CLI_INT_H
#define TS_CLI_INT_H

#include "cli.h"

#include <stdbool.h>

/* State of one cli_parse() call beyond struct ts_options. */
struct parse_ctx {
	struct ts_options *o;
	enum cli_action done;	/* CLI_RUN, or what ends the parse */
	bool iconv_given;	/* --iconv or --no-iconv: RSYNC_ICONV unused */
	bool explicit_r;	/* -r itself, not only through -a: with
				 * --files-from, -a does not imply -r (rsync) */
	bool old_dirs;		/* --old-dirs, not undone by -d/--no-d */
	struct cli *c;		/* where filters and --chmod values go */
	int progress;		/* --progress (1, =always 2), -P, --no-progress */
	int version;		/* -V count */
	int contimeout;		/* --contimeout, --no-contimeout */
	bool remote;		/* parsing an -M option: the receiving side's */
	/* rsync's --delete-WHEN: before, during (1) or delay (2), after. */
	bool del_before, del_after;
	int del_during;
	struct cli_out out;	/* --info and --debug levels, with priorities */
	int whole_file;		/* -W 1, --no-W -1, neither 0 */
	bool drop_d;		/* --drop-D: no devices or specials, whatever
				 * -D, --devices or --specials say */
	bool batch_seen;	/* a write-batch option in the word just read */
};

/* "treesync: " FMT, then "Try 'treesync --help'" on stderr: an option
 * error (exit 1).  Not thread-safe (the parse runs before any thread). */
__attribute__((format(printf, 1, 2)))
void usage_error(const char *fmt, ...);

/*
 * Applies option ID with its argument ARG (NULL if none): the ACTION
 * column of options.def (cli_actions.c).  False on a bad argument
 * (reported).
 */
bool cli_apply(struct parse_ctx *p, enum cli_opt_id id, const char *arg);

/* One long option or one bundle of short options, argv[*I] (cli.c;
 * -M's word is parsed as an option of its own).  False on an error
 * (reported). */
bool cli_parse_long(struct parse_ctx *p, int argc, char **argv, int *i);
bool cli_parse_shorts(struct parse_ctx *p, int argc, char **argv, int *i);

#endif /* TS_CLI_INT_H */
