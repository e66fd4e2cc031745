/*
 * report_format.c -- rsync's --out-format and --log-file-format escapes
 * (rsync's log.c log_formatted()) for one item; rsync's numbers under -h.
 *
 * Pure: formats what the caller knows about the item into a buffer.  The
 * escapes and their widths are rsync's: "%i %n%L" is -i's line, "%n%L"
 * -v's; "%-10n" takes a width, "%'l" quotes for digit separators (two
 * quotes: K/M/G units, three: powers of 1024); "%%" is a literal percent.
 * Local meanings, where rsync's refer to its protocol: %o is "send"
 * (rsync's local client sends) or "del.", %b counts the bytes this item
 * copied and %c none (rsync counts its stream and its block checksums);
 * %m is empty and %h, %a, %P and %u stay as written, as rsync's do outside
 * a daemon.
 */
#define _GNU_SOURCE
#include "report_int.h"

#include "util.h"
#include "walk.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define FMT_WIDTH 32	/* rsync's LOG_FMT_SIZE: the "%-123x" scratch size */

bool report_format_has(const char *fmt, char esc)
{
	const char *p;
	int width;

	if (!fmt)
		return false;
	for (p = fmt; (p = strchr(p, '%')) != NULL;) {
		for (p++; *p == '\''; p++)
			;
		/* The same width scan as the formatter (rsync: both must
		 * stop at the same digit). */
		width = 1;
		if (*p == '-') {
			p++;
			width++;
		}
		while (*p >= '0' && *p <= '9' && width < FMT_WIDTH - 8) {
			p++;
			width++;
		}
		while (*p == '\'')
			p++;
		if (!*p)
			break;
		if (*p == esc)
			return true;
		if (*p == '%')
			p++;
	}
	return false;
}

/* rsync's timestring(): "2026/12/02 07:32:46", in local time. */
static void timestring(char *buf, size_t size, time_t t)
{
	struct tm tm;

	if (!localtime_r(&t, &tm)) {
		snprintf(buf, size, "%lld", (long long)t);
		return;
	}
	strftime(buf, size, "%Y/%m/%d %H:%M:%S", &tm);
}

/* rsync's permstring() without the type character: "rwxr-xr-x". */
static void permstring(char *buf, uint32_t mode)
{
	static const char rwx[] = "rwxrwxrwx";
	int i;

	for (i = 0; i < 9; i++)
		buf[i] = (mode & (1u << (8 - i))) ? rwx[i] : '-';
	if (mode & S_ISUID)
		buf[2] = (mode & S_IXUSR) ? 's' : 'S';
	if (mode & S_ISGID)
		buf[5] = (mode & S_IXGRP) ? 's' : 'S';
	if (mode & S_ISVTX)
		buf[8] = (mode & S_IXOTH) ? 't' : 'T';
	buf[9] = '\0';
}

/* rsync's clean_fname(name, 0) for %f: "//" and "/./" collapse, a
 * trailing "/." stays (rsync prints "src/." for the transfer root). */
static void clean_path(char *s)
{
	char *r = s, *w = s;

	while (*r) {
		if (r[0] == '/' && r[1] == '/') {
			r++;
			continue;
		}
		if (r[0] == '/' && r[1] == '.' && r[2] == '/') {
			r += 2;
			continue;
		}
		if (r == s && r[0] == '.' && r[1] == '/' && r[2]) {
			r += 2;
			continue;
		}
		*w++ = *r++;
	}
	*w = '\0';
}

/*
 * %f: the item's source path, without a leading '/'.  With one operand it
 * is the operand's path and the item's ("dir/" names its contents, "dir"
 * the directory itself, whose name starts every item's path; the root of
 * "dir/" is "dir/.", as rsync prints it).  With several, the source
 * directory messages name, and the entry's name.
 */
static void full_name(const struct report *r, const struct fmt_item *it,
    char *buf, size_t size)
{
	if (r->o->nsrcs == 1 && !it->deleted) {
		const char *op = r->o->srcs[0], *b;
		const char *path = strcmp(it->path, "./") == 0 ? "." :
		    it->path;
		size_t n = strlen(op);

		if (n && op[n - 1] == '/') {
			snprintf(buf, size, "%s%s", op, path);
		} else {
			b = strrchr(op, '/');
			snprintf(buf, size, "%.*s%s",
			    b ? (int)(b - op + 1) : 0, op, path);
		}
	} else if (it->src_dir && it->src_name) {
		snprintf(buf, size, "%s%s%s", it->src_dir,
		    *it->src_dir ? "/" : "", it->src_name);
	} else if (it->src_dir && *it->src_dir) {
		snprintf(buf, size, "%s", it->src_dir);
	} else {
		snprintf(buf, size, "%s", it->path);
	}
	clean_path(buf);
	if (buf[0] == '/')
		memmove(buf, buf + 1, strlen(buf));
}

/* rsync's do_big_num() under -h levels: HUMAN is rsync's human_readable
 * (0 digits, 1 separators, 2 powers of 1000, 3 powers of 1024). */
const char *report_num(char *buf, size_t size, int64_t v, int human)
{
	static const char units[] = "KMGTP";
	char tmp[32];
	int len, i, o = 0;

	if (human > 1) {
		double mult = human == 2 ? 1000.0 : 1024.0;
		double d = (double)(v < 0 ? -v : v);
		int u = -1;

		while (d >= mult && u < 4) {
			d /= mult;
			u++;
		}
		if (u >= 0) {
			snprintf(buf, size, "%s%.2f%c", v < 0 ? "-" : "", d,
			    units[u]);
			return buf;
		}
	}
	len = snprintf(tmp, sizeof(tmp), "%lld", (long long)v);
	for (i = 0; i < len && (size_t)o + 2 < size; i++) {
		if (human && i > 0 && tmp[i - 1] != '-' && (len - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = tmp[i];
	}
	buf[o] = '\0';
	return buf;
}

/* %n: the path, a directory's with a trailing '/'; into BUF. */
static const char *name_escape(const struct fmt_item *it, char *buf,
    size_t size)
{
	size_t n = (size_t)snprintf(buf, size - 2, "%s", it->path);

	if (n >= size - 2)
		n = size - 3;
	if (S_ISDIR(it->mode) && !(n && buf[n - 1] == '/')) {
		buf[n++] = '/';
		buf[n] = '\0';
	}
	return buf;
}

/* %M: the mtime as "YYYY/MM/DD-hh:mm:ss"; into BUF. */
static const char *mtime_escape(const struct fmt_item *it, char *buf,
    size_t size)
{
	char *c;

	timestring(buf, size, (time_t)it->mtime);
	for (c = buf; (c = strchr(c, ' ')) != NULL;)
		*c = '-';
	return buf;
}

/* The text of one escape CH, or NULL (the escape is left as written).
 * BUF is scratch space. */
static const char *expand(const struct report *r, const struct fmt_item *it,
    char ch, int human, char *buf, size_t size)
{
	/* HUMAN: rsync's quotes, one for separators, two for powers of
	 * 1000, three of 1024. */
	switch (ch) {
	case 'n':
		return name_escape(it, buf, size);
	case 'f':
		full_name(r, it, buf, size);
		return buf;
	case 'L': {
		/* The target alone; the caller puts " -> ", " => " or, with
		 * a width and no target, four spaces before it. */
		const char *t = it->hlink ? it->hlink :
		    S_ISLNK(it->mode) && !it->deleted ? it->target : NULL;

		return t ? t : "";
	}
	case 'i':
		return it->itemize;
	case 'o':
		return it->deleted ? "del." : "send";
	case 'l':
		return report_num(buf, size, (int64_t)it->size, human);
	case 'b':
	case 'c':
		/* The bytes this item moved: a local copy has no protocol
		 * stream to count (rsync: %b is what went over it). */
		return report_num(buf, size, ch == 'b' ? (int64_t)it->bytes : 0,
		    human);
	case 'U':
		/* rsync: 0 when owners are not kept, DEFAULT for groups. */
		snprintf(buf, size, "%u", r->o->owner ? it->uid : 0);
		return buf;
	case 'G':
		if (!r->o->group)
			return "DEFAULT";
		snprintf(buf, size, "%u", it->gid);
		return buf;
	case 'p':
		snprintf(buf, size, "%ld", r->pid);
		return buf;
	case 'M':
		return mtime_escape(it, buf, size);
	case 't':
		timestring(buf, size, time(NULL));
		return buf;
	case 'B':
		permstring(buf, it->mode);
		return buf;
	case 'C':
		if (it->sum && !it->deleted)
			return it->sum;
		memset(buf, ' ', 32);
		buf[32] = '\0';
		return buf;
	case '%':
		return "%";
	case 'm':
		return "";	/* rsync: no module outside a daemon */
	default:
		/* %h %a %P %u: a daemon's, left as written outside one (as
		 * rsync does); unknown letters likewise. */
		return NULL;
	}
}

/* The line with every escape expanded, names raw (widths count their
 * bytes, as rsync's do); report_format() escapes it whole. */
static size_t format_raw(const struct report *r, const char *fmt,
    const struct fmt_item *it, char *out, size_t size)
{
	char val[LINE_MAX_BYTES], spec[FMT_WIDTH + 2];
	const char *p = fmt;
	size_t o = 0;

	while (*p && o + 1 < size) {
		const char *s = p, *text;
		int humanize = 0, c = 1;

		if (*p != '%') {
			out[o++] = *p++;
			continue;
		}
		p++;
		spec[0] = '%';
		while (*p == '\'') {
			humanize++;
			p++;
		}
		if (*p == '-') {
			spec[c++] = '-';
			p++;
		}
		while (*p >= '0' && *p <= '9' && c < FMT_WIDTH - 8)
			spec[c++] = *p++;
		while (*p == '\'') {
			humanize++;
			p++;
		}
		if (!*p) {
			/* A trailing '%...': printed as it is. */
			p = s + strlen(s);
			while (s < p && o + 1 < size)
				out[o++] = *s++;
			break;
		}
		text = expand(r, it, *p, humanize, val, sizeof(val));
		if (*p == 'L' && text && (*text || c > 1)) {
			/* rsync: the width is the target's, after the arrow. */
			o += (size_t)snprintf(out + o, size - o, "%s",
			    !*text ? "    " : it->hlink ? " => " : " -> ");
			if (o >= size)
				o = size - 1;
		}
		p++;
		if (!text) {
			while (s < p && o + 1 < size)
				out[o++] = *s++;
			continue;
		}
		/* "%-10s" for a width, else "%s". */
		spec[c] = 's';
		spec[c + 1] = '\0';
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		o += (size_t)snprintf(out + o, size - o, spec, text);
#pragma GCC diagnostic pop
		if (o >= size)
			o = size - 1;
	}
	out[o] = '\0';
	return o;
}

size_t report_format(const struct report *r, const char *fmt,
    const struct fmt_item *it, char *out, size_t size)
{
	char raw[LINE_MAX_BYTES];

	if (size == 0)
		return 0;
	/* rsync escapes the finished line, literal text included. */
	format_raw(r, fmt, it, raw, sizeof(raw));
	return report_escape(r, out, size, raw);
}

/*
 * --list-only's line, as rsync's list_file_entry(): type and permissions,
 * the size (14 wide, 11 with --no-h), the mtime, the name and, with -l, a
 * symlink's target.
 */
void report_list_entry(struct report *r, const char *rel,
    const struct ts_entry *e, const char *target)
{
	char perm[11], num[32], when[32], line[LINE_MAX_BYTES];
	char c = S_ISDIR(e->mode) ? 'd' : S_ISLNK(e->mode) ? 'l' :
	    S_ISBLK(e->mode) ? 'b' : S_ISCHR(e->mode) ? 'c' :
	    S_ISSOCK(e->mode) ? 's' : S_ISFIFO(e->mode) ? 'p' : '-';

	perm[0] = c;
	permstring(perm + 1, e->mode);
	timestring(when, sizeof(when), (time_t)e->mtime_sec);
	snprintf(line, sizeof(line), "%s %*s %s %s%s%s", perm,
	    r->human ? 14 : 11, report_num(num, sizeof(num), (int64_t)e->size,
	    r->human), when, rel, target ? " -> " : "", target ? target : "");
	/* --iconv: rsync prints the names it converted as they are. */
	if (r->names)
		report_info(r, "%s", line);
	else
		report_note(r, "%s", line);
}
