/*
 * cli_main.h -- the command-line program around the engine: parse, run,
 * map signals to a cancel.  main.c is it; treesync-mpi (src/mpi/) is it
 * with a run that is one rank of several.
 */
#ifndef TS_CLI_MAIN_H
#define TS_CLI_MAIN_H

#include <stdbool.h>

#include <treesync/treesync.h>

struct cli_main_ops {
	void *arg;
	/* The run's host (NULL: output to fds 1 and 2). */
	const struct ts_host *host;
	/* Called once the command line is parsed (whatever it asked), or
	 * NULL. */
	void (*parsed)(void *arg);
	/* Called with the parsed options before the run is made, or NULL. */
	void (*options)(void *arg, struct ts_options *o);
	/* Called once the options are parsed and the run made, before it
	 * runs; non-zero: exit with that code without running it. */
	int (*prepare)(void *arg, struct ts_run *run);
	/* The run is one rank of several: batch mode, whose file one
	 * process writes or reads, is refused (exit 1). */
	bool spread;
	/* A rank other than 0: such a refusal is rank 0's to say. */
	bool quiet_refusal;
};

/* Parses ARGV, runs what it asks for; the process's exit code.  OPS may
 * be NULL (treesync). */
int cli_main(int argc, char **argv, const struct cli_main_ops *ops);

#endif /* TS_CLI_MAIN_H */
