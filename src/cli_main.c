/*
 * cli_main.c -- the command-line program: parse the command line, run the
 * engine, map signals to a cancel, return the exit code (see cli_main.h).
 */
#include "cli_main.h"

#include "batch.h"
#include "cli.h"
#include "util.h"

#include <langinfo.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
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

/* rsync's user_to_uid()/group_to_gid(): all digits is a number, anything
 * else a name looked up. */
static bool all_digits(const char *s)
{
	return *s && strspn(s, "0123456789") == strlen(s);
}

static bool copy_as_uid(const char *name, uid_t *uid)
{
	struct passwd *pw;

	if (all_digits(name)) {
		*uid = (uid_t)strtoul(name, NULL, 10);
		return true;
	}
	if (!(pw = getpwnam(name)))
		return false;
	*uid = pw->pw_uid;
	return true;
}

static bool copy_as_gid(const char *name, gid_t *gid)
{
	struct group *gr;

	if (all_digits(name)) {
		*gid = (gid_t)strtoul(name, NULL, 10);
		return true;
	}
	if (!(gr = getgrnam(name)))
		return false;
	*gid = gr->gr_gid;
	return true;
}

/*
 * --copy-as=USER[:GROUP]: the whole process becomes USER before the run
 * (before any thread, any file opened), as rsync's local copy does on
 * both of its sides: reading the source and writing DEST are USER's, with
 * GROUP (or USER's primary group and, for a name, its other groups) and
 * no privileges left.  Only root can; as rsync, a name that is not known
 * or a set*id() that fails is a usage error (exit 1), said once.
 * Returns 0 or the exit code.
 */
static int become_copy_as(const char *spec)
{
	const char *colon = strchr(spec, ':');
	char *user = colon ? strndup(spec, (size_t)(colon - spec)) :
	    strdup(spec);
	const char *what = NULL;
	struct passwd *pw;
	uid_t uid;
	gid_t gid;
	int e = 0;

	if (!user)
		return TS_EXIT_SYNTAX;
	if (!copy_as_uid(user, &uid)) {
		fprintf(stderr, "treesync: Invalid copy-as user: %s\n", user);
		free(user);
		return TS_EXIT_SYNTAX;
	}
	if (colon && !copy_as_gid(colon + 1, &gid)) {
		fprintf(stderr, "treesync: Invalid copy-as group: %s\n",
		    colon + 1);
		free(user);
		return TS_EXIT_SYNTAX;
	}
	if (!colon) {
		errno = 0;
		if (!(pw = getpwuid(uid))) {
			e = errno ? errno : ENOENT;
			what = "getpwuid";
			goto out;
		}
		gid = pw->pw_gid;
	}
	/* Groups first: once USER, setgid() is no longer allowed. */
	if (setgid(gid) < 0)
		what = "setgid";
	else if (setgroups(1, &gid) < 0)
		what = "setgroups";
	else if (!colon && initgroups(user, gid) < 0)
		what = "initgroups";
	else if (setuid(uid) < 0 || seteuid(uid) < 0)
		what = "setuid";
	if (what)
		e = errno;
out:
	free(user);
	if (!what)
		return 0;
	fprintf(stderr, "treesync: %s failed: %s (%d)\n", what, strerror(e), e);
	return TS_EXIT_SYNTAX;
}

/* Batch mode before the run: --write-batch's recording hooked into HOST
 * (*REC), or --read-batch's staging tree read and C's options pointed at
 * it (*RP); refused on one rank of several (SPREAD 1: said here, 2: by
 * rank 0).  0, or the exit code (reported). */
static int batch_begin(struct cli *c, int spread, struct ts_host *host,
    struct batch_rec **rec, struct batch_replay *rp)
{
	int code = 0;

	if (spread && (c->batch != CLI_BATCH_NONE || c->read_batch)) {
		if (spread == 1)
			fprintf(stderr, "treesync: batch mode (--write-batch, "
			    "--only-write-batch, --read-batch) runs on one "
			    "rank\n");
		return TS_EXIT_SYNTAX;
	}
	if (c->batch != CLI_BATCH_NONE)
		*rec = batch_rec_new(c, host, &code);
	else if (c->read_batch)
		code = batch_replay_prepare(c, rp);
	return code;
}

/* What a command line that runs nothing asked for (--help, --version,
 * -VV, --info=help, --debug=help, --completion-helper), on stdout. */
static void print_one_shot(enum cli_action act)
{
	switch (act) {
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
	case CLI_RUN:
	case CLI_ERROR:
		break;
	}
}

int cli_main(int argc, char **argv, const struct cli_main_ops *ops)
{
	struct cli c;
	struct ts_stats st;
	struct ts_run *run;
	struct ts_host host = { 0 };
	struct batch_rec *rec = NULL;
	struct batch_replay rp = { 0 };
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
	if (act != CLI_RUN) {
		print_one_shot(act);
		/* What the command line asked for is printed, or its error. */
		code = act == CLI_ERROR ? c.code : TS_EXIT_OK;
		cli_free(&c);
		return code;
	}
	raise_nofile();
	if (c.copy_as && (code = become_copy_as(c.copy_as)) != 0) {
		cli_free(&c);
		return code;
	}
	if (ops && ops->options)
		ops->options(ops->arg, &c.opts);
	if (ops && ops->host)
		host = *ops->host;
	code = batch_begin(&c, ops ? ops->spread + ops->quiet_refusal : 0,
	    &host, &rec, &rp);
	if (code) {
		batch_replay_release(&rp);
		cli_free(&c);
		return code;
	}
	run = ts_run_new(&c.opts, &host);
	current = run;
	install_signals();
	code = ops && ops->prepare ? ops->prepare(ops->arg, run) : 0;
	if (!code)
		code = ts_run_exec(run, &st);
	current = NULL;
	ts_run_free(run);
	if (rec)
		code = batch_rec_finish(rec, code);
	batch_replay_release(&rp);
	cli_free(&c);
	return code;
}
