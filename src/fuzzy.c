/*
 * fuzzy.c -- -y/--fuzzy: the basis file rsync would pick for a new file.
 *
 * rsync's receiver, for a file with no destination file of its name,
 * looks in the same destination directory (-yy: and in the same
 * directory below each --compare-dest/--copy-dest/--link-dest) for a
 * basis to run its delta algorithm against: first a regular file of the
 * same size and mtime, else the one whose name is nearest (a Levenshtein
 * distance that also weighs how far apart the changed bytes are, plus ten
 * times the distance of the two names' suffixes), within 25 edits.  A
 * local copy is whole-file, so the basis is never read: what shows is the
 * choice, at --debug=FUZZY ("fuzzy basis selected for NEW: BASIS"; level
 * 2 also each candidate's distance).  treesync copies whole too, and
 * makes the same choice only to say it, when asked.
 *
 * With --no-whole-file (rsync then runs its delta algorithm, also
 * locally) a destination file that the run rewrites is no candidate for
 * the new files decided after it -- once the directory's candidates were
 * first looked at (rsync reads them at the directory's first new file,
 * and marks the files it transfers from then on; not in a dry run).
 * Which files come before which is the order of the join, by name, as
 * rsync's generator.  With rsync's --delete(-during, -before), the
 * directory's extraneous entries are gone before its files are decided:
 * no candidates either.
 *
 * Owns nothing but that choice and its lines; runs on the thread that
 * decides the directory's entries (the join's), state in struct fuzzy.
 */
#define _GNU_SOURCE
#include "run.h"

#include "report.h"
#include "util.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* One Levenshtein edit. */
#define EDIT ((uint32_t)1 << 16)
/* Over the length heuristic: no candidate. */
#define FAR (0xFFFFu * EDIT + 1)

static bool all_digits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* Whether the suffix S (with its '.', N bytes, the rest of the name
 * after it) says nothing about the contents: a last ".bak", ".old" or
 * ".orig", or ".~N" before a final '~' (rsync's rules, to the letter). */
static bool weak_suffix(const char *s, size_t n, bool tilde)
{
	if (n == 4)
		return strcmp(s + 1, "bak") == 0 || strcmp(s + 1, "old") == 0;
	if (n == 5)
		return strcmp(s + 1, "orig") == 0;
	return n > 2 && tilde && s[1] == '~' && s[2] >= '0' && s[2] <= '9';
}

/* NAME's most telling suffix (".tar" of "x.tar.bak"), into *LEN; "" when
 * none.  Leading dots are no suffix; an all-digit one counts only if
 * nothing better comes before it. */
static const char *name_suffix(const char *name, size_t *len)
{
	const char *suf = "", *s;
	size_t n = strlen(name), sl;
	bool tilde;

	while (n && *name == '.') {
		name++;
		n--;
	}
	tilde = n > 1 && name[n - 1] == '~';
	if (tilde)
		n--;
	*len = 0;
	while (n > 1) {
		for (s = name + n - 1; s != name && *s != '.'; s--)
			;
		if (s == name)
			break;
		sl = n - (size_t)(s - name);
		n = (size_t)(s - name);
		if (weak_suffix(s, sl, tilde))
			continue;
		suf = s;
		*len = sl;
		if (sl == 1 || !all_digits(s + 1, sl - 1))
			break;
	}
	return suf;
}

/* The weight of the bytes S[0..N) (what inserting them all costs). */
static uint32_t bytes_weight(const unsigned char *s, size_t n)
{
	uint32_t w = 0;

	while (n--)
		w += *s++;
	return w;
}

/*
 * The distance from A to B in EDITs, each edit also weighing the bytes
 * involved (an insertion or deletion its byte, a substitution the two
 * bytes' difference), so that among equally near names the more alike
 * wins; FAR when their lengths alone differ by more than LIMIT allows.
 */
static uint32_t distance(const char *a, size_t na, const char *b, size_t nb,
    uint32_t limit)
{
	const unsigned char *x = (const unsigned char *)a;
	const unsigned char *y = (const unsigned char *)b;
	uint32_t row[NAME_MAX + 2];
	size_t i, j;

	if ((uint64_t)(na > nb ? na - nb : nb - na) * EDIT > limit)
		return FAR;
	if (!na || !nb)
		return (uint32_t)(na + nb) * EDIT +
		    bytes_weight(na ? x : y, na + nb);
	if (nb > NAME_MAX + 1)
		return FAR;
	for (j = 0; j < nb; j++)
		row[j] = (uint32_t)(j + 1) * EDIT;
	for (i = 0; i < na; i++) {
		uint32_t diag = (uint32_t)i * EDIT;
		uint32_t above = (uint32_t)(i + 1) * EDIT;

		for (j = 0; j < nb; j++) {
			uint32_t left = row[j];
			int d = (int)x[i] - (int)y[j];
			uint32_t sub = diag + (d ? EDIT + (uint32_t)abs(d) : 0);
			uint32_t del = left + EDIT + x[i];
			uint32_t ins = above + EDIT + y[j];
			uint32_t best = left < above ? del : ins;

			row[j] = above = best < sub ? best : sub;
			diag = left;
		}
	}
	return row[nb - 1];
}

/* Whether entry I of the listing may be a basis (rsync: a non-empty
 * regular file the run does not rewrite). */
static bool candidate(const struct fuzzy *fz, size_t i, struct ts_entry *e)
{
	if (fz->sent && fz->sent[i])
		return false;
	dirlist_get(fz->dl, i, e);
	return S_ISREG(e->mode) && e->size > 0;
}

/* "FMT" with DIR/NAME and WHAT. */
static void say(struct ts_run *run, const char *fmt, const char *dir,
    const char *name, const char *what)
{
	char *p = util_path_join(dir, name);

	report_note2(run->rep, fmt, p, what);
	free(p);
}

/* The basis for SRC among FZ's entries, or -1.  Level 2 says why. */
static long pick(struct ts_run *run, const struct fuzzy *fz,
    const struct ts_entry *src, const char *dir)
{
	bool why = run->o->debug[TS_DEBUG_FUZZY] >= 2;
	uint32_t best = 25 * EDIT;
	const char *ssuf;
	size_t i, sslen, slen = strlen(src->name);
	struct ts_entry e;
	long at = -1;

	for (i = 0; i < fz->dl->n; i++)
		if (candidate(fz, i, &e) && e.size == src->size &&
		    e.mtime_sec == src->mtime_sec) {
			if (why)
				say(run, "fuzzy size/modtime match for %s%s",
				    dir, e.name, "");
			return (long)i;
		}
	ssuf = name_suffix(src->name, &sslen);
	for (i = 0; i < fz->dl->n; i++) {
		uint32_t dist;
		size_t len, sl;
		const char *suf;
		char num[32];

		if (!candidate(fz, i, &e))
			continue;
		len = strlen(e.name);
		suf = name_suffix(e.name, &sl);
		dist = distance(e.name, len, src->name, slen, best);
		if (dist < 0xFFFF0000u)
			dist += distance(suf, sl, ssuf, sslen, 0xFFFF0000u) *
			    10;
		if (why) {
			snprintf(num, sizeof(num), "%u.%05u", dist >> 16,
			    dist & 0xFFFF);
			say(run, "fuzzy distance for %s = %s", dir, e.name,
			    num);
		}
		if (dist <= best) {
			best = dist;
			at = (long)i;
		}
	}
	return at;
}

/* Whether NAME is in one of SC's source listings. */
static bool in_sources(const struct scan_lists *sc, const char *name)
{
	size_t k;

	for (k = 0; k < sc->nlists; k++) {
		const struct dirlist *l = &sc->lists[k];
		size_t lo = 0, hi = l->n;

		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			int c = strcmp(dirlist_name(l, mid), name);

			if (c == 0)
				return true;
			if (c < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
	}
	return false;
}

/* The directory's candidates are first looked at: with rsync's
 * --delete(-during/-before) its extraneous entries are gone by then. */
static void load(struct dnode *d, struct fuzzy *fz)
{
	struct ts_entry e;
	size_t i;

	fz->sent = xcalloc(fz->dl->n ? fz->dl->n : 1, 1);
	if (!fz->gone_early)
		return;
	for (i = 0; i < fz->dl->n; i++) {
		dirlist_get(fz->dl, i, &e);
		if (!in_sources(fz->sc, e.name) &&
		    !select_protected_dest(d, &e))
			fz->sent[i] = 1;
	}
}

void fuzzy_decided(struct dnode *d, const struct srcitem *it,
    const struct ts_entry *dst, enum cmp_action what, char **rel)
{
	struct ts_run *run = d->run;
	struct fuzzy *fz = d->fuzzy;
	long at;

	if (!fz || what != CMP_COPY)
		return;
	if (dst && S_ISREG(dst->mode)) {
		/* Rewritten by rsync's delta algorithm (--no-W, not -n):
		 * no basis for the new files after it. */
		if (fz->sent && fz->dst_index >= 0 && run->o->no_whole_file &&
		    !run->o->dry_run)
			fz->sent[fz->dst_index] = 1;
		return;
	}
	if (!fz->sent)
		load(d, fz);
	at = pick(run, fz, it->ent, d->rel);
	if (at >= 0) {
		char *basis = util_path_join(d->rel,
		    dirlist_name(fz->dl, (size_t)at));

		report_note2(run->rep, "fuzzy basis selected for %s: %s",
		    item_rel(d, it, rel), basis);
		free(basis);
	}
}
