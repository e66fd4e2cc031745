/*
 * cli_values.c -- the values options take, as rsync reads them: numbers,
 * sizes with units, USER:GROUP, --max-delete's NUM[%], a copy method; and
 * rsync's rule for what names a remote operand.
 *
 * Pure: no file system, no output (the caller says what was wrong).
 */
#include "cli.h"

#include "copy.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool cli_parse_int(const char *s, long lo, long hi, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return false;
	*out = (int)v;
	return true;
}

/*
 * rsync's sizes: a number (fractions allowed) with an optional suffix
 * K/M/G/T/P (powers of 1024; "KiB" too) or KB/MB/... (powers of 1000),
 * then an optional "+1" or "-1".
 */
bool cli_parse_size(const char *s, uint64_t *out)
{
	static const char units[] = "bkmgtp";
	char *end;
	double v = strtod(s, &end), mult = 1;
	const char *u;
	int adjust = 0;

	if (end == s || v < 0)
		return false;
	if (*end && (u = strchr(units, tolower((unsigned char)*end)))) {
		int pw = (int)(u - units), i;
		double base = 1024;

		end++;
		if (tolower((unsigned char)*end) == 'b' && pw > 0) {
			base = 1000;
			end++;
		} else if (tolower((unsigned char)end[0]) == 'i' &&
		    tolower((unsigned char)end[1]) == 'b') {
			end += 2;
		}
		for (i = 0; i < pw; i++)
			mult *= base;
	}
	if (strcmp(end, "+1") == 0)
		adjust = 1;
	else if (strcmp(end, "-1") == 0)
		adjust = -1;
	else if (*end)
		return false;
	v = v * mult + adjust;
	if (v < 0 || v > 1.8e19)
		return false;
	*out = (uint64_t)v;
	return true;
}

/* --chown=USER:GROUP, names or numbers; either side may be empty. */
bool cli_parse_chown(const char *s, struct ts_options *o, char *err,
    size_t errlen)
{
	const char *colon = strchr(s, ':');
	char user[256] = "", group[256] = "";
	char *end;

	snprintf(user, sizeof(user), "%.*s",
	    (int)(colon ? (size_t)(colon - s) : strlen(s)), s);
	if (colon)
		snprintf(group, sizeof(group), "%s", colon + 1);
	if (*user) {
		struct passwd *pw = getpwnam(user);
		long long v = strtoll(user, &end, 10);

		if (pw)
			o->chown_uid = pw->pw_uid;
		else if (!*end && v >= 0)
			o->chown_uid = v;
		else {
			snprintf(err, errlen, "--chown: unknown user '%s'",
			    user);
			return false;
		}
		o->owner = true;
	}
	if (*group) {
		struct group *gr = getgrnam(group);
		long long v = strtoll(group, &end, 10);

		if (gr)
			o->chown_gid = gr->gr_gid;
		else if (!*end && v >= 0)
			o->chown_gid = v;
		else {
			snprintf(err, errlen, "--chown: unknown group '%s'",
			    group);
			return false;
		}
		o->group = true;
	}
	if (!*user && !*group) {
		snprintf(err, errlen, "--chown needs USER, :GROUP or "
		    "USER:GROUP");
		return false;
	}
	return true;
}

bool cli_parse_max_delete(const char *s, struct ts_options *o)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || v < 0)
		return false;
	o->max_delete_pct = *end == '%';
	if (o->max_delete_pct && (end[1] != '\0' || v > 100))
		return false;
	if (!o->max_delete_pct && *end)
		return false;
	o->max_delete = v;
	return true;
}

/* --copy-method: "auto", or a method's name as the method table spells
 * it for the command line ("read_write" is an old spelling, kept). */
bool cli_parse_copy_method(const char *s, enum ts_copy_method *m)
{
	int i;

	if (strcmp(s, "auto") == 0) {
		*m = TS_COPY_AUTO;
		return true;
	}
	for (i = 0; i < TS_METHOD_COUNT; i++) {
		if (strcmp(s, copy_methods[i].cli) == 0 ||
		    strcmp(s, copy_methods[i].json) == 0) {
			*m = copy_methods[i].forced;
			return true;
		}
	}
	return false;
}

bool cli_is_remote(const char *s)
{
	const char *host = s;

	for (; *s; s++) {
		if (*s == ':')
			return true;
		if (*s == '/')
			return false;
		if (*s == '@') {
			host = s + 1;
		} else if (*s == '[') {
			const char *close = s + 1;

			if (s != host)
				return false;
			while (*close && *close != ']' && *close != '/')
				close++;
			if (*close != ']' || close == s + 1)
				return false;
			if (close[1] && close[1] != '/' && close[1] != ':')
				return false;
			s = close;
		}
	}
	return false;
}

