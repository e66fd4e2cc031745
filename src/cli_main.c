/*
 * cli_main.c -- the command-line program: parse the command line, run the
 * engine, map signals to a cancel, return the exit code (see cli_main.h).
 */
#include "cli_main.h"

#include "cli.h"
#include "util.h"

#include <langinfo.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>
#include <locale.h>
#include <malloc.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>

/* The run the signal handler stops; set before any signal can matter. */
static struct ts_run *volatile current;
static volatile sig_atomic_t signals;

/*
 * SIGINT, SIGTERM, SIGHUP: the first stops the run cleanly (exit 20, one
 * summary line, no temp left); a second ends the process at once, still
 * removing the temps in flight.
 */
static void on_signal(int sig)
{
	static const char msg[] = "treesync: second signal: stopping now\n";

	if (signals++) {
		ts_run_remove_temps(current);
		if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0)
			_exit(TS_EXIT_SIGNAL);
		_exit(TS_EXIT_SIGNAL);
	}
	ts_run_cancel(current, sig);
}

static void install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	/* A closed stdout is an error to report, not a reason to die. */
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

/* Raises RLIMIT_NOFILE's soft limit to the hard one: many directories and
 * files are open at once. */
static void raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int cli_main(int argc, char **argv, const struct cli_main_ops *ops)
{
	struct cli c;
	struct ts_stats st;
	struct ts_run *run;
	enum cli_action act;
	int code;

	/* Workers allocate little (and small sizes come from per-thread
	 * caches), so one malloc arena costs no speed and keeps the peak RSS
	 * flat however many threads run: 500k files 3.4 MiB (4.3 MiB with
	 * two arenas), 50k files 2.4 MiB. */
	mallopt(M_ARENA_MAX, 1);

	/* Names print raw only where the locale can show them (as rsync). */
	setlocale(LC_CTYPE, "");
	util_set_utf8(strcmp(nl_langinfo(CODESET), "UTF-8") == 0);
	act = cli_parse(argc, argv, &c);
	if (ops && ops->parsed)
		ops->parsed(ops->arg);
	switch (act) {
	case CLI_RUN:
		break;
	case CLI_HELP:
		cli_help(stdout);
		break;
	case CLI_VERSION:
		cli_version(stdout);
		break;
	case CLI_VERSION_JSON:
		cli_version_json(stdout);
		break;
	case CLI_INFO_HELP:
	case CLI_DEBUG_HELP:
		cli_out_help(stdout, act == CLI_DEBUG_HELP);
		break;
	case CLI_COMPLETION:
		cli_completion_list(stdout);
		break;
	case CLI_ERROR:
		break;
	}
	if (act != CLI_RUN) {
		/* What the command line asked for is printed, or its error. */
		code = act == CLI_ERROR ? c.code : TS_EXIT_OK;
		cli_free(&c);
		return code;
	}
	raise_nofile();
	if (ops && ops->options)
		ops->options(ops->arg, &c.opts);
	run = ts_run_new(&c.opts, ops ? ops->host : NULL);
	current = run;
	install_signals();
	code = ops && ops->prepare ? ops->prepare(ops->arg, run) : 0;
	if (!code)
		code = ts_run_exec(run, &st);
	current = NULL;
	ts_run_free(run);
	cli_free(&c);
	return code;
}
