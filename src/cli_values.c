/*
 * cli_values.c -- the values options take, as rsync reads them: numbers,
 * sizes with units, USER:GROUP, --max-delete's NUM[%], a copy method,
 * --max-alloc's size, --stop-at's time; and rsync's rule for what names a
 * remote operand.
 *
 * Pure: no file system, no output (the caller says what was wrong).
 */
#include "cli.h"

#include "copy.h"
#include "idmap.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

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

bool cli_parse_idmap(const char *s, bool users, struct ts_options *o,
    char *err, size_t errlen)
{
	const char **map = users ? &o->usermap : &o->groupmap;
	const char *what = users ? "usermap" : "groupmap";
	struct idmap *m;

	if ((users ? o->chown_uid : o->chown_gid) >= 0) {
		snprintf(err, errlen, "--%s conflicts with prior --chown.",
		    what);
		return false;
	}
	if (*map) {
		snprintf(err, errlen, "You can only specify --%s once.", what);
		return false;
	}
	/* Only the syntax here: unknown names are the run's warnings. */
	if (idmap_parse(s, users, &m, err, errlen, NULL, NULL) < 0)
		return false;
	idmap_free(m);
	*map = s;
	if (users)
		o->owner = true;
	else
		o->group = true;
	return true;
}

/* --chown=USER:GROUP, names or numbers; either side may be empty. */
bool cli_parse_chown(const char *s, struct ts_options *o, char *err,
    size_t errlen)
{
	const char *colon = strchr(s, ':');
	char user[256] = "", group[256] = "";
	uint32_t id;

	snprintf(user, sizeof(user), "%.*s",
	    (int)(colon ? (size_t)(colon - s) : strlen(s)), s);
	if (colon)
		snprintf(group, sizeof(group), "%s", colon + 1);
	/* rsync's --chown is --usermap=*:USER, --groupmap=*:GROUP. */
	if ((*user && o->usermap) || (*group && o->groupmap)) {
		snprintf(err, errlen, "--chown conflicts with prior --%s.",
		    *user && o->usermap ? "usermap" : "groupmap");
		return false;
	}
	if (*user) {
		if (!idmap_id_of(true, user, &id)) {
			snprintf(err, errlen, "--chown: unknown user '%s'",
			    user);
			return false;
		}
		o->chown_uid = id;
		o->owner = true;
	}
	if (*group) {
		if (!idmap_id_of(false, group, &id)) {
			snprintf(err, errlen, "--chown: unknown group '%s'",
			    group);
			return false;
		}
		o->chown_gid = id;
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


/* rsync's do_big_num(N, 3, NULL): "1.00M" (powers of 1024). */
static void big_1024(char *buf, size_t size, long long v)
{
	static const char units[] = "KMGTP";
	double d = (double)v;
	int u = -1;

	while (d >= 1024 && u < 4) {
		d /= 1024;
		u++;
	}
	if (u < 0)
		snprintf(buf, size, "%lld", v);
	else
		snprintf(buf, size, "%.2f%c", d, units[u]);
}

/*
 * rsync's parse_size_arg(): digits with an optional fraction, a unit (DEF
 * when none is written; B K M G T P, "KB" powers of 1000, "KiB" powers of
 * 1024), an optional "+1" or "-1"; at least MIN, or 0.  NAME is the
 * option's, for the message.
 */
long long cli_parse_size_arg(const char *s, char def, const char *name,
    long long min, char *err, size_t errlen)
{
	return cli_parse_size_max(s, def, name, min, -1, err, errlen);
}

long long cli_parse_size_max(const char *s, char def, const char *name,
    long long min, long long max, char *err, size_t errlen)
{
	static const char units[] = "BKMGTP";
	const char *a = s, *u;
	long long size = 1, mult = 1024, limit = (long long)(SIZE_MAX / 2);
	double d;
	int reps;

	while (isdigit((unsigned char)*a))
		a++;
	if (*a == '.')
		for (a++; isdigit((unsigned char)*a); a++)
			;
	u = strchr(units, toupper((unsigned char)(*a && *a != '+' &&
	    *a != '-' ? *a++ : def)));
	if (!u || !*u)
		goto invalid;
	reps = (int)(u - units);
	if (*a == 'b' || *a == 'B') {
		mult = 1000;
		a++;
	} else if (*a && *a != '+' && *a != '-') {
		if (strncasecmp(a, "ib", 2) != 0)
			goto invalid;
		a += 2;
	}
	while (reps--) {
		if (size > limit / mult)
			goto too_large;
		size *= mult;
	}
	errno = 0;
	d = strtod(s, NULL);
	if (errno == ERANGE || d < 0 || d >= (double)limit / (double)size)
		goto too_large;
	d *= (double)size;
	if ((*a == '+' || *a == '-') && a[1] == '1' && a != s) {
		d += *a == '+' ? 1 : -1;
		a += 2;
	}
	if (*a)
		goto invalid;
	if (max >= 0 && d > (double)max) {
		char m[32];

		big_1024(m, sizeof(m), max);
		snprintf(err, errlen, "--%s=%s is too large (max: %s)", name, s,
		    m);
		return -1;
	}
	size = (long long)d;
	if (size < min && size != 0) {
		char m[32];

		big_1024(m, sizeof(m), min);
		snprintf(err, errlen, "--%s=%s is too small (min: %s or 0 "
		    "for unlimited)", name, s, m);
		return -1;
	}
	return size;
invalid:
	snprintf(err, errlen, "--%s=%s is invalid", name, s);
	return -1;
too_large:
	if (max >= 0) {
		char m[32];

		big_1024(m, sizeof(m), max);
		snprintf(err, errlen, "--%s=%s is too large (max: %s)", name, s,
		    m);
	} else {
		snprintf(err, errlen, "--%s=%s is too large", name, s);
	}
	return -1;
}

/* The date and time fields of a --stop-at value, -1 where not given. */
struct when {
	int year, mon, mday, hour, min;
};

/* Reads "[[[y-]m-]dT]h:m" or "y-m-dT" into *W (rsync's grammar: '/' may
 * separate the date too, a leading 'T' or ':' starts at the time).  False
 * on a malformed value. */
static bool read_when(const char *cp, struct when *w)
{
	int in_date, n;

	w->year = w->mon = w->mday = w->hour = w->min = -1;
	if (*cp == 'T' || *cp == 't' || *cp == ':') {
		in_date = *cp == ':' ? 0 : -1;
		cp++;
	} else {
		in_date = 1;
	}
	for (;; cp++) {
		if (!isdigit((unsigned char)*cp))
			return false;
		for (n = 0; isdigit((unsigned char)*cp); cp++)
			n = n * 10 + (*cp - '0');
		if (*cp == ':')
			in_date = 0;
		if (in_date > 0) {
			if (w->year != -1)
				return false;
			w->year = w->mon;
			w->mon = w->mday;
			w->mday = n;
			if (!*cp)
				return true;
			if (*cp == 'T' || *cp == 't') {
				if (!cp[1])
					return true;
				in_date = -1;
			} else if (*cp != '-' && *cp != '/') {
				return false;
			}
			continue;
		}
		if (w->hour != -1)
			return false;
		w->hour = w->min;
		w->min = n;
		if (!*cp)
			return in_date >= 0;
		if (*cp != ':')
			return false;
		in_date = 0;
	}
}

/*
 * rsync's parse_time(): fields left out come from NOW, and a moment that
 * is already past moves on by the first field left out (the next day,
 * month or year; the next hour when only minutes were given).
 * Long: rsync's parse_time() step for step, to be read beside it.
 */
time_t cli_parse_stop_at(const char *s, time_t now)
{
	struct tm t, today;
	struct when w;
	int in_date = 0, old_mday;
	time_t val, step = 0;

	if (!read_when(s, &w) || !localtime_r(&now, &today))
		return (time_t)-1;
	memset(&t, 0, sizeof(t));
	t.tm_isdst = -1;
	if (w.year < 0) {
		t.tm_year = today.tm_year;
		in_date = 1;
	} else if (w.year < 100) {
		for (t.tm_year = w.year; t.tm_year < today.tm_year; )
			t.tm_year += 100;
	} else {
		t.tm_year = w.year - 1900;
	}
	if (w.mon < 0) {
		t.tm_mon = today.tm_mon;
		in_date = 2;
	} else {
		t.tm_mon = w.mon - 1;
	}
	t.tm_mday = w.mday;
	if (w.mday < 0) {
		t.tm_mday = today.tm_mday;
		in_date = 3;
	}
	t.tm_hour = w.hour;
	t.tm_min = w.min;
	if (w.min < 0) {
		t.tm_hour = t.tm_min = 0;
	} else if (w.hour < 0) {
		if (in_date != 3)
			return (time_t)-1;
		in_date = 0;
		t.tm_hour = today.tm_hour;
		step = 60 * 60;
	}
	old_mday = t.tm_mday;
	if (t.tm_hour > 23 || t.tm_min > 59 || t.tm_mon < 0 || t.tm_mon >= 12 ||
	    t.tm_mday < 1 || t.tm_mday > 31 || (val = mktime(&t)) == (time_t)-1)
		return (time_t)-1;
	while (in_date && (val <= now || t.tm_mday < old_mday)) {
		switch (in_date) {
		case 3:
			old_mday = ++t.tm_mday;
			break;
		case 2:
			if (t.tm_mday < old_mday)
				t.tm_mday = old_mday;	/* mktime() moved on */
			else if (++t.tm_mon == 12) {
				t.tm_mon = 0;
				t.tm_year++;
			}
			break;
		default:
			if (t.tm_mday < old_mday) {
				/* Feb 29 became Mar 1 */
				if (t.tm_mon != 2 || old_mday != 29)
					return (time_t)-1;
				t.tm_mon = 1;
				t.tm_mday = 29;
			}
			t.tm_year++;
			break;
		}
		if ((val = mktime(&t)) == (time_t)-1) {
			if (in_date != 3 || t.tm_mday <= 28)
				return (time_t)-1;
			t.tm_mday = old_mday = 1;
			in_date = 2;
		}
	}
	while (step && val <= now)
		val += step;
	return val;
}
