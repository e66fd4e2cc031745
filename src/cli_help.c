/*
 * cli_help.c -- what the option table says about itself: --help,
 * --completion-helper (for completion generators and the checks of the
 * man page), --version.
 */
#include "cli.h"

#include <stdio.h>
#include <string.h>

#ifndef TS_VERSION_STRING
#define TS_VERSION_STRING "unknown"
#endif

void cli_help(FILE *f)
{
	size_t i, n = cli_table_len();

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
	const struct cli_option *target = r->alias ? cli_row_of(r->id) : r;
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
	const struct cli_option *target = r->alias ? cli_row_of(r->id) : r;
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
	size_t i, n = cli_table_len();
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
