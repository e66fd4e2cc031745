/*
 * cli_info.c -- rsync's --info and --debug flags: their words, the levels
 * -v implies, the priorities that decide which setting wins, and the
 * --info=help / --debug=help text.
 *
 * rsync (options.c parse_output_words()) gives every flag a level and the
 * priority of whoever set it: what -v, --stats and --progress imply is
 * DEFAULT, an explicit --info or --debug is USER and always wins, in
 * whatever order the options come.  This file keeps that rule and rsync's
 * words, so "--info=name0 -v" and "-v --info=name0" both print no names.
 * Pure: no file system, no global state; output only for the help text.
 */
#include "cli.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_LEVEL 4	/* the largest N of a flagN word (rsync's) */

static const char *const info_names[TS_INFO_COUNT] = {
	"BACKUP", "COPY", "DEL", "FLIST", "MISC", "MOUNT", "NAME", "NONREG",
	"PROGRESS", "REMOVE", "SKIP", "STATS", "SYMSAFE",
};

static const char *const info_help[TS_INFO_COUNT] = {
	"Mention files backed up",
	"Mention files copied locally on the receiving side",
	"Mention deletions on the receiving side",
	"Mention file-list receiving/sending (levels 1-2)",
	"Mention miscellaneous information (levels 1-2)",
	"Mention mounts that were found or skipped",
	"Mention 1) updated file/dir names, 2) unchanged names",
	"Mention skipped non-regular files (default 1, 0 disables)",
	"Mention 1) per-file progress or 2) total transfer progress",
	"Mention files removed on the sending side",
	"Mention files skipped due to transfer overrides (levels 1-2)",
	"Mention statistics at end of run (levels 1-3)",
	"Mention symlinks that are unsafe",
};

static const char *const debug_names[TS_DEBUG_COUNT] = {
	"ACL", "BACKUP", "BIND", "CHDIR", "CONNECT", "CMD", "DEL", "DELTASUM",
	"DUP", "EXIT", "FILTER", "FLIST", "FUZZY", "GENR", "HASH", "HLINK",
	"ICONV", "IO", "NSTR", "OWN", "PROTO", "RECV", "SEND", "TIME",
};

static const char *const debug_help[TS_DEBUG_COUNT] = {
	"Debug extra ACL info",
	"Debug backup actions (levels 1-2)",
	"Debug socket bind actions",
	"Debug when the current directory changes",
	"Debug connection events (levels 1-2)",
	"Debug commands+options that are issued (levels 1-2)",
	"Debug delete actions (levels 1-3)",
	"Debug delta-transfer checksumming (levels 1-4)",
	"Debug weeding of duplicate names",
	"Debug exit events (levels 1-3)",
	"Debug filter actions (levels 1-3)",
	"Debug file-list operations (levels 1-4)",
	"Debug fuzzy scoring (levels 1-2)",
	"Debug generator functions",
	"Debug hashtable code",
	"Debug hard-link actions (levels 1-3)",
	"Debug iconv character conversions (levels 1-2)",
	"Debug I/O routines (levels 1-4)",
	"Debug negotiation strings",
	"Debug ownership changes in users & groups (levels 1-2)",
	"Debug protocol information",
	"Debug receiver functions",
	"Debug sender functions",
	"Debug setting of modified times (levels 1-2)",
};

/* What each -v adds (rsync's info_verbosity[] and debug_verbosity[]). */
static const char *const info_verbosity[] = {
	"NONREG",
	"COPY,DEL,FLIST,MISC,NAME,STATS,SYMSAFE",
	"BACKUP,MISC2,MOUNT,NAME2,REMOVE,SKIP",
};

static const char *const debug_verbosity[] = {
	NULL,
	NULL,
	"BIND,CMD,CONNECT,DEL,DELTASUM,DUP,FILTER,FLIST,ICONV",
	"ACL,BACKUP,CONNECT2,DELTASUM2,DEL2,EXIT,FILTER2,FLIST2,FUZZY,GENR,OWN,"
	"RECV,SEND,TIME",
	"CMD2,DELTASUM3,DEL3,EXIT2,FLIST3,ICONV2,OWN2,PROTO,TIME2",
	"CHDIR,DELTASUM4,FLIST4,FUZZY2,HASH,HLINK",
};

#define MAX_VERBOSITY 5	/* the last row of debug_verbosity */

/* One table: the names and the levels and priorities they set. */
struct words {
	const char *const *names;
	size_t n;
	signed char *levels;
	unsigned char *prio;
	const char *opt;	/* "--info" or "--debug" */
};

static struct words words_of(struct cli_out *o, bool debug)
{
	struct words w;

	if (debug) {
		w.names = debug_names;
		w.n = TS_DEBUG_COUNT;
		w.levels = o->debug;
		w.prio = o->dprio;
		w.opt = "--debug";
	} else {
		w.names = info_names;
		w.n = TS_INFO_COUNT;
		w.levels = o->info;
		w.prio = o->iprio;
		w.opt = "--info";
	}
	return w;
}

void cli_out_init(struct cli_out *o)
{
	memset(o, 0, sizeof(*o));
}

int cli_out_words(struct cli_out *o, bool debug, const char *str,
    int priority, char *err, size_t errlen)
{
	struct words w = words_of(o, debug);
	const char *s;

	for (; str; str = s) {
		size_t len, j;
		long lev;

		s = strchr(str, ',');
		len = s ? (size_t)(s++ - str) : strlen(str);
		if (!len)
			continue;
		/* "name2": the digits at the end are the level (a word that is
		 * all digits keeps them, and matches nothing). */
		if (!isdigit((unsigned char)*str))
			while (len && isdigit((unsigned char)str[len - 1]))
				len--;
		lev = isdigit((unsigned char)str[len]) ? atol(str + len) : 1;
		if (lev > MAX_LEVEL || lev < 0)
			lev = MAX_LEVEL;
		if (len == 4 && strncasecmp(str, "help", 4) == 0)
			return 1;
		if (len == 4 && strncasecmp(str, "none", 4) == 0)
			len = 0, lev = 0;
		else if (len == 3 && strncasecmp(str, "all", 3) == 0)
			len = 0;
		for (j = 0; j < w.n; j++) {
			if (len && (strlen(w.names[j]) != len ||
			    strncasecmp(str, w.names[j], len) != 0))
				continue;
			if (priority >= w.prio[j]) {
				w.prio[j] = (unsigned char)priority;
				w.levels[j] = (signed char)lev;
			}
			if (len)
				break;
		}
		if (len && j == w.n) {
			snprintf(err, errlen, "Unknown %s item: \"%.*s\"", w.opt,
			    (int)len, str);
			return -1;
		}
	}
	return 0;
}

void cli_out_verbosity(struct cli_out *o, int level, int priority)
{
	char err[64];
	int j;

	if (level > MAX_VERBOSITY)
		level = MAX_VERBOSITY;
	for (j = 0; j <= level; j++) {
		if (j < (int)(sizeof(info_verbosity) / sizeof(*info_verbosity)))
			cli_out_words(o, false, info_verbosity[j], priority, err,
			    sizeof(err));
		cli_out_words(o, true, debug_verbosity[j], priority, err,
		    sizeof(err));
	}
}

/* "1) COPY,DEL,...": the words one -v level adds, in table order, as
 * rsync's make_output_option() lists them. */
static void level_line(FILE *f, bool debug, int j)
{
	const char *row = debug ? debug_verbosity[j] : info_verbosity[j];
	struct cli_out o;
	struct words w;
	char err[64];
	size_t k;
	bool first = true;

	if (!row)
		return;
	cli_out_init(&o);
	w = words_of(&o, debug);
	cli_out_words(&o, debug, row, CLI_PRIO_HELP, err, sizeof(err));
	fprintf(f, "%d) ", j);
	for (k = 0; k < w.n; k++) {
		if (w.prio[k] == CLI_PRIO_DEFAULT)
			continue;
		fprintf(f, "%s%s", first ? "" : ",", w.names[k]);
		if (w.levels[k] != 1)
			fprintf(f, "%d", w.levels[k]);
		first = false;
	}
	fputc('\n', f);
}

void cli_out_help(FILE *f, bool debug)
{
	const char *const *names = debug ? debug_names : info_names;
	const char *const *help = debug ? debug_help : info_help;
	size_t n = debug ? TS_DEBUG_COUNT : TS_INFO_COUNT, i;
	const char *opt = debug ? "--debug" : "--info";
	int j, rows = debug ? MAX_VERBOSITY : 2;
	char buf[128];

	fprintf(f, "Use OPT or OPT1 for level 1 output, OPT2 for level 2, etc.; "
	    "OPT0 silences.\n\n");
	for (i = 0; i < n; i++)
		fprintf(f, "%-10s %s\n", names[i], help[i]);
	fputc('\n', f);
	snprintf(buf, sizeof(buf), "Set all %s options (e.g. all%d)", opt,
	    MAX_LEVEL);
	fprintf(f, "%-10s %s\n", "ALL", buf);
	snprintf(buf, sizeof(buf), "Silence all %s options (same as all0)", opt);
	fprintf(f, "%-10s %s\n", "NONE", buf);
	fprintf(f, "%-10s %s\n", "HELP", "Output this help message");
	fprintf(f, "\nOptions added at each level of verbosity:\n");
	for (j = 0; j <= rows; j++)
		level_line(f, debug, j);
}
