/*
 * nameconv.c -- --iconv: file names and symlink targets converted from the
 * source's charset to the destination's, the way a local rsync does it.
 *
 * rsync's sender turns its names from LOCAL into UTF-8 for the file list,
 * and its receiver turns them from UTF-8 into REMOTE; a name either step
 * cannot convert is not transferred (an I/O error of the run: exit 23, no
 * deletion).  What it prints are the sender's names.  Here the two steps
 * are two iconv(3) descriptors, and two more turn a destination name back
 * for printing (REMOTE -> UTF-8 -> LOCAL: the names the run made come back
 * as they were).  An iconv_t keeps a shift state and is not thread-safe:
 * one lock guards all four (a conversion is a short call).
 *
 * Owns no file: the walk asks for a source directory's names
 * (scan.c), item.c for a symlink's target, report.c for printed paths.
 */
#define _GNU_SOURCE
#include "nameconv.h"

#include "report.h"
#include "util.h"

#include <errno.h>
#include <iconv.h>
#include <langinfo.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define UTF8 "UTF-8"

struct nameconv {
	pthread_mutex_t lock;	/* guards the four descriptors */
	iconv_t to_utf8;	/* LOCAL -> UTF-8 */
	iconv_t to_remote;	/* UTF-8 -> REMOTE */
	iconv_t from_remote;	/* REMOTE -> UTF-8 */
	iconv_t to_local;	/* UTF-8 -> LOCAL */
};

/* rsync's charset of an empty part or ".": the locale's. */
static const char *charset(const char *s)
{
	return !*s || strcmp(s, ".") == 0 ? nl_langinfo(CODESET) : s;
}

static int open_one(struct report *rep, const char *to, const char *from,
    iconv_t *cd)
{
	*cd = iconv_open(to, from);
	if (*cd != (iconv_t)-1)
		return 0;
	report_error(rep, "iconv_open(\"%s\", \"%s\") failed", to, from);
	return TS_EXIT_UNSUPPORTED;
}

int nameconv_open(const char *spec, struct report *rep,
    struct nameconv **out)
{
	struct nameconv *nc;
	const char *comma = strchr(spec, ',');
	char *local = comma ? xstrndup(spec, (size_t)(comma - spec)) :
	    xstrdup(spec);
	const char *remote = comma ? comma + 1 : local;
	const char *lcs, *rcs;
	int code;

	*out = NULL;
	if (strcmp(spec, "-") == 0) {
		free(local);
		return 0;
	}
	nc = xcalloc(1, sizeof(*nc));
	nc->to_utf8 = nc->to_remote = nc->from_remote = nc->to_local =
	    (iconv_t)-1;
	pthread_mutex_init(&nc->lock, NULL);
	lcs = charset(local);
	rcs = charset(remote);
	/* rsync's order: the sender's side, then the receiver's. */
	if ((code = open_one(rep, UTF8, lcs, &nc->to_utf8)) ||
	    (code = open_one(rep, lcs, UTF8, &nc->to_local)) ||
	    (code = open_one(rep, UTF8, rcs, &nc->from_remote)) ||
	    (code = open_one(rep, rcs, UTF8, &nc->to_remote))) {
		free(local);
		nameconv_free(nc);
		return code;
	}
	free(local);
	*out = nc;
	return 0;
}

void nameconv_free(struct nameconv *nc)
{
	iconv_t *cds[4];
	size_t i;

	if (!nc)
		return;
	cds[0] = &nc->to_utf8;
	cds[1] = &nc->to_remote;
	cds[2] = &nc->from_remote;
	cds[3] = &nc->to_local;
	for (i = 0; i < 4; i++)
		if (*cds[i] != (iconv_t)-1)
			iconv_close(*cds[i]);
	pthread_mutex_destroy(&nc->lock);
	free(nc);
}

/* S through CD (lock held): malloc'ed, or NULL with errno set. */
static char *convert(iconv_t cd, const char *s)
{
	size_t inlen = strlen(s), cap = 4 * inlen + 16;
	char *copy = xstrdup(s);	/* iconv() takes a char ** */
	char *out = xmalloc(cap), *in = copy, *o = out;
	size_t inleft = inlen, outleft = cap - 1;

	iconv(cd, NULL, NULL, NULL, NULL);	/* the initial state */
	while (inleft > 0) {
		if (iconv(cd, &in, &inleft, &o, &outleft) != (size_t)-1)
			continue;
		if (errno != E2BIG) {
			int e = errno;

			free(out);
			free(copy);
			errno = e;
			return NULL;
		}
		cap *= 2;
		{
			size_t used = (size_t)(o - out);

			out = xrealloc(out, cap);
			o = out + used;
			outleft = cap - used - 1;
		}
	}
	/* The shift back to the initial state, for a stateful charset. */
	free(copy);
	if (iconv(cd, NULL, NULL, &o, &outleft) == (size_t)-1) {
		free(out);
		errno = EILSEQ;
		return NULL;
	}
	*o = '\0';
	return out;
}

/* S through FIRST then SECOND; *FAILED: 0 or 1, which of them failed. */
static char *two_steps(struct nameconv *nc, iconv_t first, iconv_t second,
    const char *s, int *failed)
{
	char *mid, *out = NULL;
	int e = 0;

	pthread_mutex_lock(&nc->lock);
	mid = convert(first, s);
	if (!mid) {
		e = errno;
		*failed = 0;
	} else if (!(out = convert(second, mid))) {
		e = errno;
		*failed = 1;
	}
	pthread_mutex_unlock(&nc->lock);
	free(mid);
	if (!out)
		errno = e;
	return out;
}

char *nameconv_to_dest(struct nameconv *nc, const char *name,
    enum nameconv_step *step)
{
	int failed = 0;
	char *r = two_steps(nc, nc->to_utf8, nc->to_remote, name, &failed);

	*step = failed ? NAMECONV_RECEIVER : NAMECONV_SENDER;
	return r;
}

char *nameconv_to_local(struct nameconv *nc, const char *name)
{
	int failed;

	return two_steps(nc, nc->from_remote, nc->to_local, name, &failed);
}

char *nameconv_to_utf8(struct nameconv *nc, const char *name)
{
	char *r;

	pthread_mutex_lock(&nc->lock);
	r = convert(nc->to_utf8, name);
	pthread_mutex_unlock(&nc->lock);
	return r;
}
