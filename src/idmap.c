/*
 * idmap.c -- --usermap and --groupmap (rsync's syntax and matching).
 *
 * A local copy has one name database: the name of a source id is looked
 * up once, matched against the rules in order, and the answer cached.
 * --chown is not parsed here (cli_values.c resolves it to fixed ids,
 * which is what its rsync meaning "*:USER" comes to).  Pure but for the
 * getpw*_r/getgr*_r look-ups; no file-system access.
 */
#define _GNU_SOURCE
#include "idmap.h"

#include "util.h"
#include "wildmatch.h"

#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <pthread.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum rule_kind { RULE_ID, RULE_RANGE, RULE_NAME, RULE_WILD };

struct rule {
	enum rule_kind kind;
	uint32_t lo, hi;	/* RULE_ID (lo), RULE_RANGE */
	char *name;		/* RULE_NAME, RULE_WILD */
	uint32_t to;
};

struct cached {
	uint32_t id, to;
	bool numeric;
};

struct idmap {
	bool users;
	struct rule *rules;
	size_t nrules;
	pthread_mutex_t lock;	/* guards cache, ncache */
	struct cached *cache;
	size_t ncache;
};

/* The name of ID (malloc'ed), or NULL when it has none. */
static char *name_of(bool users, uint32_t id)
{
	char buf[4096];

	if (users) {
		struct passwd pw, *res = NULL;

		if (getpwuid_r(id, &pw, buf, sizeof(buf), &res) == 0 && res)
			return xstrdup(res->pw_name);
	} else {
		struct group gr, *res = NULL;

		if (getgrgid_r(id, &gr, buf, sizeof(buf), &res) == 0 && res)
			return xstrdup(res->gr_name);
	}
	return NULL;
}

bool idmap_id_of(bool users, const char *s, uint32_t *id)
{
	char buf[4096], *end;
	unsigned long v;

	if (users) {
		struct passwd pw, *res = NULL;

		if (getpwnam_r(s, &pw, buf, sizeof(buf), &res) == 0 && res) {
			*id = res->pw_uid;
			return true;
		}
	} else {
		struct group gr, *res = NULL;

		if (getgrnam_r(s, &gr, buf, sizeof(buf), &res) == 0 && res) {
			*id = res->gr_gid;
			return true;
		}
	}
	errno = 0;
	v = strtoul(s, &end, 10);
	if (!isdigit((unsigned char)*s) || *end || errno || v > UINT32_MAX)
		return false;
	*id = (uint32_t)v;
	return true;
}

/* FROM (LEN bytes) as a rule; false with rsync's message in ERR. */
static bool parse_from(const char *from, size_t len, const char *what,
    struct rule *r, char *err, size_t errlen)
{
	if (len && isdigit((unsigned char)from[0])) {
		const char *dash = memchr(from, '-', len);
		size_t i;

		for (i = 0; i < len; i++)
			if (!isdigit((unsigned char)from[i]) && from[i] != '-')
				break;
		if (i < len || (dash && (dash + 1 == from + len ||
		    memchr(dash + 1, '-', len - (size_t)(dash + 1 - from))))) {
			snprintf(err, errlen, "Invalid number in --%smap: %.*s",
			    what, (int)len, from);
			return false;
		}
		r->lo = (uint32_t)strtoul(from, NULL, 10);
		r->hi = dash ? (uint32_t)strtoul(dash + 1, NULL, 10) : 0;
		/* rsync: a range whose top is 0 is the single id. */
		r->kind = r->hi ? RULE_RANGE : RULE_ID;
		return true;
	}
	r->name = xstrndup(from, len);
	r->kind = strpbrk(r->name, "*[?") ? RULE_WILD : RULE_NAME;
	return true;
}

int idmap_parse(const char *spec, bool users, struct idmap **out, char *err,
    size_t errlen, void (*warn)(void *arg, const char *to), void *arg)
{
	const char *what = users ? "user" : "group";
	struct idmap *m = xcalloc(1, sizeof(*m));
	const char *p = spec;

	m->users = users;
	pthread_mutex_init(&m->lock, NULL);
	for (;;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		const char *colon = memchr(p, ':', len);
		struct rule r = { 0 };
		char *to;

		if (!colon) {
			snprintf(err, errlen, "No colon found in --%smap: %.*s",
			    what, (int)len, p);
			goto bad;
		}
		if (colon + 1 == p + len) {
			snprintf(err, errlen,
			    "No name found after colon --%smap: %.*s", what,
			    (int)len, p);
			goto bad;
		}
		if (!parse_from(p, (size_t)(colon - p), what, &r, err, errlen))
			goto bad;
		to = xstrndup(colon + 1, (size_t)(p + len - colon - 1));
		if (idmap_id_of(users, to, &r.to)) {
			m->rules = xrealloc(m->rules,
			    (m->nrules + 1) * sizeof(*m->rules));
			m->rules[m->nrules++] = r;
		} else {
			if (warn)
				warn(arg, to);
			free(r.name);
		}
		free(to);
		if (!end)
			break;
		p = end + 1;
	}
	*out = m;
	return 0;
bad:
	idmap_free(m);
	*out = NULL;
	return -EINVAL;
}

static bool matches(const struct rule *r, uint32_t id, const char *name)
{
	switch (r->kind) {
	case RULE_ID:
		return id == r->lo;
	case RULE_RANGE:
		return id >= r->lo && id <= r->hi;
	case RULE_NAME:
		return strcmp(r->name, name) == 0;
	case RULE_WILD:
		return wildmatch(r->name, name);
	}
	return false;
}

uint32_t idmap_map(struct idmap *m, uint32_t id, bool numeric)
{
	uint32_t to = id;
	char *name = NULL;
	size_t i;

	pthread_mutex_lock(&m->lock);
	for (i = 0; i < m->ncache; i++)
		if (m->cache[i].id == id && m->cache[i].numeric == numeric) {
			to = m->cache[i].to;
			pthread_mutex_unlock(&m->lock);
			return to;
		}
	pthread_mutex_unlock(&m->lock);
	/* rsync sends no names with --numeric-ids: every id is nameless. */
	if (!numeric)
		name = name_of(m->users, id);
	for (i = 0; i < m->nrules; i++)
		if (matches(&m->rules[i], id, name ? name : "")) {
			to = m->rules[i].to;
			break;
		}
	free(name);
	pthread_mutex_lock(&m->lock);
	m->cache = xrealloc(m->cache, (m->ncache + 1) * sizeof(*m->cache));
	m->cache[m->ncache++] = (struct cached){ id, to, numeric };
	pthread_mutex_unlock(&m->lock);
	return to;
}

void idmap_free(struct idmap *m)
{
	size_t i;

	if (!m)
		return;
	for (i = 0; i < m->nrules; i++)
		free(m->rules[i].name);
	free(m->rules);
	free(m->cache);
	pthread_mutex_destroy(&m->lock);
	free(m);
}
