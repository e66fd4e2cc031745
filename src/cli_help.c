/*
 * cli_help.c -- what the option table says about itself: --help,
 * --completion-helper (for completion generators and the checks of the
 * man page); and --version and -VV, in rsync's layouts.
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

/*
 * What this build can do, in rsync's words (rsync --version and -VV):
 * each capability is what treesync does, not what rsync does -- a
 * wrapper that probes "xattrs" or "stop_at" must be told the truth.
 */
static const struct {
	const char *json, *text;	/* text: NULL when the same */
	bool on;
} caps[] = {
	{ "file_bits", "64-bit files", true },
	{ "inum_bits", "64-bit inums", true },
	{ "timestamp_bits", "64-bit timestamps", true },
	{ "long_int_bits", "64-bit long ints", true },
	{ "socketpairs", NULL, false },		/* no protocol stream */
	{ "symlinks", NULL, true },
	{ "symtimes", NULL, true },
	{ "hardlinks", NULL, true },
	{ "hardlink_specials", "hardlink-specials", true },
	{ "hardlink_symlinks", "hardlink-symlinks", true },
	{ "IPv6", NULL, false },		/* no network */
	{ "atimes", NULL, true },		/* -U */
	{ "batchfiles", NULL, true },		/* batch.c (its own format) */
	{ "inplace", NULL, true },		/* --inplace (inplace.c) */
	{ "append", NULL, true },
	{ "ACLs", NULL, true },
	{ "ACL_at", "ACL-at", true },		/* through fds, never paths */
	{ "xattrs", NULL, true },
	{ "secluded_args", "secluded-args", true },	/* -s: accepted */
	{ "iconv", NULL, true },		/* --iconv (nameconv.c) */
	{ "prealloc", NULL, true },		/* --preallocate */
	{ "stop_at", "stop-at", true },
	{ "crtimes", NULL, false },
};

/* treesync's own in place of rsync's delta-transfer optimizations. */
static const struct {
	const char *json, *text;
} optims[] = {
	{ "copy_file_range", "copy_file_range" },
	{ "sendfile", "sendfile" },
	{ "read_write", "read/write" },
	{ "reflink", "reflink" },
};

/* rsync's -VV numbers are bits for the first four entries. */
static bool is_bits(size_t i)
{
	return i < 4;
}

void cli_version(FILE *f)
{
	size_t i, col = 4;

	fprintf(f, "treesync  version %s  protocol version 32\n"
	    "Copyright (C) 2026 the treesync developers.\n"
	    "Options and output follow rsync 3.5.0 (protocol 32); local "
	    "copies only.\n"
	    "Capabilities:\n    ", TS_VERSION_STRING);
	for (i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		char item[64];
		int n;

		n = snprintf(item, sizeof(item), "%s%s%s",
		    caps[i].on || is_bits(i) ? "" : "no ",
		    caps[i].text ? caps[i].text : caps[i].json,
		    i + 1 < sizeof(caps) / sizeof(caps[0]) ? "," : "");
		if (col > 4 && col + 1 + (size_t)n > 75) {
			fprintf(f, "\n    ");
			col = 4;
		} else if (col > 4) {
			fputc(' ', f);
			col++;
		}
		fputs(item, f);
		col += (size_t)n;
	}
	fprintf(f, "\nOptimizations:\n    ");
	for (i = 0; i < sizeof(optims) / sizeof(optims[0]); i++)
		fprintf(f, "%s%s", i ? ", " : "", optims[i].text);
	fprintf(f, "\nChecksum list:\n    xxh128\n"
	    "Compress list:\n    none\n"
	    "\ntreesync comes with ABSOLUTELY NO WARRANTY.  This is free "
	    "software under the\nMIT License; see its LICENSE file for "
	    "details.\n");
}

void cli_version_json(FILE *f)
{
	size_t i, n = sizeof(caps) / sizeof(caps[0]);

	fprintf(f, "{\n  \"program\": \"treesync\",\n"
	    "  \"version\": \"%s\",\n"
	    "  \"protocol\": \"32.0\",\n"
	    "  \"copyright\": \"(C) 2026 the treesync developers.\",\n"
	    "  \"url\": \"\",\n"
	    "  \"capabilities\": {", TS_VERSION_STRING);
	for (i = 0; i < n; i++) {
		fprintf(f, "%s\"%s\": ", i % 4 ? " " : "\n    ", caps[i].json);
		if (is_bits(i))
			fprintf(f, "64");
		else
			fprintf(f, "%s", caps[i].on ? "true" : "false");
		fprintf(f, "%s", i + 1 < n ? "," : "\n  },\n");
	}
	fprintf(f, "  \"optimizations\": {\n    ");
	for (i = 0; i < sizeof(optims) / sizeof(optims[0]); i++)
		fprintf(f, "%s\"%s\": true", i ? ", " : "", optims[i].json);
	fprintf(f, "\n  },\n"
	    "  \"checksum_list\": [\n    \"xxh128\"\n  ],\n"
	    "  \"compress_list\": [\n    \"none\"\n  ],\n"
	    "  \"daemon_auth_list\": [],\n"
	    "  \"license\": \"MIT\",\n"
	    "  \"caveat\": \"treesync comes with ABSOLUTELY NO WARRANTY\"\n"
	    "}\n");
}
